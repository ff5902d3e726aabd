// The README's first example as plain JavaScript (no types): `node examples/rosenbrock.mjs`
// (in a project of your own, after `npm install hyperad`, the import is the same).
import { hessian, hessianDiagonal, hvp, grad, add, mul, pow, sub } from 'hyperad';

// the extended Rosenbrock function
const f = (x) => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++)
    s = add(s, add(mul(100, pow(sub(x[i + 1], pow(x[i], 2)), 2)), pow(sub(1, x[i]), 2)));
  return s;
};
const x = [0.5, -0.3, 1.2];
console.log('grad', grad(f, x));                                          // ∇f
console.log('hvp', hvp(f, x, [1, 0, 0]));                                 // H·v by forward-over-reverse
console.log('hessian', hessian(f, x));                                    // rows of H, exactly symmetric
console.log('hessianDiagonal', hessianDiagonal(f, x));                    // [422, -170, 200]: one-hot hyper-dual lanes
console.log('hessianDiagonal hvp', hessianDiagonal(f, x, { method: 'hvp' })); // the same by n HVPs

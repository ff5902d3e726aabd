/**
 * Nested transforms against closed forms: every transform called inside a
 * function another transform differentiates returns values of the outer
 * evaluation, each perturbation tagged apart (no perturbation confusion).
 */
import { expect } from 'chai';
import {
  add, directional, exp, grad, gradDirectional, gradHyperdual, hessian, hessianDiagonal, hvp, hyperdual, jacobian, jvp,
  laplacian, mul, pow, prepare, sin, tensor, valueAndGrad, type Num, type Tensor,
} from '../lib/index.js';
import * as h from '../lib/index.js';

/** exact arithmetic on the jets, so only rounding of the primal math separates paths */
const TOL = 1e-12;
const close = (got: ArrayLike<number> | number, want: ArrayLike<number> | number) => {
  const g = typeof got === 'number' ? [got] : Array.from(got), w = typeof want === 'number' ? [want] : Array.from(want);
  expect(g.length).to.equal(w.length);
  g.forEach((v, i) => expect(Math.abs(v - w[i]!), `entry ${i}: ${v} vs ${w[i]}`).to.be.at.most(TOL * Math.max(1, Math.abs(w[i]!))));
};

const f = (z: Num[]) => mul(sin(z[0]!), exp(z[1]!));
const x = [0.3, 0.7], v = [1, -2];

describe('nested transforms', () => {
  it('d/dx [x · d/dy (x + y)] = 1 (the perturbation-confusion test)', () => {
    close(grad((X) => mul(X[0]!, grad((Y) => add(X[0]!, Y[0]!), [1])[0]!), [2]), 1);
  });

  it('d/dx [x · d/dy (x·y)] = 2x: the inner derivative stays a function of x', () => {
    close(grad((X) => mul(X[0]!, grad((Y) => mul(X[0]!, Y[0]!), [1])[0]!), [3]), 6);
  });

  it('the gradient of a gradient entry: ∇(∂f/∂x₀) for f = x₀²x₁³ is (2x₁³, 6x₀x₁²)', () => {
    close(grad((X) => grad((Z) => mul(pow(Z[0]!, 2), pow(Z[1]!, 3)), X)[0]!, [1.5, 2]), [16, 36]);
  });

  it('jvp of grad is H·v; hvp inside grad is ∇(vᵀHv); hessian inside grad is ∇H₀₁', () => {
    const Hv = hvp(f, x, v);
    close([0, 1].map((i) => jvp((z) => grad(f, z)[i]!, x, v).tangent), Hv);
    close(grad((z) => { const h = hvp(f, z, v); return add(mul(v[0]!, h[0]!), mul(v[1]!, h[1]!)); }, x), gradDirectional(f, x, v).grad);
    close(grad((z) => hessian(f, z)[0]![1]!, x), gradHyperdual(f, x, [1, 0], [0, 1]).grad);
  });

  it('three levels: ∂³/∂x∂y∂z (xyz)² = 8xyz', () => {
    const g = grad((X) => grad((Y) => grad((Z) => pow(mul(mul(X[0]!, Y[0]!), Z[0]!), 2), [0.5])[0]!, [0.4])[0]!, [0.3]);
    close(g, 8 * 0.3 * 0.4 * 0.5);
  });

  it('three levels through every kind of transform: jvp ∘ directional ∘ grad, hyperdual ∘ valueAndGrad', () => {
    // g(x) = ∂/∂x₀ of f, second directional of that along a, then its derivative along v
    // = Σ ∂⁴…: check against the same quantity built from gradHyperdual (third order) on ∂f/∂x₀
    const a = [0.6, -0.4];
    const inner = (z: Num[]) => grad(f, z)[0]!;
    const lhs = directional(inner, x, a).second;
    close(lhs, hyperdual(inner, x, a, a).dab);
    // ∂/∂x₀ f = cos(x₀)e^{x₁}: its Hessian along a is e^{x₁}(−cos x₀ a₀² − 2 sin x₀ a₀a₁ + cos x₀ a₁²)
    const [x0, x1] = x as [number, number], [a0, a1] = a as [number, number];
    close(lhs, Math.exp(x1) * (-Math.cos(x0) * a0 * a0 - 2 * Math.sin(x0) * a0 * a1 + Math.cos(x0) * a1 * a1));
    close(valueAndGrad((z) => hyperdual(f, z, a, v).dab, x).grad, gradHyperdual(f, x, a, v).grad);
  });

  it('jacobian, hessianDiagonal and laplacian nest too', () => {
    const J = jacobian((z) => grad(f, z), x);
    const H = hessian(f, x);
    J.forEach((row, i) => close(row, H[i]!));
    close(grad((z) => laplacian(f, z), x), grad((z) => add(hessianDiagonal(f, z)[0]!, hessianDiagonal(f, z)[1]!), x));
  });

  it('deeper than the table allows gives a clear error, never a number', () => {
    expect(() => hessian((z) => hessian(f, z)[0]![0]!, x)).to.throw(RangeError, /need 4 live perturbations .* at most 3/);
  });

  it('unsupported nesting says so', () => {
    expect(() => grad((z) => prepare(f, z).value as number, x)).to.throw(/prepare: cannot run inside a function another transform is differentiating/);
    expect(() => grad(() => h.sum(grad((t: Tensor) => h.sum(t), tensor([1, 2]))).item(), x)).to.throw(/tensors are not supported nested/);
  });

  it('top-level results are unchanged: numbers in Float64Arrays', () => {
    const g = grad((X) => mul(X[0]!, grad((Y) => add(X[0]!, Y[0]!), [1])[0]!), [2]);
    expect(g).to.be.instanceOf(Float64Array);
  });
});

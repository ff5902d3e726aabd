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
  });

  it('top-level results are unchanged: numbers in Float64Arrays', () => {
    const g = grad((X) => mul(X[0]!, grad((Y) => add(X[0]!, Y[0]!), [1])[0]!), [2]);
    expect(g).to.be.instanceOf(Float64Array);
  });
});

describe('nesting: transforms over Tensor points inside other transforms (tensors of jets)', () => {
  const u = [0.3, -1.2, 0.7, 1.9], v = tensor([0.5, -0.25, 2, 1]);

  it('∇ₓ Σ hvp(t ↦ Σ tᵢ³, x, v) = 6v, with x and the inner point Tensors', () => {
    const g = grad((x: Tensor) => h.sum(hvp((t: Tensor) => h.sum(h.pow(t, 3) as Tensor), x, v) as Tensor), tensor(u));
    expect(g).to.be.instanceOf(h.Tensor);
    expect(g.shape).to.deep.equal([4]);
    close(g.data, v.data.map((vi) => 6 * vi));
  });

  it('diag ∇² of Σ ∇(t ↦ Σ tᵢ sin tᵢ) is −3 sin x − x cos x; jvp, hyperdual and the Laplacian agree', () => {
    const inner = (x: Tensor) => h.sum(grad((t: Tensor) => h.sum(t.mul(t.sin())), x) as Tensor);
    const want = u.map((xi) => -3 * Math.sin(xi) - xi * Math.cos(xi));
    close((hessianDiagonal(inner, tensor(u)) as Tensor).data, want);
    close(laplacian(inner, tensor(u)), want.reduce((a, b) => a + b, 0));
    const d = [1, -2, 0.5, 3], dd = d.map((di, i) => di * di * want[i]!).reduce((a, b) => a + b, 0);
    close(directional(inner, tensor(u), tensor(d)).second, dd);
    close(hyperdual(inner, tensor(u), d, d).dab, dd);
  });

  it('a matrix product, a slice, a broadcast and a full sum inside: the outer gradient against central differences', () => {
    const W0 = tensor([[0.2, -0.4, 0.1, 0.9], [0.5, 0.3, -0.7, 0.2], [-0.3, 0.8, 0.4, -0.6]]), x0 = tensor(u), b = tensor([0.1, -0.2, 0.3]);
    // F(W) = Σ (∇ₓ Σ tanh(W x + b))[1:3]², the inner gradient taken with W fixed inside
    const inner = (W: Tensor, x: Tensor) => h.sum(h.tanh(h.add(h.matmul(W, x), b)) as Tensor);
    const F = (W: Tensor): Num => {
      const g = grad((x: Tensor) => inner(W, x), x0) as Tensor, s = h.slice(g, [[1, 3]]);
      return h.sum(s.mul(s));
    };
    const G = grad(F, W0) as Tensor, w = W0.data, eps = 1e-5;
    const plain = (data: Float64Array) => (F(tensor(data, [3, 4])) as Tensor | number);
    const at = (data: Float64Array) => { const y = plain(data); return typeof y === 'number' ? y : y.item(); };
    G.data.forEach((gi, i) => {
      const up = w.slice(), dn = w.slice();
      up[i] += eps; dn[i] -= eps;
      expect(Math.abs(gi - (at(up) - at(dn)) / (2 * eps)), `∂F/∂W[${i}]`).to.be.below(1e-8);
    });
  });

  it('a record of Tensors as the inner point, and hessian and jacobian over a Tensor, nested', () => {
    const g = grad((x: Tensor) => {
      const r = grad((p: { a: Tensor; b: Tensor }) => h.sum(p.a.mul(p.b).mul(x.index(0)!)), { a: tensor([1, 2]), b: tensor([3, 4]) }) as { a: Tensor; b: Tensor };
      return h.sum(r.a.add(r.b)); // (b + a)·x₀ summed: 3 + 4 + 1 + 2 times x₀
    }, tensor(u));
    close(g.data, [10, 0, 0, 0]);
    // ∂/∂x₀ of H(t ↦ x₀ Σ tᵢ²)(t₀) = 2I
    const H = grad((x: Tensor) => h.sum(h.tensor([0]).add(hessian((t: Tensor) => h.sum(t.mul(t).mul(x.index(0)!)), tensor([1, 2]))[0]![0]!)), tensor(u));
    close(H.data, [2, 0, 0, 0]);
    const J = grad((x: Tensor) => jacobian((t: Tensor) => t.mul(x.index(1)!).sin(), tensor([0.5, 0.25]))[1]![1]!, tensor(u));
    // ∂/∂x₁ [x₁ cos(0.25 x₁)] = cos(0.25 x₁) − 0.25 x₁ sin(0.25 x₁)
    close(J.data, [0, Math.cos(0.25 * u[1]!) - 0.25 * u[1]! * Math.sin(0.25 * u[1]!), 0, 0]);
  });

  it('a record direction is read by the point\'s keys, whatever its own key order', () => {
    const p0 = { W: tensor([0.3, -0.2, 0.5]), b: tensor([0.1]) };
    const f = (p: { W: Tensor; b: Tensor }) => h.sum(h.sin(p.W.mul(p.b)) as Tensor);
    const dirWb = { W: tensor([1, 2, 3]), b: tensor([4]) }, dirbW = { b: tensor([4]), W: tensor([1, 2, 3]) };
    const top = jvp(f, p0, dirWb).tangent;
    // inside an outer transform (its variable unused), so the inner jvp runs nested
    const nestedJvp = (d: unknown) => valueAndGrad((z: Num[]) => mul(z[0]!, jvp(f, p0, d as never).tangent), [1]).value;
    close(nestedJvp(dirWb), top);
    close(nestedJvp(dirbW), top);
    expect(() => nestedJvp({ W: tensor([1, 2, 3]) })).to.throw(TypeError, /jvp: v\.b is missing/);
    expect(() => nestedJvp({ ...dirWb, c: tensor([1]) })).to.throw(TypeError, /jvp: v has keys that x does not \(c\)/);
    expect(() => nestedJvp({ W: tensor([1, 2, 3, 4]), b: tensor([4]) })).to.throw(RangeError, /jvp: v\.W must have the shape of x\.W \[3\]/);
  });

  it('bad directions nested get errors naming the transform and the argument', () => {
    const sq = (t: Tensor) => h.sum(t.mul(t));
    expect(() => grad((x: Tensor) => h.sum(hvp(sq, x, tensor([1, 2])) as Tensor), tensor(u))).to.throw(RangeError, /hvp: v must have the shape of x \[4\]/);
    expect(() => grad((x: Tensor) => h.sum(hvp((p: { a: Tensor }) => sq(p.a), { a: x }, { a: [1, 2, 3, 4] } as never) as never), tensor(u)))
      .to.throw(TypeError, /hvp: v\.a must be a Tensor of numbers/);
    expect(() => grad((x: Tensor) => h.sum(hvp(sq, x, h.mul(x, 2) as Tensor) as Tensor), tensor(u))).to.throw(TypeError, /hvp: v must be a Tensor of numbers/);
  });

  it('an inner function closing over the outer point differentiates both ways; an exactly singular matrix nested is a clear error', () => {
    // ∇ₜ Σ tᵢxᵢ = x, so the outer gradient of Σ x is all ones
    close((grad((x: Tensor) => h.sum(grad((t: Tensor) => h.sum(t.mul(x)), tensor([1, 2, 3, 4])) as Tensor), tensor(u)) as Tensor).data, [1, 1, 1, 1]);
    const singular = (x: Tensor) => h.sum(grad((t: Tensor) => h.sum(h.det(h.reshape(h.mul(t, 0), [2, 2]))), x) as Tensor);
    expect(() => h.valueAndGrad(singular, tensor(u))).to.throw(/det: an exactly singular matrix inside a nested transform is not supported/);
    const notPd = (x: Tensor) => h.sum(grad((t: Tensor) => h.sum(h.cholesky(h.reshape(h.neg(t), [2, 2]))), x) as Tensor);
    expect(() => h.valueAndGrad(notPd, tensor([1, 0, 0, 1]))).to.throw(/cholesky: the matrix is not positive definite/);
  });
});

describe('nesting: the matrix functions on jets are their tape rules (H·V nested through jvp against hvp on the tape)', () => {
  // g(A) = Σ F(A) ⊙ W for a fixed W: grad(A ↦ jvp(g, A, V).tangent) is H_g V by jets; hvp(g, A, V) by the matrix block rules
  const A0 = tensor([[2.1, 0.3, -0.4], [0.5, 1.7, 0.2], [-0.3, 0.6, 2.4]]), V = tensor([[0.2, -0.5, 0.1], [0.3, 0.7, -0.2], [0.4, -0.1, 0.6]]);
  const spd = tensor([[3.0, 0.4, -0.2], [0.4, 2.5, 0.3], [-0.2, 0.3, 1.8]]);
  const B = tensor([[1, -0.5], [0.25, 2], [-1, 0.75]]);
  const weigh = (y: Tensor) => h.sum(h.mul(y, h.reshape(h.tensor(Array.from({ length: y.size }, (_, i) => Math.cos(i + 0.5))), y.shape)) as Tensor);
  const cases: [string, Tensor, (A: Tensor) => Tensor][] = [
    ['inv', A0, (A) => h.inv(A)],
    ['det', A0, (A) => h.det(A)],
    ['slogdet', A0, (A) => h.slogdet(A).logabsdet],
    ['solve', A0, (A) => h.solve(A, B)],
    ['solve, a vector', A0, (A) => h.solve(A, h.tensor([1, -2, 0.5]))],
    ['cholesky', spd, (A) => h.cholesky(A)],
    ['triangularSolve', A0, (A) => h.triangularSolve(A, B)],
    ['triangularSolve upper, transposed', A0, (A) => h.triangularSolve(A, B, { lower: false, transpose: true })],
    ['norm', A0, (A) => h.norm(A)],
    ['norm along an axis', A0, (A) => h.norm(A, 1)],
    ['a batch of two', h.reshape(h.concat([A0, spd]), [2, 3, 3]), (A) => h.inv(A)],
  ];
  for (const [name, at, F] of cases) {
    it(name, () => {
      const g = (A: Tensor) => weigh(F(A));
      const dir = name === 'a batch of two' ? h.reshape(h.concat([V, V.mul(0.5)]), [2, 3, 3]) : V;
      const nestedHv = grad((A: Tensor) => jvp(g, A, dir).tangent, at) as Tensor, tapeHv = hvp(g, at, dir) as Tensor;
      const want = tapeHv.data, scale = Math.max(...Array.from(want, Math.abs));
      (nestedHv.data).forEach((v, i) => expect(Math.abs(v - want[i]!), `${name}: (H·V)[${i}] ${v} vs ${want[i]}`).to.be.at.most(1e-11 * scale));
      close(valueAndGrad((A: Tensor) => valueAndGrad(g, A).value, at).grad.data, (grad(g, at) as Tensor).data);
    });
  }
});

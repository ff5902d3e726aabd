/**
 * The checker itself (spec/support/check.ts) must fail on a wrong
 * derivative. A wrong rule that every mode reads agrees with itself on every
 * path, so only the finite differences can catch it; a form or a path that
 * answers differently is caught by the path comparisons.
 */
import { expect } from 'chai';
import { add, cos, matmul, mul, pow, reshape, sin, sum, tensor, type Num, type Tensor } from '../lib/index.js';
import { unaryRules } from '../lib/rules/index.js';
import type { UnaryRule } from '../lib/rules/types.js';
import { checkDerivatives, runCheck } from './support/check.js';

/** Runs body with sin's derivative rule replaced by `d` (every mode reads the same entry), restoring it after. */
function withSinRule(d: UnaryRule['d'], body: () => void): void {
  const rule = unaryRules.sin as { d: UnaryRule['d'] }, old = rule.d;
  rule.d = d;
  try { body(); } finally { rule.d = old; }
}

const f = (x: Num[]): Num => sin(mul(x[0]!, x[1]!));
const x = [0.3, 0.7];

describe('the checker fails on a wrong derivative', () => {
  it('passes the right rule', () => {
    const r = runCheck(f, x, { label: 'sin(x₀x₁)' });
    expect(r.failures, r.failures.map((e) => e.a).join('\n')).to.deep.equal([]);
    expect(r.fd.made).to.be.above(6);
  });

  it("a wrong first derivative (sin′ = 1.01 cos) in every mode: finite differences catch it", () => {
    withSinRule((x0, s, o) => { const c = Math.cos(x0); o[1] = 1.01 * c; o[2] = -s; o[3] = -c; }, () => {
      const r = runCheck(f, x, { label: 'sin with a wrong f′', record: false });
      expect(r.failures.some((e) => e.kind === 'fd' && e.a.includes('grad')), 'an fd failure on the gradient').to.equal(true);
      expect(() => checkDerivatives(f, x, { label: 'sin with a wrong f′', record: false })).to.throw(/disagreement/);
    });
  });

  it("a wrong second derivative (sin″ = +sin) in every mode: finite differences catch it", () => {
    withSinRule((x0, s, o) => { const c = Math.cos(x0); o[1] = c; o[2] = s; o[3] = -c; }, () => {
      const r = runCheck(f, x, { label: 'sin with a wrong f″', record: false });
      // (which second-order paths read the wrong entry depends on what earlier specs left compiled: some do, so the differences disagree)
      expect(r.failures.some((e) => e.kind === 'fd' && e.a.includes('hyperdual(f, x, a, b).dab')), 'an fd failure on aᵀHb').to.equal(true);
      expect(r.failures.some((e) => e.kind === 'fd' && e.a === 'valueAndGrad(f, x).grad'), 'the gradient is right').to.equal(false);
    });
  });

  it('a wrong derivative on a tensor point (Σ x ⊙ stop(x): the tape sees only one factor) is caught by finite differences', () => {
    // reading .data gives the primal values as a constant, so AD differentiates x ⊙ c and misses half of ∇(Σ x²)
    const t = (X: Tensor): Num => sum(mul(X, tensor(X.data, X.shape)));
    const r = runCheck(t, tensor([0.3, 0.7, -0.4]), { label: 'Σ x ⊙ stop(x)', readsPrimals: true, record: false });
    expect(r.failures.some((e) => e.kind === 'fd' && e.a === 'valueAndGrad(f, x).grad'), 'an fd failure on the gradient').to.equal(true);
    expect(() => checkDerivatives(t, tensor([0.3, 0.7, -0.4]), { readsPrimals: true, record: false })).to.throw(/\[fd\]/);
  });

  it('a finite difference whose own error estimate is too small (an aliased oscillation) is flagged unreliable, not a failure', () => {
    // found by the fuzzer (seed 644285443): Σₖ cₖ^(1.8 cos(tₖ³)), t = x·w; at t₁ ≈ 5.7 the phase t₁³ turns ~200 rad per unit of x₄,
    // and Ridders from the fuzzer's step (0.02) gave ∂²f/∂x₄² = 89307.8734, its error estimate under the 1e-7 it must beat, where it is 89307.7777
    // (mpmath, 50 digits); the second, finer estimate disagrees with the first
    const g = (X: Tensor): Num => {
      const t = pow(reshape(matmul(X, tensor([2, -0.5, -1.17, 0.5], [4])) as Tensor, [1, 2, 1]), 3);
      return sum(pow(add(mul(tensor([-1, 1], [1, 2, 1]), 1.215), 1.65), mul(cos(t), 1.8)) as Tensor);
    };
    const X = tensor([-1.38743, 1.48377, -1.22971, -1.47827, 1.21611, -1.455, -1.53296, 1.46972], [2, 4]);
    const r = runCheck(g, X, { label: 'aliased', record: false, replay: false, fdStep: 0.02 });
    expect(r.failures.map((e) => `${e.kind}: ${e.a}${e.detail}`)).to.deep.equal([]);
    expect(r.fd.skipped, 'the aliased entries').to.be.above(0);
    expect(r.fd.made).to.be.above(50);
  });

  it('a reference form that computes something else is caught by the path comparisons', () => {
    const r = runCheck(f, x, { label: 'sin vs cos', reference: (xs) => cos(mul(xs[0]!, xs[1]!)), fd: false, record: false });
    expect(r.failures.length).to.be.above(0);
    expect(r.failures.every((e) => e.kind === 'path' && e.a.includes('[reference form]'))).to.equal(true);
  });

  it('a path that answers differently (f on plain numbers ≠ f on the tape) is caught', () => {
    const g = (xs: Num[]): Num => (typeof xs[0] === 'number' ? cos(xs[0]) : sin(xs[0]!));
    expect(() => checkDerivatives(g, [0.4], { fd: false, replay: false, record: false })).to.throw(/f\(x\) on plain numbers/);
  });
});

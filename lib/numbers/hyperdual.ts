/**
 * Hyper-dual numbers v + d1·ε₁ + d2·ε₂ + d12·ε₁ε₂ with ε₁² = ε₂² = 0 but
 * ε₁ε₂ ≠ 0. Seeding x + a·ε₁ + b·ε₂ gives d1 = aᵀ∇f, d2 = bᵀ∇f and
 * d12 = aᵀHb: the ε₁ε₂ coefficient of f(x + aε₁ + bε₂) is exactly the mixed
 * second derivative, because the Taylor expansion's only surviving
 * second-order term is f″·(aε₁)(bε₂).
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { mz } from '../tape/kernels.js';
import type { Trace } from '../trace.js';
import { Value, checkComponent, type Num } from './value.js';
import type { Methods } from '../ops/methods.js';

export class HyperDual extends Value {
  /**
   * @param v primal value
   * @param d1 coefficient of ε₁
   * @param d2 coefficient of ε₂
   * @param d12 coefficient of ε₁ε₂
   */
  constructor(
    readonly v: number,
    readonly d1 = 0,
    readonly d2 = 0,
    readonly d12 = 0,
    readonly trace: Trace | null = null,
  ) {
    super();
    checkComponent('HyperDual', 'v', v); checkComponent('HyperDual', 'd1', d1); checkComponent('HyperDual', 'd2', d2); checkComponent('HyperDual', 'd12', d12);
  }
  get value(): number { return this.v; }
  get kind(): string { return 'HyperDual'; }

  // f(x) = f + f′x₁ε₁ + f′x₂ε₂ + (f′x₁₂ + f″x₁x₂)ε₁ε₂
  unaryOp(code: number, p: number): HyperDual {
    evalUnary(code, this.v, p);
    const g = P[1]!;
    return new HyperDual(P[0]!, mz(g, this.d1), mz(g, this.d2), mz(g, this.d12) + mz(P[2]!, mz(this.d1, this.d2)), this.trace);
  }

  // y₁₂ = f_a a₁₂ + f_b b₁₂ + f_aa a₁a₂ + f_ab (a₁b₂ + a₂b₁) + f_bb b₁b₂
  binaryOp(code: number, other: Num, thisFirst: boolean): HyperDual {
    const o = typeof other === 'number' ? new HyperDual(other, 0, 0, 0, this.trace) : this.coerce(other, code, thisFirst);
    const a = thisFirst ? this : o, b = thisFirst ? o : this;
    evalBinary(code, a.v, b.v);
    return new HyperDual(
      P[0]!,
      mz(P[1]!, a.d1) + mz(P[2]!, b.d1),
      mz(P[1]!, a.d2) + mz(P[2]!, b.d2),
      mz(P[1]!, a.d12) + mz(P[2]!, b.d12) + mz(P[3]!, mz(a.d1, a.d2)) + mz(P[4]!, mz(a.d1, b.d2) + mz(a.d2, b.d1)) + mz(P[5]!, mz(b.d1, b.d2)),
      this.trace,
    );
  }

  override toString(): string { return `${this.v} + ${this.d1}ε₁ + ${this.d2}ε₂ + ${this.d12}ε₁ε₂`; }
}

export interface HyperDual extends Methods<HyperDual> {}

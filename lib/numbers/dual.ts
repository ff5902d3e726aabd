/**
 * Dual numbers v + d·ε with ε² = 0: evaluating f(x + a·ε) gives
 * f(x) + (aᵀ∇f)·ε, forward mode in one pass. Products of a partial and a
 * tangent go through `mz`: a zero tangent contributes 0 even against an
 * infinite partial.
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { mz } from '../tape/kernels.js';
import type { Trace } from '../trace.js';
import { Value, checkComponent, type Num } from './value.js';
import type { Methods } from '../ops/methods.js';

export class Dual extends Value {
  /**
   * @param v the primal value
   * @param d the tangent (coefficient of ε)
   * @param trace the evaluation that seeded it (leave out for a hand-made number)
   */
  constructor(
    readonly v: number,
    readonly d = 0,
    readonly trace: Trace | null = null,
  ) {
    super();
    checkComponent('Dual', 'v', v); checkComponent('Dual', 'd', d);
  }
  get value(): number { return this.v; }
  get kind(): string { return 'Dual'; }

  // f(v + dε) = f(v) + f′(v)·d·ε
  unaryOp(code: number, p: number): Dual {
    evalUnary(code, this.v, p);
    return new Dual(P[0]!, mz(P[1]!, this.d), this.trace);
  }

  // f(a + a′ε, b + b′ε) = f + (f_a a′ + f_b b′)·ε
  binaryOp(code: number, other: Num, thisFirst: boolean): Dual {
    const o = typeof other === 'number' ? new Dual(other, 0, this.trace) : this.coerce(other, code, thisFirst);
    const a = thisFirst ? this : o, b = thisFirst ? o : this;
    evalBinary(code, a.v, b.v);
    return new Dual(P[0]!, mz(P[1]!, a.d) + mz(P[2]!, b.d), this.trace);
  }

  override toString(): string { return `${this.v} + ${this.d}ε`; }
}

export interface Dual extends Methods<Dual> {}

/**
 * Dual numbers v + d·ε with ε² = 0: evaluating f(x + a·ε) gives
 * f(x) + (aᵀ∇f)·ε, forward mode in one pass. A tangent that is a
 * structural zero (a constant, an input seeded with 0) contributes 0 even
 * against an infinite partial; a computed zero times ±∞ is NaN
 * (lib/numbers/structure.ts).
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { ALL, GA, GB, binaryBits, binaryPattern, unaryBits, unaryPattern, unsettled } from './structure.js';
import type { Trace } from '../trace.js';
import { Value, checkComponent, type Methods, type Num } from '../value.js';

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
    this.sz = d === 0 ? 1 : 0;
  }
  /** @internal 1 when d is a structural zero (this value does not depend on the seed); a hand-made 0 is one */
  sz: number;

  /** @internal a computed value: d is a structural zero only if `structural` says so */
  private made(v: number, d: number, structural: boolean): Dual {
    const y = new Dual(v, d, this.trace);
    if (!structural) y.sz = 0;
    return y;
  }
  get value(): number { return this.v; }
  get kind(): string { return 'Dual'; }

  // f(v + dε) = f(v) + f′(v)·d·ε
  unaryOp(code: number, p: number): Dual {
    evalUnary(code, this.v, p);
    const x = this.d;
    if (x === 0 && this.sz) return this.made(P[0]!, 0, true);
    const d = P[1]! * x;
    if (unsettled(d) && !((d === d ? unaryBits(code, p) : unaryPattern(code, p)) & GA)) return this.made(P[0]!, 0, true); // f′ ≡ 0 (x^0)
    return this.made(P[0]!, d, false);
  }

  // f(a + a′ε, b + b′ε) = f + (f_a a′ + f_b b′)·ε
  binaryOp(code: number, other: Num, thisFirst: boolean): Dual {
    const o = typeof other === 'number' ? new Dual(other, 0, this.trace) : this.coerce(other, code, thisFirst);
    const a = thisFirst ? this : o, b = thisFirst ? o : this;
    evalBinary(code, a.v, b.v);
    const la = a.d !== 0 || !a.sz, lb = b.d !== 0 || !b.sz;
    let pat = ALL, d = (la ? P[1]! * a.d : 0) + (lb ? P[2]! * b.d : 0);
    if (unsettled(d)) {
      // NaN: work it out again with the op's structure and the partials here; 0: the structure decides its bit
      pat = d === d ? binaryBits(code, other, thisFirst) : binaryPattern(code, other, thisFirst);
      d = (la && pat & GA ? P[1]! * a.d : 0) + (lb && pat & GB ? P[2]! * b.d : 0);
    }
    return this.made(P[0]!, d, !(la && pat & GA) && !(lb && pat & GB));
  }

  override toString(): string { return `${this.v} + ${this.d}ε`; }
}

export interface Dual extends Methods<Dual> {}

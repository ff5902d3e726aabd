/**
 * Order-2 Taylor numbers (v, d1, d2): the value and the first and second
 * derivatives of t ↦ f(x + t·a) at t = 0. Seeding a direction a gives
 * d1 = aᵀ∇f and d2 = aᵀHa in one forward pass. A HyperDual with both
 * directions equal carries d1 twice; this form drops the copy
 * (a multiply costs 6 mul + 3 add instead of 9 mul + 5 add).
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { GA, GB, HAA, HAB, HBB, binaryBits, binaryPattern, unaryBits, unaryPattern } from './structure.js';
import type { Trace } from '../trace.js';
import { Value, checkComponent, type Methods, type Num } from '../value.js';

export class Taylor2 extends Value {
  /**
   * @param v primal value f
   * @param d1 first derivative along the seed direction
   * @param d2 second derivative along the seed direction
   */
  constructor(
    readonly v: number,
    readonly d1 = 0,
    readonly d2 = 0,
    readonly trace: Trace | null = null,
  ) {
    super();
    checkComponent('Taylor2', 'v', v); checkComponent('Taylor2', 'd1', d1); checkComponent('Taylor2', 'd2', d2);
    this.sz = (d1 === 0 ? 1 : 0) | (d2 === 0 ? 2 : 0);
  }
  /** @internal bit 1: d1 is a structural zero, bit 2: d2 is (an input's d2, a hand-made 0; see lib/numbers/structure.ts) */
  sz: number;
  get value(): number { return this.v; }
  get kind(): string { return 'Taylor2'; }

  // (f∘x)′ = f′ x′;  (f∘x)″ = f′ x″ + f″ x′²
  unaryOp(code: number, p: number): Taylor2 {
    evalUnary(code, this.v, p);
    // the fast path: IEEE arithmetic over the live components; final unless a component is NaN or a computed 0
    const d1 = this.d1, d2 = this.d2, l1 = d1 !== 0 || !(this.sz & 1), l2 = d2 !== 0 || !(this.sz & 2);
    const r1 = l1 ? P[1]! * d1 : 0, r2 = (l2 ? P[1]! * d2 : 0) + (l1 ? P[2]! * d1 * d1 : 0);
    if (r1 === r1 && r2 === r2 && (r1 !== 0 || !l1) && (r2 !== 0 || !(l1 || l2))) return new Taylor2(P[0]!, r1, r2, this.trace);
    if (r1 === r1 && r2 === r2) {
      // no 0·∞: the values stand, and the op's structure says which zeros are structural
      const t = unaryBits(code, p), y = new Taylor2(P[0]!, r1, r2, this.trace);
      y.sz &= (l1 && t & GA ? 0 : 1) | ((l2 && t & GA) || (l1 && t & HAA) ? 0 : 2);
      return y;
    }
    return made(P[0]!, chainUnary(this, unaryPattern(code, p)), this.trace);
  }

  // y″ = f_a a″ + f_b b″ + f_aa a′² + 2 f_ab a′b′ + f_bb b′²
  binaryOp(code: number, other: Num, thisFirst: boolean): Taylor2 {
    const o = typeof other === 'number' ? new Taylor2(other, 0, 0, this.trace) : this.coerce(other, code, thisFirst);
    const a = thisFirst ? this : o, b = thisFirst ? o : this;
    evalBinary(code, a.v, b.v);
    // the fast path, as in unaryOp
    const a1 = a.d1, b1 = b.d1, a2 = a.d2, b2 = b.d2;
    const la = a1 !== 0 || !(a.sz & 1), lb = b1 !== 0 || !(b.sz & 1), ma = a2 !== 0 || !(a.sz & 2), mb = b2 !== 0 || !(b.sz & 2);
    const r1 = (la ? P[1]! * a1 : 0) + (lb ? P[2]! * b1 : 0);
    const r2 = (ma ? P[1]! * a2 : 0) + (mb ? P[2]! * b2 : 0) + (la ? (P[3]! * a1 + (lb ? 2 * P[4]! * b1 : 0)) * a1 : 0) + (lb ? P[5]! * b1 * b1 : 0);
    if (r1 === r1 && r2 === r2 && (r1 !== 0 || !(la || lb)) && (r2 !== 0 || !(la || lb || ma || mb))) return new Taylor2(P[0]!, r1, r2, this.trace);
    if (r1 === r1 && r2 === r2) {
      const t = binaryBits(code, other, thisFirst), ga = t & GA, gb = t & GB, y = new Taylor2(P[0]!, r1, r2, this.trace);
      y.sz &= ((la && ga) || (lb && gb) ? 0 : 1)
        | ((ma && ga) || (mb && gb) || (la && t & HAA) || (la && lb && t & HAB) || (lb && t & HBB) ? 0 : 2);
      return y;
    }
    return made(P[0]!, chainBinary(a, b, binaryPattern(code, other, thisFirst)), this.trace);
  }

  override toString(): string { return `Taylor2(${this.v}, ${this.d1}, ${this.d2})`; }
}

export interface Taylor2 extends Methods<Taylor2> {}

/** the first and second coefficients being computed */
const R = new Float64Array(2);

/** (live d1, live d2) of x: a component is live unless it is a structural zero */
const l1 = (x: Taylor2): boolean => x.d1 !== 0 || !(x.sz & 1);
const l2 = (x: Taylor2): boolean => x.d2 !== 0 || !(x.sz & 2);

/** R ← the chain rule with the unary partials in P, skipping structural zeros (of x, and of the partials `pat` clears); returns the result's structural-zero bits. */
function chainUnary(x: Taylor2, pat: number): number {
  const g = P[1]!, h = P[2]!, d1 = x.d1, u1 = l1(x) && pat & GA, u2 = l2(x) && pat & GA, q = l1(x) && pat & HAA;
  R[0] = u1 ? g * d1 : 0;
  R[1] = (u2 ? g * x.d2 : 0) + (q ? h * d1 * d1 : 0);
  return (u1 ? 0 : 1) | (u2 || q ? 0 : 2);
}

function chainBinary(a: Taylor2, b: Taylor2, pat: number): number {
  const a1 = a.d1, b1 = b.d1, la = l1(a), lb = l1(b);
  const ua = la && pat & GA, ub = lb && pat & GB, va = l2(a) && pat & GA, vb = l2(b) && pat & GB;
  const qaa = la && pat & HAA, qab = la && lb && pat & HAB, qbb = lb && pat & HBB;
  R[0] = (ua ? P[1]! * a1 : 0) + (ub ? P[2]! * b1 : 0);
  R[1] = (va ? P[1]! * a.d2 : 0) + (vb ? P[2]! * b.d2 : 0)
    + (qaa ? P[3]! * a1 * a1 : 0) + (qab ? 2 * P[4]! * a1 * b1 : 0) + (qbb ? P[5]! * b1 * b1 : 0);
  return (ua || ub ? 0 : 1) | (va || vb || qaa || qab || qbb ? 0 : 2);
}

/** a computed value from R, with structural-zero bits z */
function made(v: number, z: number, trace: Trace | null): Taylor2 {
  const y = new Taylor2(v, R[0]!, R[1]!, trace);
  y.sz &= z;
  return y;
}

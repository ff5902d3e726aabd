/**
 * Hyper-dual numbers v + d1·ε₁ + d2·ε₂ + d12·ε₁ε₂ with ε₁² = ε₂² = 0 but
 * ε₁ε₂ ≠ 0. Seeding x + a·ε₁ + b·ε₂ gives d1 = aᵀ∇f, d2 = bᵀ∇f and
 * d12 = aᵀHb: the ε₁ε₂ coefficient of f(x + aε₁ + bε₂) is exactly the mixed
 * second derivative, because the Taylor expansion's only surviving
 * second-order term is f″·(aε₁)(bε₂).
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { GA, GB, HAA, HAB, HBB, binaryBits, binaryPattern, unaryBits, unaryPattern } from './structure.js';
import type { Trace } from '../trace.js';
import { Value, checkComponent, type Methods, type Num } from '../value.js';

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
    this.sz = (d1 === 0 ? 1 : 0) | (d2 === 0 ? 2 : 0) | (d12 === 0 ? 4 : 0);
  }
  /** @internal bits 1, 2, 4: d1, d2, d12 is a structural zero (see lib/numbers/structure.ts) */
  sz: number;
  get value(): number { return this.v; }
  get kind(): string { return 'HyperDual'; }

  // f(x) = f + f′x₁ε₁ + f′x₂ε₂ + (f′x₁₂ + f″x₁x₂)ε₁ε₂
  unaryOp(code: number, p: number): HyperDual {
    evalUnary(code, this.v, p);
    // the fast path: IEEE arithmetic over the live components; final unless a component is NaN or a computed 0
    const d1 = this.d1, d2 = this.d2, d12 = this.d12, s = this.sz;
    const l1 = d1 !== 0 || !(s & 1), l2 = d2 !== 0 || !(s & 2), l12 = d12 !== 0 || !(s & 4), g = P[1]!;
    const r1 = l1 ? g * d1 : 0, r2 = l2 ? g * d2 : 0, r12 = (l12 ? g * d12 : 0) + (l1 && l2 ? P[2]! * d1 * d2 : 0);
    if (r1 === r1 && r2 === r2 && r12 === r12 && (r1 !== 0 || !l1) && (r2 !== 0 || !l2) && (r12 !== 0 || !(l12 || (l1 && l2)))) {
      return new HyperDual(P[0]!, r1, r2, r12, this.trace);
    }
    if (r1 === r1 && r2 === r2 && r12 === r12) {
      const t = unaryBits(code, p), ga = t & GA, y = new HyperDual(P[0]!, r1, r2, r12, this.trace);
      y.sz &= (l1 && ga ? 0 : 1) | (l2 && ga ? 0 : 2) | ((l12 && ga) || (l1 && l2 && t & HAA) ? 0 : 4);
      return y;
    }
    return made(P[0]!, chainUnary(this, unaryPattern(code, p)), this.trace);
  }

  // y₁₂ = f_a a₁₂ + f_b b₁₂ + f_aa a₁a₂ + f_ab (a₁b₂ + a₂b₁) + f_bb b₁b₂
  binaryOp(code: number, other: Num, thisFirst: boolean): HyperDual {
    const o = typeof other === 'number' ? new HyperDual(other, 0, 0, 0, this.trace) : this.coerce(other, code, thisFirst);
    const a = thisFirst ? this : o, b = thisFirst ? o : this;
    evalBinary(code, a.v, b.v);
    // the fast path, as in unaryOp
    const a1 = a.d1, a2 = a.d2, a12 = a.d12, b1 = b.d1, b2 = b.d2, b12 = b.d12, sa = a.sz, sb = b.sz;
    const la1 = a1 !== 0 || !(sa & 1), la2 = a2 !== 0 || !(sa & 2), la12 = a12 !== 0 || !(sa & 4);
    const lb1 = b1 !== 0 || !(sb & 1), lb2 = b2 !== 0 || !(sb & 2), lb12 = b12 !== 0 || !(sb & 4);
    const r1 = (la1 ? P[1]! * a1 : 0) + (lb1 ? P[2]! * b1 : 0), r2 = (la2 ? P[1]! * a2 : 0) + (lb2 ? P[2]! * b2 : 0);
    const c1 = la1 && lb2, c2 = la2 && lb1, qaa = la1 && la2, qbb = lb1 && lb2;
    const r12 = (la12 ? P[1]! * a12 : 0) + (lb12 ? P[2]! * b12 : 0) + (qaa ? P[3]! * a1 * a2 : 0)
      + (c1 || c2 ? P[4]! * ((c1 ? a1 * b2 : 0) + (c2 ? a2 * b1 : 0)) : 0) + (qbb ? P[5]! * b1 * b2 : 0);
    if (r1 === r1 && r2 === r2 && r12 === r12 && (r1 !== 0 || !(la1 || lb1)) && (r2 !== 0 || !(la2 || lb2))
      && (r12 !== 0 || !(la12 || lb12 || qaa || c1 || c2 || qbb))) return new HyperDual(P[0]!, r1, r2, r12, this.trace);
    if (r1 === r1 && r2 === r2 && r12 === r12) {
      // no 0·∞: the values stand, and the op's structure says which zeros are structural
      const t = binaryBits(code, other, thisFirst), ga = t & GA, gb = t & GB, y = new HyperDual(P[0]!, r1, r2, r12, this.trace);
      y.sz &= ((la1 && ga) || (lb1 && gb) ? 0 : 1) | ((la2 && ga) || (lb2 && gb) ? 0 : 2)
        | ((la12 && ga) || (lb12 && gb) || (qaa && t & HAA) || ((c1 || c2) && t & HAB) || (qbb && t & HBB) ? 0 : 4);
      return y;
    }
    return made(P[0]!, chainBinary(a, b, binaryPattern(code, other, thisFirst)), this.trace);
  }

  override toString(): string { return `${this.v} + ${this.d1}ε₁ + ${this.d2}ε₂ + ${this.d12}ε₁ε₂`; }
}

export interface HyperDual extends Methods<HyperDual> {}

/** the ε₁, ε₂ and ε₁ε₂ coefficients being computed */
const R = new Float64Array(3);

/** is component c (1: d1, 2: d2, 4: d12) of x live, i.e. not a structural zero? */
const live = (x: HyperDual, c: number, d: number): boolean => d !== 0 || !(x.sz & c);

/** R ← the chain rule with the unary partials in P, skipping structural zeros; returns the result's structural-zero bits. */
function chainUnary(x: HyperDual, pat: number): number {
  const g = P[1]!, h = P[2]!, d1 = x.d1, d2 = x.d2, lg = pat & GA;
  const u1 = lg && live(x, 1, d1), u2 = lg && live(x, 2, d2), u12 = lg && live(x, 4, x.d12), q = pat & HAA && live(x, 1, d1) && live(x, 2, d2);
  R[0] = u1 ? g * d1 : 0;
  R[1] = u2 ? g * d2 : 0;
  R[2] = (u12 ? g * x.d12 : 0) + (q ? h * d1 * d2 : 0);
  return (u1 ? 0 : 1) | (u2 ? 0 : 2) | (u12 || q ? 0 : 4);
}

function chainBinary(a: HyperDual, b: HyperDual, pat: number): number {
  const a1 = a.d1, a2 = a.d2, b1 = b.d1, b2 = b.d2, ga = pat & GA, gb = pat & GB;
  const la1 = live(a, 1, a1), la2 = live(a, 2, a2), lb1 = live(b, 1, b1), lb2 = live(b, 2, b2);
  const ua1 = ga && la1, ub1 = gb && lb1, ua2 = ga && la2, ub2 = gb && lb2, ua12 = ga && live(a, 4, a.d12), ub12 = gb && live(b, 4, b.d12);
  const qaa = pat & HAA && la1 && la2, c1 = la1 && lb2, c2 = la2 && lb1, qab = pat & HAB && (c1 || c2), qbb = pat & HBB && lb1 && lb2;
  R[0] = (ua1 ? P[1]! * a1 : 0) + (ub1 ? P[2]! * b1 : 0);
  R[1] = (ua2 ? P[1]! * a2 : 0) + (ub2 ? P[2]! * b2 : 0);
  R[2] = (ua12 ? P[1]! * a.d12 : 0) + (ub12 ? P[2]! * b.d12 : 0)
    + (qaa ? P[3]! * a1 * a2 : 0) + (qab ? P[4]! * ((c1 ? a1 * b2 : 0) + (c2 ? a2 * b1 : 0)) : 0) + (qbb ? P[5]! * b1 * b2 : 0);
  return (ua1 || ub1 ? 0 : 1) | (ua2 || ub2 ? 0 : 2) | (ua12 || ub12 || qaa || qab || qbb ? 0 : 4);
}

/** a computed value from R, with structural-zero bits z */
function made(v: number, z: number, trace: Trace | null): HyperDual {
  const y = new HyperDual(v, R[0]!, R[1]!, R[2]!, trace);
  y.sz &= z;
  return y;
}

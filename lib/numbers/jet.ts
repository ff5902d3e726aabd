/**
 * Jets: numbers carrying several tagged perturbations at once,
 * v + Σ_S c_S ε_S over subsets S of the tags, with ε_t² = 0 for every tag t
 * and distinct tags commuting. This is how nested transforms stay correct:
 * each transform seeds its own tag, so d/dx [x · d/dy (x + y)] keeps the
 * perturbations of x and y apart (no perturbation confusion). A HyperDual is
 * the two-tag case.
 *
 * Applying f to x = x₀ + δ (δ nilpotent) is exact by Taylor's formula,
 * f(x) = Σ_m f⁽ᵐ⁾(x₀) δᵐ / m!, which stops at m = k for k tags; the rule
 * table supplies derivatives to third order, so up to three tags can be live
 * (three levels of nesting, or a Hessian inside a gradient).
 */
import { evalBinary, evalUnary, P } from '../rules/index.js';
import { mz } from '../tape/kernels.js';
import { currentName, type Trace } from '../trace.js';
import { Value, type Num } from './value.js';
import type { Methods } from '../ops/methods.js';

/** Most tags a jet can carry: the rule table's third derivatives bound the nesting depth. */
export const MAX_TAGS = 3;

/** Subset product: (u·v)_S = Σ_{A ⊆ S} u_A v_{S∖A} (products of ε's sharing a tag vanish). */
function mulInto(u: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
  out.fill(0);
  const m = u.length;
  for (let S = 0; S < m; S++) {
    let s = 0;
    for (let A = S; ; A = (A - 1) & S) {
      s += mz(u[A]!, v[S ^ A]!);
      if (A === 0) break;
    }
    out[S] = s;
  }
  return out;
}

/** u re-indexed from its tags onto the (sorted, larger) tag list `to`. */
function embed(u: Jet | number, to: readonly Trace[]): Float64Array {
  const out = new Float64Array(1 << to.length);
  if (typeof u === 'number') { out[0] = u; return out; }
  const map = u.tags.map((t) => 1 << to.indexOf(t));
  for (let S = 0; S < u.c.length; S++) {
    let T = 0;
    for (let b = 0; b < map.length; b++) if (S & (1 << b)) T |= map[b]!;
    out[T] = u.c[S]!;
  }
  return out;
}

function unionTags(a: readonly Trace[], b: readonly Trace[]): Trace[] {
  const all = [...new Set([...a, ...b])].sort((x, y) => x.id - y.id);
  if (all.length > MAX_TAGS) {
    const by = new Map<string, number>();
    for (const t of all) by.set(t.name, (by.get(t.name) ?? 0) + 1);
    const list = [...by].map(([name, k]) => `${k} from ${name}`).join(', ');
    throw new RangeError(
      `${currentName()}: nested transforms need ${all.length} live perturbations (${list}); ` +
        `the rule table's third derivatives allow at most ${MAX_TAGS}`,
    );
  }
  return all;
}

export class Jet extends Value {
  /**
   * @param tags the live perturbations, sorted by trace id
   * @param c coefficients by subset bitmask over `tags` (c[0] is the primal)
   */
  constructor(readonly tags: readonly Trace[], readonly c: Float64Array) {
    super();
  }
  /** A jet belongs to several evaluations; trace checks do not apply to it. */
  get trace(): Trace | null { return null; }
  get value(): number { return this.c[0]!; }
  get kind(): string { return 'nested-transform value'; }

  /** x + s·ε_t: a value (number or jet) seeded with a new tag. */
  static seed(x: Num, t: Trace, s: number): Jet {
    const tags = unionTags(x instanceof Jet ? x.tags : [], [t]);
    const c = embed(x instanceof Jet ? x : (x as number), tags);
    c[1 << tags.indexOf(t)] += s;
    return new Jet(tags, c);
  }

  /** The coefficient of ε_t in y (a jet over the other tags, or a number), or with `withoutT`, y at ε_t = 0. */
  static part(y: Num, t: Trace, withoutT = false): Num {
    if (!(y instanceof Jet) || !y.tags.includes(t)) return withoutT ? y : 0;
    const bit = 1 << y.tags.indexOf(t), rest = y.tags.filter((u) => u !== t);
    const c = new Float64Array(1 << rest.length);
    for (let S = 0, k = 0; S < y.c.length; S++) {
      if (S & bit) continue;
      c[k++] = y.c[withoutT ? S : S | bit]!;
    }
    return rest.length ? new Jet(rest, c) : c[0]!;
  }

  unaryOp(code: number, p: number): Jet {
    const k = this.tags.length, d = Float64Array.from(this.c);
    d[0] = 0;
    evalUnary(code, this.c[0]!, p);
    const f0 = P[0]!, f1 = P[1]!, f2 = P[2]!, f3 = P[3]!;
    // f(x₀ + δ) = f + f′δ + f″δ²/2 + f‴δ³/6
    const out = new Float64Array(d.length), d2 = new Float64Array(d.length), d3 = new Float64Array(d.length);
    if (k >= 2) mulInto(d, d, d2);
    if (k >= 3) mulInto(d2, d, d3);
    for (let S = 0; S < out.length; S++) out[S] = mz(f1, d[S]!) + mz(f2 / 2, d2[S]!) + mz(f3 / 6, d3[S]!);
    out[0] = f0;
    return new Jet(this.tags, out);
  }

  binaryOp(code: number, other: Num, thisFirst: boolean): Jet {
    if (typeof other !== 'number' && !(other instanceof Jet)) {
      throw new Error(`${currentName()}: cannot combine a value of a nested transform with a ${other.kind}`);
    }
    const tags = other instanceof Jet ? unionTags(this.tags, other.tags) : this.tags;
    const u = embed(this, tags), v = embed(other, tags);
    const a = thisFirst ? u : v, b = thisFirst ? v : u, k = tags.length, m = a.length;
    evalBinary(code, a[0]!, b[0]!);
    const F = Float64Array.from(P);
    a[0] = 0; b[0] = 0;
    // f(a₀ + α, b₀ + β) = Σ_{p+q ≤ 3} ∂ᵖ_a∂^q_b f · αᵖβ^q / (p! q!)
    const aa = new Float64Array(m), ab = new Float64Array(m), bb = new Float64Array(m), tmp = new Float64Array(m);
    const out = new Float64Array(m);
    const add = (w: number, x: Float64Array) => { if (w !== 0) for (let S = 0; S < m; S++) out[S] += mz(w, x[S]!); };
    add(F[1]!, a); add(F[2]!, b);
    if (k >= 2) {
      mulInto(a, a, aa); mulInto(a, b, ab); mulInto(b, b, bb);
      add(F[3]! / 2, aa); add(F[4]!, ab); add(F[5]! / 2, bb);
    }
    if (k >= 3) {
      add(F[6]! / 6, mulInto(aa, a, tmp)); add(F[7]! / 2, mulInto(aa, b, tmp));
      add(F[8]! / 2, mulInto(a, bb, tmp)); add(F[9]! / 6, mulInto(bb, b, tmp));
    }
    out[0] = F[0]!;
    return new Jet(tags, out);
  }

  override toString(): string { return `Jet(${this.c[0]}; ${this.tags.map((t) => t.name).join(', ')})`; }
}

export interface Jet extends Methods<Jet> {}

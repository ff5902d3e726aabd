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
import { GA, GB, HAA, HAB, HBB, TAAA, TAAB, TABB, TBBB, binaryPattern, unaryPattern } from './structure.js';
import { currentName, type Trace } from '../trace.js';
import { Value, type Methods, type Num } from '../value.js';

/** Most tags a jet can carry: the rule table's third derivatives bound the nesting depth. */
export const MAX_TAGS = 3;

/**
 * Subset product: (u·v)_S = Σ_{A ⊆ S} u_A v_{S∖A} (products of ε's sharing a
 * tag vanish), over the live coefficients only (`lu`, `lv`: bit S set where
 * coefficient S is not a structural zero); returns the product's live bits.
 */
function mulInto(u: Float64Array, lu: number, v: Float64Array, lv: number, out: Float64Array): number {
  out.fill(0);
  const m = u.length;
  let lo = 0;
  for (let S = 0; S < m; S++) {
    let s = 0;
    for (let A = S; ; A = (A - 1) & S) {
      if ((lu >> A) & 1 && (lv >> (S ^ A)) & 1) { s += u[A]! * v[S ^ A]!; lo |= 1 << S; }
      if (A === 0) break;
    }
    out[S] = s;
  }
  return lo;
}

/** The live bits of coefficients c: the non-zero ones (a hand-made or seeded zero is structural). */
function nonZero(c: Float64Array): number {
  let l = 0;
  for (let S = 1; S < c.length; S++) if (c[S] !== 0) l |= 1 << S;
  return l;
}

/** Re-indexes live bits from u's tags onto `to`. */
function embedLive(u: Jet | number, to: readonly Trace[]): number {
  if (typeof u === 'number') return 0;
  const map = u.tags.map((t) => 1 << to.indexOf(t));
  let l = 0;
  for (let S = 1; S < u.c.length; S++) {
    if (!((u.live >> S) & 1)) continue;
    let T = 0;
    for (let b = 0; b < map.length; b++) if (S & (1 << b)) T |= map[b]!;
    l |= 1 << T;
  }
  return l;
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
  constructor(readonly tags: readonly Trace[], readonly c: Float64Array, live?: number) {
    super();
    this.live = live ?? nonZero(c);
  }
  /** @internal bit S set: coefficient S is live, not a structural zero (bit 0, the primal, unused) */
  readonly live: number;
  /** A jet belongs to several evaluations; trace checks do not apply to it. */
  get trace(): Trace | null { return null; }
  get value(): number { return this.c[0]!; }
  get kind(): string { return 'nested-transform value'; }

  /** x + s·ε_t: a value (number or jet) seeded with a new tag. */
  static seed(x: Num, t: Trace, s: number): Jet {
    const tags = unionTags(x instanceof Jet ? x.tags : [], [t]);
    const c = embed(x instanceof Jet ? x : (x as number), tags), bit = 1 << tags.indexOf(t);
    c[bit] += s;
    return new Jet(tags, c, embedLive(x instanceof Jet ? x : 0, tags) | (s !== 0 ? 1 << bit : 0));
  }

  /** The coefficient of ε_t in y (a jet over the other tags, or a number), or with `withoutT`, y at ε_t = 0. */
  static part(y: Num, t: Trace, withoutT = false): Num {
    if (!(y instanceof Jet) || !y.tags.includes(t)) return withoutT ? y : 0;
    const bit = 1 << y.tags.indexOf(t), rest = y.tags.filter((u) => u !== t);
    const c = new Float64Array(1 << rest.length);
    let live = 0;
    for (let S = 0, k = 0; S < y.c.length; S++) {
      if (S & bit) continue;
      const from = withoutT ? S : S | bit;
      if (k > 0 && (y.live >> from) & 1) live |= 1 << k;
      c[k++] = y.c[from]!;
    }
    return rest.length ? new Jet(rest, c, live) : c[0]!;
  }

  unaryOp(code: number, p: number): Jet {
    const k = this.tags.length, d = Float64Array.from(this.c), ld = this.live & ~1;
    d[0] = 0;
    evalUnary(code, this.c[0]!, p);
    const f0 = P[0]!, f1 = P[1]!, f2 = P[2]!, f3 = P[3]!, pat = unaryPattern(code, p);
    // f(x₀ + δ) = f + f′δ + f″δ²/2 + f‴δ³/6, each term over the live coefficients of δᵐ
    const out = new Float64Array(d.length), d2 = new Float64Array(d.length), d3 = new Float64Array(d.length);
    const l1 = pat & GA ? ld : 0;
    const l2 = k >= 2 && pat & HAA ? mulInto(d, ld, d, ld, d2) : 0;
    const l3 = k >= 3 && pat & TAAA ? mulInto(d2, k >= 2 ? mulInto(d, ld, d, ld, d2) : 0, d, ld, d3) : 0;
    for (let S = 1; S < out.length; S++) {
      out[S] = ((l1 >> S) & 1 ? f1 * d[S]! : 0) + ((l2 >> S) & 1 ? (f2 / 2) * d2[S]! : 0) + ((l3 >> S) & 1 ? (f3 / 6) * d3[S]! : 0);
    }
    out[0] = f0;
    return new Jet(this.tags, out, (l1 | l2 | l3) & ~1);
  }

  binaryOp(code: number, other: Num, thisFirst: boolean): Jet {
    if (typeof other !== 'number' && !(other instanceof Jet)) {
      throw new Error(`${currentName()}: cannot combine a value of a nested transform with a ${other.kind}`);
    }
    const tags = other instanceof Jet ? unionTags(this.tags, other.tags) : this.tags;
    const u = embed(this, tags), v = embed(other, tags), lu = embedLive(this, tags), lv = embedLive(other, tags);
    const a = thisFirst ? u : v, b = thisFirst ? v : u, la = thisFirst ? lu : lv, lb = thisFirst ? lv : lu, k = tags.length, m = a.length;
    evalBinary(code, a[0]!, b[0]!);
    const F = Float64Array.from(P), pat = binaryPattern(code, other, thisFirst);
    a[0] = 0; b[0] = 0;
    // f(a₀ + α, b₀ + β) = Σ_{p+q ≤ 3} ∂ᵖ_a∂^q_b f · αᵖβ^q / (p! q!), over live coefficients only
    const aa = new Float64Array(m), ab = new Float64Array(m), bb = new Float64Array(m), tmp = new Float64Array(m);
    const out = new Float64Array(m);
    let lo = 0;
    const add = (bit: number, w: number, x: Float64Array, lx: number) => {
      if (!(pat & bit)) return;
      for (let S = 1; S < m; S++) if ((lx >> S) & 1) out[S] += w * x[S]!;
      lo |= lx;
    };
    add(GA, F[1]!, a, la & ~1); add(GB, F[2]!, b, lb & ~1);
    if (k >= 2) {
      const laa = mulInto(a, la & ~1, a, la & ~1, aa), lab = mulInto(a, la & ~1, b, lb & ~1, ab), lbb = mulInto(b, lb & ~1, b, lb & ~1, bb);
      add(HAA, F[3]! / 2, aa, laa); add(HAB, F[4]!, ab, lab); add(HBB, F[5]! / 2, bb, lbb);
      if (k >= 3) {
        add(TAAA, F[6]! / 6, tmp, mulInto(aa, laa, a, la & ~1, tmp));
        add(TAAB, F[7]! / 2, tmp, mulInto(aa, laa, b, lb & ~1, tmp));
        add(TABB, F[8]! / 2, tmp, mulInto(a, la & ~1, bb, lbb, tmp));
        add(TBBB, F[9]! / 6, tmp, mulInto(bb, lbb, b, lb & ~1, tmp));
      }
    }
    out[0] = F[0]!;
    return new Jet(tags, out, lo & ~1);
  }

  override toString(): string { return `Jet(${this.c[0]}; ${this.tags.map((t) => t.name).join(', ')})`; }
}

export interface Jet extends Methods<Jet> {}

/**
 * The structured Hessian diagonal: exact ∂²f/∂θᵢ² for parameters that enter
 * f through uses separable in them (W·u, u + b, θ ⊙ u, a penalty θ²: see
 * lib/sparsity/parameter-uses.ts), at the cost of the width of those uses'
 * outputs instead of one lane per parameter entry:
 *
 *   ∂²f/∂θᵢ² = Σ_c J_ci² (H_G)_cc + Ḡ_c ∂²y_c/∂θᵢ²
 *
 * over the use outputs c that θᵢ touches, when no two of them interact.
 * (H_G)_cc for every c comes from lanes seeded at the outputs themselves
 * (probes, lib/tape/probes.ts), over the recording downstream of them only;
 * outputs that do not interact (the samples of a summed loss) share a lane
 * by a distance-1 colouring of H_G's detected pattern, so (H·s)_c = (H_G)_cc.
 * The contraction Σ_c J_ci² h_c is one reverse step through each use with
 * its partials squared ("square the primals, square the cotangents").
 * diag(JᵀJ) of a vector-valued F is the same with Σ_m G_mc² for (H_G)_cc.
 *
 * An entry that is not separable (θᵢ·u(θᵢ)) or whose outputs interact takes
 * the dense one-hot lanes instead, and the report says so and why.
 */
import type { ArrayBlock } from '../tape/block.js';
import { colour, type Colouring } from '../sparsity/colouring.js';
import { cliquePattern, detectPattern, outputDependencies } from '../sparsity/pattern.js';
import { chainGains, interactingUses, parameterUses, type ParameterUses, type ParamGroup } from '../sparsity/parameter-uses.js';
import { probeReverse, probeReverseTangent, probeSecond, probeTangent } from '../tape/probes.js';
import type { Tape } from '../tape/tape.js';
import { NPAR } from '../tape/node.js';
import type { Workspace } from '../tape/derivatives.js';

/** What the structured method found for one recording structure (kept with its sparsity, lib/sparsity/memo.ts). */
export interface StructuredPlan {
  /** the parameters it was found for (a plan is remembered with the recording's structure, which does not know them) */
  readonly groups: readonly ParamGroup[];
  /** set when detection stopped at a node mixing more than this many probes (every group dense) */
  readonly limit?: number;
  readonly uses: ParameterUses;
  /** distance-1 colouring of the Hessian in the probes (probe k has colour colours[k]) */
  readonly colouring: Colouring;
}

/** How one parameter's diagonal was computed. */
export interface ParameterReport {
  readonly method: 'structured' | 'dense';
  /** lanes swept for it: the shared colours (structured, plus its dense entries) or its size (dense: one-hot lanes) */
  readonly directions: number;
  /** 'structured' with some entries dense (one lane each): how many */
  readonly denseEntries?: number;
  /** why it (or its dense entries) is not structured */
  readonly reason?: string;
}

/** Detects the uses, the Hessian pattern in the probes and its colouring. */
export function structuredPlan(t: Tape, out: number, groups: readonly ParamGroup[], limit = t.nIn): StructuredPlan {
  const uses = parameterUses(t, groups, Int32Array.of(out));
  if (uses.probes.length === 0) return { groups, uses, colouring: NO_COLOURS };
  // a node mixing more than `limit` probes makes them a clique of more colours: the dense lanes (n) cost less, or 'auto' would not take it
  const pattern = detectPattern(t, out, limit, uses.probes);
  if (!pattern) return { ...tooDense(groups, uses, `more than ${limit} of the outputs it enters through interact`), limit };
  interactingUses(t, groups, uses, pattern);
  return { groups, uses, colouring: colour(pattern, 1) };
}

const NO_COLOURS: Colouring = { colours: new Int32Array(0), count: 0 };

/** A plan whose every group takes the dense lanes, for `reason`. */
function tooDense(groups: readonly ParamGroup[], uses: ParameterUses, reason: string): StructuredPlan {
  uses.why.forEach((w, k) => { uses.why[k] = w ?? reason; });
  return { groups, uses, colouring: NO_COLOURS };
}

/** The most pairs of outputs the Gauss–Newton plan compares (Σ over F's outputs of the squared number of map outputs each reads). */
const MAX_PAIRS = 2 ** 26;

/** Was `plan` found for these parameters (the same ranges)? */
export function planFits(plan: StructuredPlan | undefined, groups: readonly ParamGroup[]): plan is StructuredPlan {
  return !!plan && plan.groups.length === groups.length && plan.groups.every((g, k) => g.start === groups[k]!.start && g.size === groups[k]!.size);
}

/** Number of lanes the structured method sweeps (shared colours plus each dense parameter's size). */
export function structuredDirections(plan: StructuredPlan): number {
  let d = plan.uses.why.some((w) => w === null) ? plan.colouring.count : 0;
  plan.groups.forEach((g, k) => {
    if (plan.uses.why[k] !== null) d += g.size;
    else for (let s = g.start + 1; s <= g.start + g.size; s++) d += plan.uses.dense[s]!;
  });
  return d;
}

/**
 * The diagonal: structured for separable parameters, `dense(start, end)`
 * (the hyper-dual lanes over inputs [start, end)) for the others. Returns
 * the diagonal over all inputs and a report per parameter.
 */
export function structuredDiagonal(
  w: Workspace<Tape>, out: number, plan: StructuredPlan, lanes: number,
  dense: (start: number, end: number) => Float64Array,
): StructuredResult {
  return assemble(w.tape, plan, lanes, () => probeCurvature(w, out, plan.uses.probes, plan.colouring, lanes), dense);
}

/** What the probe sweeps give, slot-indexed at the probes: q (H_cc, or Σ_m G_mc²) and, for the Hessian, the adjoint Ḡ_c. */
interface AtProbes { readonly q: Float64Array; readonly adjoint?: Float64Array }

/** A structured result: the diagonal over all inputs, the work it took, and how each parameter was computed. */
export interface StructuredResult { d: Float64Array; sweeps: number; directions: number; reports: ParameterReport[] }

/**
 * d_i = Σ_c J_ci² q_c (+ Ḡ_c ∂²y_c/∂θᵢ² with an adjoint) over the use
 * outputs c, q_c = g_c² q_r and Ḡ_c = g_c Ḡ_r read at c's probe r by
 * `atProbes`; the others by `dense`.
 */
function assemble(
  t: Tape, plan: StructuredPlan, lanes: number,
  atProbes: () => AtProbes, dense: (start: number, end: number) => Float64Array,
): StructuredResult {
  const { groups, uses, colouring } = plan;
  // the probe sweeps run the plain kernels: where a partial is infinite the dense (careful) lanes answer
  const why = uses.why.map((r) => (r === null && t.nonFinite ? 'the recording has non-finite partials at this point' : r));
  const d = new Float64Array(t.nIn);
  let sweeps = 0, directions = 0;
  if (why.some((r) => r === null)) {
    const { q, adjoint } = atProbes(), g = chainGains(t, uses), h = new Float64Array(t.n), A = adjoint && new Float64Array(t.n);
    sweeps += Math.ceil(colouring.count / lanes);
    directions += colouring.count;
    // at each use output y whose chain ends at probe r (r = g·y + terms without y): q_y = g² q_r, Ḡ_y = g Ḡ_r
    uses.outputs.forEach((y, k) => {
      const r = uses.probeOf[k]!, gk = g[k]!;
      h[y] = gk * gk * q[r]!;
      if (A) A[y] = gk * adjoint![r]!;
    });
    contract(t, groups, uses, h, A, d, why);
  }
  // the dense entries of structured groups, by runs of consecutive inputs
  const denseRuns = (g: ParamGroup): number => {
    let count = 0;
    for (let j = g.start; j < g.start + g.size;) {
      if (!uses.dense[j + 1]) { j++; continue; }
      let e = j;
      while (e < g.start + g.size && uses.dense[e + 1]) e++;
      d.set(dense(j, e), j);
      sweeps += Math.ceil((e - j) / lanes);
      count += e - j;
      j = e;
    }
    directions += count;
    return count;
  };
  const reports = groups.map((g, k): ParameterReport => {
    if (why[k] === null) {
      const n = denseRuns(g);
      return n ? { method: 'structured', directions: colouring.count + n, denseEntries: n, reason: uses.denseWhy[k]! } : { method: 'structured', directions: colouring.count };
    }
    d.set(dense(g.start, g.start + g.size), g.start);
    sweeps += Math.ceil(g.size / lanes);
    directions += g.size;
    return { method: 'dense', directions: g.size, reason: why[k]! };
  });
  return { d, sweeps, directions, reports };
}

// ---------------------------------------------------------------- the Gauss–Newton diagonal

/**
 * diag(JᵀJ) of a vector-valued F, structured: Σ_m (∂F_m/∂θᵢ)² =
 * Σ_c J_ci² Σ_m G_mc² (G = ∂F/∂y at the use outputs) when no output F_m
 * reads two outputs c ≠ c′ that one θᵢ touches. Σ_m G_mc² comes from adjoint
 * lanes seeded at the outputs F_m, coloured so that no two outputs of one
 * lane read a common probe (then each lane holds a single G_mc at c): the
 * per-sample losses of a batch share their lanes.
 */
export function gaussNewtonPlan(t: Tape, outputs: Int32Array, groups: readonly ParamGroup[]): StructuredPlan {
  const uses = parameterUses(t, groups, outputs, true);
  if (uses.probes.length === 0) return { groups, uses, colouring: NO_COLOURS };
  const deps = outputDependencies(t, outputs, uses.probes);
  if (!deps) return tooDense(groups, uses, "its map outputs meet in F's outputs too densely to analyse");
  let pairs = 0;
  for (let m = 0; m + 1 < deps.ptr.length; m++) pairs += (deps.ptr[m + 1]! - deps.ptr[m]!) ** 2;
  if (pairs > MAX_PAIRS) return tooDense(groups, uses, `its map outputs meet in F's outputs too densely to analyse (${pairs} pairs)`);
  interactingUses(t, groups, uses, cliquePattern(uses.probes.length, deps));
  return { groups, uses, colouring: colourOutputs(deps, uses.probes.length) };
}

/** Greedy colours for the outputs: two outputs that depend on a common probe differ. */
function colourOutputs(deps: { ptr: Int32Array; idx: Int32Array }, nProbes: number): Colouring {
  const m = deps.ptr.length - 1, colours = new Int32Array(m).fill(-1);
  // the outputs of each probe (the transpose of deps)
  const ptr = new Int32Array(nProbes + 1);
  for (const v of deps.idx) ptr[v + 1]++;
  for (let v = 0; v < nProbes; v++) ptr[v + 1]! += ptr[v]!;
  const next = ptr.slice(0, nProbes), outs = new Int32Array(deps.idx.length);
  for (let o = 0; o < m; o++) for (let e = deps.ptr[o]!; e < deps.ptr[o + 1]!; e++) outs[next[deps.idx[e]!]!++] = o;
  const mark = new Int32Array(m + 1).fill(-1);
  let count = 0;
  for (let o = 0; o < m; o++) {
    for (let e = deps.ptr[o]!; e < deps.ptr[o + 1]!; e++) {
      const v = deps.idx[e]!;
      for (let f = ptr[v]!; f < ptr[v + 1]!; f++) { const c = colours[outs[f]!]!; if (c >= 0) mark[c] = o; }
    }
    let c = 0;
    while (mark[c] === o) c++;
    colours[o] = c;
    count = Math.max(count, c + 1);
  }
  return { colours, count };
}

/** The structured Gauss–Newton diagonal; `dense(start, end)` for the parameters it does not cover. */
export function gaussNewtonDiagonal(
  w: Workspace<Tape>, outputs: Int32Array, plan: StructuredPlan, lanes: number,
  dense: (start: number, end: number) => Float64Array,
): StructuredResult {
  const t = w.tape, { groups } = plan, { probes } = plan.uses, c = plan.colouring;
  const r = assemble(t, plan, lanes, () => {
    const q = new Float64Array(t.n), first = probes[0]!, K = Math.min(lanes, c.count), A = w.get(0, K);
    for (let c0 = 0; c0 < c.count; c0 += K) {
      if (c0 > 0) A.fill(0, first * K, t.n * K);
      outputs.forEach((o, m) => { const k = c.colours[m]! - c0; if (k >= 0 && k < K) A[o * K + k] += 1; });
      probeReverse(t, K, A, first);
      for (const s of probes) for (let k = 0; k < K; k++) q[s] += A[s * K + k]! ** 2;
    }
    return { q };
  }, dense);
  // an output that is θᵢ's own slot (F returns θᵢ) is a use with J = 1 that reads nothing else: (∂F_m/∂θᵢ)² = 1
  for (const o of outputs) {
    if (o < 1 || o > t.nIn) continue;
    const k = groupIndex(groups, o - 1);
    if (k >= 0 && r.reports[k]!.method === 'structured' && !plan.uses.dense[o]) r.d[o - 1] += 1;
  }
  return r;
}

/**
 * (H_G)_cc at every probe slot c (a slot-indexed array), `lanes` colours per
 * sweep. The sweeps touch only slots from the first probe on, and read the
 * tangents of earlier ones (zero): so the arrays are zeroed whole once, then
 * from the first probe on before each sweep; the lane layout stays that of
 * the first sweep.
 */
function probeCurvature(w: Workspace<Tape>, out: number, probes: Int32Array, c: Colouring, lanes: number): AtProbes {
  if (c.count === probes.length) return probeTaylor(w, out, probes, lanes);
  const t = w.tape, h = new Float64Array(t.n), first = probes[0]!, K = Math.min(lanes, c.count);
  const T = w.get(0, K), A = w.get(1, 1), AT = w.get(2, K);
  for (let c0 = 0; c0 < c.count; c0 += K) {
    if (c0 > 0) { T.fill(0, first * K, t.n * K); AT.fill(0, first * K, t.n * K); A.fill(0, first, t.n); }
    let p = 0;
    probeTangent(t, K, T, probes, (s, T) => {
      while (probes[p]! < s) p++;
      const k = c.colours[p]! - c0;
      if (k >= 0 && k < K) T[s * K + k] += 1;
    });
    A[out] = 1;
    probeReverseTangent(t, K, T, A, AT, first);
    probes.forEach((s, q) => {
      const k = c.colours[q]! - c0;
      if (k >= 0 && k < K) h[s] = AT[s * K + k]!;
    });
  }
  return { q: h, adjoint: atSlots(A, probes, t.n) }; // (the adjoint is the same in every sweep)
}

/**
 * (H_G)_cc when no two probes share a colour (one sample: every probe
 * interacts): one-hot order-2 Taylor lanes, forward only — T2 at the output
 * is the probe's H_cc, and the lanes stay zero away from their own probe
 * until they meet (gemm skips the zero rows).
 */
function probeTaylor(w: Workspace<Tape>, out: number, probes: Int32Array, lanes: number): AtProbes {
  const t = w.tape, h = new Float64Array(t.n), first = probes[0]!, K = Math.min(lanes, probes.length);
  const T1 = w.get(0, K), T2 = w.get(1, K);
  for (let p0 = 0; p0 < probes.length; p0 += K) {
    if (p0 > 0) { T1.fill(0, first * K, t.n * K); T2.fill(0, first * K, t.n * K); }
    let p = 0;
    probeSecond(t, K, T1, T2, probes, (s, T1) => {
      while (probes[p]! < s) p++;
      const k = p - p0;
      if (k >= 0 && k < K) T1[s * K + k] += 1;
    });
    for (let k = 0; k < K && p0 + k < probes.length; k++) h[probes[p0 + k]!] = T2[out * K + k]!;
  }
  // the adjoint: one reverse lane down to the first probe
  const A = w.get(0, 1);
  A[out] = 1;
  probeReverse(t, 1, A, first);
  return { q: h, adjoint: atSlots(A, probes, t.n) };
}

/** A copy of one-lane array A at the slots `at` (zero elsewhere), n slots long. */
function atSlots(A: Float64Array, at: Int32Array, n: number): Float64Array {
  const c = new Float64Array(n);
  for (const s of at) c[s] = A[s]!;
  return c;
}

/**
 * d_i += Σ_c J_ci² h_c (+ Ḡ_c ∂²y_c/∂θᵢ² with adjoints A) over every use,
 * for the separable groups: an elementary node's partials (squared first,
 * second times the adjoint), a block's squared reverse step (a block use is
 * linear in θ). A block that cannot square term by term sends its
 * parameters to the dense lanes.
 */
function contract(
  t: Tape, groups: readonly ParamGroup[], uses: ParameterUses, h: Float64Array, A: Float64Array | undefined, d: Float64Array, why: (string | null)[],
): void {
  const nIn = t.nIn, structured = new Uint8Array(nIn + 1);
  groups.forEach((g, k) => { if (why[k] === null) for (let s = g.start + 1; s <= g.start + g.size; s++) structured[s] = uses.dense[s] ? 0 : 1; });
  const at = (s: number) => s >= 1 && s <= nIn && structured[s] === 1;
  const { a, b, par } = t;
  for (const i of uses.nodes) {
    const ai = a[i]!, bi = b[i]!, q = i * NPAR, ga = par[q]!, gb = par[q + 1]!, hi = h[i]!, Ai = A ? A[i]! : 0;
    // (the second-partial terms only with an adjoint: 0·∞ must not turn a first-order result into NaN)
    if (ai === bi) {
      // y(θᵢ, θᵢ): ∂y/∂θᵢ = g_a + g_b, ∂²y/∂θᵢ² = h_aa + 2h_ab + h_bb
      if (at(ai)) d[ai - 1] += (ga + gb) * (ga + gb) * hi + (A ? Ai * (par[q + 2]! + 2 * par[q + 3]! + par[q + 4]!) : 0);
      continue;
    }
    if (at(ai)) d[ai - 1] += ga * ga * hi + (A ? Ai * par[q + 2]! : 0);
    if (at(bi)) d[bi - 1] += gb * gb * hi + (A ? Ai * par[q + 4]! : 0);
  }
  if (uses.blocks.length === 0) return;
  const sq = new Float64Array(t.n), S = new Float64Array(t.n), val = t.val;
  for (let s = 0; s < t.n; s++) sq[s] = val[s]! * val[s]!;
  // each block sets S at its outputs before it reads them and adds into its arguments (a block that cannot square
  // adds nothing), so the inputs' S sums every block's step, read once at the end
  for (const k of uses.blocks) {
    const blk = t.blocks[k] as ArrayBlock;
    S.set(h.subarray(blk.out, blk.out + blk.size), blk.out);
    if (!blk.squaredReverse!(sq, S)) {
      blk.structure((_y, x) => { if (at(x)) why[groupIndex(groups, x - 1)] ??= 'an output reads it through two terms of one block'; }, () => {});
    }
  }
  for (let s = 1; s <= nIn; s++) if (structured[s]) d[s - 1] += S[s]!;
}

function groupIndex(groups: readonly ParamGroup[], j: number): number {
  return groups.findIndex((g) => j >= g.start && j < g.start + g.size);
}

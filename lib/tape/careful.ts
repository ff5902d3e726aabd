/**
 * Structural zeros, for the careful sweeps (recordings with a ±∞ or NaN
 * partial). The rule: **a structural zero wins; a computed 0·∞ is NaN.**
 *
 * A lane's entry at a slot is a structural zero when the slot does not
 * depend on that lane's seeds: no path from a seeded input (a non-zero seed)
 * through partials that are not identically zero (lib/tape/structure.ts:
 * the node's structure bits). Likewise an adjoint is a structural zero where
 * the slot does not reach a seeded output, and a second-order coefficient
 * where no nonlinear node lies between the seeds and the slot (the inputs'
 * own second coefficients are structural zeros: x + t·a is linear in t).
 * Every other zero was computed: a derivative that is 0 at this point
 * (relu′ on the negative side, max's losing argument, (x²)′ at 0), and it
 * meets ±∞ as IEEE arithmetic says, in NaN.
 *
 * Each careful sweep first runs a pass over the structure alone (bits, no
 * numbers; from the seeds already written in the lane arrays), then the
 * careful kernels (kernels.ts), which read its result through `live`. Block
 * nodes other than elementwise runs take part through their `structure`
 * (dependencies and second-order pairs) and sweep their numbers in IEEE
 * arithmetic.
 */
import type { ArrayBlock } from './block.js';
import { CONST, NPAR } from './node.js';
import type { SweepTape } from './block.js';
import { hyperAdjointLive, live } from './kernels.js';
import { forwardRuns, reverseRuns } from './order.js';
import { ALL, GA, GB, HAA, HAB, HBB, liveBits, nodePattern } from './structure.js';

/** A recording's own nodes: op codes and parameters (a compacted recording has its folded bits in `pat` instead). */
interface WithOps { readonly op: Int32Array; readonly prm: Float64Array; readonly val: Float64Array }

const patterns = new WeakMap<object, { n: number; blocks: number; version: number; pat: Uint16Array }>();

/**
 * Each slot's structure bits (GA … TBBB): from the op codes and constant
 * arguments (lib/tape/structure.ts `nodePattern`), or the compacted
 * recording's folded bits. Cached per recording and version (a replay may change
 * a stop-gradient's value).
 */
export function patternsOf(t: SweepTape): Uint16Array {
  if (t.pat) return t.pat;
  const hit = patterns.get(t), version = t.version ?? 0;
  if (hit && hit.n === t.n && hit.blocks === t.blocks.length && hit.version === version) return hit.pat;
  const n = t.n, pat = new Uint16Array(n), { op, prm, val } = t as unknown as WithOps;
  // constant slots: constant nodes, and block outputs that depend on nothing (constant tensors, stop-gradients)
  const constant = new Uint8Array(n);
  forwardRuns(t, (lo, hi) => { for (let i = lo; i < hi; i++) if (op[i] === CONST) constant[i] = 1; }, (blk) => {
    constant.fill(1, blk.out, blk.out + blk.size);
    blk.structure((y) => { constant[y] = 0; }, () => {});
  });
  const bits = (code: number, p: number, a: number, b: number) =>
    nodePattern(code, p, constant[a] === 1, constant[b] === 1, val[a]!, val[b]!);
  const nodes = (lo: number, hi: number) => { for (let i = lo; i < hi; i++) pat[i] = bits(op[i]!, prm[i]!, t.a[i]!, t.b[i]!); };
  forwardRuns(t, nodes, (blk) => pat.fill(ALL, blk.out, blk.out + blk.size));
  patterns.set(t, { n, blocks: t.blocks.length, version, pat });
  return pat;
}

const bytes: Uint8Array[] = [];
/** the k-th liveness scratch array, zeroed, with room for `size` entries */
function scratch(k: number, size: number): Uint8Array {
  let s = bytes[k];
  if (!s || s.length < size) s = bytes[k] = new Uint8Array(Math.max(size, 2 * (s?.length ?? 0)));
  return s.fill(0, 0, size);
}

/** Visits the nodes forward: `node(i, a, b, s)` for scalar and elementwise nodes, `block` for the other blocks. */
function forwardNodes(t: SweepTape, node: (i: number, a: number, b: number, s: number) => void, block: (blk: ArrayBlock) => void): void {
  const pat = live.pat;
  const run = (lo: number, hi: number) => { for (let i = lo; i < hi; i++) node(i, t.a[i]!, t.b[i]!, liveBits(pat[i]!, t.par, i * NPAR)); };
  forwardRuns(t, run, block);
}

function reverseNodes(t: SweepTape, node: (i: number, a: number, b: number, s: number) => void, block: (blk: ArrayBlock) => void): void {
  const pat = live.pat;
  const run = (lo: number, hi: number) => { for (let i = hi - 1; i >= lo; i--) node(i, t.a[i]!, t.b[i]!, liveBits(pat[i]!, t.par, i * NPAR)); };
  reverseRuns(t, run, block);
}

/** L[s, k] = 1 where slot s depends on lane k's seeds (the non-zero entries of T at the inputs). */
function tangentLive(t: SweepTape, K: number, T: Float64Array, L: Uint8Array): void {
  for (let s = K; s < (t.nIn + 1) * K; s++) L[s] = T[s] !== 0 ? 1 : 0;
  forwardNodes(t, (i, a, b, s) => {
    const la = s & GA, lb = s & GB, ia = a * K, ib = b * K, iy = i * K;
    for (let k = 0; k < K; k++) L[iy + k] = (la && L[ia + k]) || (lb && L[ib + k]) ? 1 : 0;
  }, (blk) => blk.structure((y, x) => { for (let k = 0; k < K; k++) L[y * K + k] |= L[x * K + k]!; }, () => {}));
}

/** L2[s, k] = 1 where some nonlinear node lies between lane k's seeds and slot s (given L1 from {@link tangentLive}). */
function secondLive(t: SweepTape, K: number, L1: Uint8Array, L2: Uint8Array): void {
  forwardNodes(t, (i, a, b, s) => {
    const la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB, ia = a * K, ib = b * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const xl = L1[ia + k], yl = L1[ib + k];
      L2[iy + k] = (la && L2[ia + k]) || (lb && L2[ib + k]) || (laa && xl) || (lab && xl && yl) || (lbb && yl) ? 1 : 0;
    }
  }, (blk) => blk.structure(
    (y, x) => { for (let k = 0; k < K; k++) L2[y * K + k] |= L2[x * K + k]!; },
    (y, x1, x2) => { for (let k = 0; k < K; k++) L2[y * K + k] |= L1[x1 * K + k]! & L1[x2 * K + k]!; },
  ));
}

/** Careful forward tangent sweep: the structure pass. */
export function carefulTangent(t: SweepTape, K: number, T: Float64Array): void {
  live.pat = patternsOf(t);
  tangentLive(t, K, T, live.t1 = scratch(0, t.n * K));
}

/** Careful Taylor-2 sweep: the structure passes (T2 is 0 at the inputs, a structural zero). */
export function carefulSecond(t: SweepTape, K: number, T1: Float64Array): void {
  live.pat = patternsOf(t);
  tangentLive(t, K, T1, live.t1 = scratch(0, t.n * K));
  secondLive(t, K, live.t1, live.t2 = scratch(1, t.n * K));
}

/** Careful hyper-dual sweep (also the forward half of a third-order sweep): T1 and T2 seeded, T12 = 0 at the inputs. */
export function carefulHyper(t: SweepTape, K: number, T1: Float64Array, T2: Float64Array): void {
  live.pat = patternsOf(t);
  const L1 = live.t1 = scratch(0, t.n * K), L2 = live.t2 = scratch(1, t.n * K), L12 = live.t12 = scratch(2, t.n * K);
  tangentLive(t, K, T1, L1);
  tangentLive(t, K, T2, L2);
  forwardNodes(t, (i, a, b, s) => {
    const la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB, ia = a * K, ib = b * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const a1 = L1[ia + k], b1 = L1[ib + k], a2 = L2[ia + k], b2 = L2[ib + k];
      L12[iy + k] = (la && L12[ia + k]) || (lb && L12[ib + k]) || (laa && a1 && a2) || (lab && ((a1 && b2) || (a2 && b1))) || (lbb && b1 && b2) ? 1 : 0;
    }
  }, (blk) => blk.structure(
    (y, x) => { for (let k = 0; k < K; k++) L12[y * K + k] |= L12[x * K + k]!; },
    (y, x1, x2) => {
      for (let k = 0; k < K; k++) L12[y * K + k] |= (L1[x1 * K + k]! & L2[x2 * K + k]!) | (L2[x1 * K + k]! & L1[x2 * K + k]!);
    },
  ));
}

/** Careful forward Laplacian: tangent lanes, and the one summed second-order value per slot (live if any lane's is). */
export function carefulLaplacian(t: SweepTape, K: number, T: Float64Array): void {
  live.pat = patternsOf(t);
  const L1 = live.t1 = scratch(0, t.n * K), L2 = scratch(1, t.n * K), LL = live.t12 = scratch(2, t.n);
  tangentLive(t, K, T, L1);
  secondLive(t, K, L1, L2);
  for (let s = 0; s < t.n; s++) {
    let l = 0;
    for (let k = 0; k < K; k++) l |= L2[s * K + k]!;
    LL[s] = l;
  }
}

/** R[s, k] = 1 where slot s reaches lane k's seeded outputs (the non-zero entries of A before the sweep). */
function adjointLive(t: SweepTape, K: number, A: Float64Array, R: Uint8Array): void {
  for (let s = 0; s < t.n * K; s++) R[s] = A[s] !== 0 ? 1 : 0;
  reverseNodes(t, (i, a, b, s) => {
    const la = s & GA, lb = s & GB, ia = a * K, ib = b * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      if (!R[iy + k]) continue;
      if (la) R[ia + k] = 1;
      if (lb) R[ib + k] = 1;
    }
  }, (blk) => blk.structure((y, x) => { for (let k = 0; k < K; k++) R[x * K + k] |= R[y * K + k]!; }, () => {}));
  R[0] = 0;
}

/** Careful reverse sweep: the structure pass. */
export function carefulReverse(t: SweepTape, K: number, A: Float64Array): void {
  live.pat = patternsOf(t);
  adjointLive(t, K, A, live.a = scratch(3, t.n * K));
}

/**
 * Careful forward-over-reverse: the tangents' liveness (from T's seeds), the
 * primal adjoint's (from A's seed), and the adjoint tangents': ā̇ is live
 * where ȳ̇ is (through a live g) or where ȳ is live and meets a live
 * tangent through a second partial that is not identically zero.
 */
export function carefulReverseTangent(t: SweepTape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
  live.pat = patternsOf(t);
  const L1 = live.t1 = scratch(0, t.n * K), R = live.a = scratch(3, t.n), RT = live.at = scratch(4, t.n * K);
  tangentLive(t, K, T, L1);
  adjointLive(t, 1, A, R);
  for (let s = 0; s < t.n * K; s++) RT[s] = AT[s] !== 0 ? 1 : 0;
  reverseNodes(t, (i, a, b, s) => {
    const la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB, r = R[i], ia = a * K, ib = b * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const wt = RT[iy + k], xl = L1[ia + k], yl = L1[ib + k];
      if ((la && wt) || (r && ((laa && xl) || (lab && yl)))) RT[ia + k] = 1;
      if ((lb && wt) || (r && ((lab && xl) || (lbb && yl)))) RT[ib + k] = 1;
    }
  }, (blk) => blk.structure(
    (y, x) => { for (let k = 0; k < K; k++) RT[x * K + k] |= RT[y * K + k]!; },
    (y, x1, x2) => {
      if (!R[y]) return;
      for (let k = 0; k < K; k++) { RT[x1 * K + k] |= L1[x2 * K + k]!; RT[x2 * K + k] |= L1[x1 * K + k]!; }
    },
  ));
  for (let k = 0; k < K; k++) RT[k] = 0;
}

/**
 * Third order: the forward hyper-dual liveness, and the adjoint components'
 * liveness seeded from the arrays (filled in by the kernel as it goes, since
 * every product it forms is tested anyway). A block other than an
 * elementwise run makes every adjoint component of its arguments live
 * (its numbers are IEEE arithmetic: a structural zero there is not kept).
 */
export function carefulReverseHyper(
  t: SweepTape, T1: Float64Array, T2: Float64Array, A0: Float64Array, A1: Float64Array, A2: Float64Array, A12: Float64Array,
): (blk: ArrayBlock) => void {
  carefulHyper(t, 1, T1, T2);
  const n = t.n, L = hyperAdjointLive;
  L.r0 = scratch(5, n); L.r1 = scratch(6, n); L.r2 = scratch(7, n); L.r12 = scratch(8, n);
  for (let s = 0; s < n; s++) {
    L.r0[s] = A0[s] !== 0 ? 1 : 0; L.r1[s] = A1[s] !== 0 ? 1 : 0; L.r2[s] = A2[s] !== 0 ? 1 : 0; L.r12[s] = A12[s] !== 0 ? 1 : 0;
  }
  return (blk) => blk.structure((y, x) => {
    if (L.r0[y] || L.r1[y] || L.r2[y] || L.r12[y]) L.r0[x] = L.r1[x] = L.r2[x] = L.r12[x] = 1;
  }, () => {});
}

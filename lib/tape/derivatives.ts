/**
 * Derivatives read off a recording by composing the sweeps. Each is a few
 * lines, and these lines are the identities the library teaches:
 *   gradient          = one reverse sweep seeded with 1 at the output
 *   H·v               = forward tangent sweep with v, then one reverse sweep
 *                        carrying adjoints and their tangents
 *   Hessian           = H·eⱼ for every j, K one-hot lanes per sweep
 *   diagonal (hvp)    = entry j of H·eⱼ
 *   diagonal (hyper)  = second-order coefficient of a forward sweep seeded
 *                        with eⱼ: no reverse sweep, no adjoints, no row
 *   Jacobian          = one-hot tangent lanes (n ≤ m) or adjoint lanes (m < n)
 * Work arrays live in a Workspace and are reused across calls.
 */
import { nodesOnly } from './block.js';
import type { Tape } from './tape.js';
import type { SweepTape } from './block.js';
import { giveFloats, takeFloats } from './pool.js';
import { forwardHyper, forwardLaplacian, forwardSecond, forwardTangent, reverse, reverseHyper, reverseTangent } from './sweeps.js';

/** Reusable sweep arrays for one recording (sized nodes × lanes, grown on demand). */
export class Workspace<T extends SweepTape = SweepTape> {
  private arrays: Float64Array[] = [];
  constructor(public tape: T) {}
  /** the same work arrays for another tape of the same size (a rebuilt compacted recording) */
  rebind(tape: T): this {
    this.tape = tape;
    return this;
  }
  /** the k-th work array, zeroed, with room for `lanes` lanes per node */
  get(k: number, lanes: number): Float64Array {
    return this.array(k, lanes, this.tape.n * lanes);
  }
  /**
   * The k-th work array for the tangents of a forward sweep: a forward sweep
   * writes every computed slot, so only slot 0 and the inputs (where the
   * caller seeds) are zeroed, unless blocks other than runs of elementary
   * nodes are present (they may accumulate: zeroed whole then).
   */
  forward(k: number, lanes: number): Float64Array {
    const t = this.tape;
    return this.array(k, lanes, nodesOnly(t) ? (t.nIn + 1) * lanes : t.n * lanes);
  }
  /** the k-th array with room for `lanes` lanes per node, its first `zeroed` entries 0 */
  private array(k: number, lanes: number, zeroed: number): Float64Array {
    const size = this.tape.n * lanes;
    let w = this.arrays[k];
    if (!w || w.length < size) {
      if (w) giveFloats(w);
      w = this.arrays[k] = takeFloats(size); // from the pool: contents unspecified
    }
    return w.fill(0, 0, zeroed);
  }
  /** gives the work arrays back to the pool (the recording is finished with) */
  release(): void {
    for (const w of this.arrays) if (w) giveFloats(w);
    this.arrays = [];
  }
  /** bytes held by the work arrays (the lane memory the benchmarks report) */
  get bytes(): number {
    return this.arrays.reduce((s, w) => s + (w ? w.byteLength : 0), 0);
  }
}

/** Counts of node visits (lanes × nodes), forward and reverse, for the cost tables. */
export const counters = { forward: 0, reverse: 0 };

function count(t: SweepTape, K: number, fwd: boolean, rev: boolean): void {
  const m = (t.n - t.nIn - 1) * K;
  if (fwd) counters.forward += m;
  if (rev) counters.reverse += m;
}

/** ∇f from one reverse sweep. */
export function gradientOf(w: Workspace, out: number): Float64Array {
  const t = w.tape, A = w.get(0, 1);
  A[out] = 1;
  reverse(t, 1, A);
  count(t, 1, false, true);
  return A.slice(1, t.nIn + 1);
}

/**
 * Where forward-over-reverse needs tangents: below a last block whose
 * reverseTangent reads T only at its arguments (nothing after it reads its
 * slots; a fused chain ending in the loss), else everywhere. A recording
 * with a partial that is not finite sweeps everything (its careful passes
 * want every slot).
 */
function tangentsUpTo(t: SweepTape): number {
  const last = t.blocks[t.blocks.length - 1];
  return last && !last.nodes && last.argumentTangentsOnly && last.out + last.size === t.n && !t.nonFinite ? last.out : t.n;
}

/** H·v (and ∇f, in A, with it) from one forward tangent sweep and one forward-over-reverse sweep. */
export function hvpOf(w: Workspace, out: number, v: Float64Array): Float64Array {
  const t = w.tape, T = w.forward(0, 1), A = w.get(1, 1), AT = w.get(2, 1);
  T.set(v, 1);
  forwardTangent(t, 1, T, tangentsUpTo(t));
  A[out] = 1;
  reverseTangent(t, 1, T, A, AT);
  count(t, 1, true, true);
  return AT.slice(1, t.nIn + 1);
}

/**
 * Visits one-hot blocks: calls `sweep(K, j0)` for the columns j0 … j0+K−1,
 * K ≤ lanes (the caller seeds lane k with e_{j0+k}, at input node j0+k+1,
 * sweeps, and reads its K columns).
 */
function oneHotBlocks(w: Workspace, lanes: number, sweep: (K: number, j0: number) => void, from = 0, to = w.tape.nIn): void {
  for (let j0 = from; j0 < to; j0 += lanes) sweep(Math.min(lanes, to - j0), j0);
}

function seedOneHot(T: Float64Array, K: number, j0: number): void {
  for (let k = 0; k < K; k++) T[(j0 + k + 1) * K + k] = 1;
}

/**
 * One forward-over-reverse sweep with K lanes: `seed(T)` writes the lane
 * directions at the inputs; returns AT, whose lane k at the inputs is H·vₖ.
 */
function hvpSweep(w: Workspace, out: number, K: number, seed: (T: Float64Array) => void): Float64Array {
  const t = w.tape, T = w.forward(0, K), A = w.get(1, 1), AT = w.get(2, K);
  seed(T);
  forwardTangent(t, K, T, tangentsUpTo(t));
  A[out] = 1;
  reverseTangent(t, K, T, A, AT);
  count(t, K, true, true);
  return AT;
}

/** Most entries a dense result may have (2²⁸ doubles, 2 GiB): beyond it, say so rather than exhaust memory. */
export const MAX_DENSE = 2 ** 28;

function denseLimit(what: string, m: number, n: number, instead: string): void {
  if (m * n > MAX_DENSE) {
    throw new RangeError(
      `${what}: a dense ${m} × ${n} result would need ${((m * n * 8) / 2 ** 30).toFixed(1)} GiB (limit ${MAX_DENSE} entries); use ${instead}`,
    );
  }
}

/** The Hessian, column by column: H·eⱼ by forward-over-reverse, K columns per sweep; symmetrised. */
export function hessianOf(w: Workspace, out: number, lanes: number): Float64Array[] {
  const t = w.tape, n = t.nIn;
  denseLimit('hessian', n, n, 'sparseHessian, hessianDiagonal or hvp');
  const H = Array.from({ length: n }, () => new Float64Array(n));
  oneHotBlocks(w, lanes, (K, j0) => {
    const AT = hvpSweep(w, out, K, (T) => seedOneHot(T, K, j0));
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) H[i]![j0 + k] = AT[(i + 1) * K + k]!;
  });
  // the two triangles agree up to rounding; average them so H is exactly symmetric
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (H[i]![j]! + H[j]![i]!);
      H[i]![j] = s; H[j]![i] = s;
    }
  }
  return H;
}

/** H_jj as entry j of H·eⱼ (forward-over-reverse), K columns per sweep. */
export function diagonalByHvp(w: Workspace, out: number, lanes: number): Float64Array {
  const d = new Float64Array(w.tape.nIn);
  oneHotBlocks(w, lanes, (K, j0) => {
    const AT = hvpSweep(w, out, K, (T) => seedOneHot(T, K, j0));
    for (let k = 0; k < K; k++) d[j0 + k] = AT[(j0 + k + 1) * K + k]!;
  });
  return d;
}

/**
 * H_jj as the second-order coefficient of a forward sweep seeded with eⱼ
 * (order-2 Taylor lanes), for the inputs j in [from, to) (default all).
 */
export function diagonalByHyperdual(w: Workspace, out: number, lanes: number, from = 0, to = w.tape.nIn): Float64Array {
  const t = w.tape, d = new Float64Array(to - from);
  oneHotBlocks(w, lanes, (K, j0) => {
    const T1 = w.forward(0, K), T2 = w.forward(1, K);
    seedOneHot(T1, K, j0);
    forwardSecond(t, K, T1, T2, out);
    count(t, K, true, false);
    for (let k = 0; k < K; k++) d[j0 - from + k] = T2[out * K + k]!;
  }, from, to);
  return d;
}

/** vᵀ∇f from one forward tangent sweep over the recording. */
export function tangentOf(w: Workspace, out: number, v: Float64Array): number {
  const t = w.tape, T = w.forward(0, 1);
  T.set(v, 1);
  forwardTangent(t, 1, T);
  count(t, 1, true, false);
  return T[out]!;
}

/** aᵀ∇f and aᵀHa from one forward Taylor-2 sweep over the recording. */
export function directionalOf(w: Workspace, out: number, a: Float64Array): { first: number; second: number } {
  const t = w.tape, T1 = w.forward(0, 1), T2 = w.forward(1, 1);
  T1.set(a, 1);
  forwardSecond(t, 1, T1, T2, out);
  count(t, 1, true, false);
  return { first: T1[out]!, second: T2[out]! };
}

/** aᵀ∇f, bᵀ∇f and aᵀHb from one forward hyper-dual sweep over the recording. */
export function hyperdualOf(w: Workspace, out: number, a: Float64Array, b: Float64Array): { da: number; db: number; dab: number } {
  const t = w.tape, T1 = w.get(0, 1), T2 = w.get(1, 1), T12 = w.get(2, 1);
  T1.set(a, 1); T2.set(b, 1);
  forwardHyper(t, 1, T1, T2, T12);
  count(t, 1, true, false);
  return { da: T1[out]!, db: T2[out]!, dab: T12[out]! };
}

/**
 * The entries J_ij (i over the outputs, j over the inputs [from, to)) in
 * blocks of K lanes: one-hot tangent lanes over the inputs if there are no
 * more of them than outputs, adjoint lanes over the outputs otherwise.
 * `entry(i, j, J_ij)` gets every entry once.
 */
function jacobianEntries(w: Workspace, outputs: Int32Array, lanes: number, from: number, to: number, entry: (i: number, j: number, v: number) => void): void {
  const t = w.tape, m = outputs.length;
  if (to - from <= m) {
    oneHotBlocks(w, lanes, (K, j0) => {
      const T = w.get(0, K);
      seedOneHot(T, K, j0);
      forwardTangent(t, K, T);
      count(t, K, true, false);
      for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) entry(i, j0 + k, T[outputs[i]! * K + k]!);
    }, from, to);
    return;
  }
  for (let i0 = 0; i0 < m; i0 += lanes) {
    const K = Math.min(lanes, m - i0), A = w.get(0, K);
    for (let k = 0; k < K; k++) A[outputs[i0 + k]! * K + k] += 1;
    reverse(t, K, A);
    count(t, K, false, true);
    for (let k = 0; k < K; k++) for (let j = from; j < to; j++) entry(i0 + k, j, A[(j + 1) * K + k]!);
  }
}

/** The m × n Jacobian of the recorded outputs: one-hot tangent lanes if n ≤ m, adjoint lanes otherwise. */
export function jacobianOf(w: Workspace, outputs: Int32Array, lanes: number): Float64Array[] {
  const n = w.tape.nIn, m = outputs.length;
  denseLimit('jacobian', m, n, 'jvp or vjp-style lanes over a prepared recording (prepare(F, x, { vector: true }))');
  const J = Array.from({ length: m }, () => new Float64Array(n));
  jacobianEntries(w, outputs, lanes, 0, n, (i, j, v) => { J[i]![j] = v; });
  return J;
}

/** diag(JᵀJ) over the inputs [from, to): Σ_m (∂F_m/∂x_j)², J itself never stored. */
export function gaussNewtonOf(w: Workspace, outputs: Int32Array, lanes: number, from = 0, to = w.tape.nIn): Float64Array {
  const d = new Float64Array(to - from);
  jacobianEntries(w, outputs, lanes, from, to, (_i, j, v) => { d[j - from] += v * v; });
  return d;
}

/**
 * Compressed Hessian-vector products: for each colour c, H·s_c with s_c the
 * indicator vector of the inputs coloured c, `lanes` colours per sweep.
 * After each sweep, `read(c0, K, AT)` receives it: lane k carried colour c0 + k.
 */
export function compressedHvps(
  w: Workspace, out: number, colours: Int32Array, nColours: number, lanes: number,
  read: (c0: number, K: number, AT: Float64Array) => void,
): void {
  const n = w.tape.nIn;
  for (let c0 = 0; c0 < nColours; c0 += lanes) {
    const K = Math.min(lanes, nColours - c0);
    read(c0, K, hvpSweep(w, out, K, (T) => {
      for (let j = 0; j < n; j++) {
        const k = colours[j]! - c0;
        if (k >= 0 && k < K) T[(j + 1) * K + k] = 1;
      }
    }));
  }
}

/**
 * tr H in forward Laplacian sweeps: `lanes` first-order lanes seeded with
 * indicator vectors of groups of inputs, and one summed second-order value.
 * Groups are single inputs (colours = null: n directions) or the colours of a
 * distance-1 colouring (sᵀHs over a colour's indicator s sums exactly that
 * colour's diagonal entries, since no two of its inputs interact).
 */
export function laplacianOf(w: Workspace, out: number, lanes: number, colours: Int32Array | null, nGroups: number): number {
  const t = w.tape, n = t.nIn;
  let total = 0;
  for (let g0 = 0; g0 < nGroups; g0 += lanes) {
    const K = Math.min(lanes, nGroups - g0), T = w.get(0, K), L = w.get(1, 1);
    for (let j = 0; j < n; j++) {
      const k = (colours ? colours[j]! : j) - g0;
      if (k >= 0 && k < K) T[(j + 1) * K + k] = 1;
    }
    forwardLaplacian(t, K, T, L);
    count(t, K, true, false);
    total += L[out]!;
  }
  return total;
}

/**
 * Third order: ∇ₓ(aᵀ∇²f(x) b) from one forward hyper-dual sweep and its
 * reverse (the adjoints of all four hyper-dual components). Also returns
 * aᵀHb, H·a and H·b, which the same sweeps produce.
 */
export function gradHyperdualOf(
  w: Workspace<Tape>, out: number, a: Float64Array, b: Float64Array,
): { dab: number; grad: Float64Array; ha: Float64Array; hb: Float64Array } {
  const t = w.tape, T1 = w.get(0, 1), T2 = w.get(1, 1), T12 = w.get(2, 1);
  T1.set(a, 1); T2.set(b, 1);
  forwardHyper(t, 1, T1, T2, T12);
  const A0 = w.get(3, 1), A1 = w.get(4, 1), A2 = w.get(5, 1), A12 = w.get(6, 1);
  A12[out] = 1;
  reverseHyper(t, { T1, T2, T12 }, { A0, A1, A2, A12 });
  count(t, 1, true, true);
  const n = t.nIn;
  return { dab: T12[out]!, grad: A0.slice(1, n + 1), hb: A1.slice(1, n + 1), ha: A2.slice(1, n + 1) };
}

/** Writes directions[d0 … d0+K−1] into lanes 0 … K−1 of T at the input nodes. */
function seedLanes(T: Float64Array, K: number, directions: readonly Float64Array[], d0: number): void {
  for (let k = 0; k < K; k++) {
    const a = directions[d0 + k]!;
    for (let i = 0; i < a.length; i++) T[(i + 1) * K + k] = a[i]!;
  }
}

/** aᵀHa for each direction a: forward Taylor-2 sweeps, `lanes` directions per sweep; no reverse sweep. */
export function quadraticForms(w: Workspace, out: number, directions: readonly Float64Array[], lanes: number): Float64Array {
  const t = w.tape, q = new Float64Array(directions.length);
  for (let d0 = 0; d0 < directions.length; d0 += lanes) {
    const K = Math.min(lanes, directions.length - d0), T1 = w.forward(0, K), T2 = w.forward(1, K);
    seedLanes(T1, K, directions, d0);
    forwardSecond(t, K, T1, T2, out);
    count(t, K, true, false);
    for (let k = 0; k < K; k++) q[d0 + k] = T2[out * K + k]!;
  }
  return q;
}

/** H·v for each direction v: forward-over-reverse, `lanes` directions per sweep. */
export function hvpsOf(w: Workspace, out: number, directions: readonly Float64Array[], lanes: number): Float64Array[] {
  const n = w.tape.nIn, hv: Float64Array[] = [];
  for (let d0 = 0; d0 < directions.length; d0 += lanes) {
    const K = Math.min(lanes, directions.length - d0);
    const AT = hvpSweep(w, out, K, (T) => seedLanes(T, K, directions, d0));
    for (let k = 0; k < K; k++) {
      const h = new Float64Array(n);
      for (let i = 0; i < n; i++) h[i] = AT[(i + 1) * K + k]!;
      hv.push(h);
    }
  }
  return hv;
}

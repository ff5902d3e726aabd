/**
 * Sweeps over a whole recording, K lanes at once. A recording is a sequence
 * of runs of elementary (scalar) nodes, interleaved with block nodes
 * (tensor ops); each sweep visits them in order (forward) or in reverse
 * order (reverse), runs through lib/tape/kernels.ts, blocks through their
 * own methods. Arrays are zeroed by the caller and seeded at the inputs
 * (tangents) or the output (adjoints). Sweeps over a recording of
 * elementary nodes (`nodesOnly`) may run generated code instead (lib/tape/codegen.ts): the same
 * formulas, specialised to the recording's structure. None of this names an op.
 */
import { runHyper, runLaplacian, runReverse, runReverseHyper, runReverseTangent, runSecond, runTangent } from './kernels.js';
import { NPAR, evalNode, finitePartials, type HyperAdjoints, type HyperLanes } from './node.js';
import type { SweepTape } from './block.js';
import type { Tape } from './tape.js';
import { generated, generatedReplay } from './codegen.js';
import { runReplay } from './codegen/replay.js';
import { replayer } from './codegen/record.js';
import { forwardOrder, forwardRuns, reverseRuns } from './order.js';
import { secondOrderZeros } from './zeros.js';
import {
  carefulHyper, carefulLaplacian, carefulReverse, carefulReverseHyper, carefulReverseTangent, carefulSecond, carefulTangent,
} from './careful.js';

// A SweepTape with block nodes is always a recording itself (a compacted recording has none), hence `t as Tape` for blocks.

/**
 * Forward tangent sweep: T holds ẋ at the inputs (K lanes), gets ẏ
 * everywhere, or (`end`) only at the slots below end, where a caller needs
 * no more: the rest is left as it was.
 */
export function forwardTangent(t: SweepTape, K: number, T: Float64Array, end = t.n): void {
  const g = generated(t);
  if (g) return g.tangent(t, K, T);
  if (t.nonFinite) carefulTangent(t, K, T);
  if (end >= t.n) forwardRuns(t, (lo, hi) => runTangent(t, lo, hi, K, T), (blk) => blk.tangent(t as Tape, K, T));
  else forwardRuns(t, (lo, hi) => { if (lo < end) runTangent(t, lo, Math.min(hi, end), K, T); }, (blk) => { if (blk.out < end) blk.tangent(t as Tape, K, T); });
}

/**
 * Forward second-order sweep (order-2 Taylor lanes): with T1 = a at the
 * inputs and T2 = 0 there, T2 at node y is aᵀ∇²y a for each lane's a.
 * No reverse sweep and no adjoint memory. (T2 must be 0 at the inputs: the
 * generated sweeps rely on it and never read it there.) Given `out`, the
 * slot the caller reads, other slots may be left unwritten.
 */
export function forwardSecond(t: SweepTape, K: number, T1: Float64Array, T2: Float64Array, out?: number): void {
  const g = generated(t);
  if (g) return g.second(t, K, T1, T2, out);
  if (t.nonFinite) carefulSecond(t, K, T1);
  const zero = t.nonFinite ? null : secondOrderZeros(t);
  forwardRuns(t, (lo, hi) => runSecond(t, lo, hi, K, T1, T2, t.nIn, zero), (blk) => blk.second(t as Tape, K, T1, T2));
}

/** Forward hyper-dual sweep: directions a in T1, b in T2; T12 = aᵀ∇²y b. */
export function forwardHyper(t: SweepTape, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
  if (t.nonFinite) carefulHyper(t, K, T1, T2);
  forwardRuns(t, (lo, hi) => runHyper(t, lo, hi, K, T1, T2, T12), (blk) => blk.hyper(t as Tape, K, T1, T2, T12));
}

/**
 * Forward Laplacian sweep: K tangent lanes seeded at the inputs in T, and one
 * summed second-order value per node in L (zero at the inputs): at node y,
 * L = Σ_k a_kᵀ∇²y a_k over the lanes' directions a_k — with one-hot (or
 * colour-indicator) seeds, a sum of Hessian diagonal entries in one pass.
 */
export function forwardLaplacian(t: SweepTape, K: number, T: Float64Array, L: Float64Array): void {
  if (t.nonFinite) carefulLaplacian(t, K, T);
  forwardRuns(t, (lo, hi) => runLaplacian(t, lo, hi, K, T, L), (blk) => blk.laplacian(t as Tape, K, T, L));
}

/** Reverse sweep (K adjoint lanes): A seeded at the outputs; A at the inputs is the gradient. */
export function reverse(t: SweepTape, K: number, A: Float64Array): void {
  const g = K === 1 ? generated(t) : null;
  if (g) return g.reverse(t, A);
  if (t.nonFinite) carefulReverse(t, K, A);
  reverseRuns(t, (lo, hi) => runReverse(t, lo, hi, K, A), (blk) => blk.reverse(t as Tape, K, A));
}

/**
 * Forward-over-reverse sweep: one reverse pass computes the adjoint A (the
 * gradient, shared by every lane) and, per lane, the adjoint's tangent AT
 * along that lane's direction, given T from {@link forwardTangent}. Seed
 * A[out] = 1. At the inputs, A = ∇f and AT = H·v for each lane's v.
 */
export function reverseTangent(t: SweepTape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
  const g = generated(t);
  if (g) return g.reverseTangent(t, K, T, A, AT);
  if (t.nonFinite) carefulReverseTangent(t, K, T, A, AT);
  reverseRuns(t, (lo, hi) => runReverseTangent(t, lo, hi, K, T, A, AT), (blk) => blk.reverseTangent(t as Tape, K, T, A, AT));
}

/**
 * Third order: the reverse of {@link forwardHyper} (one lane). Seed A12 = 1
 * at the output; then A0 at the inputs is ∇ₓ(aᵀ∇²f b).
 */
export function reverseHyper(t: Tape, H: HyperLanes, A: HyperAdjoints): void {
  const node = { code: 0, p: 0 };
  const scalar = (j: number) => { node.code = t.op[j]!; node.p = t.prm[j]!; return node; };
  // always careful: the third partials, recomputed here, may be infinite where the stored ones are not (x^2.5 at 0)
  const blockLive = carefulReverseHyper(t, H.T1, H.T2, A.A0, A.A1, A.A2, A.A12);
  reverseRuns(t, (lo, hi) => runReverseHyper(t, lo, hi, t.val, scalar, H, A), (blk) => {
    blockLive(blk);
    blk.reverseHyper(t, H, A);
  });
}

/**
 * Replays the recording at new input values (already written to val at the
 * inputs): every node recomputes its value and partials from the rule table,
 * blocks through their own replay. The recorded structure is kept. Loops in
 * the recording may replay as generated code (lib/tape/codegen/replay.ts):
 * the same evaluation without the per-node dispatch.
 */
export function replay(t: Tape): void {
  t.version++;
  const plan = generatedReplay(t);
  if (plan) {
    t.nonFinite = runReplay(t, plan, (lo, hi) => replayNodes(t, lo, hi));
    return;
  }
  t.nonFinite = false;
  forwardOrder(t, (lo, hi) => { if (replayNodes(t, lo, hi)) t.nonFinite = true; }, (k) => t.blocks[k]!.replay(t));
}

/**
 * Replays nodes [lo, hi) through the rule table, each by its op's generated
 * replayer where there is one (lib/tape/codegen/record.ts: its rule calls
 * inlined), else by evalNode; true if some partial is not finite.
 */
function replayNodes(t: Tape, lo: number, hi: number): boolean {
  const { op, a, b, val, prm, par } = t;
  let nonFinite = false;
  for (let i = lo; i < hi; i++) {
    const code = op[i]!;
    if (code < 0) continue; // constants keep their value
    const r = replayer(code);
    if (r) { if (r(t, i)) nonFinite = true; continue; }
    val[i] = evalNode(code, val[a[i]!]!, val[b[i]!]!, prm[i]!, par, i * NPAR);
    if (!finitePartials(par, i * NPAR)) nonFinite = true;
  }
  return nonFinite;
}

/**
 * Sweeps seeded at intermediates instead of inputs. A probe is a perturbation
 * added to a slot's value, y_s ← y_s + ε: its tangent is added to the slot's
 * tangent right after the slot is computed, and its adjoint is the slot's
 * adjoint once everything after the slot has been swept. With the inputs
 * unseeded, nothing before the first probe moves, so both sweeps start (or
 * stop) there: only the part of the recording downstream of the probes is
 * visited. Interpreted kernels only (a generated sweep has no place to add a
 * seed mid-way); the recording's partials must be finite.
 */
import type { ArrayBlock } from './block.js';
import { runReverse, runReverseTangent, runSecond, runTangent } from './kernels.js';
import { forwardRuns, reverseRuns } from './order.js';
import type { Tape } from './tape.js';

const fixed = new WeakMap<ArrayBlock, ArrayBlock>();
/** blk with the inputs held constant (nothing is seeded there, and their adjoints are not asked for) */
function view(t: Tape, blk: ArrayBlock): ArrayBlock {
  if (!blk.withInputsFixed) return blk;
  let v = fixed.get(blk);
  if (!v) fixed.set(blk, (v = blk.withInputsFixed(t.nIn)));
  return v;
}

/**
 * A forward sweep from probes: `run(lo, hi)` sweeps nodes, `block(blk)` an
 * array block, and `seed(s)` adds the probe at slot s (one of `probes`,
 * increasing) right after s is computed. Nodes before the first probe are
 * skipped (their lanes stay 0).
 */
function probeForward(
  t: Tape, probes: Int32Array, run: (lo: number, hi: number) => void, block: (blk: ArrayBlock) => void, seed: (s: number) => void,
): void {
  if (probes.length === 0) return;
  let p = 0;
  const first = probes[0]!;
  // nodes [lo, hi) of a run (from the first probe on): up to each probe slot, then the seed
  const nodes = (lo: number, hi: number) => {
    while (lo < hi) {
      while (p < probes.length && probes[p]! < lo) p++;
      const s = p < probes.length && probes[p]! < hi ? probes[p]! : hi;
      if (s > lo) run(lo, s);
      if (s === hi) return;
      run(s, s + 1);
      seed(s);
      lo = s + 1;
    }
  };
  forwardRuns(t, nodes, (blk) => {
    const end = blk.out + blk.size;
    block(view(t, blk));
    while (p < probes.length && probes[p]! < blk.out) p++;
    for (; p < probes.length && probes[p]! < end; p++) seed(probes[p]!);
  }, first);
}

/**
 * A reverse pass from the end down to the first probe: `run(lo, hi)` over
 * nodes, `block(blk)` over array blocks. A block that starts at the first
 * probe only writes upstream of every probe, and is skipped.
 */
function probeBackward(t: Tape, first: number, run: (lo: number, hi: number) => void, block: (blk: ArrayBlock) => void): void {
  reverseRuns(t, run, (blk) => { if (blk.out > first) block(view(t, blk)); }, first);
}

/** Forward tangent lanes from probes: `seed(s, T)` adds the lane tangents of the probe at s to T at s. T is zero on entry. */
export function probeTangent(t: Tape, K: number, T: Float64Array, probes: Int32Array, seed: (s: number, T: Float64Array) => void): void {
  probeForward(t, probes, (lo, hi) => runTangent(t, lo, hi, K, T), (blk) => blk.tangent(t, K, T), (s) => seed(s, T));
}

/**
 * Order-2 Taylor lanes from probes: `seed(s, T1)` adds the probe's first-order
 * lanes (a probe is linear in ε: nothing is added to T2). With one probe per
 * lane, T2 at the output is that probe's (H_ε)_cc. T1 and T2 are zero on entry.
 */
export function probeSecond(t: Tape, K: number, T1: Float64Array, T2: Float64Array, probes: Int32Array, seed: (s: number, T1: Float64Array) => void): void {
  probeForward(t, probes, (lo, hi) => runSecond(t, lo, hi, K, T1, T2), (blk) => blk.second(t, K, T1, T2), (s) => seed(s, T1));
}

/**
 * Forward-over-reverse from `out` down to the first probe, given T from
 * {@link probeTangent}: A (one lane) is the adjoint, AT its tangent along each
 * lane. Afterwards AT at each probe slot is (H·v)_s for the lane's probe
 * direction v (H the Hessian in the probes' ε).
 */
export function probeReverseTangent(t: Tape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array, first: number): void {
  probeBackward(t, first, (lo, hi) => runReverseTangent(t, lo, hi, K, T, A, AT), (blk) => blk.reverseTangent(t, K, T, A, AT));
}

/**
 * Reverse lanes (K adjoint lanes, seeded in A at the outputs) from the end
 * down to the first probe: afterwards A at each probe slot is the adjoint of
 * its ε (a row of the Jacobian in the probes, per lane).
 */
export function probeReverse(t: Tape, K: number, A: Float64Array, first: number): void {
  probeBackward(t, first, (lo, hi) => runReverse(t, lo, hi, K, A), (blk) => blk.reverse(t, K, A));
}

/**
 * Linear tensor ops as one Linear block each: y[to[e]] += w[e]·src[from[e]].
 * Constants are computed directly by the same entries.
 */
import type { Tape } from '../tape/tape.js';
import { Detached, Linear } from './blocks.js';
import { liveTape, slotOn, Tensor } from './tensor.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';
import { iota } from './index-maps.js';
import { linearNums } from './nested.js';

/** Entries of a linear map from several sources into an output of `shape`. */
export interface Entries {
  /** which source each entry reads (absent: source 0 for all) */
  src?: Int32Array;
  from: Int32Array;
  to: Int32Array;
  w?: Float64Array;
}

/** Applies the linear map given by `e` to `srcs`, as one block node when any source is traced. */
export function applyLinear(op: string, srcs: readonly Tensor[], e: Entries, shape: Shape): Tensor {
  const size = sizeOf(shape), { src, from, to, w } = e;
  if (srcs.some((s) => s.jets)) return Tensor.ofNums(linearNums(srcs.map((s) => s.nums(op)), size, from, to, src, w), shape);
  const t: Tape | null = liveTape(op, srcs);
  if (!t) {
    const y = new Float64Array(size), data = srcs.map((s) => s.values());
    for (let k = 0; k < from.length; k++) y[to[k]!] += (w ? w[k]! : 1) * data[src ? src[k]! : 0]![from[k]!]!;
    return Tensor.constant(y, shape);
  }
  const bases = Int32Array.from(srcs, (s) => slotOn(t, s));
  const out = t.reserve(size), blk = new Linear(out, size, bases, from, to, src ?? null, w ?? null);
  blk.replay(t);
  t.addBlock(blk);
  return new Tensor(shape, t, out, null);
}

/** A gather: y[j] = x[idx[j]] (one source), shaped `shape`. */
export function gather(op: string, x: Tensor, idx: Int32Array, shape: Shape): Tensor {
  return applyLinear(op, [x], { from: idx, to: iota(idx.length) }, shape);
}

/**
 * A stop-gradient function of the sources' primals: `compute(values, out)`
 * fills out from the sources' values (concatenated). On a tape it is a
 * Detached block, so a replay at a new point recomputes it.
 */
export function detached(op: string, srcs: readonly Tensor[], shape: Shape, compute: (x: Float64Array, y: Float64Array) => void): Tensor {
  const size = sizeOf(shape);
  // (a nested transform's jets: the function of their primals, a constant)
  const t = srcs.some((s) => s.jets) ? null : liveTape(op, srcs);
  const gatherValues = (val: (s: Tensor, k: number) => Float64Array) => {
    const n = srcs.reduce((m, s) => m + s.size, 0), x = new Float64Array(n);
    let o = 0;
    srcs.forEach((s, k) => { x.set(val(s, k), o); o += s.size; });
    return x;
  };
  if (!t) {
    const y = new Float64Array(size);
    compute(gatherValues((s) => (s.jets ? s.data : s.values())), y);
    return Tensor.constant(y, shape);
  }
  const slots = srcs.map((s) => slotOn(t, s));
  const out = t.reserve(size);
  const blk = new Detached(out, size, (val, o) => {
    compute(gatherValues((s, k) => val.subarray(slots[k]!, slots[k]! + s.size)), val.subarray(o, o + size));
  });
  blk.replay(t);
  t.addBlock(blk);
  return new Tensor(shape, t, out, null);
}

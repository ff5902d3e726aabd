/**
 * The index maps of tensor ops (which element of a source feeds which element
 * of the result), remembered by what determines them: the same op on the same
 * shapes, recorded again (a one-shot transform in an optimiser loop, a
 * re-recording), reuses its maps instead of building and allocating them
 * again. The maps are shared: nothing may write to one it was given.
 */
import { sizeOf, strides, type Shape } from './shape.js';

/** Bytes of maps kept; beyond it the oldest are forgotten. */
const BUDGET = 64 * 2 ** 20;
const maps = new Map<string, Int32Array>();
let bytes = 0;

function remembered(key: string, make: () => Int32Array): Int32Array {
  const hit = maps.get(key);
  if (hit) {
    // most recently used last
    maps.delete(key);
    maps.set(key, hit);
    return hit;
  }
  const m = make();
  if (m.byteLength > BUDGET / 4) return m;
  maps.set(key, m);
  bytes += m.byteLength;
  for (const [k, v] of maps) {
    if (bytes <= BUDGET) break;
    maps.delete(k);
    bytes -= v.byteLength;
  }
  return m;
}

/** The maps kept now (specs: nothing may have written to them). */
export const keptMaps = (): readonly Int32Array[] => [...maps.values()];

/** 0, 1, …, n − 1 */
export const iota = (n: number): Int32Array =>
  remembered(`iota ${n}`, () => {
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) r[i] = i;
    return r;
  });

/** n zeros */
export const zerosIndex = (n: number): Int32Array => remembered(`zeros ${n}`, () => new Int32Array(n));

/**
 * The flat offsets of a strided view, in row-major order of `shape`:
 * idx[f] = base + Σ_d i_d·st[d] for the multi-index i of f.
 */
export const stridedIndex = (shape: Shape, st: readonly number[], base = 0): Int32Array =>
  remembered(`strided ${shape.join(',')} ${st.join(',')} ${base}`, () => strided(shape, st, base));

function strided(shape: Shape, st: readonly number[], base: number): Int32Array {
  const n = sizeOf(shape), idx = new Int32Array(n), r = shape.length;
  if (n === 0) return idx;
  if (r === 0) { idx[0] = base; return idx; }
  // a running offset over an odometer of the leading axes; the last axis in a tight loop
  const last = shape[r - 1]!, sl = st[r - 1]!, i = new Array<number>(r).fill(0);
  let off = base;
  for (let f = 0; f < n; f += last) {
    for (let k = 0; k < last; k++) idx[f + k] = off + k * sl;
    for (let d = r - 2; d >= 0; d--) {
      off += st[d]!;
      if (++i[d]! < shape[d]!) break;
      off -= i[d]! * st[d]!;
      i[d] = 0;
    }
  }
  return idx;
}

/** For each flat index of `out`, the flat index of the element of `src` broadcast to it (NumPy rules). */
export function broadcastIndex(out: Shape, src: Shape): Int32Array {
  const off = out.length - src.length, sst = strides(src);
  // a broadcast axis (size 1 in src, or absent) has stride 0
  return stridedIndex(out, out.map((_, d) => (d < off || src[d - off] === 1 ? 0 : sst[d - off]!)));
}

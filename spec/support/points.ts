/**
 * Points as the checker sees them. A point is anything the transforms accept
 * — an array of numbers, a Tensor, or a record of Tensors — and the checker
 * works on it flattened: a Tensor row-major, a record in key order (the order
 * the transforms use). Directions and results are flattened the same way and
 * shaped back with {@link shapedLike}.
 */
import { Tensor, mulberry32, tensor, type Num, type TensorRecord } from '../../lib/index.js';

/** A point a tensor transform accepts. */
export type TensorPoint = Tensor | TensorRecord;
/** Any point a transform accepts. */
export type Point = readonly number[] | TensorPoint;

/** x flattened: an array as it is, a Tensor row-major, a record in key order. */
export function flat(x: Point | ArrayLike<number>): Float64Array {
  if (x instanceof Tensor) return Float64Array.from(x.data);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float64Array.from(x as ArrayLike<number>);
  const parts = Object.values(x as TensorRecord).map((t) => t.data);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Flat values in the form of `like`: a number array, a Tensor of its shape, or a record with its keys and shapes. */
export function shapedLike<X extends Point>(like: X, v: ArrayLike<number>): X {
  if (Array.isArray(like)) return Array.from(v) as unknown as X;
  if (like instanceof Tensor) return tensor(Float64Array.from(v), like.shape) as X;
  const out: Record<string, Tensor> = {};
  let o = 0;
  for (const [k, t] of Object.entries(like as TensorRecord)) {
    out[k] = tensor(Float64Array.from({ length: t.size }, (_, i) => v[o + i]!), t.shape);
    o += t.size;
  }
  if (o !== v.length) throw new Error(`shapedLike: ${v.length} values for a point of ${o}`);
  return out as X;
}

/** A number from f's result on plain numbers or constant tensors (a number, or a one-element Tensor). */
export function scalarOf(y: Num): number {
  if (typeof y === 'number') return y;
  if (y instanceof Tensor) return y.item();
  throw new Error(`expected a number or a one-element constant Tensor, got ${String(y)}`);
}

/** Any result of a transform flattened (a number, an array, a Tensor, a record of Tensors). */
export function flatResult(y: unknown): Float64Array {
  return typeof y === 'number' ? Float64Array.of(y) : flat(y as Point);
}

/** n uniforms in [lo, hi) from mulberry32(seed). */
export function uniformArray(seed: number, n: number, lo = -1, hi = 1): Float64Array {
  const u = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * u());
}

/** A constant tensor of uniforms in [lo, hi). */
export function uniformTensor(seed: number, shape: readonly number[], lo = -1, hi = 1): Tensor {
  return tensor(uniformArray(seed, shape.reduce((p, d) => p * d, 1), lo, hi), shape);
}

/** The flat vector eⱼ of length n. */
export const oneHot = (n: number, j: number): Float64Array => { const e = new Float64Array(n); e[j] = 1; return e; };

/** Rows of a matrix, concatenated. */
export function rowsFlat(M: readonly ArrayLike<number>[]): Float64Array {
  const m = M.length ? M[0]!.length : 0, out = new Float64Array(M.length * m);
  M.forEach((r, i) => out.set(Array.from(r), i * m));
  return out;
}

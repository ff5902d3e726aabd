/**
 * Tensor constructors and tensor ops: shapes, reductions, products, and the
 * composites (logsumexp, softmax, logSoftmax) built from them, so that every
 * derivative of every order follows from the rule table and three block
 * families.
 */
import type { Num } from '../value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { add, exp, log, mul, sub } from '../ops/scalar.js';
import { MatMul, type MatLayout } from './blocks.js';
import { applyLinear, detached, gather } from './linear.js';
import { normals, uniforms } from './random.js';
import { axisOf, broadcastShape as broadcast2, shapeString, sizeOf, strides, type Shape } from './shape.js';
import { broadcastIndex as bIndex, iota, stridedIndex, zerosIndex } from './index-maps.js';
import { asTensor, liveTape, nodeRun, slotOn, Tensor } from './tensor.js';
import { binaryCode } from '../rules/index.js';
import { matmulNums } from './nested.js';
import { recordFused } from './fused.js';

/** Nested arrays of numbers, any depth. */
export type NestedArray = number | readonly NestedArray[];

function fail(op: string, msg: string, Err: ErrorConstructor = RangeError): never {
  throw new Err(`${currentName()}: ${op}: ${msg}`);
}

/** Most values one tensor may hold (a typed array's limit on this engine is near 2³²; 2³¹ leaves room). */
export const MAX_SIZE = 2 ** 31;

function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    fail(op, `shape must be an array of non-negative integers, got ${describe(shape)}`, TypeError);
  }
  const s = [...(shape as number[])];
  if (sizeOf(s) > MAX_SIZE) fail(op, `shape ${shapeString(s)} holds ${sizeOf(s)} values, more than the limit of ${MAX_SIZE}`);
  return s;
}

/** The seed of a generator: an integer (taken modulo 2³²). */
export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    fail(op, `seed must be an integer (taken modulo 2³²), got ${describe(seed)}`, TypeError);
  }
  return seed as number;
}

/** A tensor argument, or an error naming the function and the argument. */
export function tensorArg(op: string, name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail(op, `${name} must be a Tensor, got ${describe(x)}`, TypeError);
  return x as Tensor;
}

/**
 * A constant tensor from flat data (with a shape; default 1-D) or from nested
 * arrays (shape inferred; ragged arrays are an error).
 */
export function tensor(data: ArrayLike<number> | NestedArray, shape?: readonly number[]): Tensor {
  if (typeof data === 'number') return Tensor.constant(Float64Array.of(data), shape ? checkShape('tensor', shape) : []);
  const flat: number[] = [];
  const dims: number[] = [];
  const walk = (x: unknown, d: number): void => {
    if (Array.isArray(x)) {
      if (dims[d] === undefined) dims[d] = x.length;
      else if (dims[d] !== x.length) fail('tensor', `ragged nested array: length ${x.length} where ${dims[d]} was expected at depth ${d}`);
      for (const y of x) walk(y, d + 1);
    } else if (typeof x === 'number') {
      if (d !== dims.length) fail('tensor', 'ragged nested array: a number where an array was expected');
      flat.push(x);
    } else fail('tensor', `data must hold numbers, found ${describe(x)}`, TypeError);
  };
  let values: Float64Array;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    values = Float64Array.from(data as unknown as ArrayLike<number>);
    dims.push(values.length);
  } else if (Array.isArray(data)) {
    walk(data, 0);
    values = Float64Array.from(flat);
  } else fail('tensor', `data must be an array, a typed array or a number, got ${describe(data)}`, TypeError);
  const s = shape ? checkShape('tensor', shape) : dims;
  if (sizeOf(s) !== values.length) fail('tensor', `shape ${shapeString(s)} holds ${sizeOf(s)} values, data has ${values.length}`);
  return Tensor.constant(values, s);
}

/** A tensor of zeros. */ export const zeros = (shape: readonly number[]): Tensor => full(shape, 0);
/** A tensor of ones. */ export const ones = (shape: readonly number[]): Tensor => full(shape, 1);
/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  const s = checkShape('full', shape);
  if (typeof value !== 'number') fail('full', `value must be a number, got ${describe(value)}`, TypeError);
  return Tensor.constant(new Float64Array(sizeOf(s)).fill(value), s);
}
/** start, start + step, … below stop (one argument: 0 … n − 1). */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) { stop = start; start = 0; }
  if (!Number.isFinite(start)) fail('arange', `start must be a finite number, got ${describe(start)}`);
  if (!Number.isFinite(stop)) fail('arange', `stop must be a finite number, got ${describe(stop)}`);
  if (!(step !== 0 && Number.isFinite(step))) fail('arange', `step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_SIZE) fail('arange', `start ${start}, stop ${stop}, step ${step} give ${n} values, more than the limit of ${MAX_SIZE}`);
  return Tensor.constant(Float64Array.from({ length: n }, (_, i) => start + i * step), [n]);
}
/** Standard normals from the seeded generator (mulberry32 + Box–Muller; the same numbers everywhere). */
export const randn = (shape: readonly number[], seed: number): Tensor => {
  const s = checkShape('randn', shape);
  return Tensor.constant(normals(sizeOf(s), checkSeed('randn', seed)), s);
};
/** Uniforms in [0, 1) from mulberry32(seed). */
export const rand = (shape: readonly number[], seed: number): Tensor => {
  const s = checkShape('rand', shape);
  return Tensor.constant(uniforms(sizeOf(s), checkSeed('rand', seed)), s);
};

/** The same values with another shape (one dimension may be −1); a view, no copy, no tape entry. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  tensorArg('reshape', 'x', x);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) s[free] = x.size / Math.max(1, sizeOf(s.filter((d) => d !== -1)));
  if (free >= 0 && !Number.isInteger(s[free])) fail('reshape', `cannot reshape ${shapeString(x.shape)} (${x.size} values) to ${shapeString(shape)}`);
  if (sizeOf(checkShape('reshape', s)) !== x.size) fail('reshape', `cannot reshape ${shapeString(x.shape)} (${x.size} values) to ${shapeString(shape)}`);
  if (x.afterEnd) return Tensor.constant(x.afterEnd, s); // (a lazy tensor kept from an ended evaluation: its values)
  return x.tape ? new Tensor(s, x.tape, x.slot, null) : x.jets ? Tensor.ofNums(x.jets, s) : Tensor.constant(x.values(), s);
}

/** Visits every index of `shape`: cb(flat, multi-index). */
function eachIndex(shape: Shape, cb: (flat: number, idx: number[]) => void): void {
  const n = sizeOf(shape), idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    cb(f, idx);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
  }
}

/** Axes permuted (default: reversed, the matrix transpose). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  tensorArg('transpose', 'x', x);
  const r = x.shape.length, p = perm ? perm.map((a) => axisOf('transpose', a, r)) : [...Array(r).keys()].reverse();
  if (p.length !== r || new Set(p).size !== r) fail('transpose', `perm ${shapeString(perm ?? [])} is not a permutation of ${r} axes`);
  const shape = p.map((a) => x.shape[a]!), st = strides(x.shape);
  return gather('transpose', x, stridedIndex(shape, p.map((a) => st[a]!)), shape);
}

/** Shape after removing `axis`, and each input element's output index. */
function reduction(shape: Shape, axis: number | undefined, op: string): { out: number[]; to: Int32Array; count: number } {
  if (axis === undefined) return { out: [], to: zerosIndex(sizeOf(shape)), count: sizeOf(shape) };
  const ax = axisOf(op, axis, shape.length), out = shape.filter((_, d) => d !== ax), ost = strides(out);
  // the output's strides with 0 at the reduced axis
  return { out, to: stridedIndex(shape, shape.map((_, d) => (d < ax ? ost[d]! : d > ax ? ost[d - 1]! : 0))), count: shape[ax]! };
}

/** Σ over `axis` (all axes when absent, giving a rank-0 tensor). */
export function sumTensor(x: Tensor, axis?: number): Tensor {
  tensorArg('sum', 'x', x);
  if (axis === undefined && x.tape && x.size > 0) {
    // the sum of a lazy tensor is fused with it: one block, one output slot
    const t = liveTape('sum', [x])!, e = x.lazy, blk = e && recordFused(t, e, x.size, true);
    return blk ? new Tensor([], x.tape, blk.out, null) : runningSum(x);
  }
  const { out, to } = reduction(x.shape, axis, 'sum');
  return applyLinear('sum', [x], { from: iota(to.length), to }, out);
}

/**
 * Σ of all of a traced x as a chain of adds, s_k = s_{k−1} + x_k with
 * s_{−1} the zero node (the same sum in the same order as the Linear form
 * and the constant path, 0 + x₀ + x₁ + …, signed zeros included):
 * elementary nodes, so a recording of elementwise ops and full sums stays
 * one that is compacted and compiled like scalar code (lib/tape/block.ts,
 * `nodesOnly`).
 */
function runningSum(x: Tensor): Tensor {
  // (x's slot first: a lazy x is recorded before the sum's slots)
  const t = liveTape('sum', [x])!, m = x.size, xs = x.slot, out = t.reserve(m), { a, b } = t;
  for (let k = 0; k < m; k++) { a[out + k] = k === 0 ? 0 : out + k - 1; b[out + k] = xs + k; }
  nodeRun(t, out, m, ADD, 0);
  return new Tensor([], t, out + m - 1, null);
}
const ADD = binaryCode('add');

/** The mean over `axis` (all axes when absent). */
export function mean(x: Tensor, axis?: number): Tensor {
  tensorArg('mean', 'x', x);
  const { out, to, count } = reduction(x.shape, axis, 'mean');
  return applyLinear('mean', [x], { from: iota(to.length), to, w: new Float64Array(to.length).fill(1 / count) }, out);
}

/** The shape with `axis` kept as a 1 (to broadcast a reduction back). */
const keepDims = (shape: Shape, axis: number | undefined): number[] =>
  axis === undefined ? shape.map(() => 1) : shape.map((d, i) => (i === axisOf('reduce', axis, shape.length) ? 1 : d));

/**
 * log Σ exp over `axis` (all when absent), stable for any inputs:
 * m + log Σ exp(x − m) with m the largest primal of each slice, held
 * without derivative (the identity holds for any m, so every derivative is
 * exact) and recomputed when a prepared recording moves.
 */
export function logsumexpTensor(x: Tensor, axis?: number): Tensor {
  tensorArg('logsumexp', 'x', x);
  const { out, to } = reduction(x.shape, axis, 'logsumexp');
  const mt = detached('logsumexp', [x], out, (v, m) => {
    m.fill(-Infinity);
    for (let f = 0; f < v.length; f++) if (v[f]! > m[to[f]!]!) m[to[f]!] = v[f]!;
    for (let j = 0; j < m.length; j++) if (!Number.isFinite(m[j]!)) m[j] = 0;
  });
  return add(log(sumTensor(exp(sub(x, reshape(mt, keepDims(x.shape, axis)))), axis)), mt);
}

/** log softmax along `axis` (default the last): x − logsumexp(x, axis). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  tensorArg('logSoftmax', 'x', x);
  return sub(x, reshape(logsumexpTensor(x, axis), keepDims(x.shape, axis)));
}

/** softmax along `axis` (default the last): exp(logSoftmax(x)). */
export function softmax(x: Tensor, axis = -1): Tensor {
  tensorArg('softmax', 'x', x);
  return exp(logSoftmax(x, axis));
}

/**
 * Matrix products: [m,p]·[p,n] → [m,n], [p]·[p,n] → [n], [m,p]·[p] → [m],
 * [p]·[p] → [] — one bilinear block node.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return product('matmul', a, b, false, false);
}

/** a·bᵀ or aᵀ·b without a transpose node: the operand's layout is read transposed. */
export function product(op: string, a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) fail(op, `both arguments must be Tensors, got ${describe(a)} and ${describe(b)}`, TypeError);
  if (a.shape.length < 1 || a.shape.length > 2 || b.shape.length < 1 || b.shape.length > 2) {
    fail(op, `needs vectors or matrices, got shapes ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  }
  // as matrices: a vector on the left is a row, on the right a column
  const A = a.shape.length === 1 ? [1, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const B = b.shape.length === 1 ? [b.shape[0]!, 1] : [b.shape[0]!, b.shape[1]!];
  const [m, q] = ta ? [A[1]!, A[0]!] : [A[0]!, A[1]!];
  const [q2, n] = tb ? [B[1]!, B[0]!] : [B[0]!, B[1]!];
  if (q !== q2) fail(op, `inner dimensions differ: ${shapeString(a.shape)}${ta ? 'ᵀ' : ''} · ${shapeString(b.shape)}${tb ? 'ᵀ' : ''}`);
  const shape = [...(a.shape.length === 2 ? [m] : []), ...(b.shape.length === 2 ? [n] : [])];
  const lay = (base: number, cols: number, t: boolean): MatLayout => (t ? { base, rs: 1, cs: cols } : { base, rs: cols, cs: 1 });
  if (a.jets || b.jets) return Tensor.ofNums(matmulNums(a.nums(op), lay(0, A[1]!, ta), b.nums(op), lay(0, B[1]!, tb), m, q, n), shape);
  const t = liveTape(op, [a, b]);
  if (!t) {
    const out = new Tensor(shape, null, 0, new Float64Array(m * n));
    const blk = new MatMul(0, m, q, n, lay(0, A[1]!, ta), lay(0, B[1]!, tb));
    blk.multiply(a.values(), b.values(), out.values());
    return out;
  }
  const sa = slotOn(t, a), sb = slotOn(t, b), out = t.reserve(m * n);
  const blk = new MatMul(out, m, q, n, lay(sa, A[1]!, ta), lay(sb, B[1]!, tb), a.tape !== null, b.tape !== null);
  blk.replay(t);
  t.addBlock(blk);
  return new Tensor(shape, t, out, null);
}

/** xᵀy for vectors (a rank-0 tensor). */
export function dotTensor(x: Tensor, y: Tensor): Tensor {
  if (x.shape.length !== 1 || y.shape.length !== 1) fail('dot', `needs two vectors, got shapes ${shapeString(x.shape)} and ${shapeString(y.shape)}`);
  return matmul(x, y);
}

/** The outer product x yᵀ of two vectors. */
export function outer(x: Tensor, y: Tensor): Tensor {
  tensorArg('outer', 'x', x); tensorArg('outer', 'y', y);
  if (x.shape.length !== 1 || y.shape.length !== 1) fail('outer', `needs two vectors, got shapes ${shapeString(x.shape)} and ${shapeString(y.shape)}`);
  return mul(reshape(x, [x.size, 1]), reshape(y, [1, y.size]));
}

/** Tensors joined along an existing axis (default 0). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const xs = tensors;
  if (Array.isArray(tensors)) tensors.forEach((t, i) => tensorArg('concat', `tensors[${i}]`, t));
  if (!Array.isArray(tensors) || xs.length === 0) fail('concat', `needs a non-empty array of tensors, got ${describe(xs)}`, TypeError);
  const r = xs[0]!.shape.length, ax = axisOf('concat', axis, r);
  for (const x of xs) {
    if (x.shape.length !== r || x.shape.some((d, i) => i !== ax && d !== xs[0]!.shape[i])) {
      fail('concat', `shapes ${xs.map((t) => shapeString(t.shape)).join(', ')} differ off axis ${ax}`);
    }
  }
  const shape = [...xs[0]!.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
  const ost = strides(shape), n = sizeOf(shape);
  const src = new Int32Array(n), from = new Int32Array(n), to = new Int32Array(n);
  let e = 0, offset = 0;
  xs.forEach((x, k) => {
    eachIndex(x.shape, (f, i) => {
      let s = 0;
      for (let d = 0; d < r; d++) s += (d === ax ? i[d]! + offset : i[d]!) * ost[d]!;
      src[e] = k; from[e] = f; to[e++] = s;
    });
    offset += x.shape[ax]!;
  });
  return applyLinear('concat', xs, { src, from, to }, shape);
}

/** A 1-D tensor from scalars (numbers, tape values, or one-element tensors). */
export function stack(xs: readonly Num[]): Tensor {
  if (!Array.isArray(xs)) fail('stack', `needs an array of scalars, got ${describe(xs)}`, TypeError);
  const ts = xs.map((x) => asTensor('stack', x));
  ts.forEach((t, i) => { if (t.size !== 1) fail('stack', `entry ${i} has shape ${shapeString(t.shape)}, not a scalar`); });
  const n = ts.length;
  return applyLinear('stack', ts, { src: iota(n), from: zerosIndex(n), to: iota(n) }, [n]);
}

/** One range or index per axis: [start, end) keeps the axis, a number picks one entry and drops it, null keeps all. */
export type SliceSpec = readonly (readonly [number, number] | number | null)[];

/** Sub-tensor by ranges and indices per axis (missing trailing axes are kept whole): a view where the entries are contiguous, else a gather whose derivative scatters back. */
export function slice(x: Tensor, spec: SliceSpec): Tensor {
  tensorArg('slice', 'x', x);
  const r = x.shape.length;
  if (!Array.isArray(spec) || spec.length > r) fail('slice', `needs at most ${r} entries (one per axis), got ${describe(spec)}`, TypeError);
  const lo: number[] = [], len: number[] = [], keep: boolean[] = [];
  for (let d = 0; d < r; d++) {
    const s = spec[d] ?? null, size = x.shape[d]!;
    const norm = (i: number, end: boolean) => (i < 0 ? i + size : Math.min(i, end ? size : size - 1));
    if (s === null) { lo.push(0); len.push(size); keep.push(true); }
    else if (typeof s === 'number') {
      if (!Number.isInteger(s) || s < -size || s >= size) fail('slice', `index ${s} is out of range for axis ${d} of size ${size}`);
      lo.push(norm(s, false)); len.push(1); keep.push(false);
    } else {
      const a = norm(s[0], true), b = norm(s[1], true);
      if (!(Number.isInteger(s[0]) && Number.isInteger(s[1])) || a < 0 || b < a) fail('slice', `range [${s[0]}, ${s[1]}) is invalid for axis ${d} of size ${size}`);
      lo.push(a); len.push(b - a); keep.push(true);
    }
  }
  const st = strides(x.shape), base = lo.reduce((s, l, d) => s + l * st[d]!, 0), shape = len.filter((_, d) => keep[d]);
  // contiguous (single indices, then one range, then whole axes): a view, like reshape
  let d0 = 0;
  while (d0 < r - 1 && len[d0] === 1) d0++;
  if (len.every((l, d) => d <= d0 || (lo[d] === 0 && l === x.shape[d]))) {
    const size = sizeOf(shape);
    if (x.jets) return Tensor.ofNums(x.jets.slice(base, base + size), shape);
    if (x.afterEnd) return Tensor.constant(x.afterEnd.slice(base, base + size), shape);
    return x.tape ? new Tensor(shape, x.tape, x.slot + base, null) : Tensor.constant(x.values().slice(base, base + size), shape);
  }
  return gather('slice', x, stridedIndex(len, st, base), shape);
}

/** Indices for {@link take}: an array, or a typed array of numbers (integers, checked). */
export type Indices = readonly number[] | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * Entries `indices` along `axis` (default 0), like NumPy's take:
 * y[…, k, …] = x[…, indices[k], …]. The indices are an array or a typed
 * array (Int32Array, Uint32Array, …) of integers in [0, size of the axis).
 */
export function take(x: Tensor, indices: Indices, axis = 0): Tensor {
  tensorArg('take', 'x', x);
  const listed = Array.isArray(indices) || (ArrayBuffer.isView(indices) && !(indices instanceof DataView) && !(indices instanceof BigInt64Array) && !(indices instanceof BigUint64Array));
  if (!listed) fail('take', `indices must be an array or a typed array of integers, got ${describe(indices)}`, TypeError);
  const ax = axisOf('take', axis, x.shape.length), size = x.shape[ax]!;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i)) fail('take', `entry ${k} of indices is ${describe(i)}, not an integer`, TypeError);
    if (i < 0 || i >= size) fail('take', `index ${i} is out of range for axis ${ax} of size ${size}`);
  }
  const shape = [...x.shape];
  shape[ax] = indices.length;
  const st = strides(x.shape), idx = new Int32Array(sizeOf(shape));
  eachIndex(shape, (f, i) => { let s = 0; for (let d = 0; d < shape.length; d++) s += (d === ax ? indices[i[d]!]! : i[d]!) * st[d]!; idx[f] = s; });
  return gather('take', x, idx, shape);
}

/**
 * Elementwise choice: a where cond is true (non-zero), else b, broadcast
 * together. cond is data (no derivative flows through it); a traced cond
 * counts as reading its primals, so `.at()` re-records the function.
 */
export function where(cond: Tensor | ArrayLike<number | boolean>, a: Num, b: Num): Tensor {
  const c = cond instanceof Tensor ? cond : tensor(Array.from(cond as ArrayLike<number | boolean>, Number));
  const ta = asTensor('where', a), tb = asTensor('where', b);
  const shape = [c.shape, ta.shape, tb.shape].reduce((s, t) => broadcast2('where', s, t));
  // a traced cond is read as data (.data marks the recording): the choice depends on its primals, so a
  // prepared recording re-records at .at() rather than replaying a stale choice
  const cv = c.tape || c.jets ? c.data : c.values(), ic = bIndex(shape, c.shape), ia = bIndex(shape, ta.shape), ib = bIndex(shape, tb.shape);
  const n = sizeOf(shape), src = new Int32Array(n), from = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const pick = cv[ic[j]!]! !== 0;
    src[j] = pick ? 0 : 1; from[j] = pick ? ia[j]! : ib[j]!;
  }
  return applyLinear('where', [ta, tb], { src, from, to: iota(n) }, shape);
}

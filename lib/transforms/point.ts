/**
 * x's trip through a transform: a point (an array of numbers, a Tensor, or a
 * record of Tensors — model parameters) becomes one flat vector of inputs (a
 * record in its keys' order), checked as it is read; f's argument is built
 * over the tape's input slots in the point's form; flat results (gradients,
 * diagonals) and directions go back and forth the same way. Every message
 * names the function, the argument and the problem.
 */
import type { Num } from '../value.js';
import type { Tape } from '../tape/tape.js';
import { Var } from '../tape/var.js';
import { Tensor } from '../tensor/tensor.js';
import { shapeString } from '../tensor/shape.js';
import { describe } from '../describe.js';
import type { ParamGroup } from '../sparsity/parameter-uses.js';
import { inOneShot } from '../tensor/fused.js';

/** What a point or direction may be given as. */
export type Vector = readonly number[] | Float64Array;
/** Model parameters: a plain object whose values are Tensors. */
export type TensorRecord = { readonly [key: string]: Tensor };
/**
 * What a transform differentiates at: numbers, a Tensor, or a record of
 * Tensors; inside a function another transform differentiates, an array of
 * that transform's values (nesting).
 */
export type Point = Vector | readonly Num[] | Tensor | TensorRecord;
/** What f receives for a point of type X. */
export type Arg<X> = X extends Tensor ? Tensor : X extends Vector | readonly Num[] ? Num[] : { [K in keyof X]: Tensor };
/**
 * A result shaped like X (a gradient, an HVP, a diagonal): a Float64Array
 * for numbers, an array of values of the enclosing transforms when nested.
 */
export type Shaped<X> = X extends Tensor ? Tensor : X extends Vector ? Float64Array : X extends readonly Num[] ? Num[] : { [K in keyof X]: Tensor };

/** A point flattened: its values, how to build f's argument on a tape, and how to shape results. */
export interface Packed {
  readonly flat: Float64Array;
  /** the point's form */
  readonly form: 'array' | 'tensor' | 'record';
  /** its parameters: a record's tensors by key, else the whole point as 'x' */
  readonly groups: readonly ParamGroup[];
  /** f's argument: tape values over the input slots 1 … n */
  inputs(tape: Tape): unknown;
  /** a flat result shaped like the point */
  shape(v: Float64Array): unknown;
  /** a direction in the point's form, checked and flattened (for reading at once: it may be the caller's own array) */
  direction(fn: string, name: string, d: unknown, ref?: string): Float64Array;
}

/** What a point may be, for errors. */
const POINT_FORMS = 'x must be an array, a typed array, a Tensor or a record of Tensors';

/** Most inputs one recording may have (its arrays hold 8 nodes per input to start with). */
export const MAX_INPUTS = 2 ** 24;

/** Is x a record of parameters (not an array, a typed array or a Tensor)? */
export const isRecordPoint = (x: unknown): boolean =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof Tensor);

/** Flattens point x for transform `fn`, checking every value is finite. */
export function pack(fn: string, x: unknown): Packed {
  const n = (x as { length?: unknown } | null)?.length;
  if (typeof n === 'number' && n > MAX_INPUTS) {
    throw new RangeError(`${fn}: x has length ${n}, more than the ${MAX_INPUTS} inputs one recording holds`);
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return packArray(point(fn, x));
  if (x instanceof Tensor) return packTensor(fn, checkTensor(fn, 'x', x));
  if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    // { length: 5, 0: … } is not a record of tensors named '0', '1', …
    if (typeof n === 'number') throw new TypeError(`${fn}: ${POINT_FORMS}, got ${describe(x)} (Array.from(x) makes an array of it)`);
    return packRecord(fn, x as Record<string, unknown>);
  }
  throw new TypeError(`${fn}: ${POINT_FORMS}, got ${describe(x)}`);
}

/**
 * A new point for a recording made at point p (`.at(x)`): of p's form and
 * shape, checked and flattened (read at once: it may be the caller's own
 * array).
 */
export function movedPoint(p: Packed, fn: string, x: unknown): Float64Array {
  if (p.form === 'record' && (Array.isArray(x) || ArrayBuffer.isView(x))) {
    throw new TypeError(`${fn}: x must be a record with the keys of the recorded point (${p.groups.map((g) => g.name).join(', ')}), got ${describe(x)}`);
  }
  return p.direction(fn, 'x', x, 'the recorded point');
}

/**
 * x's values, checked: a copy, except for a one-shot transform, whose
 * recording copies them into its inputs at once and is dropped before the
 * call returns (the copy cost as much as the recording's sweep at n = 10⁵).
 */
const point = (fn: string, x: unknown): Float64Array => (inOneShot() ? readVector(fn, 'x', x) : vector(fn, 'x', x));

/** x as numbers: f gets one Var per input, results are flat. */
function packArray(flat: Float64Array): Packed {
  return {
    flat, form: 'array', groups: [{ name: 'x', start: 0, size: flat.length }],
    inputs: (tape) => {
      // preallocated: grown by push, its backing store was copied some 25 times at n = 10⁵ and its Vars copied by
      // the young GC with it (one-shot diagonal of Σ sin xᵢ: 85 → 65 × plain f); f's own loops over x measured as fast
      const xs: Var[] = new Array(flat.length);
      for (let i = 0; i < flat.length; i++) xs[i] = new Var(tape, i + 1);
      return xs;
    },
    shape: (v) => v,
    direction: (fn, name, d, ref = 'x') => readVector(fn, name, d, flat.length, ref),
  };
}

/** x a Tensor: f gets a tensor over the input slots, results are tensors of x's shape. */
function packTensor(fn: string, t: Tensor): Packed {
  const flat = point(fn, t.values());
  return {
    flat, form: 'tensor', groups: [{ name: 'x', start: 0, size: flat.length }],
    inputs: (tape) => new Tensor(t.shape, tape, 1, null),
    shape: (v) => Tensor.constant(v, t.shape),
    direction: (fn2, name, d, ref = 'x') => (d instanceof Tensor ? readVector(fn2, name, checkTensor(fn2, name, d, t, ref).values()) : readVector(fn2, name, d, flat.length, ref)),
  };
}

/** x a record of Tensors: its entries one after another in key order; f and results get records of the same keys and shapes. */
function packRecord(fn: string, x: Record<string, unknown>): Packed {
  const keys = Object.keys(x);
  if (keys.length === 0) throw new RangeError(`${fn}: x is an empty record: there is nothing to differentiate`);
  const ts = keys.map((k) => checkTensor(fn, `x.${k}`, x[k]));
  const offs: number[] = [];
  let n = 0;
  for (const t of ts) { offs.push(n); n += t.size; }
  const flat = new Float64Array(n);
  ts.forEach((t, i) => flat.set(readVector(fn, `x.${keys[i]}`, t.values()), offs[i]));
  const record = (make: (t: Tensor, off: number) => Tensor) => Object.fromEntries(keys.map((k, i) => [k, make(ts[i]!, offs[i]!)]));
  return {
    flat, form: 'record', groups: keys.map((k, i) => ({ name: k, start: offs[i]!, size: ts[i]!.size })),
    inputs: (tape) => record((t, off) => new Tensor(t.shape, tape, off + 1, null)),
    shape: (v) => record((t, off) => Tensor.constant(v.slice(off, off + t.size), t.shape)),
    direction: (fn2, name, d, ref = 'x') => {
      if (Array.isArray(d) || ArrayBuffer.isView(d)) return readVector(fn2, name, d, n, ref); // flat, in key order
      if (!d || typeof d !== 'object' || Object.getPrototypeOf(d) !== Object.prototype) {
        throw new TypeError(`${fn2}: ${name} must be a record with the keys of ${ref} (${keys.join(', ')}), got ${describe(d)}`);
      }
      const extra = Object.keys(d).filter((k) => !keys.includes(k));
      if (extra.length) throw new RangeError(`${fn2}: ${name} has keys ${ref} lacks: ${extra.join(', ')}`);
      const out = new Float64Array(n);
      ts.forEach((t, i) => {
        const k = keys[i]!;
        if (!(k in d)) throw new RangeError(`${fn2}: ${name} lacks key '${k}'`);
        out.set(readVector(fn2, `${name}.${k}`, checkTensor(fn2, `${name}.${k}`, (d as Record<string, unknown>)[k], t, `${ref}.${k}`).values()), offs[i]);
      });
      return out;
    },
  };
}

/** A constant Tensor (shaped like `like`, when given), or an error naming it. */
function checkTensor(fn: string, name: string, t: unknown, like?: Tensor, likeName = 'x'): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.tape) throw new TypeError(`${fn}: ${name} is a traced tensor from an evaluation; pass constant data`);
  if (like && (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i]))) {
    throw new RangeError(`${fn}: ${name} has shape ${shapeString(t.shape)}, ${likeName} has shape ${shapeString(like.shape)}`);
  }
  return t;
}

/** Copies a point or direction into a Float64Array, refusing anything that is not finite numbers. */
export function vector(fn: string, name: string, x: unknown, n?: number, ref = 'x'): Float64Array {
  const v = readVector(fn, name, x, n, ref);
  return v === x ? v.slice() : v;
}

/** A list of flat vectors of length n (directions for many lanes), each checked and copied as by {@link vector}. */
export function vectors(fn: string, name: string, ds: unknown, n: number): Float64Array[] {
  if (!Array.isArray(ds)) throw new TypeError(`${fn}: ${name} must be an array of vectors, got ${describe(ds)}`);
  return ds.map((d, i) => vector(fn, `${name}[${i}]`, d, n));
}

/**
 * A direction that is read at once (seeded into a work array and not kept):
 * checked as {@link vector}, but a Float64Array comes back as it is, not
 * copied.
 */
export function readVector(fn: string, name: string, x: unknown, n?: number, ref = 'x'): Float64Array {
  if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && !(x instanceof DataView))) {
    throw new TypeError(`${fn}: ${name} must be an array of numbers (number[] or Float64Array), got ${describe(x)}`);
  }
  const xs = x as ArrayLike<unknown>;
  if (n === undefined && xs.length === 0) throw new RangeError(`${fn}: ${name} is empty: there is nothing to differentiate`);
  if (n !== undefined && xs.length !== n) throw new RangeError(`${fn}: ${name} has length ${xs.length}, ${ref} has length ${n}`);
  if (xs instanceof Float64Array) {
    // the common case: one pass to find a non-finite entry
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!;
      if (v - v !== 0) throw new RangeError(`${fn}: ${name}[${i}] is ${v}`);
    }
    return xs;
  }
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v !== 'number') throw new TypeError(`${fn}: ${name}[${i}] is ${describe(v)}, not a number`);
    if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name}[${i}] is ${v}`);
    out[i] = v;
  }
  return out;
}

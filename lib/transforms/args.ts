/**
 * Points and directions in the three forms the transforms accept — an array
 * of numbers, a Tensor, or a record of Tensors (model parameters) — all
 * flattened to one vector of inputs (a record in its keys' order).
 */
import type { Num } from '../numbers/value.js';
import type { Tape } from '../tape/tape.js';
import { Var } from '../tape/var.js';
import { Tensor } from '../tensor/tensor.js';
import { shapeString } from '../tensor/shape.js';
import { describe } from '../describe.js';
import { readVector, vector, type Vector } from './check.js';
import type { ParamGroup } from '../sparsity/parameter-uses.js';

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

function checkTensor(fn: string, name: string, t: unknown, like?: Tensor, likeName = 'x'): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${name} must be a Tensor, got ${describe(t)}`);
  if (t.tape) throw new TypeError(`${fn}: ${name} is a traced tensor from an evaluation; pass constant data`);
  if (like && (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i]))) {
    throw new RangeError(`${fn}: ${name} has shape ${shapeString(t.shape)}, ${likeName} has shape ${shapeString(like.shape)}`);
  }
  return t;
}

/** What a point may be, for errors. */
const POINT_FORMS = 'x must be an array, a typed array, a Tensor or a record of Tensors';

/** Most inputs one recording may have (its arrays hold 8 nodes per input to start with). */
export const MAX_INPUTS = 2 ** 24;

/** Flattens point x for transform `fn`, checking every value is finite. */
export function pack(fn: string, x: unknown): Packed {
  const n = (x as { length?: unknown } | null)?.length;
  if (typeof n === 'number' && n > MAX_INPUTS) {
    throw new RangeError(`${fn}: x has length ${n}, more than the ${MAX_INPUTS} inputs one recording holds`);
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const flat = vector(fn, 'x', x);
    return {
      flat, form: 'array', groups: [{ name: 'x', start: 0, size: flat.length }],
      inputs: (tape) => {
        const xs: Var[] = []; // (packed, unlike new Array(n): f's own loops over x stay fast)
        for (let i = 0; i < flat.length; i++) xs.push(new Var(tape, i + 1));
        return xs;
      },
      shape: (v) => v,
      direction: (fn2, name, d, ref = 'x') => readVector(fn2, name, d, flat.length, ref),
    };
  }
  if (x instanceof Tensor) {
    const t = checkTensor(fn, 'x', x);
    const flat = vector(fn, 'x', t.values());
    return {
      flat, form: 'tensor', groups: [{ name: 'x', start: 0, size: flat.length }],
      inputs: (tape) => new Tensor(t.shape, tape, 1, null),
      shape: (v) => Tensor.constant(v, t.shape),
      direction: (fn2, name, d, ref = 'x') => (d instanceof Tensor ? readVector(fn2, name, checkTensor(fn2, name, d, t, ref).values()) : readVector(fn2, name, d, flat.length, ref)),
    };
  }
  if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    // { length: 5, 0: … } is not a record of tensors named '0', '1', …
    if (typeof (x as { length?: unknown }).length === 'number') throw new TypeError(`${fn}: ${POINT_FORMS}, got ${describe(x)} (Array.from(x) makes an array of it)`);
    const keys = Object.keys(x);
    if (keys.length === 0) throw new RangeError(`${fn}: x is an empty record: there is nothing to differentiate`);
    const ts = keys.map((k) => checkTensor(fn, `x.${k}`, (x as Record<string, unknown>)[k]));
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
  throw new TypeError(`${fn}: ${POINT_FORMS}, got ${describe(x)}`);
}

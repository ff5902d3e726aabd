/** Argument checks shared by the transforms: every message names the function and the argument. */
import { describe } from '../describe.js';

/** What a point or direction may be given as. */
export type Vector = readonly number[] | Float64Array;

/** Copies a point or direction into a Float64Array, refusing anything that is not finite numbers. */
export function vector(fn: string, name: string, x: unknown, n?: number, ref = 'x'): Float64Array {
  const v = readVector(fn, name, x, n, ref);
  return v === x ? v.slice() : v;
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

/** The function argument must be callable. */
export function callable(fn: string, f: unknown): void {
  if (typeof f !== 'function') throw new TypeError(`${fn}: f must be a function, got ${describe(f)}`);
}

/** What an option may be: a list of allowed strings, or a positive integer. */
type OptionSpec = readonly string[] | 'positive integer' | 'boolean' | 'integer' | 'function';

/** Checks an options object against the allowed keys and values; returns it (or {}). */
export function options<T extends object>(fn: string, opts: unknown, spec: { readonly [K in keyof T]-?: OptionSpec }): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(opts)}`);
  }
  for (const [key, value] of Object.entries(opts)) {
    const allowed = (spec as Record<string, OptionSpec>)[key];
    if (!allowed) {
      throw new TypeError(`${fn}: unknown option '${key}' (known: ${Object.keys(spec).join(', ')})`);
    }
    if (value === undefined) continue;
    if (allowed === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${fn}: option '${key}' must be an integer, got ${describe(value)}`);
    } else if (allowed === 'function') {
      if (typeof value !== 'function') throw new TypeError(`${fn}: option '${key}' must be a function, got ${describe(value)}`);
    } else if (allowed === 'boolean') {
      if (typeof value !== 'boolean') throw new TypeError(`${fn}: option '${key}' must be true or false, got ${describe(value)}`);
    } else if (allowed === 'positive integer') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw new RangeError(`${fn}: option '${key}' must be a positive integer, got ${describe(value)}`);
      }
    } else if (typeof value !== 'string' || !allowed.includes(value)) {
      throw new RangeError(`${fn}: option '${key}' must be one of ${allowed.map((s) => `'${s}'`).join(', ')}, got ${describe(value)}`);
    }
  }
  return opts as Partial<T>;
}

/**
 * Argument checks shared by every layer (the tensor functions' options, the
 * transforms' options and function arguments): every message names the
 * function and the argument. Points and directions are checked where they
 * are flattened (lib/transforms/point.ts).
 */
import { describe } from './describe.js';

/** The function argument must be callable. */
export function callable(fn: string, f: unknown): void {
  if (typeof f !== 'function') throw new TypeError(`${fn}: f must be a function, got ${describe(f)}`);
}

/** What an option may be: one of a list of strings, a positive integer, an integer, a boolean or a function. */
export type OptionSpec = readonly string[] | 'positive integer' | 'boolean' | 'integer' | 'function';

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

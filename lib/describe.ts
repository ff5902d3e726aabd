import { otherCopy } from './copy.js';

/** Short descriptions of arbitrary values, for error messages. */
export function describe(x: unknown): string {
  if (x !== null && typeof x === 'object') {
    const other = otherCopy(x);
    if (other) return `${describeHere(x)} from another copy of hyperad: ${other}`;
  }
  return describeHere(x);
}

function describeHere(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : String(x);
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 20 ? x.slice(0, 20) + '…' : x)})`;
  if (typeof x === 'boolean' || typeof x === 'bigint') return `a ${typeof x} (${String(x)})`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'symbol') return 'a symbol';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as unknown as ArrayLike<unknown>).length}`;
  if (typeof (x as { then?: unknown }).then === 'function') return 'a Promise (f must be synchronous)';
  const len = (x as { length?: unknown }).length;
  if (typeof len === 'number' && Object.getPrototypeOf(x) === Object.prototype) return `an array-like object of length ${len}`;
  const k = (x as { kind?: unknown }).kind;
  if (typeof k === 'string') return `a ${k}`;
  const name = (x as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Recycled arrays. A one-shot transform (`grad(f, x)`) records, sweeps and
 * drops its recording within one call; its tape arrays and sweep work arrays
 * come back here when the call ends, and the next recording takes them
 * instead of asking the allocator for fresh (and freshly zeroed, page-faulted)
 * memory. Nothing taken from the pool is assumed to hold zeros: every user
 * writes before it reads (the specs poison returned arrays with NaN to check it).
 */

/** How many arrays of each kind the pool keeps (the largest are kept). */
const KEEP = 8;

const floats: Float64Array[] = [];
const ints: Int32Array[] = [];
let poisoned = false;

/** Specs only: fill every returned array with NaN (floats) or −7 (ints), so a reader of stale contents fails loudly. */
export function poisonPool(on: boolean): void {
  poisoned = on;
  if (on) { for (const f of floats) f.fill(NaN); for (const i of ints) i.fill(-7); }
}

/** Empties the pool (specs; and callers that want the memory back). */
export function drainPool(): void {
  floats.length = 0;
  ints.length = 0;
}

function take<T extends Float64Array | Int32Array>(list: T[], size: number, make: (n: number) => T): T {
  // the smallest array that fits (lists are short: a linear scan)
  let best = -1;
  for (let k = 0; k < list.length; k++) if (list[k]!.length >= size && (best < 0 || list[k]!.length < list[best]!.length)) best = k;
  if (best < 0) return make(size);
  const a = list[best]!;
  list[best] = list[list.length - 1]!;
  list.pop();
  return a;
}

function give<T extends Float64Array | Int32Array>(list: T[], a: T): void {
  if (a.length === 0) return;
  if (poisoned) (a as Float64Array).fill(a instanceof Float64Array ? NaN : -7);
  if (list.length < KEEP) { list.push(a); return; }
  // full: replace the smallest if this one is larger
  let small = 0;
  for (let k = 1; k < list.length; k++) if (list[k]!.length < list[small]!.length) small = k;
  if (list[small]!.length < a.length) list[small] = a;
}

/** A Float64Array of at least `size` entries, contents unspecified. */
export const takeFloats = (size: number): Float64Array => take(floats, size, (n) => new Float64Array(n));
/** An Int32Array of at least `size` entries, contents unspecified. */
export const takeInts = (size: number): Int32Array => take(ints, size, (n) => new Int32Array(n));
/** Returns an array to the pool; the caller must not use it again. */
export const giveFloats = (a: Float64Array): void => give(floats, a);
/** Returns an array to the pool; the caller must not use it again. */
export const giveInts = (a: Int32Array): void => give(ints, a);

/** The shape every benchmark workload shares. */
import type { Num } from '../../lib/index.js';

export interface Workload {
  /** e.g. 'W3 rosenbrock' */
  readonly name: string;
  /** number of inputs */
  readonly n: number;
  /** the point */
  readonly x: Float64Array;
  /** the direction for Hessian-vector products */
  readonly v: Float64Array;
  /** f written by hand in plain JavaScript: the reference cost */
  plain(x: Float64Array): number;
  /** the same f with hyperad's ops */
  f(x: Num[]): Num;
  /** closed forms, where they exist */
  grad?(x: Float64Array): Float64Array;
  hvp?(x: Float64Array, v: Float64Array): Float64Array;
  hessianDiagonal?(x: Float64Array): Float64Array;
  /** dense: only call it for moderate n */
  hessian?(x: Float64Array): Float64Array[];
}

/** H·v for a dense H given as rows. */
export function matVec(H: readonly Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(H.length);
  for (let i = 0; i < H.length; i++) {
    const row = H[i]!;
    let s = 0;
    for (let j = 0; j < v.length; j++) s += row[j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** The diagonal of a dense matrix given as rows. */
export function diagonal(H: readonly Float64Array[]): Float64Array {
  return Float64Array.from(H, (row, i) => row[i]!);
}

/** max |a − b| / max |b|: the normwise relative difference (the error columns of demo, bench and compare). */
export function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
}

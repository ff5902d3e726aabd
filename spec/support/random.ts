/**
 * Seeded randomness for the specs: every random point and direction comes
 * from mulberry32, so a failing spec fails the same way on the next run.
 */

/** mulberry32: the library's own generator of uniform numbers in [0, 1). */
export { mulberry32 } from '../../lib/index.js';

/** A uniform number in [lo, hi). */
export function uniform(rand: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

/** n uniform numbers in [lo, hi). */
export function randomVector(rand: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => uniform(rand, lo, hi));
}

/**
 * A point strictly inside [lo, hi] (kept 5% of the width away from either
 * end) and its distance to the nearer end, which bounds the finite-difference
 * step so every sample stays inside the interval.
 */
export function interiorPoint(rand: () => number, lo: number, hi: number): { x: number; room: number } {
  const x = lo + (hi - lo) * (0.05 + 0.9 * rand());
  return { x, room: Math.min(x - lo, hi - x) };
}

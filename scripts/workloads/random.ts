/**
 * The benchmark's random numbers: mulberry32, the public 32-bit generator,
 * so every workload's data can be rebuilt bit for bit in any language.
 */

/** mulberry32(seed): a generator of uniform draws u ∈ [0, 1) (the library's, lib/tensor/random.ts). */
export { mulberry32 } from '../../lib/index.js';

/** The next `count` draws of 2u − 1 ∈ [−1, 1), each multiplied by `scale`. */
export function symmetric(rng: () => number, count: number, scale = 1): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng() - 1) * scale;
  return out;
}

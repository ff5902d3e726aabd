import { currentName } from '../trace.js';
import { describe } from '../describe.js';

/**
 * Seeded random numbers, identical on every platform: mulberry32 (the public
 * 32-bit generator by Tommy Ettinger) for uniforms, Box–Muller for normals.
 */

/** A generator of uniforms in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new TypeError(`${currentName()}: mulberry32: seed must be an integer (taken modulo 2³²), got ${describe(seed)}`);
  }
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniforms in [0, 1) from mulberry32(seed). */
export function uniforms(n: number, seed: number): Float64Array {
  const u = mulberry32(seed), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u();
  return out;
}

/** n standard normals: Box–Muller on consecutive mulberry32(seed) pairs, z = √(−2 ln(1 − u₁)) cos(2πu₂). */
export function normals(n: number, seed: number): Float64Array {
  const u = mulberry32(seed), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/**
 * Functions built by loops, shared by the specs of the generated sweeps and
 * of the Taylor-2 zero mask (lib/tape/codegen.ts, lib/tape/zeros.ts).
 */
import { add, mul, neg, softplus, type Num } from '../../lib/index.js';

/**
 * Logistic regression with the weights w as inputs: Σᵢ softplus(±Σⱼ cᵢⱼ wⱼ)
 * over `samples` samples, cᵢⱼ = cos(1 + i·n + j). Each sample's dot product is
 * linear in the inputs (second coefficients exactly 0) under a nonlinear
 * softplus, and each sample is one repetition of about n + 2 nodes.
 */
export const logisticChain = (samples: number) => (w: Num[]): Num => {
  let s: Num = 0;
  for (let i = 0; i < samples; i++) {
    let z: Num = 0;
    for (let j = 0; j < w.length; j++) z = add(z, mul(Math.cos(1 + i * w.length + j), w[j]!));
    s = add(s, softplus(i % 2 ? z : neg(z)));
  }
  return s;
};

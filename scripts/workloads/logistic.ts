/**
 * W5: logistic regression, the negative log-likelihood of 1000 samples as a
 * function of the 20 weights w:
 *   f(w) = Σₖ log(1 + exp(zₖ)) − yₖzₖ,  zₖ = Xₖ·w,
 *   ∇f = Xᵀ(σ(z) − y),  H = Xᵀ diag(σ(z)(1 − σ(z))) X.
 * Data: one stream mulberry32(7), in this order: the features X (1000×20
 * row-major, each 2u − 1); a true weight vector w* (20 draws of 2u − 1); the
 * labels yₖ = 1 if u < σ(Xₖ·w*) else 0 (one draw u per sample); then the point
 * w (20 draws of 2u − 1) and the direction v (20 more).
 */
import { add, mul, neg, softplus, type Num } from '../../lib/index.js';
import { mulberry32, symmetric } from './random.js';
import type { Workload } from './types.js';

export const SAMPLES = 1000, WEIGHTS = 20;

const sigma = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + eᶻ) without overflow */
const softplusPlain = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

export function logistic(): Workload & { X: Float64Array; y: Uint8Array } {
  const m = SAMPLES, d = WEIGHTS, rng = mulberry32(7);
  const X = symmetric(rng, m * d);
  const wTrue = symmetric(rng, d);
  const y = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += X[k * d + j]! * wTrue[j]!;
    y[k] = rng() < sigma(z) ? 1 : 0;
  }
  const x = symmetric(rng, d), v = symmetric(rng, d);

  const logits = (w: Float64Array) => {
    const z = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[k * d + j]! * w[j]!;
      z[k] = s;
    }
    return z;
  };

  return {
    name: 'W5 logistic', n: d, x, v, X, y,
    plain(w) {
      let s = 0;
      for (let k = 0; k < m; k++) {
        let z = 0;
        for (let j = 0; j < d; j++) z += X[k * d + j]! * w[j]!;
        // log(1 + eᶻ) − yz = softplus(−z) when y = 1
        s += softplusPlain(y[k] ? -z : z);
      }
      return s;
    },
    f(w) {
      let s: Num = 0;
      for (let k = 0; k < m; k++) {
        let z = mul(X[k * d]!, w[0]!);
        for (let j = 1; j < d; j++) z = add(z, mul(X[k * d + j]!, w[j]!));
        const term = softplus(y[k] ? neg(z) : z);
        s = k === 0 ? term : add(s, term);
      }
      return s;
    },
    grad(w) {
      const z = logits(w), g = new Float64Array(d);
      for (let k = 0; k < m; k++) {
        const r = sigma(z[k]!) - y[k]!;
        for (let j = 0; j < d; j++) g[j] += X[k * d + j]! * r;
      }
      return g;
    },
    hessian(w) {
      const z = logits(w), H = Array.from({ length: d }, () => new Float64Array(d));
      for (let k = 0; k < m; k++) {
        const p = sigma(z[k]!), s = p * (1 - p);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) H[i]![j] += X[k * d + i]! * s * X[k * d + j]!;
      }
      return H;
    },
    hessianDiagonal(w) {
      return Float64Array.from(this.hessian!(w), (row, j) => row[j]!);
    },
  };
}

/**
 * W1, the seed problem: an MLP 5 → 100 (tanh) → 10 and the negative
 * log-likelihood of class 0, as a function of the 5 inputs:
 *   a = W1·x + b1,  t = tanh a,  h = W2·t + b2,  f = −logSoftmax(h)[0] = logsumexp(h) − h[0].
 * Data: mulberry32(42), draws 2u − 1 in the order W1 (100×5 row-major), b1,
 * W2 (10×100 row-major), b2, x, v; W1 and b1 scaled by 1/√5, W2 and b2 by 1/10.
 * f(x) = 2.4689136350470875.
 */
import { add, logsumexp, mul, sub, tanh, type Num } from '../../lib/index.js';
import { mulberry32, symmetric } from './random.js';
import type { Workload } from './types.js';

export const IN = 5, HIDDEN = 100, OUT = 10;

/** The value f(x) the issue states for the seed data. */
export const SEED_VALUE = 2.4689136350470875;

export function mlp(): Workload & { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array } {
  const rng = mulberry32(42);
  const W1 = symmetric(rng, HIDDEN * IN, 1 / Math.sqrt(IN));
  const b1 = symmetric(rng, HIDDEN, 1 / Math.sqrt(IN));
  const W2 = symmetric(rng, OUT * HIDDEN, 1 / 10);
  const b2 = symmetric(rng, OUT, 1 / 10);
  const x = symmetric(rng, IN), v = symmetric(rng, IN);

  /** the forward pass: hidden activations t and the softmax probabilities p */
  function forward(x: Float64Array): { t: Float64Array; h: Float64Array; p: Float64Array; lse: number } {
    const t = new Float64Array(HIDDEN), h = new Float64Array(OUT), p = new Float64Array(OUT);
    for (let j = 0; j < HIDDEN; j++) {
      let a = b1[j]!;
      for (let i = 0; i < IN; i++) a += W1[j * IN + i]! * x[i]!;
      t[j] = Math.tanh(a);
    }
    let m = -Infinity;
    for (let k = 0; k < OUT; k++) {
      let s = b2[k]!;
      for (let j = 0; j < HIDDEN; j++) s += W2[k * HIDDEN + j]! * t[j]!;
      h[k] = s;
      if (s > m) m = s;
    }
    let z = 0;
    for (let k = 0; k < OUT; k++) z += (p[k] = Math.exp(h[k]! - m));
    for (let k = 0; k < OUT; k++) p[k]! /= z;
    return { t, h, p, lse: m + Math.log(z) };
  }

  /** backpropagated: g_t = W2ᵀ(p − e₀), the loss's gradient with respect to t */
  function gradT(p: Float64Array): Float64Array {
    const gt = new Float64Array(HIDDEN);
    for (let k = 0; k < OUT; k++) {
      const gk = p[k]! - (k === 0 ? 1 : 0);
      for (let j = 0; j < HIDDEN; j++) gt[j] += W2[k * HIDDEN + j]! * gk;
    }
    return gt;
  }

  const tScratch = new Float64Array(HIDDEN), hScratch = new Float64Array(OUT);

  return {
    name: 'W1 mlp', n: IN, x, v, W1, b1, W2, b2,

    // scratch preallocated, so the reference cost is the arithmetic alone
    plain(x) {
      const t = tScratch, h = hScratch;
      for (let j = 0; j < HIDDEN; j++) {
        let a = b1[j]!;
        for (let i = 0; i < IN; i++) a += W1[j * IN + i]! * x[i]!;
        t[j] = Math.tanh(a);
      }
      let m = -Infinity, h0 = 0;
      for (let k = 0; k < OUT; k++) {
        let s = b2[k]!;
        for (let j = 0; j < HIDDEN; j++) s += W2[k * HIDDEN + j]! * t[j]!;
        h[k] = s;
        if (s > m) m = s;
        if (k === 0) h0 = s;
      }
      let z = 0;
      for (let k = 0; k < OUT; k++) z += Math.exp(h[k]! - m);
      return m + Math.log(z) - h0;
    },

    f(x) {
      const t: Num[] = new Array(HIDDEN);
      for (let j = 0; j < HIDDEN; j++) {
        let a = mul(W1[j * IN]!, x[0]!);
        for (let i = 1; i < IN; i++) a = add(a, mul(W1[j * IN + i]!, x[i]!));
        t[j] = tanh(add(a, b1[j]!));
      }
      const h: Num[] = new Array(OUT);
      for (let k = 0; k < OUT; k++) {
        let s = mul(W2[k * HIDDEN]!, t[0]!);
        for (let j = 1; j < HIDDEN; j++) s = add(s, mul(W2[k * HIDDEN + j]!, t[j]!));
        h[k] = add(s, b2[k]!);
      }
      return sub(logsumexp(h), h[0]!);
    },

    // ∇f = W1ᵀ (g_t ⊙ (1 − t²))
    grad(x) {
      const { t, p } = forward(x), gt = gradT(p), g = new Float64Array(IN);
      for (let j = 0; j < HIDDEN; j++) {
        const ga = gt[j]! * (1 - t[j]! * t[j]!);
        for (let i = 0; i < IN; i++) g[i] += W1[j * IN + i]! * ga;
      }
      return g;
    },

    // H = Mᵀ (diag p − ppᵀ) M + W1ᵀ diag(g_t ⊙ tanh″(a)) W1, with M = W2 diag(1 − t²) W1
    // and tanh″(a) = −2t(1 − t²)
    hessian(x) {
      const { t, p } = forward(x), gt = gradT(p);
      const M = new Float64Array(OUT * IN);
      for (let k = 0; k < OUT; k++) {
        for (let j = 0; j < HIDDEN; j++) {
          const c = W2[k * HIDDEN + j]! * (1 - t[j]! * t[j]!);
          for (let i = 0; i < IN; i++) M[k * IN + i] += c * W1[j * IN + i]!;
        }
      }
      const H = Array.from({ length: IN }, () => new Float64Array(IN));
      for (let i = 0; i < IN; i++) {
        for (let l = 0; l < IN; l++) {
          let pm = 0, s = 0;
          for (let k = 0; k < OUT; k++) pm += p[k]! * M[k * IN + l]!;
          for (let k = 0; k < OUT; k++) s += M[k * IN + i]! * p[k]! * (M[k * IN + l]! - pm);
          for (let j = 0; j < HIDDEN; j++) {
            const s1 = 1 - t[j]! * t[j]!;
            s += W1[j * IN + i]! * W1[j * IN + l]! * gt[j]! * (-2 * t[j]! * s1);
          }
          H[i]![l] = s;
        }
      }
      return H;
    },

    hessianDiagonal(x) {
      const H = this.hessian!(x);
      return Float64Array.from(H, (row, i) => row[i]!);
    },
  };
}

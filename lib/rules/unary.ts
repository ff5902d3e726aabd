/**
 * The unary rule table: value, f′, f″, f‴ of every elementary function.
 * One entry per op; the math comment states the derivative when it is not
 * obvious. `o` is the output slot array (o[0] = f(x) is already set).
 */
import type { UnaryRule } from './types.js';
import { TWO_OVER_SQRT_PI, erf, erfc, expNegSquare } from './special/erf.js';
import { digamma, isGammaPole, lgamma, polygamma } from './special/gamma.js';

/** Names of the unary ops; the table below must define every one (a compile error otherwise). */
export const UNARY_NAMES = [
  'neg', 'sqrt', 'cbrt', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh',
  'asinh', 'acosh', 'atanh', 'abs', 'sigmoid', 'softplus', 'relu', 'powc',
  'erf', 'erfc', 'lgamma', 'digamma', 'log1mexp',
] as const;
export type UnaryName = (typeof UNARY_NAMES)[number];

const LN2 = Math.LN2;
const all = [[-3, 3]] as const;
const positive = [[0.1, 5]] as const;
const unit = [[-0.9, 0.9]] as const;
const awayFromZero = [[-3, -0.1], [0.1, 3]] as const;

/** σ(x) = 1/(1 + e^−x), evaluated without overflow for either sign of x. */
export function sigmoidValue(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * log(1 − eˣ) for x ≤ 0 without cancellation (Mächler's switch at −ln 2):
 * log(−expm1 x) where eˣ is near 1, log1p(−eˣ) where it is small.
 */
export function log1mexpValue(x: number): number {
  return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

export const unaryRules: { readonly [K in UnaryName]: UnaryRule } = {
  neg: { f: (x) => -x, d: (_x, _y, o) => { o[1] = -1; o[2] = 0; o[3] = 0; }, domain: all },

  // √x: ½x^−½, −¼x^−³⁄², ⅜x^−⁵⁄²
  sqrt: {
    f: Math.sqrt,
    d: (x, s, o) => { o[1] = 0.5 / s; o[2] = -0.25 / (x * s); o[3] = 0.375 / (x * x * s); },
    domain: positive,
    convention: 'sqrt(0) = 0 with f′(0) = +∞, f″(0) = −∞ (the one-sided limits); sqrt(x < 0) = NaN, derivatives NaN',
  },

  // ∛x: ⅓x^−⅔, −²⁄₉x^−⁵⁄³, ¹⁰⁄₂₇x^−⁸⁄³ (defined for negative x too)
  cbrt: {
    f: Math.cbrt,
    d: (_x, c, o) => { const c2 = c * c; o[1] = 1 / (3 * c2); o[2] = -2 / (9 * c2 * c2 * c); o[3] = 10 / (27 * c2 * c2 * c2 * c2); },
    domain: awayFromZero,
    convention: 'cbrt(0) = 0 with f′(0) = +∞',
  },

  exp: { f: Math.exp, d: (_x, e, o) => { o[1] = e; o[2] = e; o[3] = e; }, domain: all },

  // expm1′ = e^x (the value is e^x − 1, computed accurately near 0)
  expm1: { f: Math.expm1, d: (x, _y, o) => { const e = Math.exp(x); o[1] = e; o[2] = e; o[3] = e; }, domain: all },

  // log: 1/x, −1/x², 2/x³
  log: {
    f: Math.log,
    d: (x, _y, o) => { const r = 1 / x; o[1] = r; o[2] = -r * r; o[3] = 2 * r * r * r; },
    domain: positive,
    convention: 'log(0) = −∞ with f′(0) = +∞; log(x < 0) = NaN, derivatives NaN',
  },
  log1p: {
    f: Math.log1p,
    d: (x, _y, o) => { const r = 1 / (1 + x); o[1] = r; o[2] = -r * r; o[3] = 2 * r * r * r; },
    domain: [[-0.9, 4]],
  },
  log2: {
    f: Math.log2,
    d: (x, _y, o) => { const r = 1 / x; o[1] = r / Math.LN2; o[2] = -r * r / Math.LN2; o[3] = 2 * r * r * r / Math.LN2; },
    domain: positive,
  },
  log10: {
    f: Math.log10,
    d: (x, _y, o) => { const r = 1 / x; o[1] = r / Math.LN10; o[2] = -r * r / Math.LN10; o[3] = 2 * r * r * r / Math.LN10; },
    domain: positive,
  },

  sin: { f: Math.sin, d: (x, s, o) => { const c = Math.cos(x); o[1] = c; o[2] = -s; o[3] = -c; }, domain: all },
  cos: { f: Math.cos, d: (x, c, o) => { const s = Math.sin(x); o[1] = -s; o[2] = -c; o[3] = s; }, domain: all },

  // tan′ = 1 + t² = s, tan″ = 2ts, tan‴ = 2s(1 + 3t²)
  tan: {
    f: Math.tan,
    d: (_x, t, o) => { const s = 1 + t * t; o[1] = s; o[2] = 2 * t * s; o[3] = 2 * s * (1 + 3 * t * t); },
    domain: [[-1.2, 1.2]],
  },

  // asin′ = r^−½, asin″ = x r^−³⁄², asin‴ = (1 + 2x²) r^−⁵⁄², with r = 1 − x²
  asin: {
    f: Math.asin,
    d: (x, _y, o) => { const r = 1 - x * x, q = 1 / Math.sqrt(r); o[1] = q; o[2] = x * q * q * q; o[3] = (1 + 2 * x * x) * q * q * q * q * q; },
    domain: unit,
    convention: 'asin(±1) = ±π/2 with f′ = +∞; |x| > 1 gives NaN, derivatives NaN',
  },
  // acos = π/2 − asin: the negated derivatives of asin
  acos: {
    f: Math.acos,
    d: (x, _y, o) => { const r = 1 - x * x, q = 1 / Math.sqrt(r); o[1] = -q; o[2] = -x * q * q * q; o[3] = -(1 + 2 * x * x) * q * q * q * q * q; },
    domain: unit,
  },
  // atan′ = q, atan″ = −2x q², atan‴ = (6x² − 2) q³, with q = 1/(1 + x²)
  atan: {
    f: Math.atan,
    d: (x, _y, o) => { const q = 1 / (1 + x * x); o[1] = q; o[2] = -2 * x * q * q; o[3] = (6 * x * x - 2) * q * q * q; },
    domain: all,
  },

  sinh: { f: Math.sinh, d: (x, s, o) => { const c = Math.cosh(x); o[1] = c; o[2] = s; o[3] = c; }, domain: all },
  cosh: { f: Math.cosh, d: (x, c, o) => { const s = Math.sinh(x); o[1] = s; o[2] = c; o[3] = s; }, domain: all },

  // tanh′ = s = 1 − t², tanh″ = −2ts, tanh‴ = −2s(1 − 3t²)
  tanh: {
    f: Math.tanh,
    d: (_x, t, o) => { const s = 1 - t * t; o[1] = s; o[2] = -2 * t * s; o[3] = -2 * s * (1 - 3 * t * t); },
    domain: all,
  },

  // asinh′ = r^−½, asinh″ = −x r^−³⁄², asinh‴ = (2x² − 1) r^−⁵⁄², with r = 1 + x²
  asinh: {
    f: Math.asinh,
    d: (x, _y, o) => { const q = 1 / Math.sqrt(1 + x * x); o[1] = q; o[2] = -x * q * q * q; o[3] = (2 * x * x - 1) * q * q * q * q * q; },
    domain: all,
  },
  // acosh′ = r^−½, acosh″ = −x r^−³⁄², acosh‴ = (2x² + 1) r^−⁵⁄², with r = x² − 1
  acosh: {
    f: Math.acosh,
    d: (x, _y, o) => { const q = 1 / Math.sqrt(x * x - 1); o[1] = q; o[2] = -x * q * q * q; o[3] = (2 * x * x + 1) * q * q * q * q * q; },
    domain: [[1.1, 4]],
    convention: 'acosh(1) = 0 with f′ = +∞; x < 1 gives NaN, derivatives NaN',
  },
  // atanh′ = q, atanh″ = 2x q², atanh‴ = (2 + 6x²) q³, with q = 1/(1 − x²)
  atanh: {
    f: Math.atanh,
    d: (x, _y, o) => { const q = 1 / (1 - x * x); o[1] = q; o[2] = 2 * x * q * q; o[3] = (2 + 6 * x * x) * q * q * q; },
    domain: unit,
    convention: 'atanh(±1) = ±∞ with f′ = +∞',
  },

  abs: {
    f: Math.abs,
    d: (x, _y, o) => { o[1] = x > 0 ? 1 : x < 0 ? -1 : 0; o[2] = 0; o[3] = 0; },
    domain: awayFromZero,
    convention: "abs′(0) = 0 (the subgradient's midpoint, as in JAX and PyTorch); abs″ = 0 everywhere",
  },

  // σ′ = u = σ(x)σ(−x) (= σ(1 − σ), but 1 − σ cancels for large x), σ″ = u(1 − 2σ), σ‴ = u(1 − 6u)
  sigmoid: {
    f: sigmoidValue,
    d: (x, s, o) => { const u = s * sigmoidValue(-x); o[1] = u; o[2] = u * (1 - 2 * s); o[3] = u * (1 - 6 * u); },
    domain: all,
    convention: 'stable for any x: σ(±800) = 1 or 0 exactly, derivatives 0 there (no overflow)',
  },

  // softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^−|x|); its derivatives are σ, σ′, σ″
  softplus: {
    f: (x) => (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))),
    d: (x, _y, o) => { const s = sigmoidValue(x), u = s * sigmoidValue(-x); o[1] = s; o[2] = u; o[3] = u * (1 - 2 * s); },
    domain: all,
    convention: 'stable for any x: softplus(800) = 800, softplus(−800) = 0',
  },

  relu: {
    f: (x) => (x <= 0 ? 0 : x),
    d: (x, _y, o) => { o[1] = x > 0 ? 1 : 0; o[2] = 0; o[3] = 0; },
    domain: awayFromZero,
    convention: "relu′(0) = 0 (as in JAX and PyTorch); relu″ = 0 everywhere; relu(NaN) = NaN",
  },

  // x^p for a constant exponent p: p x^(p−1), p(p−1) x^(p−2), p(p−1)(p−2) x^(p−3).
  // A coefficient that is exactly 0 gives an exact 0 (so x^2 has f‴ = 0 at x = 0, not 0·∞).
  powc: {
    f: (x, p) => (p === 2 ? x * x : Math.pow(x, p)),
    d: (x, _y, o, p) => {
      const c1 = p, c2 = p * (p - 1), c3 = c2 * (p - 2);
      o[1] = c1 === 0 ? 0 : c1 * Math.pow(x, p - 1);
      o[2] = c2 === 0 ? 0 : c2 * Math.pow(x, p - 2);
      o[3] = c3 === 0 ? 0 : c3 * Math.pow(x, p - 3);
    },
    domain: positive,
    params: [2, 3, -1, 0.5, -2.5, 0, 1],
    convention: 'pow(x, p) with a number p: a zero coefficient gives an exact 0 derivative; a negative x with a non-integer p gives NaN',
  },

  // erf′ = g = (2/√π)e^(−x²), erf″ = −2x·g, erf‴ = (4x² − 2)·g
  erf: {
    f: erf,
    d: (x, _y, o) => { const g = TWO_OVER_SQRT_PI * expNegSquare(x); o[1] = g; o[2] = -2 * x * g; o[3] = (4 * x * x - 2) * g; },
    domain: all,
  },
  // erfc = 1 − erf: the negated derivatives of erf (the value keeps its relative accuracy in the tail)
  erfc: {
    f: erfc,
    d: (x, _y, o) => { const g = TWO_OVER_SQRT_PI * expNegSquare(x); o[1] = -g; o[2] = 2 * x * g; o[3] = (2 - 4 * x * x) * g; },
    domain: all,
  },

  // log|Γ(x)|: the derivatives are the polygammas ψ, ψ₁, ψ₂ (lib/rules/special/gamma.ts)
  lgamma: {
    f: lgamma,
    d: (x, _y, o) => {
      if (isGammaPole(x)) { o[1] = o[2] = o[3] = NaN; return; }
      o[1] = digamma(x); o[2] = polygamma(1, x); o[3] = polygamma(2, x);
    },
    domain: [[0.2, 6], [-2.8, -2.2]],
    convention: 'lgamma(x) = log|Γ(x)|, defined for negative non-integers too; at the poles x = 0, −1, −2, … lgamma = +∞ (as PyTorch and C\'s lgamma) and every derivative is NaN (ψ tends to +∞ on one side of a pole and −∞ on the other)',
  },
  // ψ = Γ′/Γ: ψ′ = ψ₁ (trigamma), ψ″ = ψ₂, ψ‴ = ψ₃
  digamma: {
    f: digamma,
    d: (x, _y, o) => { o[1] = polygamma(1, x); o[2] = polygamma(2, x); o[3] = polygamma(3, x); },
    domain: [[0.2, 6], [-1.8, -1.2]],
    convention: 'digamma at the poles x = 0, −1, −2, …: NaN, derivatives NaN (ψ tends to +∞ on one side and −∞ on the other)',
  },

  // log(1 − eˣ), x < 0. With q = 1/(e^−x − 1) = 1/expm1(−x), so that q′ = q(1 + q):
  // f′ = −q, f″ = −q(1 + q), f‴ = −q(1 + q)(1 + 2q)
  log1mexp: {
    f: log1mexpValue,
    d: (x, _y, o) => {
      // at x = ±0, 1/expm1(−x) would be 1/∓0: q = +∞ is the limit from the left
      const q = x === 0 ? Infinity : 1 / Math.expm1(-x), q1 = q * (1 + q);
      o[1] = -q; o[2] = -q1; o[3] = -q1 * (1 + 2 * q);
    },
    domain: [[-4, -0.05]],
    convention: 'log1mexp(x) = log(1 − eˣ), stable for any x ≤ 0 (log(−expm1 x) above −ln 2, log1p(−eˣ) below); log1mexp(0) = −∞ with f′ = f″ = −∞ (the limits from the left); x > 0 gives NaN, derivatives NaN',
  },
};

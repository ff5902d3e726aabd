/**
 * log|Γ|, ψ = Γ′/Γ and the polygammas ψₙ = ψ⁽ⁿ⁾ to a few ulps for x > 0
 * (absolute accuracy near the zeros on the negative axis).
 *
 * - lgamma: (x − 1)·H₁(x) and (x − 2)·H₂(x) near the zeros 1 and 2 (Chebyshev
 *   series, coefficients.ts), the recurrence Γ(x + 1) = xΓ(x) into
 *   [0.5, 2.5] below 10, Stirling's series from 10, and the reflection
 *   Γ(x)Γ(1 − x) = π/sin(πx) for x < 0.
 * - digamma: a Taylor series about its positive root x₀ ≈ 1.4616 on [1, 2]
 *   (so ψ keeps its relative accuracy there), ψ(x + 1) = ψ(x) + 1/x below 10,
 *   the asymptotic series from 10, reflection ψ(1 − x) − ψ(x) = π cot(πx).
 * - polygamma n ≥ 1: ψₙ(x) = (−1)ⁿ⁺¹ n! ζ(n + 1, x) with the Hurwitz zeta by
 *   Euler–Maclaurin (every term of one sign: no cancellation), reflection
 *   for x < 0.
 * Poles (x = 0, −1, −2, …): lgamma = +∞; ψ and the even-order ψₙ are NaN
 * (±∞ from the two sides); the odd-order ψₙ are +∞.
 */
import { chebyshev, powerSeries1 } from './chebyshev.js';
import { LGAMMA_NEAR_1, LGAMMA_NEAR_2, ROOT_HI, ROOT_LO, ROOT_SERIES } from './coefficients.js';

/** B₂, B₄, …, B₂₀ (Bernoulli numbers). */
const BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330];
/** ½ ln 2π */
const LN_SQRT_2PI = 0.9189385332046728;

/** x − round(x) ∈ [−½, ½], exact: the argument reduction of sin(πx) and cot(πx). */
const frac = (x: number): number => x - Math.round(x);

/** |sin(πx)| */
const absSinPi = (x: number): number => Math.abs(Math.sin(Math.PI * frac(x)));

/** cot(πx) (period 1) */
function cotPi(x: number): number {
  const r = Math.PI * frac(x);
  return Math.cos(r) / Math.sin(r);
}

/** x = 0, −1, −2, … (and −∞): a pole of Γ */
export const isGammaPole = (x: number): boolean => x <= 0 && x === Math.floor(x);

/** lgamma(x) = log|Γ(x)|; +∞ at the poles x = 0, −1, −2, … and at ±∞. */
export function lgamma(x: number): number {
  if (x !== x) return NaN;
  if (x <= 0) {
    if (isGammaPole(x)) return Infinity;
    // log|Γ(x)| = log(π/|sin πx|) − log|Γ(1 − x)|
    return Math.log(Math.PI / absSinPi(x)) - lgamma(1 - x);
  }
  if (x === 1 || x === 2) return 0; // (x − 1)·H₁ would give −0
  if (x < 0.5) return x * chebyshev(LGAMMA_NEAR_1, 2 * x) - Math.log(x); // log Γ(1 + x) − log x
  if (x <= 1.5) return (x - 1) * chebyshev(LGAMMA_NEAR_1, 2 * (x - 1));
  if (x <= 2.5) return (x - 2) * chebyshev(LGAMMA_NEAR_2, 2 * (x - 2));
  if (x < 10) {
    // log Γ(x) = log Γ(y) + log((x − 1)(x − 2)⋯y), y ∈ (1.5, 2.5]; each y − 1 is exact
    let y = x, p = 1;
    while (y > 2.5) { y -= 1; p *= y; }
    return (y - 2) * chebyshev(LGAMMA_NEAR_2, 2 * (y - 2)) + Math.log(p);
  }
  if (x === Infinity) return Infinity;
  // Stirling: (x − ½) ln x − x + ½ ln 2π + Σ B₂ₖ / (2k(2k − 1) x²ᵏ⁻¹)
  const r = 1 / x, r2 = r * r;
  let s = 0;
  for (let k = 7; k >= 0; k--) s = s * r2 + BERNOULLI[k]! / ((2 * k + 2) * (2 * k + 1));
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + s * r;
}

/** ψ(x) = d/dx log Γ(x); NaN at the poles x = 0, −1, −2, … */
export function digamma(x: number): number {
  if (x !== x) return NaN;
  if (x <= 0) {
    if (isGammaPole(x)) return NaN;
    return digamma(1 - x) - Math.PI * cotPi(x);
  }
  if (x < 1) return digamma(x + 1) - 1 / x;
  if (x <= 2) return powerSeries1(ROOT_SERIES, (x - ROOT_HI) - ROOT_LO);
  if (x < 10) {
    let y = x, s = 0;
    while (y > 2) { y -= 1; s += 1 / y; }
    return powerSeries1(ROOT_SERIES, (y - ROOT_HI) - ROOT_LO) + s;
  }
  if (x === Infinity) return Infinity;
  // ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ)
  const r2 = 1 / (x * x);
  let s = 0;
  for (let k = 7; k >= 0; k--) s = s * r2 + BERNOULLI[k]! / (2 * k + 2);
  return Math.log(x) - 0.5 / x - s * r2;
}

/**
 * ζ(s, q) = Σⱼ₌₀^∞ (q + j)^−s for an integer s ≥ 2 and q > 0, by
 * Euler–Maclaurin: the first N terms summed (smallest first), then
 * w^(1−s)/(s − 1) + w^−s/2 + Σₖ B₂ₖ/(2k)! · s(s+1)⋯(s+2k−2) · w^(−s−2k+1), w = q + N.
 */
export function hurwitzZeta(s: number, q: number): number {
  const N = Math.max(0, Math.ceil(12 + s - q)), w = q + N, iw2 = 1 / (w * w);
  const p = intPow(w, s - 1), ws1 = p < Infinity ? 1 / p : Math.pow(w, 1 - s), ws = ws1 / w; // w^(1−s), w^−s
  // the tail: its terms fall fast (w ≥ 12 + s), so they are added largest first
  let sum = ws1 / (s - 1) + ws / 2;
  let rising = s, fact = 2, pw = ws / w; // pw = w^(−s−2k+1) for k = 1
  for (let k = 1; k <= BERNOULLI.length; k++) {
    const t = BERNOULLI[k - 1]! / fact * rising * pw;
    sum += t;
    if (Math.abs(t) < 1e-18 * sum) break;
    rising *= (s + 2 * k - 1) * (s + 2 * k);
    fact *= (2 * k + 1) * (2 * k + 2);
    pw *= iw2;
  }
  for (let j = N - 1; j >= 0; j--) sum += 1 / intPow(q + j, s);
  return sum;
}

/** tⁿ for an integer n ≥ 1 by repeated squaring (a few roundings, and much cheaper than Math.pow) */
function intPow(t: number, n: number): number {
  let r = 1, b = t;
  for (let k = n; k > 0; k >>= 1) {
    if (k & 1) r *= b;
    b *= b;
  }
  return r;
}

/** n! for a small integer n */
function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/**
 * Coefficients of Pₙ, where πⁿ Pₙ(cot πx) is the n-th derivative of cot(πx):
 * d/dx cot(πx) = −π(1 + c²), so P₀ = c and Pₖ₊₁ = −(1 + c²)Pₖ′(c). Built once per n.
 */
const COT_POLYS: number[][] = [[0, 1]];
function cotPoly(n: number): readonly number[] {
  while (COT_POLYS.length <= n) {
    const p = COT_POLYS[COT_POLYS.length - 1]!, next = new Array<number>(p.length + 1).fill(0);
    for (let i = 1; i < p.length; i++) { next[i - 1]! -= i * p[i]!; next[i + 1]! -= i * p[i]!; }
    COT_POLYS.push(next);
  }
  return COT_POLYS[n]!;
}

/** π dⁿ/dxⁿ cot(πx) = πⁿ⁺¹ Pₙ(c), c = cot(πx) */
function cotPiDerivative(n: number, c: number): number {
  const p = cotPoly(n);
  let v = 0;
  for (let i = p.length - 1; i >= 0; i--) v = v * c + p[i]!;
  return Math.pow(Math.PI, n + 1) * v;
}

/**
 * ψₙ(x), the n-th derivative of ψ (n = 0 is ψ itself, n = 1 the trigamma
 * function): (−1)ⁿ⁺¹ n! ζ(n + 1, x) for x > 0; for x < 0 the reflection
 * ψₙ(x) = (−1)ⁿ ψₙ(1 − x) − π dⁿ/dxⁿ cot(πx). At a pole: +∞ for odd n, NaN for even n.
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (x !== x) return NaN;
  if (x <= 0) {
    if (isGammaPole(x)) return n % 2 === 1 ? Infinity : NaN;
    return (n % 2 === 0 ? 1 : -1) * polygamma(n, 1 - x) - cotPiDerivative(n, cotPi(x));
  }
  if (x === Infinity) return 0;
  return (n % 2 === 1 ? 1 : -1) * factorial(n) * hurwitzZeta(n + 1, x);
}

/**
 * The error function and its complement, to a few ulps: erf(x) = x·E(x²)
 * on |x| ≤ 1, and erfc(x) = e^(−x²)·G(x)/x for x ≥ 0.5, where E and G are
 * smooth and tabulated as Chebyshev series (coefficients.ts). erfc keeps
 * its relative accuracy in the tail (erfc(10) ≈ 2.088e-45) until it
 * underflows past x ≈ 26.5; erf = 1 − erfc only where erfc < 0.16.
 */
import { chebyshev } from './chebyshev.js';
import { ERFC_0_5_1, ERFC_1_2, ERFC_2_4, ERFC_4_8, ERFC_TAIL, ERF_SMALL } from './coefficients.js';

/** 2/√π */
export const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * e^(−x²) to about an ulp: x = h + l with h = fround(x) (24 bits, so h² is
 * exact), and x² = h² + l(x + h), so e^(−x²) = e^(−h²)·e^(−l(x + h)).
 */
export function expNegSquare(x: number): number {
  const h = Math.fround(x), l = x - h;
  return Math.exp(-h * h) * Math.exp(-l * (x + h));
}

/** G(x) = x·e^(x²)·erfc(x) for x ≥ 0.5 (→ 1/√π as x → ∞). */
function erfcScaled(x: number): number {
  if (x < 1) return chebyshev(ERFC_0_5_1, 4 * x - 3);
  if (x < 2) return chebyshev(ERFC_1_2, 2 * x - 3);
  if (x < 4) return chebyshev(ERFC_2_4, x - 3);
  if (x < 8) return chebyshev(ERFC_4_8, (x - 6) / 2);
  // u = 1/x ∈ (0, 1/8]: s = (2u − 1/28 − 1/8)/(1/8 − 1/28)
  return chebyshev(ERFC_TAIL, (2 / x - 9 / 56) / (5 / 56));
}

/** erfc(x) for x ≥ 0.5 (0 past 27, where e^(−x²) underflows). */
function erfcPositive(x: number): number {
  if (x >= 27) return 0;
  return expNegSquare(x) * erfcScaled(x) / x;
}

/** erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt; erf(±∞) = ±1. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return x * chebyshev(ERF_SMALL, 2 * x * x - 1);
  if (a !== a) return NaN;
  const e = a < 6 ? 1 - erfcPositive(a) : 1; // erfc(6) ≈ 2e-17 is below half an ulp of 1
  return x < 0 ? -e : e;
}

/** erfc(x) = 1 − erf(x), with relative accuracy for large x; erfc(−∞) = 2, erfc(∞) = 0. */
export function erfc(x: number): number {
  if (x >= 0.5) return erfcPositive(x);
  if (x > -0.5) return 1 - x * chebyshev(ERF_SMALL, 2 * x * x - 1);
  if (x !== x) return NaN;
  return 2 - erfcPositive(-x);
}

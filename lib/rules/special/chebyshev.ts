/** Evaluation of the series in lib/rules/special/coefficients.ts. */

/**
 * Σₖ cₖ Tₖ(s) for s ∈ [−1, 1] (c₀ not halved), by Clenshaw's recurrence
 * bₖ = 2s·bₖ₊₁ − bₖ₊₂ + cₖ, result s·b₁ − b₂ + c₀.
 */
export function chebyshev(c: readonly number[], s: number): number {
  const s2 = 2 * s;
  let b1 = 0, b2 = 0;
  for (let k = c.length - 1; k >= 1; k--) {
    const b = s2 * b1 - b2 + c[k]!;
    b2 = b1; b1 = b;
  }
  return s * b1 - b2 + c[0]!;
}

/** Σₖ cₖ zᵏ⁺¹ (the series has no constant term), by Horner's rule. */
export function powerSeries1(c: readonly number[], z: number): number {
  let s = 0;
  for (let k = c.length - 1; k >= 0; k--) s = s * z + c[k]!;
  return s * z;
}

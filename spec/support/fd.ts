/**
 * Finite differences accurate enough to check derivatives tightly: central
 * differences at steps h, h/c, h/c², … extrapolated to h → 0 by Richardson's
 * tableau (Ridders' method, Numerical Recipes §5.7). Each tableau column
 * removes one more even power of h from the error; the entry with the
 * smallest change between neighbours is kept, together with that change as
 * an error estimate. On smooth functions this typically agrees with the
 * exact derivative to 1e-11 or better, against ~1e-6 for a single central
 * difference.
 */

/** Step shrink factor between rows of the tableau. */
const SHRINK = 1.4;
/** Rows of the tableau (the smallest step is h / SHRINK^(ROWS−1) ≈ h/20). */
const ROWS = 10;

/** The derivative of each component of g at t0, and an error estimate per component. */
export function ridders(
  g: (t: number) => ArrayLike<number>, t0: number, h: number,
): { d: Float64Array; err: Float64Array } {
  const central = (step: number): Float64Array => {
    const up = g(t0 + step), down = g(t0 - step);
    return Float64Array.from(up, (u, i) => (u - down[i]!) / (2 * step));
  };
  const first = central(h);
  const m = first.length;
  const d = Float64Array.from(first);
  const err = new Float64Array(m).fill(Infinity);
  // prev[j] / cur[j]: tableau column j for the previous / current step (per component)
  let prev: Float64Array[] = [first];
  for (let row = 1; row < ROWS; row++) {
    h /= SHRINK;
    const cur: Float64Array[] = [central(h)];
    let factor = SHRINK * SHRINK;
    for (let j = 1; j <= row; j++) {
      const c = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        c[k] = (cur[j - 1]![k]! * factor - prev[j - 1]![k]!) / (factor - 1);
        const change = Math.max(Math.abs(c[k]! - cur[j - 1]![k]!), Math.abs(c[k]! - prev[j - 1]![k]!));
        if (change <= err[k]!) { err[k] = change; d[k] = c[k]!; }
      }
      cur.push(c);
      factor *= SHRINK * SHRINK;
    }
    prev = cur;
  }
  return { d, err };
}

/** d/dt g(t) at t0 for a scalar g. */
export function derivative(g: (t: number) => number, t0: number, h: number): number {
  return ridders((t) => [g(t)], t0, h).d[0]!;
}

/** ∂/∂xⱼ of every component of g at x (x unchanged). */
export function partial(
  g: (x: number[]) => ArrayLike<number>, x: readonly number[], j: number, h: number,
): Float64Array {
  return ridders((t) => {
    const y = x.slice();
    y[j] = t;
    return g(y);
  }, x[j]!, h).d;
}

/** d/dt g(x + t·dir) at t = 0 for a vector-valued g. */
export function derivAlong(
  g: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dir: ArrayLike<number>, h: number,
): Float64Array {
  return ridders((t) => g(Float64Array.from(x, (xi, i) => xi + t * dir[i]!)), 0, h).d;
}

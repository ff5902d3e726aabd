/**
 * W4: the Moré–Garbow–Hillstrom "trigonometric" function (test problem 26),
 * dense Hessian:
 *   f = Σᵢ rᵢ²,  rᵢ = n − Σⱼ cos xⱼ + i(1 − cos xᵢ) − sin xᵢ  (i = 1 … n).
 * Data: the chain data (mulberry32(1), x the first n draws of 2u − 1, v the
 * next n), unscaled: the same x as W2 and W3 at the same n. (MGH start at
 * xᵢ = 1/n; any point serves for timing, and 2u − 1 keeps every term alive.)
 */
import { add, cos, mul, sin, sub, sum, type Num } from '../../lib/index.js';
import { chainData } from './chains.js';
import type { Workload } from './types.js';

export function trigonometric(n: number): Workload {
  const { x, v } = chainData(n);
  const c = new Float64Array(n);

  /** the residuals r and, with J_ij = sin xⱼ + δᵢⱼ dᵢ, the d (0-based: i + 1 for the MGH index) */
  function residuals(x: Float64Array): { r: Float64Array; d: Float64Array; R: number } {
    let C = 0;
    for (let j = 0; j < n; j++) C += Math.cos(x[j]!);
    const r = new Float64Array(n), d = new Float64Array(n);
    let R = 0;
    for (let i = 0; i < n; i++) {
      const ci = Math.cos(x[i]!), si = Math.sin(x[i]!);
      R += (r[i] = n - C + (i + 1) * (1 - ci) - si);
      d[i] = (i + 1) * si - ci;
    }
    return { r, d, R };
  }

  return {
    name: 'W4 trigonometric', n, x, v,
    plain(x) {
      let C = 0;
      for (let j = 0; j < n; j++) C += (c[j] = Math.cos(x[j]!));
      let s = 0;
      for (let i = 0; i < n; i++) {
        const r = n - C + (i + 1) * (1 - c[i]!) - Math.sin(x[i]!);
        s += r * r;
      }
      return s;
    },
    f(x) {
      const cs = x.map((xi) => cos(xi));
      const base = sub(n, sum(cs));
      let s: Num = 0;
      for (let i = 0; i < n; i++) {
        const r = sub(add(base, mul(i + 1, sub(1, cs[i]!))), sin(x[i]!));
        s = i === 0 ? mul(r, r) : add(s, mul(r, r));
      }
      return s;
    },
    // ∇f = 2Jᵀr: ∂f/∂xⱼ = 2(R sin xⱼ + rⱼ dⱼ), R = Σ rᵢ
    grad(x) {
      const { r, d, R } = residuals(x);
      return x.map((xj, j) => 2 * (R * Math.sin(xj) + r[j]! * d[j]!));
    },
    // H = 2(JᵀJ + Σᵢ rᵢ ∇²rᵢ): (JᵀJ)_jl = n sⱼsₗ + dⱼsₗ + dₗsⱼ + δⱼₗ dⱼ²,
    // Σᵢ rᵢ ∇²rᵢ = diag(R cos xⱼ + rⱼ (j cos xⱼ + sin xⱼ))
    hessian(x) {
      const { r, d, R } = residuals(x);
      const s = x.map(Math.sin);
      return Array.from(x, (xj, j) => {
        const row = new Float64Array(n);
        for (let l = 0; l < n; l++) row[l] = 2 * (n * s[j]! * s[l]! + d[j]! * s[l]! + d[l]! * s[j]!);
        row[j] += 2 * (d[j]! * d[j]! + R * Math.cos(xj) + r[j]! * ((j + 1) * Math.cos(xj) + s[j]!));
        return row;
      });
    },
    hessianDiagonal(x) {
      return Float64Array.from(this.hessian!(x), (row, j) => row[j]!);
    },
  };
}

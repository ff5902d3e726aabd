/**
 * W2 Σ sin xᵢ and W3 the chained Rosenbrock function, at any n.
 * Data: mulberry32(1), x the first n draws of 2u − 1, v the next n.
 */
import { add, mul, sin, sub, sum, type Num } from '../../lib/index.js';
import { mulberry32, symmetric } from './random.js';
import type { Workload } from './types.js';

/** x and v for the chain workloads (W2, W3, W4). */
export function chainData(n: number): { x: Float64Array; v: Float64Array } {
  const rng = mulberry32(1);
  const x = symmetric(rng, n);
  return { x, v: symmetric(rng, n) };
}

/** W2: f = Σ sin xᵢ; ∇f = cos x, H = diag(−sin x). */
export function sines(n: number): Workload {
  const { x, v } = chainData(n);
  return {
    name: 'W2 sines', n, x, v,
    plain(x) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += Math.sin(x[i]!);
      return s;
    },
    f: (x) => sum(x.map((xi) => sin(xi))),
    grad: (x) => x.map(Math.cos),
    hvp: (x, v) => x.map((xi, i) => -Math.sin(xi) * v[i]!),
    hessianDiagonal: (x) => x.map((xi) => -Math.sin(xi)),
    hessian: (x) => Array.from(x, (xi, i) => {
      const row = new Float64Array(x.length);
      row[i] = -Math.sin(xi);
      return row;
    }),
  };
}

/**
 * W3: f = Σ_{i<n−1} 100(x_{i+1} − xᵢ²)² + (1 − xᵢ)². The Hessian is tridiagonal:
 *   H_ii = [i < n−1](1200xᵢ² − 400x_{i+1} + 2) + [i > 0]·200,  H_{i,i+1} = −400xᵢ.
 */
export function rosenbrock(n: number): Workload {
  const { x, v } = chainData(n);
  const diag = (x: Float64Array) =>
    x.map((xi, i) => (i < n - 1 ? 1200 * xi * xi - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0));
  return {
    name: 'W3 rosenbrock', n, x, v,
    plain(x) {
      let s = 0;
      for (let i = 0; i < x.length - 1; i++) {
        const xi = x[i]!, d = x[i + 1]! - xi * xi, e = 1 - xi;
        s += 100 * d * d + e * e;
      }
      return s;
    },
    f(x) {
      let s: Num = 0;
      for (let i = 0; i < x.length - 1; i++) {
        const xi = x[i]!, d = sub(x[i + 1]!, mul(xi, xi)), e = sub(1, xi);
        const term = add(mul(100, mul(d, d)), mul(e, e));
        s = i === 0 ? term : add(s, term);
      }
      return s;
    },
    // ∂f/∂xᵢ = −400xᵢ(x_{i+1} − xᵢ²) − 2(1 − xᵢ) [i < n−1] + 200(xᵢ − x_{i−1}²) [i > 0]
    grad: (x) => x.map((xi, i) =>
      (i < n - 1 ? -400 * xi * (x[i + 1]! - xi * xi) - 2 * (1 - xi) : 0) + (i > 0 ? 200 * (xi - x[i - 1]! * x[i - 1]!) : 0)),
    hvp(x, v) {
      const d = diag(x);
      return d.map((dii, i) => dii * v[i]! + (i < n - 1 ? -400 * x[i]! * v[i + 1]! : 0) + (i > 0 ? -400 * x[i - 1]! * v[i - 1]! : 0));
    },
    hessianDiagonal: diag,
    hessian(x) {
      const d = diag(x);
      return Array.from(d, (dii, i) => {
        const row = new Float64Array(n);
        row[i] = dii;
        if (i < n - 1) row[i + 1] = -400 * x[i]!;
        if (i > 0) row[i - 1] = -400 * x[i - 1]!;
        return row;
      });
    },
  };
}

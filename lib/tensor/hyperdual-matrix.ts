/**
 * Matrices over hyper-dual numbers: X̃ = X₀ + ε₁X₁ + ε₂X₂ + ε₁ε₂X₁₂ with
 * ε₁² = ε₂² = 0. Component c is indexed by a bit mask (0 the primal, 1 ε₁,
 * 2 ε₂, 3 ε₁ε₂) and is an r×c row-major array, or null for an exact zero
 * (a direction that does not reach it: skipped, never multiplied).
 *
 * A matrix function evaluated on X̃ returns its value, its derivatives along
 * two directions and the mixed second derivative along both, so one
 * hyper-dual form of each matrix rule serves every forward mode (tangent:
 * only ε₁; Taylor-2: ε₂ the same direction as ε₁; hyper-dual; Laplacian).
 * When p[2] === p[1] (one array: the two directions coincide, the order-2
 * Taylor form) every operation keeps them shared and computes them once.
 *
 * The reverse modes reuse the same arithmetic on a rule's adjoint (see
 * lib/tensor/matrix-block.ts): forward-over-reverse is the adjoint evaluated
 * on duals, and the third-order reverse is the adjoint evaluated on
 * hyper-duals with the components of the adjoints in reverse order.
 */
import { matmulAdd, type Factor } from './linalg-kernels.js';

export type Component = Float64Array | null;
export type Components = [Float64Array, Component, Component, Component];

export class HD {
  constructor(readonly r: number, readonly c: number, readonly p: Components) {}
  /** the two directions share one array (the order-2 Taylor form) */
  get taylor(): boolean { return this.p[2] === this.p[1]; }
}

/** (i, j) with i | j = c and i & j = 0: the terms of component c of a product x·y. */
export const TERMS: readonly (readonly [number, number])[][] = [
  [[0, 0]], [[1, 0], [0, 1]], [[2, 0], [0, 2]], [[3, 0], [0, 3], [1, 2], [2, 1]],
];

/** A hyper-dual scalar (1×1). */
export const scalar = (v: number, d1: number | null = null, d2: number | null = null, d12: number | null = null): HD =>
  new HD(1, 1, [Float64Array.of(v), d1 === null ? null : Float64Array.of(d1), d2 === null ? null : Float64Array.of(d2), d12 === null ? null : Float64Array.of(d12)]);

/** A constant: the primal only. */
export const constant = (r: number, c: number, v: Float64Array): HD => new HD(r, c, [v, null, null, null]);

/** Component c as a number (0 for a null component) of a 1×1 value. */
export const at = (x: HD, c: number): number => x.p[c]?.[0] ?? 0;

/**
 * z = x ⋆ y for a bilinear ⋆ (a matrix product, a scaling): component c of z
 * is Σ xᵢ ⋆ yⱼ over i | j = c, i & j = 0. `kernel(acc, xi, yj)` adds xi ⋆ yj
 * into acc (length r·c).
 */
function bilinear(x: HD, y: HD, r: number, c: number, kernel: (acc: Float64Array, xi: Float64Array, yj: Float64Array) => void): HD {
  const p: Component[] = [null, null, null, null], share = x.taylor && y.taylor;
  for (let k = 0; k < 4; k++) {
    if (k === 2 && share) { p[2] = p[1]!; continue; }
    let acc: Float64Array | null = null;
    for (const [i, j] of TERMS[k]!) {
      const xi = x.p[i], yj = y.p[j];
      if (!xi || !yj) continue;
      acc ??= new Float64Array(r * c);
      kernel(acc, xi, yj);
    }
    p[k] = acc;
  }
  return new HD(r, c, p as Components);
}

/** op(x)·op(y), op = transpose where flagged. */
export function mul(x: HD, y: HD, tx = false, ty = false): HD {
  const m = tx ? x.c : x.r, q = tx ? x.r : x.c, n = ty ? y.r : y.c;
  if ((ty ? y.c : y.r) !== q) throw new Error(`hyper-dual mul: inner dimensions ${q} and ${ty ? y.c : y.r}`);
  return bilinear(x, y, m, n, (acc, xi, yj) => matmulAdd(acc, xi, yj, m, q, n, tx, ty));
}

/** s·x for a hyper-dual scalar s. */
export function scale(s: HD, x: HD): HD {
  return bilinear(s, x, x.r, x.c, (acc, si, xj) => { const v = si[0]!; for (let e = 0; e < acc.length; e++) acc[e] += v * xj[e]!; });
}

/** x + a·y */
export function add(x: HD, y: HD, a = 1): HD {
  const p: Component[] = [null, null, null, null];
  for (let k = 0; k < 4; k++) {
    if (k === 2 && x.taylor && y.taylor) { p[2] = p[1]!; continue; }
    const xk = x.p[k], yk = y.p[k];
    if (!xk && !yk) continue;
    const z = xk ? xk.slice() : new Float64Array(x.r * x.c);
    if (yk) for (let e = 0; e < z.length; e++) z[e] += a * yk[e]!;
    p[k] = z;
  }
  return new HD(x.r, x.c, p as Components);
}

/** A linear map applied to every component: `f(src, dst)` writes the image (r2×c2) of src into a zeroed dst. */
export function linear(x: HD, r2: number, c2: number, f: (src: Float64Array, dst: Float64Array) => void): HD {
  const p: Component[] = [null, null, null, null];
  for (let k = 0; k < 4; k++) {
    if (k === 2 && x.taylor) { p[2] = p[1]!; continue; }
    const xk = x.p[k];
    if (!xk) continue;
    const z = new Float64Array(r2 * c2);
    f(xk, z);
    p[k] = z;
  }
  return new HD(r2, c2, p as Components);
}

/** −x */
export const neg = (x: HD): HD => linear(x, x.r, x.c, (s, d) => { for (let e = 0; e < s.length; e++) d[e] = -s[e]!; });

/** xᵀ */
export const transpose = (x: HD): HD =>
  linear(x, x.c, x.r, (s, d) => { for (let i = 0; i < x.r; i++) for (let j = 0; j < x.c; j++) d[j * x.r + i] = s[i * x.c + j]!; });

/** tr x, a scalar */
export const trace = (x: HD): HD =>
  linear(x, 1, 1, (s, d) => { let t = 0; for (let i = 0; i < x.r; i++) t += s[i * x.c + i]!; d[0] = t; });

/** A scalar function through the chain rule, given f(s₀), f′(s₀), f″(s₀): f(s)₁₂ = f′ s₁₂ + f″ s₁ s₂. */
export function lift(s: HD, f0: number, f1: number, f2: number): HD {
  const s1 = s.p[1], s2 = s.p[2], s3 = s.p[3];
  const y1 = s1 ? f1 * s1[0]! : null, y2 = s2 ? f1 * s2[0]! : null;
  const y3 = s3 || (s1 && s2) ? f1 * (s3 ? s3[0]! : 0) + (s1 && s2 ? f2 * s1[0]! * s2[0]! : 0) : null;
  const out = scalar(f0, y1, s.taylor ? null : y2, y3);
  if (s.taylor) out.p[2] = out.p[1];
  return out;
}

/**
 * x̃/s̃ for a hyper-dual scalar s̃, from z̃s̃ = x̃ component by component:
 * z_c = (x_c − Σ s_i z_j)/s₀ over i | j = c, i ≠ 0 (no power of s₀ beyond the first, so no spurious overflow).
 */
export function divide(x: HD, s: HD): HD {
  const s0 = s.p[0][0]!, p: Component[] = [null, null, null, null], share = x.taylor && s.taylor;
  for (let k = 0; k < 4; k++) {
    if (k === 2 && share) { p[2] = p[1]!; continue; }
    let r: Float64Array | null = x.p[k] ? x.p[k]!.slice() : null;
    for (const [i, j] of TERMS[k]!) {
      const si = s.p[i], zj = p[j];
      if (i === 0 || !si || !zj) continue;
      r ??= new Float64Array(x.r * x.c);
      for (let e = 0; e < r.length; e++) r[e] -= si[0]! * zj[e]!;
    }
    if (r) for (let e = 0; e < r.length; e++) r[e] /= s0;
    p[k] = r;
  }
  return new HD(x.r, x.c, p as Components);
}

/**
 * X̃ = op(Ã)⁻¹B̃, given a factorization F of the primal A₀ (op = transpose
 * when `trans`): from op(Ã)X̃ = B̃ component by component,
 *   X_c = op(A₀)⁻¹ (B_c − Σ op(A_i) X_j) over i | j = c, i & j = 0, i ≠ 0.
 * `x0`, when given, is the known primal X₀.
 */
export function solve(F: Factor, a: HD, b: HD, trans: boolean, x0?: Float64Array): HD {
  const n = F.n, m = b.c, p: Component[] = [null, null, null, null], share = a.taylor && b.taylor;
  if (x0) p[0] = x0;
  else { const v = b.p[0].slice(); F.solve(v, m, trans); p[0] = v; }
  for (let k = 1; k < 4; k++) {
    if (k === 2 && share) { p[2] = p[1]!; continue; }
    let r: Float64Array | null = b.p[k] ? b.p[k]!.slice() : null;
    for (const [i, j] of TERMS[k]!) {
      const ai = a.p[i], xj = p[j];
      if (i === 0 || !ai || !xj) continue;
      r ??= new Float64Array(n * m);
      matmulAdd(r, ai, xj, n, n, m, trans, false, -1);
    }
    if (r) F.solve(r, m, trans);
    p[k] = r;
  }
  return new HD(n, m, p as Components);
}

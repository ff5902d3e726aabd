/**
 * The options of the transforms' methods (`hessian`, `hessianDiagonal`,
 * `gaussNewtonDiagonal`, `laplacian`, …): their types, their defaults, and
 * one function per kind that checks what a caller passed and fills in the
 * defaults. What a call reports about itself (`DiagonalInfo`, …) is typed
 * here too.
 */
import { options } from '../check.js';
import type { Pattern } from '../sparsity/pattern.js';
import type { ParameterReport } from './structured.js';

export type { ParameterReport };

/** Lanes per sweep when none are asked for (chosen from `npm run bench`). */
export const DEFAULT_LANES = 16;

/** Options of the Hessian and Jacobian methods. */
export interface LaneOptions {
  /** directions per sweep (one-hot lanes); default {@link DEFAULT_LANES} */
  lanes?: number;
}

/** Options of the Hessian-diagonal methods. */
export interface DiagonalOptions extends LaneOptions {
  /**
   * 'auto' (default): 'hyperdual' when one sweep holds every input (n ≤
   * lanes); else 'sparse' when the detected pattern colours with at most n/4
   * colours; else 'structured' when it needs fewer than half the dense
   * lanes; else 'hyperdual' (lib/transforms/policy.ts, diagonalMethod).
   * 'hyperdual': H_jj is the second-order coefficient of a forward sweep
   * seeded with eⱼ — no reverse sweep, no adjoints, no Hessian row; n lanes.
   * 'hvp': H_jj is entry j of H·eⱼ by forward-over-reverse; n lanes.
   * 'sparse': colour the inputs so that no two of one colour interact, then
   * one compressed HVP per colour; H_jj read exactly.
   * 'structured': for each parameter (a record's tensor, or x) that enters f
   * only through maps linear in it (W·u, u + b, θ ⊙ u), ∂²f/∂θᵢ² =
   * Σ_c J_ci² (H_y)_cc over the map outputs y it touches, with (H_y)_cc
   * from lanes seeded at y (as many as y's entries that interact, e.g. a
   * layer's width); other parameters take the 'hyperdual' lanes.
   */
  method?: 'auto' | DiagonalMethod;
}

/** The methods that compute a Hessian diagonal (what 'auto' resolves to). */
export type DiagonalMethod = 'hyperdual' | 'hvp' | 'sparse' | 'structured';

/** What a Hessian-diagonal call reports about itself (non-enumerable properties of its result). */
export interface DiagonalInfo {
  /** the method that ran */
  readonly method: DiagonalMethod;
  /** sweeps over the recording (each carrying up to `lanes` directions) */
  readonly sweeps: number;
  /** directions swept: n for the dense methods, the number of colours for 'sparse', the probe lanes plus the dense entries for 'structured' */
  readonly directions: number;
  /** 'structured' only: per parameter (a record's key, or 'x'), how its entries were computed and, if densely, why */
  readonly parameters?: Readonly<Record<string, ParameterReport>>;
}

/** A sparse symmetric Hessian in CSR form (both triangles). */
export interface SparseHessian extends Pattern {
  readonly values: Float64Array;
}

/** Options of the Gauss–Newton diagonal. */
export interface GaussNewtonOptions extends LaneOptions {
  /**
   * 'auto' (default): 'structured' when it sweeps fewer lanes than 'dense'.
   * 'structured': for each parameter that enters F only through maps linear
   * in it, Σ_m (∂F_m/∂θᵢ)² = Σ_c J_ci² Σ_m G_mc² over the map outputs c,
   * with G = ∂F/∂c from adjoint lanes seeded at the outputs F_m (outputs
   * that read no common map output share a lane); other parameters dense.
   * 'dense': one-hot tangent lanes over the inputs, or adjoint lanes over
   * the outputs, whichever are fewer.
   */
  method?: 'auto' | 'structured' | 'dense';
}

/** What a Gauss–Newton diagonal reports about itself (non-enumerable properties of its result). */
export interface GaussNewtonInfo {
  readonly method: 'structured' | 'dense';
  readonly sweeps: number;
  readonly directions: number;
  /** 'structured' only: per parameter, how its entries were computed and, if densely, why */
  readonly parameters?: Readonly<Record<string, ParameterReport>>;
}

/** Options of the Laplacian. */
export interface LaplacianOptions extends LaneOptions {
  /** also return the per-coordinate terms ∂²f/∂xᵢ² (the Hessian diagonal, by `hessianDiagonal`'s 'auto') */
  terms?: boolean;
  /** 'auto' (default): colour groups when sparsity pays (see hessianDiagonal), else one lane per input; 'dense' forces the latter */
  method?: 'auto' | 'dense';
}

/** `lanes` checked, {@link DEFAULT_LANES} when absent. */
export function laneOptions(fn: string, opts: unknown): { lanes: number } {
  const o = options<LaneOptions>(fn, opts, { lanes: 'positive integer' });
  return { lanes: o.lanes ?? DEFAULT_LANES };
}

/** The diagonal's options checked, with their defaults. */
export function diagonalOptions(fn: string, opts: unknown): { lanes: number; method: 'auto' | DiagonalMethod } {
  const o = options<DiagonalOptions>(fn, opts, { method: ['auto', 'hyperdual', 'hvp', 'sparse', 'structured'], lanes: 'positive integer' });
  return { lanes: o.lanes ?? DEFAULT_LANES, method: o.method ?? 'auto' };
}

/** The Gauss–Newton diagonal's options checked, with their defaults. */
export function gaussNewtonOptions(fn: string, opts: unknown): { lanes: number; method: 'auto' | 'structured' | 'dense' } {
  const o = options<GaussNewtonOptions>(fn, opts, { method: ['auto', 'structured', 'dense'], lanes: 'positive integer' });
  return { lanes: o.lanes ?? DEFAULT_LANES, method: o.method ?? 'auto' };
}

/**
 * The Laplacian's options checked, with their defaults for n inputs: by
 * default as many lanes as inputs up to 64 (at least {@link DEFAULT_LANES}),
 * since a Laplacian lane is cheap (first order, one shared second-order sum).
 */
export function laplacianOptions(fn: string, opts: unknown, n: number): { lanes: number; terms: boolean; method: 'auto' | 'dense' } {
  const o = options<LaplacianOptions>(fn, opts, { lanes: 'positive integer', terms: 'boolean', method: ['auto', 'dense'] });
  return { lanes: o.lanes ?? Math.max(DEFAULT_LANES, Math.min(n, 64)), terms: o.terms ?? false, method: o.method ?? 'auto' };
}

/** `result` with what a call reports about itself as non-enumerable properties (those that are defined). */
export function described<R, I extends object>(result: R, info: { [K in keyof I]: I[K] | undefined }): R & I {
  for (const [k, value] of Object.entries(info)) if (value !== undefined) Object.defineProperty(result, k, { value });
  return result as R & I;
}

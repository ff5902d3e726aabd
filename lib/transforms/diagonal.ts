/**
 * The Hessian's diagonal and its sum, the trace (the Laplacian): exact, by
 * forward sweeps seeded with one-hot directions (hyper-dual lanes for
 * ∂²f/∂xⱼ², Laplacian lanes for Σⱼ ∂²f/∂xⱼ²) or by compressed HVPs over
 * the colours of a sparse Hessian; and estimated, from Rademacher probes
 * (the estimates' work on a recording is in estimators.ts). Each is one
 * recording (a {@link Prepared}) and one method call; nested inside another
 * transform, the exact ones take their jet form (lib/transforms/nested.ts).
 */
import type { Num } from '../value.js';
import { isRecordPoint, type Arg, type Point, type Shaped } from './point.js';
import { once } from './prepare.js';
import type { DiagonalInfo, DiagonalOptions, LaplacianOptions } from './method-options.js';
import type { DiagonalEstimateOptions, Estimate, TraceEstimateOptions } from './estimators.js';
import { nest, nested } from './nested.js';

/**
 * The exact Hessian diagonal (∂²f/∂xⱼ²)ⱼ, shaped like x. Default method
 * 'auto': 'sparse' (one compressed HVP per colour of the detected pattern)
 * when that takes far fewer sweeps, else 'structured' (per parameter,
 * Σ_c J_ci² (H_y)_cc from lanes seeded at its linear maps' outputs) when
 * that takes fewer than half the lanes, else 'hyperdual' (forward order-2
 * Taylor lanes seeded with eⱼ: no reverse sweep, no adjoints). 'hvp': entry
 * j of H·eⱼ by forward-over-reverse. The result's non-enumerable `method`,
 * `sweeps`, `directions` (and, for 'structured', `parameters`) say what ran
 * (see {@link DiagonalOptions}).
 */
export function hessianDiagonal<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: DiagonalOptions): Shaped<X> & DiagonalInfo {
  // a structured diagonal (asked for, or 'auto' over a record of parameters) reads parameter uses off nodes: no fusion
  const method = (opts as { method?: unknown } | undefined)?.method ?? 'auto';
  const fuse = method !== 'structured' && !(method === 'auto' && isRecordPoint(x));
  return nest('hessianDiagonal', (fn) => once(fn, f, x, (p) => p.hessianDiagonal(opts), false, fuse), (fn) => nested.hessianDiagonal(fn, f as never, x));
}

/**
 * The Laplacian Δf = tr ∇²f = Σᵢ ∂²f/∂xᵢ², exact, from forward Laplacian
 * sweeps (first-order lanes and one summed second-order value: no reverse
 * sweep, no per-lane second-order storage), over colour groups when the
 * Hessian is sparse. With `{ terms: true }`, also the terms ∂²f/∂xᵢ².
 */
export function laplacian<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: LaplacianOptions & { terms?: false }): number;
export function laplacian<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts: LaplacianOptions & { terms: true }): { laplacian: number; terms: Shaped<X> };
export function laplacian<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: LaplacianOptions): number | { laplacian: number; terms: Shaped<X> } {
  return nest('laplacian', (fn) => {
    const r = once(fn, f, x, (p) => p.laplacian(opts));
    return opts?.terms ? { laplacian: r.laplacian, terms: r.terms! } : r.laplacian;
  }, (fn) => {
    if (!opts?.terms) return nested.laplacian(fn, f as never, x);
    return { laplacian: nested.laplacian(fn, f as never, x), terms: nested.hessianDiagonal(fn, f as never, x) };
  });
}

/**
 * An estimate of tr ∇²f(x) from Rademacher probes z.
 *
 * 'hutchinson': the mean of zᵀHz over `samples` probes; unbiased, variance
 * 2 Σ_{i≠j} H_ij² / samples. standardError: the terms' sample standard
 * deviation ÷ √samples. With path 'forward' each probe is one lane of a
 * forward Taylor-2 sweep (no reverse sweep); with 'hvp', z·(Hz) by
 * forward-over-reverse.
 *
 * 'hutch++' (Meyer, Musco, Musco & Woodruff 2021), with m = samples ≥ 3 and
 * k = ⌊m/3⌋: k sketch probes S, Q = orth(H·S) (k HVPs); the exact part
 * tr(QᵀHQ) = Σ qᵀHq (≤ k quadratic forms); and Hutchinson with the remaining
 * m − 2k probes g on the deflated Hessian (I − QQᵀ)H(I − QQᵀ), i.e. the mean
 * of wᵀHw with w = g − Q(Qᵀg). Estimate: tr(QᵀHQ) + that mean; unbiased for
 * any Q. standardError: that of the residual mean (its terms' standard
 * deviation ÷ √(m − 2k)), given the sketch. Since the estimate's mean
 * given any sketch is tr H, the conditional variance averaged over sketches
 * is the total variance: the SE is honest for the whole error.
 * Exact (up to rounding) when rank H ≤ k. The quadratic forms follow
 * `path`; the sketch is HVP lanes either way. Cost: m applications of H.
 */
export function hessianTraceEstimate<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: TraceEstimateOptions): Estimate<number> {
  return nest('hessianTraceEstimate', (fn) => once(fn, f, x, (p) => p.hessianTraceEstimate(opts)));
}

/**
 * An estimate of diag ∇²f(x) (shaped like x) from Rademacher probes z, each
 * Hz by forward-over-reverse lanes.
 *
 * 'hutchinson' (Bekas, Kokiopoulou & Saad 2007): the mean of z ⊙ Hz over
 * `samples` probes. Entry i is unbiased with variance Σ_{j≠i} H_ij² / samples,
 * so it is exact for every probe when H is diagonal. standardError, per
 * entry: the terms' sample standard deviation ÷ √samples.
 *
 * 'diag++' (a low-rank correction in the manner of Baston & Nakatsukasa's
 * Diag++), with m = samples ≥ 3, k = ⌊m/3⌋, P = QQᵀ and Q = orth(H·S) from
 * k sketch probes S, splits
 *   H = (PH + HP − PHP) + (I − P)H(I − P)
 * and takes the first part's diagonal exactly from HQ (≤ k HVPs):
 *   entry i = 2 Σ_a Q_ia (HQ)_ia − Σ_{a,b} Q_ia (QᵀHQ)_ab Q_ib,
 * and the second part's by Hutchinson with the remaining m − 2k probes g:
 * the mean of g ⊙ (I − P)H(I − P)g. (Baston & Nakatsukasa deflate only on
 * the left, (I − P)H; deflating on both sides has residual rows no longer
 * than theirs, and the estimate's sum equals the 'hutch++' trace estimate
 * for the same seed and samples, up to rounding.) standardError, per entry:
 * that of the residual mean given the sketch (see hessianTraceEstimate).
 * Exact (up to rounding) when rank H ≤ k. Cost: m HVPs.
 */
export function hessianDiagonalEstimate<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: DiagonalEstimateOptions): Estimate<Shaped<X>> {
  return nest('hessianDiagonalEstimate', (fn) => once(fn, f, x, (p) => p.hessianDiagonalEstimate(opts)));
}

/**
 * Sweeps over a recorded tape. Each carries K lanes (K directions at once):
 * the local partials of a node are read once, then a tight loop runs over the
 * lanes. Lane k of node i lives at index i·K + k. Arrays are zeroed by the
 * caller where a sweep accumulates (adjoints) and seeded at the inputs
 * (tangents) or outputs (adjoints). None of them names an op.
 *
 * With (g_a, g_b, h_aa, h_ab, h_bb) the partials of y = op(a, b):
 *   tangent            ẏ  = g_a ȧ + g_b ḃ
 *   second tangent     ÿ  = g_a ä + g_b b̈ + h_aa ȧ² + 2 h_ab ȧḃ + h_bb ḃ²
 *   mixed (hyper-dual) y₁₂ = g_a a₁₂ + g_b b₁₂ + h_aa a₁a₂ + h_ab (a₁b₂ + a₂b₁) + h_bb b₁b₂
 *   adjoint            ā += g_a ȳ,  b̄ += g_b ȳ
 *   adjoint's tangent  ā̇ += g_a ẏ̄ + ȳ (h_aa ȧ + h_ab ḃ),  b̄̇ += g_b ẏ̄ + ȳ (h_ab ȧ + h_bb ḃ)
 */
import { NPAR, type Tape } from './tape.js';

/** Forward tangent sweep (forward mode, K lanes): T holds ẋ at the inputs, gets ẏ everywhere. */
export function forwardTangent(t: Tape, K: number, T: Float64Array): void {
  const { a, b, par, n } = t;
  for (let i = t.nIn + 1; i < n; i++) {
    const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
    for (let k = 0; k < K; k++) T[iy + k] = ga * T[ia + k]! + gb * T[ib + k]!;
  }
}

/**
 * Forward second-order sweep (order-2 Taylor, K lanes): with T1 = a at the
 * inputs and T2 = 0 there, T2 at node y is aᵀ∇²y a for each lane's direction a.
 * No reverse sweep and no adjoint memory.
 */
export function forwardSecond(t: Tape, K: number, T1: Float64Array, T2: Float64Array): void {
  const { a, b, par, n } = t;
  for (let i = t.nIn + 1; i < n; i++) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const x = T1[ia + k]!, y = T1[ib + k]!;
      T1[iy + k] = ga * x + gb * y;
      T2[iy + k] = ga * T2[ia + k]! + gb * T2[ib + k]! + (haa * x + hab2 * y) * x + hbb * y * y;
    }
  }
}

/** Forward hyper-dual sweep (K lanes): directions a in T1, b in T2, and T12 = aᵀ∇²y b. */
export function forwardHyper(t: Tape, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
  const { a, b, par, n } = t;
  for (let i = t.nIn + 1; i < n; i++) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const a1 = T1[ia + k]!, b1 = T1[ib + k]!, a2 = T2[ia + k]!, b2 = T2[ib + k]!;
      T1[iy + k] = ga * a1 + gb * b1;
      T2[iy + k] = ga * a2 + gb * b2;
      T12[iy + k] = ga * T12[ia + k]! + gb * T12[ib + k]! + haa * a1 * a2 + hab * (a1 * b2 + a2 * b1) + hbb * b1 * b2;
    }
  }
}

/** Reverse sweep (K adjoint lanes): A seeded at the outputs, zero elsewhere; A at the inputs is the gradient. */
export function reverse(t: Tape, K: number, A: Float64Array): void {
  const { a, b, par } = t;
  for (let i = t.n - 1; i > t.nIn; i--) {
    const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const w = A[iy + k]!;
      A[ia + k] += ga * w;
      A[ib + k] += gb * w;
    }
  }
}

/**
 * Forward-over-reverse sweep: one reverse pass computes the adjoint A
 * (shared by all lanes: the gradient) and, for each lane, the adjoint's
 * tangent AT along that lane's direction, given the forward tangents T from
 * {@link forwardTangent}. Seed A[out] = 1; A and AT zero elsewhere. At the
 * inputs, A = ∇f and AT = H·v for each lane's v.
 */
export function reverseTangent(t: Tape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
  const { a, b, par } = t;
  for (let i = t.n - 1; i > t.nIn; i--) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[i]!, bi = b[i]!, w = A[i]!;
    A[ai] += ga * w;
    A[bi] += gb * w;
    const ia = ai * K, ib = bi * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const x = T[ia + k]!, y = T[ib + k]!, wt = AT[iy + k]!;
      AT[ia + k] += ga * wt + w * (haa * x + hab * y);
      AT[ib + k] += gb * wt + w * (hab * x + hbb * y);
    }
  }
}

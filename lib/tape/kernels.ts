/**
 * The sweep kernels for runs of elementary nodes: node i (lo ≤ i < hi) has
 * arguments a[i − base], b[i − base] and partials par[5(i − base) …]. The
 * tape's scalar nodes are such a run (base 0, the tape's own arrays); an
 * elementwise tensor op is another (its own arrays, base = its first slot).
 *
 * With (g_a, g_b, h_aa, h_ab, h_bb) the partials of y = op(a, b):
 *   tangent            ẏ  = g_a ȧ + g_b ḃ
 *   second tangent     ÿ  = g_a ä + g_b b̈ + h_aa ȧ² + 2 h_ab ȧḃ + h_bb ḃ²
 *   mixed (hyper-dual) y₁₂ = g_a a₁₂ + g_b b₁₂ + h_aa a₁a₂ + h_ab (a₁b₂ + a₂b₁) + h_bb b₁b₂
 *   adjoint            ā += g_a ȳ,  b̄ += g_b ȳ
 *   adjoint's tangent  ā̇ += g_a ẏ̄ + ȳ (h_aa ȧ + h_ab ḃ),  b̄̇ += g_b ẏ̄ + ȳ (h_ab ȧ + h_bb ḃ)
 */

/** Partials stored per node. */
export const NPAR = 5;

/** One run of elementary nodes, as the kernels read it. */
export interface Run {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly par: Float64Array;
}

export function runTangent(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
    for (let k = 0; k < K; k++) T[iy + k] = ga * T[ia + k]! + gb * T[ib + k]!;
  }
}

export function runSecond(r: Run, base: number, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const x = T1[ia + k]!, y = T1[ib + k]!;
      T1[iy + k] = ga * x + gb * y;
      T2[iy + k] = ga * T2[ia + k]! + gb * T2[ib + k]! + (haa * x + hab2 * y) * x + hbb * y * y;
    }
  }
}

export function runHyper(
  r: Run, base: number, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array,
): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const a1 = T1[ia + k]!, b1 = T1[ib + k]!, a2 = T2[ia + k]!, b2 = T2[ib + k]!;
      T1[iy + k] = ga * a1 + gb * b1;
      T2[iy + k] = ga * a2 + gb * b2;
      T12[iy + k] = ga * T12[ia + k]! + gb * T12[ib + k]! + haa * a1 * a2 + hab * (a1 * b2 + a2 * b1) + hbb * b1 * b2;
    }
  }
}

/** Adjoint lanes, nodes visited from hi − 1 down to lo. */
export function runReverse(r: Run, base: number, lo: number, hi: number, K: number, A: Float64Array): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const w = A[iy + k]!;
      A[ia + k] += ga * w;
      A[ib + k] += gb * w;
    }
  }
}

/** Forward-over-reverse: the primal adjoint A (one lane) and its tangents AT (K lanes). */
export function runReverseTangent(
  r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array, A: Float64Array, AT: Float64Array,
): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[j]!, bi = b[j]!, w = A[i]!;
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

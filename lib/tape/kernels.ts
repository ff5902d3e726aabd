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
 *   summed second      L_y = g_a L_a + g_b L_b + Σ_k (h_aa ȧ_k² + 2 h_ab ȧ_k ḃ_k + h_bb ḃ_k²)
 *                       (the forward Laplacian: K first-order lanes, one second-order value)
 *   adjoint            ā += g_a ȳ,  b̄ += g_b ȳ
 *   adjoint's tangent  ā̇ += g_a ẏ̄ + ȳ (h_aa ȧ + h_ab ḃ),  b̄̇ += g_b ẏ̄ + ȳ (h_ab ȧ + h_bb ḃ)
 */
import { evalThird } from './tape.js';

/** Partials stored per node. */
export const NPAR = 5;

/** One run of elementary nodes, as the kernels read it. */
export interface Run {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly par: Float64Array;
  /** some partial is ±∞ or NaN: sweep with the careful kernels (a zero factor then contributes exactly 0) */
  readonly nonFinite?: boolean;
}

/**
 * p·q where a zero factor wins: a zero tangent or adjoint contributes nothing
 * even against an infinite partial (the direction does not move that
 * argument), so derivatives are NaN only where the math makes them so.
 */
export const mz = (p: number, q: number): number => (p === 0 || q === 0 ? 0 : p * q);

/** Are the five partials at par[q …] all finite? (A sum of finite numbers that overflows only errs on the careful side.) */
export function finitePartials(par: Float64Array, q: number): boolean {
  const s = par[q]! + par[q + 1]! + par[q + 2]! + par[q + 3]! + par[q + 4]!;
  return s - s === 0;
}

export function runTangent(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array): void {
  if (r.nonFinite) return careful.tangent(r, base, lo, hi, K, T);
  if (K === 1) return tangent1(r, base, lo, hi, T);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
    for (let k = 0; k < K; k++) T[iy + k] = ga * T[ia + k]! + gb * T[ib + k]!;
  }
}

/**
 * Order-2 Taylor lanes. Slots up to `zeroT2` (the inputs: T2 = 0 there) and
 * the slots `zero` marks (lib/tape/zeros.ts, for the tape's own nodes) have a
 * second coefficient of 0 in every lane: a node whose arguments are both such
 * slots does not read T2, and writes 0 if it is marked itself.
 */
export function runSecond(
  r: Run, base: number, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, zeroT2 = -1, zero?: Uint8Array | null,
): void {
  if (r.nonFinite) return careful.second(r, base, lo, hi, K, T1, T2);
  if (K === 1) return second1(r, base, lo, hi, T1, T2, zero);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[j]!, bi = b[j]!, ia = ai * K, ib = bi * K, iy = i * K;
    if ((ai <= zeroT2 || (zero && zero[ai] === 1)) && (bi <= zeroT2 || (zero && zero[bi] === 1))) {
      if (zero && zero[i] === 1) {
        for (let k = 0; k < K; k++) { T1[iy + k] = ga * T1[ia + k]! + gb * T1[ib + k]!; T2[iy + k] = 0; }
        continue;
      }
      for (let k = 0; k < K; k++) {
        const x = T1[ia + k]!, y = T1[ib + k]!;
        T1[iy + k] = ga * x + gb * y;
        T2[iy + k] = (haa * x + hab2 * y) * x + hbb * y * y;
      }
      continue;
    }
    if (haa === 0 && hab2 === 0 && hbb === 0) {
      // a linear node (a sum, a difference, a scaling): no quadratic term
      for (let k = 0; k < K; k++) {
        T1[iy + k] = ga * T1[ia + k]! + gb * T1[ib + k]!;
        T2[iy + k] = ga * T2[ia + k]! + gb * T2[ib + k]!;
      }
      continue;
    }
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
  if (r.nonFinite) return careful.hyper(r, base, lo, hi, K, T1, T2, T12);
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

/** Forward Laplacian: K tangent lanes in T and one summed second-order coefficient per node in L. */
export function runLaplacian(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array, L: Float64Array): void {
  if (r.nonFinite) return careful.laplacian(r, base, lo, hi, K, T, L);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[j]!, bi = b[j]!, ia = ai * K, ib = bi * K, iy = i * K;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const x = T[ia + k]!, y = T[ib + k]!;
      T[iy + k] = ga * x + gb * y;
      s += (haa * x + hab2 * y) * x + hbb * y * y;
    }
    L[i] = ga * L[ai]! + gb * L[bi]! + s;
  }
}

/** Adjoint lanes, nodes visited from hi − 1 down to lo. */
export function runReverse(r: Run, base: number, lo: number, hi: number, K: number, A: Float64Array): void {
  if (r.nonFinite) return careful.reverse(r, base, lo, hi, K, A);
  if (K === 1) return reverse1(r, base, lo, hi, A);
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
  if (r.nonFinite) return careful.reverseTangent(r, base, lo, hi, K, T, A, AT);
  if (K === 1) return reverseTangent1(r, base, lo, hi, T, A, AT);
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[j]!, bi = b[j]!, w = A[i]!;
    A[ai] += ga * w;
    A[bi] += gb * w;
    const ia = ai * K, ib = bi * K, iy = i * K;
    if (haa === 0 && hab === 0 && hbb === 0) {
      // a linear node: the adjoint's tangent flows back like the adjoint
      for (let k = 0; k < K; k++) {
        const wt = AT[iy + k]!;
        AT[ia + k] += ga * wt;
        AT[ib + k] += gb * wt;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      const x = T[ia + k]!, y = T[ib + k]!, wt = AT[iy + k]!;
      AT[ia + k] += ga * wt + w * (haa * x + hab * y);
      AT[ib + k] += gb * wt + w * (hab * x + hbb * y);
    }
  }
}

// One-lane forms of the kernels above: the same formulas without the lane loop, which costs a quarter
// to a third of a one-lane sweep. The specs run every transform with one lane and with several.

function tangent1(r: Run, base: number, lo: number, hi: number, T: Float64Array): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR;
    T[i] = par[q]! * T[a[j]!]! + par[q + 1]! * T[b[j]!]!;
  }
}

function second1(r: Run, base: number, lo: number, hi: number, T1: Float64Array, T2: Float64Array, zero?: Uint8Array | null): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const j = i - base, q = j * NPAR, ai = a[j]!, bi = b[j]!;
    const ga = par[q]!, gb = par[q + 1]!, x = T1[ai]!, y = T1[bi]!;
    T1[i] = ga * x + gb * y;
    T2[i] = zero && zero[i] === 1 ? 0
      : ga * T2[ai]! + gb * T2[bi]! + (par[q + 2]! * x + 2 * par[q + 3]! * y) * x + par[q + 4]! * y * y;
  }
}

function reverse1(r: Run, base: number, lo: number, hi: number, A: Float64Array): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR, w = A[i]!;
    A[a[j]!] += par[q]! * w;
    A[b[j]!] += par[q + 1]! * w;
  }
}

function reverseTangent1(r: Run, base: number, lo: number, hi: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR, ai = a[j]!, bi = b[j]!;
    const ga = par[q]!, gb = par[q + 1]!, hab = par[q + 3]!, w = A[i]!, wt = AT[i]!, x = T[ai]!, y = T[bi]!;
    A[ai] += ga * w;
    A[bi] += gb * w;
    AT[ai] += ga * wt + w * (par[q + 2]! * x + hab * y);
    AT[bi] += gb * wt + w * (hab * x + par[q + 4]! * y);
  }
}

/**
 * The careful kernels: the same formulas with every product by `mz`, for runs
 * where some partial is infinite or NaN (sqrt, log, … at the edge of their
 * domain). Only such runs pay for the extra comparisons.
 */
const careful = {
  tangent(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array): void {
    const { a, b, par } = r;
    for (let i = lo; i < hi; i++) {
      const j = i - base, q = j * NPAR, ga = par[q]!, gb = par[q + 1]!, ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
      for (let k = 0; k < K; k++) T[iy + k] = mz(ga, T[ia + k]!) + mz(gb, T[ib + k]!);
    }
  },
  second(r: Run, base: number, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array): void {
    const { a, b, par } = r;
    for (let i = lo; i < hi; i++) {
      const j = i - base, q = j * NPAR, ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      for (let k = 0; k < K; k++) {
        const x = T1[ia + k]!, y = T1[ib + k]!;
        T1[iy + k] = mz(ga, x) + mz(gb, y);
        T2[iy + k] = mz(ga, T2[ia + k]!) + mz(gb, T2[ib + k]!) + mz(haa, mz(x, x)) + 2 * mz(hab, mz(x, y)) + mz(hbb, mz(y, y));
      }
    }
  },
  hyper(r: Run, base: number, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
    const { a, b, par } = r;
    for (let i = lo; i < hi; i++) {
      const j = i - base, q = j * NPAR, ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      for (let k = 0; k < K; k++) {
        const a1 = T1[ia + k]!, b1 = T1[ib + k]!, a2 = T2[ia + k]!, b2 = T2[ib + k]!;
        T1[iy + k] = mz(ga, a1) + mz(gb, b1);
        T2[iy + k] = mz(ga, a2) + mz(gb, b2);
        T12[iy + k] = mz(ga, T12[ia + k]!) + mz(gb, T12[ib + k]!) + mz(haa, mz(a1, a2)) + mz(hab, mz(a1, b2) + mz(a2, b1)) + mz(hbb, mz(b1, b2));
      }
    }
  },
  laplacian(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array, L: Float64Array): void {
    const { a, b, par } = r;
    for (let i = lo; i < hi; i++) {
      const j = i - base, q = j * NPAR, ai = a[j]!, bi = b[j]!, ia = ai * K, ib = bi * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      let s = 0;
      for (let k = 0; k < K; k++) {
        const x = T[ia + k]!, y = T[ib + k]!;
        T[iy + k] = mz(ga, x) + mz(gb, y);
        s += mz(haa, mz(x, x)) + 2 * mz(hab, mz(x, y)) + mz(hbb, mz(y, y));
      }
      L[i] = mz(ga, L[ai]!) + mz(gb, L[bi]!) + s;
    }
  },
  reverse(r: Run, base: number, lo: number, hi: number, K: number, A: Float64Array): void {
    const { a, b, par } = r;
    for (let i = hi - 1; i >= lo; i--) {
      const j = i - base, q = j * NPAR, ga = par[q]!, gb = par[q + 1]!, ia = a[j]! * K, ib = b[j]! * K, iy = i * K;
      for (let k = 0; k < K; k++) {
        const w = A[iy + k]!;
        A[ia + k] += mz(ga, w);
        A[ib + k] += mz(gb, w);
      }
    }
  },
  reverseTangent(r: Run, base: number, lo: number, hi: number, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
    const { a, b, par } = r;
    for (let i = hi - 1; i >= lo; i--) {
      const j = i - base, q = j * NPAR, ai = a[j]!, bi = b[j]!, w = A[i]!;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      A[ai] += mz(ga, w);
      A[bi] += mz(gb, w);
      const ia = ai * K, ib = bi * K, iy = i * K;
      for (let k = 0; k < K; k++) {
        const x = T[ia + k]!, y = T[ib + k]!, wt = AT[iy + k]!;
        AT[ia + k] += mz(ga, wt) + mz(w, mz(haa, x) + mz(hab, y));
        AT[ib + k] += mz(gb, wt) + mz(w, mz(hab, x) + mz(hbb, y));
      }
    }
  },
};

/** The four hyper-dual components of every slot: value (the tape's val), ε₁, ε₂, ε₁ε₂. */
export interface HyperLanes { readonly T1: Float64Array; readonly T2: Float64Array; readonly T12: Float64Array }
/** Their adjoints. */
export interface HyperAdjoints { readonly A0: Float64Array; readonly A1: Float64Array; readonly A2: Float64Array; readonly A12: Float64Array }

const T4 = new Float64Array(4);

/**
 * Reverse sweep of a hyper-dual forward sweep (third order, one lane): with
 * A12 seeded 1 at the output, A0 at the inputs is ∇ₓ(aᵀ∇²f b), A1 = H·b and
 * A2 = H·a. For y = op(a, b) (ε₁ε₂ part y₁₂ = g_a a₁₂ + g_b b₁₂ + h_aa a₁a₂ +
 * h_ab(a₁b₂ + a₂b₁) + h_bb b₁b₂, and likewise y₁, y₂), each component's
 * adjoint flows to the components it was built from; the primal adjoint also
 * collects the derivatives of the partials themselves, which bring in the
 * third partials (∂h_aa/∂a = t_aaa, …), recomputed from the rule table.
 */
export function runReverseHyper(
  r: Run, base: number, lo: number, hi: number, val: Float64Array,
  node: (j: number) => { code: number; p: number }, H: HyperLanes, Adj: HyperAdjoints,
): void {
  const { a, b, par } = r, { T1, T2, T12 } = H, { A0, A1, A2, A12 } = Adj;
  for (let i = hi - 1; i >= lo; i--) {
    const j = i - base, q = j * NPAR, ai = a[j]!, bi = b[j]!;
    const w0 = A0[i]!, w1 = A1[i]!, w2 = A2[i]!, w12 = A12[i]!;
    if (w0 === 0 && w1 === 0 && w2 === 0 && w12 === 0) continue;
    const { code, p } = node(j);
    if (code < 0) continue; // a constant
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const a1 = T1[ai]!, a2 = T2[ai]!, a12 = T12[ai]!, b1 = T1[bi]!, b2 = T2[bi]!, b12 = T12[bi]!;
    evalThird(code, val[ai]!, val[bi]!, p, T4);
    const taaa = T4[0]!, taab = T4[1]!, tabb = T4[2]!, tbbb = T4[3]!;
    // (every product by mz: this sweep is not the hot path, and it recomputes partials that may be infinite)
    const cross = mz(a1, b2) + mz(a2, b1), a12p = mz(a1, a2), b12p = mz(b1, b2);
    A12[ai] += mz(ga, w12); A12[bi] += mz(gb, w12);
    A1[ai] += mz(ga, w1) + mz(w12, mz(haa, a2) + mz(hab, b2)); A1[bi] += mz(gb, w1) + mz(w12, mz(hab, a2) + mz(hbb, b2));
    A2[ai] += mz(ga, w2) + mz(w12, mz(haa, a1) + mz(hab, b1)); A2[bi] += mz(gb, w2) + mz(w12, mz(hab, a1) + mz(hbb, b1));
    A0[ai] += mz(ga, w0) + mz(w1, mz(haa, a1) + mz(hab, b1)) + mz(w2, mz(haa, a2) + mz(hab, b2))
      + mz(w12, mz(haa, a12) + mz(hab, b12) + mz(taaa, a12p) + mz(taab, cross) + mz(tabb, b12p));
    A0[bi] += mz(gb, w0) + mz(w1, mz(hab, a1) + mz(hbb, b1)) + mz(w2, mz(hab, a2) + mz(hbb, b2))
      + mz(w12, mz(hab, a12) + mz(hbb, b12) + mz(taab, a12p) + mz(tabb, cross) + mz(tbbb, b12p));
  }
}

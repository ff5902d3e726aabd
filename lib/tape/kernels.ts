/**
 * The sweep kernels for runs of elementary nodes: node i (lo ≤ i < hi) has
 * arguments a[i], b[i] and partials par[5i …] — the tape's scalar nodes, the
 * nodes of its elementwise blocks (the same arrays), or a compacted recording's.
 *
 * Each kernel is a formula of lib/tape/formulas.ts written out by hand (a
 * loop that read the table would cost several times more per node), in up
 * to three forms: K lanes, one lane, and careful (partials with ±∞ or NaN;
 * see careful.ts). spec/formulas.spec.ts checks each form against the table.
 * The third-order reverse (runReverseHyper) is the one kernel the table does
 * not hold; its formula is written where it is.
 */
import { NPAR, evalThird, type HyperAdjoints, type HyperLanes, type Run } from './node.js';
import { GA, GB, HAA, HAB, HBB, TAAA, TAAB, TABB, TBBB, liveBits } from './structure.js';

/**
 * What the careful kernels read besides the partials (set by lib/tape/careful.ts
 * for the sweep in progress): each slot's structure bits (lib/tape/structure.ts:
 * which partials are not identically zero) and, per slot and lane, whether a
 * lane array's entry is live — 1 where the slot depends on the seeds through
 * partials that are not identically zero, 0 where its entry is a structural
 * zero. A product with a structural zero is 0, even against ±∞ or NaN; every
 * other product is IEEE arithmetic, so a computed 0 (a derivative that is 0
 * at this point) times ±∞ is NaN.
 */
export const live: {
  pat: Uint16Array; t1: Uint8Array; t2: Uint8Array; t12: Uint8Array; a: Uint8Array; at: Uint8Array;
} = {
  pat: new Uint16Array(0),
  /** the tangent lanes (T, T1) */
  t1: new Uint8Array(0),
  /** the second coefficient (T2 of a Taylor-2 sweep) or the second direction's lanes (T2 of a hyper-dual sweep) */
  t2: new Uint8Array(0),
  /** the mixed coefficient T12, or the Laplacian's one summed value per slot */
  t12: new Uint8Array(0),
  /** the adjoint lanes (A; one lane in forward-over-reverse) */
  a: new Uint8Array(0),
  /** the adjoint's tangent lanes (AT) */
  at: new Uint8Array(0),
};

export function runTangent(r: Run, lo: number, hi: number, K: number, T: Float64Array): void {
  if (r.nonFinite) return careful.tangent(r, lo, hi, K, T);
  if (K === 1) return tangent1(r, lo, hi, T);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
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
  r: Run, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, zeroT2 = -1, zero?: Uint8Array | null,
): void {
  if (r.nonFinite) return careful.second(r, lo, hi, K, T1, T2);
  if (K === 1) return second1(r, lo, hi, T1, T2, zero);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[i]!, bi = b[i]!, ia = ai * K, ib = bi * K, iy = i * K;
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
  r: Run, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array,
): void {
  if (r.nonFinite) return careful.hyper(r, lo, hi, K, T1, T2, T12);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
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

/** Forward Laplacian: K tangent lanes in T and one summed second-order coefficient per node in L. */
export function runLaplacian(r: Run, lo: number, hi: number, K: number, T: Float64Array, L: Float64Array): void {
  if (r.nonFinite) return careful.laplacian(r, lo, hi, K, T, L);
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab2 = 2 * par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[i]!, bi = b[i]!, ia = ai * K, ib = bi * K, iy = i * K;
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
export function runReverse(r: Run, lo: number, hi: number, K: number, A: Float64Array): void {
  if (r.nonFinite) return careful.reverse(r, lo, hi, K, A);
  if (K === 1) return reverse1(r, lo, hi, A);
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!;
    const ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
    for (let k = 0; k < K; k++) {
      const w = A[iy + k]!;
      A[ia + k] += ga * w;
      A[ib + k] += gb * w;
    }
  }
}

/** Forward-over-reverse: the primal adjoint A (one lane) and its tangents AT (K lanes). */
export function runReverseTangent(
  r: Run, lo: number, hi: number, K: number, T: Float64Array, A: Float64Array, AT: Float64Array,
): void {
  if (r.nonFinite) return careful.reverseTangent(r, lo, hi, K, T, A, AT);
  if (K === 1) return reverseTangent1(r, lo, hi, T, A, AT);
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const q = i * NPAR;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const ai = a[i]!, bi = b[i]!, w = A[i]!;
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

function tangent1(r: Run, lo: number, hi: number, T: Float64Array): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const q = i * NPAR;
    T[i] = par[q]! * T[a[i]!]! + par[q + 1]! * T[b[i]!]!;
  }
}

function second1(r: Run, lo: number, hi: number, T1: Float64Array, T2: Float64Array, zero?: Uint8Array | null): void {
  const { a, b, par } = r;
  for (let i = lo; i < hi; i++) {
    const q = i * NPAR, ai = a[i]!, bi = b[i]!;
    const ga = par[q]!, gb = par[q + 1]!, x = T1[ai]!, y = T1[bi]!;
    T1[i] = ga * x + gb * y;
    T2[i] = zero && zero[i] === 1 ? 0
      : ga * T2[ai]! + gb * T2[bi]! + (par[q + 2]! * x + 2 * par[q + 3]! * y) * x + par[q + 4]! * y * y;
  }
}

function reverse1(r: Run, lo: number, hi: number, A: Float64Array): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const q = i * NPAR, w = A[i]!;
    A[a[i]!] += par[q]! * w;
    A[b[i]!] += par[q + 1]! * w;
  }
}

function reverseTangent1(r: Run, lo: number, hi: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
  const { a, b, par } = r;
  for (let i = hi - 1; i >= lo; i--) {
    const q = i * NPAR, ai = a[i]!, bi = b[i]!;
    const ga = par[q]!, gb = par[q + 1]!, hab = par[q + 3]!, w = A[i]!, wt = AT[i]!, x = T[ai]!, y = T[bi]!;
    A[ai] += ga * w;
    A[bi] += gb * w;
    AT[ai] += ga * wt + w * (par[q + 2]! * x + hab * y);
    AT[bi] += gb * wt + w * (hab * x + par[q + 4]! * y);
  }
}

/**
 * The careful kernels: the same formulas, for recordings where some partial
 * is ±∞ or NaN (sqrt, log, … at the edge of their domain). A product is
 * taken as 0 when one factor is a structural zero (`live` says which), and
 * in IEEE arithmetic otherwise. Only such recordings pay for the look-ups.
 */
const careful = {
  tangent(r: Run, lo: number, hi: number, K: number, T: Float64Array): void {
    const { a, b, par } = r, { pat, t1: L } = live;
    for (let i = lo; i < hi; i++) {
      const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!, ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB;
      for (let k = 0; k < K; k++) T[iy + k] = (la && L[ia + k] ? ga * T[ia + k]! : 0) + (lb && L[ib + k] ? gb * T[ib + k]! : 0);
    }
  },
  second(r: Run, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array): void {
    const { a, b, par } = r, { pat, t1: L1, t2: L2 } = live;
    for (let i = lo; i < hi; i++) {
      const q = i * NPAR, ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB;
      for (let k = 0; k < K; k++) {
        const x = T1[ia + k]!, y = T1[ib + k]!, xl = L1[ia + k]!, yl = L1[ib + k]!;
        T1[iy + k] = (la && xl ? ga * x : 0) + (lb && yl ? gb * y : 0);
        T2[iy + k] = (la && L2[ia + k] ? ga * T2[ia + k]! : 0) + (lb && L2[ib + k] ? gb * T2[ib + k]! : 0)
          + (laa && xl ? haa * x * x : 0) + (lab && xl && yl ? 2 * hab * x * y : 0) + (lbb && yl ? hbb * y * y : 0);
      }
    }
  },
  hyper(r: Run, lo: number, hi: number, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
    const { a, b, par } = r, { pat, t1: L1, t2: L2, t12: L12 } = live;
    for (let i = lo; i < hi; i++) {
      const q = i * NPAR, ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB;
      for (let k = 0; k < K; k++) {
        const a1 = T1[ia + k]!, b1 = T1[ib + k]!, a2 = T2[ia + k]!, b2 = T2[ib + k]!;
        const a1l = L1[ia + k]!, b1l = L1[ib + k]!, a2l = L2[ia + k]!, b2l = L2[ib + k]!;
        T1[iy + k] = (la && a1l ? ga * a1 : 0) + (lb && b1l ? gb * b1 : 0);
        T2[iy + k] = (la && a2l ? ga * a2 : 0) + (lb && b2l ? gb * b2 : 0);
        const c1 = a1l && b2l, c2 = a2l && b1l;
        T12[iy + k] = (la && L12[ia + k] ? ga * T12[ia + k]! : 0) + (lb && L12[ib + k] ? gb * T12[ib + k]! : 0)
          + (laa && a1l && a2l ? haa * a1 * a2 : 0)
          + (lab && (c1 || c2) ? hab * ((c1 ? a1 * b2 : 0) + (c2 ? a2 * b1 : 0)) : 0)
          + (lbb && b1l && b2l ? hbb * b1 * b2 : 0);
      }
    }
  },
  laplacian(r: Run, lo: number, hi: number, K: number, T: Float64Array, L: Float64Array): void {
    const { a, b, par } = r, { pat, t1: LT, t12: LL } = live;
    for (let i = lo; i < hi; i++) {
      const q = i * NPAR, ai = a[i]!, bi = b[i]!, ia = ai * K, ib = bi * K, iy = i * K;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const x = T[ia + k]!, y = T[ib + k]!, xl = LT[ia + k]!, yl = LT[ib + k]!;
        T[iy + k] = (la && xl ? ga * x : 0) + (lb && yl ? gb * y : 0);
        sum += (laa && xl ? haa * x * x : 0) + (lab && xl && yl ? 2 * hab * x * y : 0) + (lbb && yl ? hbb * y * y : 0);
      }
      L[i] = (la && LL[ai] ? ga * L[ai]! : 0) + (lb && LL[bi] ? gb * L[bi]! : 0) + sum;
    }
  },
  reverse(r: Run, lo: number, hi: number, K: number, A: Float64Array): void {
    const { a, b, par } = r, { pat, a: LA } = live;
    for (let i = hi - 1; i >= lo; i--) {
      const q = i * NPAR, ga = par[q]!, gb = par[q + 1]!, ia = a[i]! * K, ib = b[i]! * K, iy = i * K;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB;
      for (let k = 0; k < K; k++) {
        if (!LA[iy + k]) continue;
        const w = A[iy + k]!;
        if (la) A[ia + k] += ga * w;
        if (lb) A[ib + k] += gb * w;
      }
    }
  },
  reverseTangent(r: Run, lo: number, hi: number, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
    const { a, b, par } = r, { pat, t1: LT, a: LA, at: LAT } = live;
    for (let i = hi - 1; i >= lo; i--) {
      const q = i * NPAR, ai = a[i]!, bi = b[i]!, w = A[i]!, wl = LA[i]!;
      const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
      const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB;
      if (wl) {
        if (la) A[ai] += ga * w;
        if (lb) A[bi] += gb * w;
      }
      const ia = ai * K, ib = bi * K, iy = i * K;
      for (let k = 0; k < K; k++) {
        const x = T[ia + k]!, y = T[ib + k]!, xl = LT[ia + k]!, yl = LT[ib + k]!, wt = AT[iy + k]!, wtl = LAT[iy + k]!;
        // ā̇ += g_a ẏ̄ + ȳ (h_aa ȧ + h_ab ḃ): ȳ multiplies only the live terms of the bracket
        const pa = laa && xl, pab = lab && yl, qa = lab && xl, qb = lbb && yl;
        AT[ia + k] += (la && wtl ? ga * wt : 0) + (wl && (pa || pab) ? w * ((pa ? haa * x : 0) + (pab ? hab * y : 0)) : 0);
        AT[ib + k] += (lb && wtl ? gb * wt : 0) + (wl && (qa || qb) ? w * ((qa ? hab * x : 0) + (qb ? hbb * y : 0)) : 0);
      }
    }
  },
};


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
  r: Run, lo: number, hi: number, val: Float64Array,
  node: (i: number) => { code: number; p: number }, H: HyperLanes, Adj: HyperAdjoints,
): void {
  const { a, b, par } = r, { T1, T2, T12 } = H, { A0, A1, A2, A12 } = Adj;
  const { pat, t1: L1, t2: L2, t12: L12 } = live, { r0: R0, r1: R1, r2: R2, r12: R12 } = hyperAdjointLive;
  // each bracket sums its live terms only (v, with l = 1 once one is live): a structural zero contributes 0 even against ±∞
  let v = 0, l = 0;
  const add = (live_: unknown, x: number) => { if (live_) { v += x; l = 1; } };
  const bracket = (): number => { const r_ = l ? v : 0; v = 0; return r_; };
  for (let i = hi - 1; i >= lo; i--) {
    const q = i * NPAR, ai = a[i]!, bi = b[i]!;
    const l0 = R0[i]!, l1 = R1[i]!, l2 = R2[i]!, l12 = R12[i]!;
    if (!(l0 || l1 || l2 || l12)) continue;
    const { code, p } = node(i);
    if (code < 0) continue; // a constant
    const s = liveBits(pat[i]!, par, q), la = s & GA, lb = s & GB, laa = s & HAA, lab = s & HAB, lbb = s & HBB;
    const ltaaa = s & TAAA, ltaab = s & TAAB, ltabb = s & TABB, ltbbb = s & TBBB;
    const w0 = A0[i]!, w1 = A1[i]!, w2 = A2[i]!, w12 = A12[i]!;
    const ga = par[q]!, gb = par[q + 1]!, haa = par[q + 2]!, hab = par[q + 3]!, hbb = par[q + 4]!;
    const a1 = T1[ai]!, a2 = T2[ai]!, a12 = T12[ai]!, b1 = T1[bi]!, b2 = T2[bi]!, b12 = T12[bi]!;
    const a1l = L1[ai]!, a2l = L2[ai]!, a12l = L12[ai]!, b1l = L1[bi]!, b2l = L2[bi]!, b12l = L12[bi]!;
    evalThird(code, val[ai]!, val[bi]!, p, T4);
    const taaa = T4[0]!, taab = T4[1]!, tabb = T4[2]!, tbbb = T4[3]!;
    // ε₁ε₂ component: A12[a] += g_a w12
    if (l12 && la) { A12[ai] += ga * w12; R12[ai] = 1; }
    if (l12 && lb) { A12[bi] += gb * w12; R12[bi] = 1; }
    // ε₁ components: A1[a] += g_a w1 + w12 (h_aa a₂ + h_ab b₂)
    for (let side = 0; side < 2; side++) {
      const g = side ? gb : ga, lg = side ? lb : la, hx = side ? hab : haa, lhx = side ? lab : laa, hy = side ? hbb : hab, lhy = side ? lbb : lab;
      const slot = side ? bi : ai;
      // A1
      l = 0; add(lhx && a2l, hx * a2); add(lhy && b2l, hy * b2);
      let live1 = l, inner = bracket(), d = 0, any = false;
      if (l1 && lg) { d += g * w1; any = true; }
      if (l12 && live1) { d += w12 * inner; any = true; }
      if (any) { A1[slot] += d; R1[slot] = 1; }
      // A2
      l = 0; add(lhx && a1l, hx * a1); add(lhy && b1l, hy * b1);
      live1 = l; inner = bracket(); d = 0; any = false;
      if (l2 && lg) { d += g * w2; any = true; }
      if (l12 && live1) { d += w12 * inner; any = true; }
      if (any) { A2[slot] += d; R2[slot] = 1; }
      // A0: g w0 + w1 (h a₁ + h b₁) + w2 (h a₂ + h b₂) + w12 (h a₁₂ + h b₁₂ + t a₁a₂ + t' (a₁b₂ + a₂b₁) + t'' b₁b₂)
      d = 0; any = false;
      if (l0 && lg) { d += g * w0; any = true; }
      l = 0; add(lhx && a1l, hx * a1); add(lhy && b1l, hy * b1);
      if (l1 && l) { d += w1 * bracket(); any = true; } else bracket();
      l = 0; add(lhx && a2l, hx * a2); add(lhy && b2l, hy * b2);
      if (l2 && l) { d += w2 * bracket(); any = true; } else bracket();
      const t0 = side ? taab : taaa, lt0 = side ? ltaab : ltaaa, t1 = side ? tabb : taab, lt1 = side ? ltabb : ltaab;
      const t2 = side ? tbbb : tabb, lt2 = side ? ltbbb : ltabb;
      l = 0;
      add(lhx && a12l, hx * a12); add(lhy && b12l, hy * b12);
      add(lt0 && a1l && a2l, t0 * a1 * a2);
      add(lt1 && a1l && b2l, t1 * a1 * b2); add(lt1 && a2l && b1l, t1 * a2 * b1);
      add(lt2 && b1l && b2l, t2 * b1 * b2);
      if (l12 && l) { d += w12 * bracket(); any = true; } else bracket();
      if (any) { A0[slot] += d; R0[slot] = 1; }
    }
  }
}

/** Liveness of the four adjoint components of a third-order sweep (one lane; filled as the sweep goes). */
export const hyperAdjointLive: { r0: Uint8Array; r1: Uint8Array; r2: Uint8Array; r12: Uint8Array } = { r0: new Uint8Array(0), r1: new Uint8Array(0), r2: new Uint8Array(0), r12: new Uint8Array(0) };

/**
 * Preaccumulation: a compact copy of a recording for repeated sweeps. A node
 * whose value feeds exactly one other node is folded into that consumer by
 * the chain rule on their stored partials, as long as the consumer still
 * has at most two arguments: for y = F(u₁, u₂) and uₖ = G(v),
 *   ∂y/∂v = Σₖ Fₖ ∂uₖ/∂v,
 *   ∂²y/∂v∂w = Σₖₗ Fₖₗ ∂uₖ/∂v ∂uₗ/∂w + Σₖ Fₖ ∂²uₖ/∂v∂w.
 * Exact (it is the chain rule applied once instead of in every sweep), and
 * it never looks at an op: only at partials. A Rosenbrock term of nine
 * nodes becomes one node of (xᵢ, xᵢ₊₁). Constants drop out (zero tangent).
 *
 * Only tapes of scalar nodes are compacted (block nodes keep their slots);
 * the copy is rebuilt from the recording's partials after every replay.
 */
import { CONST, NPAR, type Tape } from './tape.js';
import { finitePartials } from './kernels.js';
import type { Block } from './block.js';

/** What the sweeps read of a recording. */
export interface SweepTape {
  readonly n: number;
  readonly nIn: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly par: Float64Array;
  readonly blocks: readonly Block[];
  /** some partial is not finite: sweep with the careful kernels */
  readonly nonFinite?: boolean;
  /** changes when the partials change in place (a replayed recording); a compacted copy is rebuilt instead */
  readonly version?: number;
}

/** A compacted recording and where its outputs went. */
export interface Fused {
  readonly tape: SweepTape;
  readonly outputs: Int32Array;
}

/**
 * The compacted copy of t (outputs pinned), or null when t holds block
 * nodes or nothing folds.
 */
export function fuse(t: Tape, outputs: Int32Array): Fused | null {
  if (t.blocks.length) return null;
  const { n, nIn, op, a, b, par } = t;
  const uses = new Int32Array(n), pinned = new Uint8Array(n);
  for (const o of outputs) pinned[o] = 1;
  const live = (u: number) => u !== 0 && op[u] !== CONST;
  for (let i = nIn + 1; i < n; i++) {
    if (op[i]! < 0) continue;
    if (live(a[i]!)) uses[a[i]!]++;
    if (live(b[i]!)) uses[b[i]!]++;
  }
  // each computed node's expression in terms of at most two kept arguments
  const E0 = new Int32Array(n), E1 = new Int32Array(n), EP = new Float64Array(n * NPAR);
  const gone = new Uint8Array(n);
  const U = [0, 0], F = new Float64Array(NPAR), V = [0, 0], g = [0, 0], h = [0, 0, 0];
  let folded = 0;
  for (let i = nIn + 1; i < n; i++) {
    if (op[i]! < 0) continue;
    U[0] = live(a[i]!) ? a[i]! : 0; U[1] = live(b[i]!) ? b[i]! : 0;
    for (let k = 0; k < NPAR; k++) F[k] = par[i * NPAR + k]!;
    if (U[0] === U[1] && U[0] !== 0) {
      // y = F(u, u): one argument, g = F_a + F_b, h = F_aa + 2F_ab + F_bb
      F[0] = F[0]! + F[1]!; F[2] = F[2]! + 2 * F[3]! + F[4]!; F[1] = F[3] = F[4] = 0;
      U[1] = 0;
      uses[U[0]!]--;
    } else if (U[0] === 0 && U[1] !== 0) {
      // only the second argument is traced: make it the first
      U[0] = U[1]!; U[1] = 0;
      F[0] = F[1]!; F[2] = F[4]!; F[1] = F[3] = F[4] = 0;
    } else if (U[1] === 0) {
      F[1] = F[3] = F[4] = 0; // no traced second argument (unary, or a constant): its partials never matter
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (let k = 0; k < 2 && !changed; k++) {
        const u = U[k]!;
        if (u <= nIn || uses[u] !== 1 || pinned[u] || gone[u]) continue;
        // the arguments after substituting u's expression: the other of U, and E(u)'s
        let nv = 0;
        V[0] = V[1] = 0;
        for (let c = 0; c < 3 && nv <= 2; c++) {
          const v = c === 0 ? U[1 - k]! : c === 1 ? E0[u]! : E1[u]!;
          if (v === 0 || (nv > 0 && V[0] === v) || (nv > 1 && V[1] === v)) continue;
          if (nv === 2) nv = 3;
          else V[nv++] = v;
        }
        if (nv > 2) continue;
        // a reference of u's merged with one y already had: one use fewer
        if (U[1 - k] !== 0 && (E0[u] === U[1 - k] || E1[u] === U[1 - k])) uses[U[1 - k]!]--;
        compose(U, F, k, E0[u]!, E1[u]!, EP, u * NPAR, V, g, h);
        U[0] = V[0]!; U[1] = V[1]!;
        F[0] = g[0]!; F[1] = g[1]!; F[2] = h[0]!; F[3] = h[1]!; F[4] = h[2]!;
        gone[u] = 1;
        folded++;
        changed = true;
      }
    }
    E0[i] = U[0]!; E1[i] = U[1]!;
    EP.set(F, i * NPAR);
  }
  if (folded === 0) return null;
  // renumber: inputs keep 1 … nIn, kept computed nodes follow in order; constants and folded nodes vanish
  const slot = new Int32Array(n);
  for (let j = 1; j <= nIn; j++) slot[j] = j;
  let m = nIn + 1;
  for (let i = nIn + 1; i < n; i++) if (op[i]! >= 0 && !gone[i]) slot[i] = m++;
  const A = new Int32Array(m), B = new Int32Array(m), PAR = new Float64Array(m * NPAR);
  for (let i = nIn + 1; i < n; i++) {
    if (op[i]! < 0 || gone[i]) continue;
    const s = slot[i]!;
    A[s] = slot[E0[i]!]!; B[s] = slot[E1[i]!]!;
    PAR.set(EP.subarray(i * NPAR, i * NPAR + NPAR), s * NPAR);
  }
  let nonFinite = false;
  for (let i = nIn + 1; i < m && !nonFinite; i++) nonFinite = !finitePartials(PAR, i * NPAR);
  return { tape: { n: m, nIn, a: A, b: B, par: PAR, blocks: [], nonFinite }, outputs: Int32Array.from(outputs, (o) => slot[o]!) };
}

/**
 * Substitutes argument k of y (args U, partials F) by the expression of u
 * (args e0, e1; partials EP[q …]); the new arguments are V. Writes y's new
 * gradient g (over V) and Hessian h = (h₀₀, h₀₁, h₁₁).
 */
function compose(
  U: number[], F: Float64Array, k: number, e0: number, e1: number, EP: Float64Array, q: number,
  V: number[], g: number[], h: number[],
): void {
  const pos = (x: number) => (x === 0 ? -1 : x === V[0] ? 0 : 1);
  // J[i][v] = ∂(y's argument i)/∂V[v]; only the substituted argument k has second derivatives (S)
  let j00 = 0, j01 = 0, j10 = 0, j11 = 0;
  const other = U[1 - k]!;
  if (other !== 0) {
    if (pos(other) === 0) { if (k === 0) j10 = 1; else j00 = 1; } else { if (k === 0) j11 = 1; else j01 = 1; }
  }
  const p0 = pos(e0), p1 = pos(e1);
  const G0 = EP[q]!, G1 = EP[q + 1]!, G00 = EP[q + 2]!, G01 = EP[q + 3]!, G11 = EP[q + 4]!;
  let s0 = 0, s1 = 0, S00 = 0, S01 = 0, S11 = 0; // ∂u/∂V and ∂²u/∂V²
  const addH = (x: number, y: number, v: number) => {
    if (x < 0 || y < 0) return;
    if (x !== y) S01 += v; else if (x === 0) S00 += v; else S11 += v;
  };
  if (p0 === 0) s0 += G0; else if (p0 === 1) s1 += G0;
  if (p1 === 0) s0 += G1; else if (p1 === 1) s1 += G1;
  // (the structural zeros of u's own partials are already zeros in G)
  addH(p0, p0, G00); addH(p1, p1, G11);
  // the mixed partial: both orders fold onto the diagonal when e0 and e1 land on one position
  if (p0 >= 0 && p1 >= 0) { if (p0 === p1) addH(p0, p0, 2 * G01); else S01 += G01; }
  if (k === 0) { j00 = s0; j01 = s1; } else { j10 = s0; j11 = s1; }
  const F0 = F[0]!, F1 = F[1]!, F00 = F[2]!, F01 = F[3]!, F11 = F[4]!, Fk = k === 0 ? F0 : F1;
  // structural zeros stay zero: a partial that is ±∞ times a factor that is exactly 0 contributes 0,
  // as in the sweeps over the recording, where that product never forms
  const m = (p: number, q: number) => (p === 0 || q === 0 ? 0 : p * q);
  g[0] = m(F0, j00) + m(F1, j10);
  g[1] = m(F0, j01) + m(F1, j11);
  // h_vw = Σ_ij F_ij J_iv J_jw + F_k S_vw
  h[0] = m(F00, m(j00, j00)) + 2 * m(F01, m(j00, j10)) + m(F11, m(j10, j10)) + m(Fk, S00);
  h[1] = m(F00, m(j00, j01)) + m(F01, m(j00, j11) + m(j10, j01)) + m(F11, m(j10, j11)) + m(Fk, S01);
  h[2] = m(F00, m(j01, j01)) + 2 * m(F01, m(j01, j11)) + m(F11, m(j11, j11)) + m(Fk, S11);
}

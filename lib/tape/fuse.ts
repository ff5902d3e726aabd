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
import type { Block } from './block.js';

/** What the sweeps read of a recording. */
export interface SweepTape {
  readonly n: number;
  readonly nIn: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly par: Float64Array;
  readonly blocks: readonly Block[];
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
        for (const v of [U[1 - k]!, E0[u]!, E1[u]!]) {
          if (v === 0 || (nv > 0 && V[0] === v) || (nv > 1 && V[1] === v)) continue;
          if (nv === 2) { nv = 3; break; }
          V[nv++] = v;
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
  return { tape: { n: m, nIn, a: A, b: B, par: PAR, blocks: [] }, outputs: Int32Array.from(outputs, (o) => slot[o]!) };
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
  // J[i][v], H[i][vw]: derivatives of y's two arguments with respect to V
  const J = [[0, 0], [0, 0]], H = [[0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 2; i++) {
    if (i === k) {
      const pos = (x: number) => (x === 0 ? -1 : V.indexOf(x));
      const p0 = pos(e0), p1 = pos(e1), G = [EP[q]!, EP[q + 1]!], GH = [EP[q + 2]!, EP[q + 3]!, EP[q + 4]!];
      // u = G(e0, e1): map its gradient and Hessian onto V's positions
      if (p0 >= 0) J[i]![p0] += G[0]!;
      if (p1 >= 0) J[i]![p1] += G[1]!;
      const put = (x: number, y: number, v: number) => {
        if (x < 0 || y < 0) return;
        if (x === y) H[i]![x === 0 ? 0 : 2] += v; else H[i]![1] += v;
      };
      put(p0, p0, GH[0]!); put(p0, p1, GH[1]!); put(p1, p0, GH[1]!); put(p1, p1, GH[2]!);
      // the off-diagonal was added twice (once per order): keep one, H stores ∂²/∂v₀∂v₁ once
      if (p0 >= 0 && p1 >= 0 && p0 !== p1) H[i]![1] -= GH[1]!;
    } else if (U[i] !== 0) {
      J[i]![V.indexOf(U[i]!)] = 1;
    }
  }
  const Fg = [F[0]!, F[1]!], Fh = [[F[2]!, F[3]!], [F[3]!, F[4]!]];
  for (let v = 0; v < 2; v++) g[v] = Fg[0]! * J[0]![v]! + Fg[1]! * J[1]![v]!;
  const hv = (v: number, w: number, idx: number) => {
    let s = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) s += Fh[i]![j]! * J[i]![v]! * J[j]![w]!;
      s += Fg[i]! * H[i]![idx]!;
    }
    return s;
  };
  h[0] = hv(0, 0, 0); h[1] = hv(0, 1, 1); h[2] = hv(1, 1, 2);
}

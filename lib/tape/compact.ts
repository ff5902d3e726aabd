/**
 * Compaction: a smaller recording with the same derivatives, for repeated
 * sweeps (the literature calls it preaccumulation). A node
 * whose value feeds exactly one other node is folded into that consumer by
 * the chain rule on their stored partials, as long as the consumer still
 * has at most two arguments: for y = F(u₁, u₂) and uₖ = G(v),
 *   ∂y/∂v = Σₖ Fₖ ∂uₖ/∂v,
 *   ∂²y/∂v∂w = Σₖₗ Fₖₗ ∂uₖ/∂v ∂uₗ/∂w + Σₖ Fₖ ∂²uₖ/∂v∂w.
 * Exact (it is the chain rule applied once instead of in every sweep), and
 * it never looks at an op: only at partials. A Rosenbrock term of nine
 * nodes becomes one node of (xᵢ, xᵢ₊₁). Constants drop out (zero tangent).
 *
 * Only recordings of elementary nodes are compacted: scalar nodes and blocks
 * made of them (`nodesOnly`); other blocks keep their slots.
 *
 * Which node folds into which depends on the recording's structure alone
 * (argument slots and use counts), never on the numbers, so it is worked out
 * once, as a *plan*: for each computed node, how its arguments are normalised
 * and which nodes fold into it, in what order, with where each argument lands.
 * Running the plan over the recording's partials fills the compacted recording's
 * partials in one allocation-free pass; after a replay (`Prepared#at`) only
 * that pass runs again, on the same arrays.
 */
import type { Tape } from './tape.js';
import { CONST, NPAR } from './node.js';
import type { SweepTape } from './block.js';
import { nodesOnly } from './block.js';
import { GA, GB, HAA, HAB, HBB, nodePattern } from './structure.js';

/** A compacted recording, where its outputs went, and the plan that refills its partials. */
export interface Compacted {
  readonly tape: CompactedTape;
  readonly outputs: Int32Array;
  /** the plan (see {@link refresh}) */
  readonly plan: Plan;
}

/** The compacted recording: a SweepTape whose partials are refilled in place by {@link refresh}. */
export interface CompactedTape extends SweepTape {
  nonFinite: boolean;
  version: number;
  /** each kept node's structure bits: which folded partials are not identically zero (worked out when first needed: a non-finite partial) */
  pat?: Uint16Array;
}

/**
 * The structural part of a compaction. `prog` holds, for each computed node
 * i of the recording in order: i, where its partials go (its slot in the compacted
 * recording if kept, −1 if it folds into its consumer), how its arguments are
 * normalised (NORM_*), the number of folds, then per fold the folded node u,
 * which argument k it replaces, and where (0, 1, or −1: absent) the other
 * argument and u's two arguments land among the new arguments.
 */
export interface Plan {
  readonly prog: Int32Array;
  /** scratch: the folded nodes' partials, by recording slot */
  readonly scratch: Float64Array;
  /** the recording's nodes' structure bits (lib/tape/structure.ts), worked out with `folded` */
  readonly bits: Uint16Array;
  /** the recording's structure, read for `bits` (its op codes and constants do not change at a replay) */
  readonly src: Pick<Tape, 'op' | 'prm' | 'a' | 'b' | 'val' | 'nIn'>;
  /** a folded node's structure bits after folding, by recording slot (with the compacted recording's `pat`, worked out when first needed) */
  folded: Uint16Array | null;
}

/** How an entry's arguments are normalised: two, one used twice, only the second traced (swapped), one. */
export const NORM_TWO = 0, NORM_SAME = 1, NORM_SWAP = 2, NORM_ONE = 3;

/** The plan word after the entry at prog[pc …] (four words, then five per fold). */
export const entryEnd = (prog: Int32Array, pc: number): number => pc + 4 + 5 * prog[pc + 3]!;

/**
 * The compaction of t (outputs pinned), or null when t holds blocks
 * other than runs of elementary nodes, or nothing folds.
 */
export function compact(t: Tape, outputs: Int32Array): Compacted | null {
  if (!nodesOnly(t)) return null;
  const { n, nIn, op, a, b } = t;
  const uses = new Int32Array(n), pinned = new Uint8Array(n);
  for (let k = 0; k < outputs.length; k++) pinned[outputs[k]!] = 1;
  for (let i = nIn + 1; i < n; i++) {
    if (op[i]! < 0) continue;
    const ai = a[i]!, bi = b[i]!;
    if (ai !== 0 && op[ai] !== CONST) uses[ai]++;
    if (bi !== 0 && op[bi] !== CONST) uses[bi]++;
  }
  // each computed node's expression in terms of at most two kept arguments (E0, E1), and the plan
  const E0 = new Int32Array(n), E1 = new Int32Array(n), gone = new Uint8Array(n);
  let prog: Int32Array = new Int32Array(8 * (n - nIn) + 16), pc = 0, folded = 0;
  for (let i = nIn + 1; i < n; i++) {
    if (op[i]! < 0) continue;
    let u0 = a[i]!, u1 = b[i]!;
    if (u0 !== 0 && op[u0] === CONST) u0 = 0;
    if (u1 !== 0 && op[u1] === CONST) u1 = 0;
    let norm = NORM_TWO;
    if (u0 === u1 && u0 !== 0) { norm = NORM_SAME; u1 = 0; uses[u0]--; }
    else if (u0 === 0 && u1 !== 0) { norm = NORM_SWAP; u0 = u1; u1 = 0; }
    else if (u1 === 0) norm = NORM_ONE;
    if (pc + 4 > prog.length) prog = grown(prog);
    const head = pc;
    prog[pc++] = i; prog[pc++] = -1; prog[pc++] = norm; prog[pc++] = 0;
    for (let changed = true; changed; ) {
      changed = false;
      for (let k = 0; k < 2 && !changed; k++) {
        const u = k === 0 ? u0 : u1, other = k === 0 ? u1 : u0;
        if (u <= nIn || uses[u] !== 1 || pinned[u] || gone[u]) continue;
        // the arguments after substituting u's expression: the other argument, then E(u)'s, at most two
        const e0 = E0[u]!, e1 = E1[u]!;
        let v0 = 0, v1 = 0, nv = 0;
        for (let c = 0; c < 3 && nv <= 2; c++) {
          const v = c === 0 ? other : c === 1 ? e0 : e1;
          if (v === 0 || (nv > 0 && v0 === v) || (nv > 1 && v1 === v)) continue;
          if (nv === 2) nv = 3;
          else if (nv === 0) { v0 = v; nv = 1; } else { v1 = v; nv = 2; }
        }
        if (nv > 2) continue;
        // a reference of u's merged with one y already had: one use fewer
        if (other !== 0 && (e0 === other || e1 === other)) uses[other]--;
        // where each lands among the new arguments: 0 (v0), 1 (v1), −1 (absent)
        if (pc + 5 > prog.length) prog = grown(prog);
        prog[pc++] = u; prog[pc++] = k;
        prog[pc++] = other === 0 ? -1 : other === v0 ? 0 : 1;
        prog[pc++] = e0 === 0 ? -1 : e0 === v0 ? 0 : 1;
        prog[pc++] = e1 === 0 ? -1 : e1 === v0 ? 0 : 1;
        prog[head + 3]!++;
        u0 = v0; u1 = v1;
        gone[u] = 1;
        folded++;
        changed = true;
      }
    }
    E0[i] = u0; E1[i] = u1;
  }
  if (folded === 0) return null;
  // renumber: inputs keep 1 … nIn, kept computed nodes follow in order; constants and folded nodes vanish
  const slot = new Int32Array(n);
  for (let j = 1; j <= nIn; j++) slot[j] = j;
  let m = nIn + 1;
  for (let i = nIn + 1; i < n; i++) if (op[i]! >= 0 && !gone[i]) slot[i] = m++;
  const A = new Int32Array(m), B = new Int32Array(m);
  for (let q = 0; q < pc; ) {
    const i = prog[q]!;
    if (!gone[i]) { const s = slot[i]!; prog[q + 1] = s; A[s] = slot[E0[i]!]!; B[s] = slot[E1[i]!]!; }
    q = entryEnd(prog, q);
  }
  const plan: Plan = {
    prog: prog.slice(0, pc), scratch: new Float64Array(n * NPAR), bits: new Uint16Array(n), folded: null,
    src: { op: t.op, prm: t.prm, a: t.a, b: t.b, val: t.val, nIn },
  };
  const tape: CompactedTape = { n: m, nIn, a: A, b: B, par: new Float64Array(m * NPAR), blocks: [], nonFinite: false, version: 0 };
  const f = { tape, outputs: Int32Array.from(outputs, (o) => slot[o]!), plan };
  refresh(f, t.par);
  return f;
}

/** The folded structure bits (they depend on the plan alone), worked out once, when a non-finite partial first needs them. */
function foldedBits(f: Compacted): Uint16Array {
  const { plan, tape } = f;
  if (plan.folded) return plan.folded;
  const folded = new Uint16Array(plan.bits.length), pat = new Uint16Array(tape.n), { prog, bits } = plan;
  const { op, prm, a, b, val, nIn } = plan.src;
  for (let i = nIn + 1; i < bits.length; i++) {
    const ai = a[i]!, bi = b[i]!;
    bits[i] = nodePattern(op[i]!, prm[i]!, op[ai] === CONST, op[bi] === CONST, val[ai]!, val[bi]!);
  }
  plan.folded = folded;
  for (let q = 0; q < prog.length; q = entryEnd(prog, q)) {
    const dest = prog[q + 1]!, z = foldCareful(plan, q, plan.scratch, false);
    if (dest < 0) folded[prog[q]!] = z; else pat[dest] = z;
  }
  tape.pat = pat;
  return folded;
}

function grown(p: Int32Array): Int32Array {
  const q = new Int32Array(p.length * 2);
  q.set(p);
  return q;
}

/**
 * Runs the plan over the recording's partials `par`: fills the compacted recording's
 * partials in place, bumps its version (caches derived from the partials,
 * such as the zero mask, check it) and recomputes its non-finite flag.
 * For y = F(u₁, u₂) with argument k replaced by u = G(v, w), over the new
 * arguments V: ∂y/∂V = Σᵢ Fᵢ Jᵢ, ∂²y/∂V² = Σᵢⱼ Fᵢⱼ Jᵢ Jⱼ + F_k ∂²u/∂V², with J
 * the Jacobian of (u₁, u₂) in V (the kept argument's row a unit vector).
 * These are the sweeps' own formulas (lib/tape/formulas.ts) with the columns
 * of J as directions: g_v is the tangent formula along column v, h_vw the
 * hyper-dual one along columns v and w, whose second coefficient of u is
 * ∂²u/∂v∂w (0 for the kept argument). They are written out below, once for
 * the plain fold and once for the careful one, as the kernels are.
 */
export function refresh(f: Compacted, par: Float64Array): void {
  finishRefresh(f, refreshRange(f, par, 0, f.plan.prog.length));
}

/** After a refresh: the compacted recording's non-finite flag, and a new version (caches derived from the partials check it). */
export function finishRefresh(f: Compacted, nonFinite: boolean): void {
  f.tape.nonFinite = nonFinite;
  f.tape.version++;
}

/**
 * Runs the plan's entries at prog[lo … hi) (whole node entries) over the
 * recording's partials; returns true if a kept node's partials are not all
 * finite. (The generated refresh, lib/tape/codegen/refresh.ts, runs loops of
 * entries the same way, term for term.)
 */
export function refreshRange(f: Compacted, par: Float64Array, lo: number, hi: number): boolean {
  const { prog, scratch: EP } = f.plan, PAR = f.tape.par as Float64Array;
  let nonFinite = false;
  for (let pc = lo; pc < hi; ) {
    const start = pc, i = prog[pc]!, dest = prog[pc + 1]!, norm = prog[pc + 2]!, nf = prog[pc + 3]!;
    pc += 4;
    const q = i * NPAR;
    let F0 = par[q]!, F1 = par[q + 1]!, F00 = par[q + 2]!, F01 = par[q + 3]!, F11 = par[q + 4]!;
    if (norm === NORM_SAME) {
      // y = F(u, u): one argument, g = F_a + F_b, h = F_aa + 2F_ab + F_bb
      F0 = F0 + F1; F00 = F00 + 2 * F01 + F11; F1 = F01 = F11 = 0;
    } else if (norm === NORM_SWAP) {
      // only the second argument is traced: make it the first
      F0 = F1; F00 = F11; F1 = F01 = F11 = 0;
    } else if (norm === NORM_ONE) {
      F1 = F01 = F11 = 0; // no traced second argument: its partials never matter
    }
    for (let r = 0; r < nf; r++, pc += 5) {
      const u = prog[pc]!, k = prog[pc + 1]!, po = prog[pc + 2]!, p0 = prog[pc + 3]!, p1 = prog[pc + 4]!, e = u * NPAR;
      const G0 = EP[e]!, G1 = EP[e + 1]!, G00 = EP[e + 2]!, G01 = EP[e + 3]!, G11 = EP[e + 4]!;
      // ∂u/∂V (s) and ∂²u/∂V² (S); the structural zeros of u's own partials are already zeros in G
      let s0 = 0, s1 = 0, S00 = 0, S01 = 0, S11 = 0;
      if (p0 === 0) s0 += G0; else if (p0 === 1) s1 += G0;
      if (p1 === 0) s0 += G1; else if (p1 === 1) s1 += G1;
      if (p0 === 0) S00 += G00; else if (p0 === 1) S11 += G00;
      if (p1 === 0) S00 += G11; else if (p1 === 1) S11 += G11;
      // the mixed partial: both orders fold onto the diagonal when u's two arguments land on one position
      if (p0 >= 0 && p1 >= 0) {
        if (p0 !== p1) S01 += G01; else if (p0 === 0) S00 += 2 * G01; else S11 += 2 * G01;
      }
      // J[i][v] = ∂(y's argument i)/∂V[v]: row k is ∂u/∂V, the other row a unit vector (or zero)
      let j00 = 0, j01 = 0, j10 = 0, j11 = 0;
      if (k === 0) { j00 = s0; j01 = s1; if (po === 0) j10 = 1; else if (po === 1) j11 = 1; }
      else { j10 = s0; j11 = s1; if (po === 0) j00 = 1; else if (po === 1) j01 = 1; }
      const Fk = k === 0 ? F0 : F1;
      const g0 = F0 * j00 + F1 * j10, g1 = F0 * j01 + F1 * j11;
      const h00 = F00 * j00 * j00 + 2 * F01 * j00 * j10 + F11 * j10 * j10 + Fk * S00;
      const h01 = F00 * j00 * j01 + F01 * (j00 * j11 + j10 * j01) + F11 * j10 * j11 + Fk * S01;
      const h11 = F00 * j01 * j01 + 2 * F01 * j01 * j11 + F11 * j11 * j11 + Fk * S11;
      F0 = g0; F1 = g1; F00 = h00; F01 = h01; F11 = h11;
    }
    const sum = F0 + F1 + F00 + F01 + F11;
    if (sum - sum !== 0) {
      if (refreshCareful(f, start, par)) nonFinite = true;
      continue;
    }
    const w = dest < 0 ? EP : PAR, o = dest < 0 ? q : dest * NPAR;
    w[o] = F0; w[o + 1] = F1; w[o + 2] = F00; w[o + 3] = F01; w[o + 4] = F11;
  }
  return nonFinite;
}

/**
 * The entry at prog[pc …] again, where its fold gave a partial that is ±∞
 * or NaN: folded with a product with a structural zero taken as 0 (as the
 * careful sweeps do), written to its place; true if it is a kept node.
 */
export function refreshCareful(f: Compacted, pc: number, par: Float64Array): boolean {
  const { prog, scratch: EP } = f.plan, PAR = f.tape.par as Float64Array, dest = prog[pc + 1]!;
  foldedBits(f);
  foldCareful(f.plan, pc, par, true);
  const w = dest < 0 ? EP : PAR, o = dest < 0 ? prog[pc]! * NPAR : dest * NPAR;
  w[o] = C[0]!; w[o + 1] = C[1]!; w[o + 2] = C[2]!; w[o + 3] = C[3]!; w[o + 4] = C[4]!;
  return dest >= 0;
}

/** the careful fold's partials */
const C = new Float64Array(NPAR);

/**
 * One node of the plan at prog[pc …], folded with every value paired with
 * its structure bit: a product is formed only when both factors are live (not
 * identically zero), so a structural zero stays 0 against ±∞ or NaN while a
 * computed 0·∞ is NaN, as in the careful sweeps over the recording. Writes
 * the partials to C and returns their structure bits (GA … HBB).
 */
function foldCareful(plan: Plan, pc: number, par: Float64Array, values: boolean): number {
  const { prog, scratch: EP, bits } = plan, folded = plan.folded!, i = prog[pc]!, norm = prog[pc + 2]!, nf = prog[pc + 3]!, q = i * NPAR, s = bits[i]!;
  let F0 = par[q]!, F1 = par[q + 1]!, F00 = par[q + 2]!, F01 = par[q + 3]!, F11 = par[q + 4]!;
  // a partial is live if not identically zero, or (with `values`) if not 0 here: a NaN where the rule gives no derivative
  const v = (x: number) => values && x !== 0;
  let l0 = (s & GA) !== 0 || v(F0), l1 = (s & GB) !== 0 || v(F1), l00 = (s & HAA) !== 0 || v(F00), l01 = (s & HAB) !== 0 || v(F01), l11 = (s & HBB) !== 0 || v(F11);
  const sum = (a: number, al: boolean, b: number, bl: boolean) => (al ? a : 0) + (bl ? b : 0);
  if (norm === NORM_SAME) {
    F0 = sum(F0, l0, F1, l1); F00 = sum(F00, l00, 2 * F01, l01) + (l11 ? F11 : 0);
    l0 = l0 || l1; l00 = l00 || l01 || l11; F1 = F01 = F11 = 0; l1 = l01 = l11 = false;
  } else if (norm === NORM_SWAP) {
    F0 = F1; F00 = F11; l0 = l1; l00 = l11; F1 = F01 = F11 = 0; l1 = l01 = l11 = false;
  } else if (norm === NORM_ONE) {
    F1 = F01 = F11 = 0; l1 = l01 = l11 = false;
  }
  pc += 4;
  for (let r = 0; r < nf; r++, pc += 5) {
    const u = prog[pc]!, k = prog[pc + 1]!, po = prog[pc + 2]!, p0 = prog[pc + 3]!, p1 = prog[pc + 4]!, e = u * NPAR, gs = folded[u]!;
    const G = [EP[e]!, EP[e + 1]!, EP[e + 2]!, EP[e + 3]!, EP[e + 4]!];
    const GL = [(gs & GA) !== 0 || v(G[0]!), (gs & GB) !== 0 || v(G[1]!), (gs & HAA) !== 0 || v(G[2]!), (gs & HAB) !== 0 || v(G[3]!), (gs & HBB) !== 0 || v(G[4]!)];
    // ∂u/∂V (s) and ∂²u/∂V² (S), each with its liveness
    const sv = [0, 0], sl = [false, false], Sv = [0, 0, 0], Sl = [false, false, false]; // S00, S01, S11
    const put = (vals: number[], ls: boolean[], at: number, x: number, xl: boolean) => { if (xl) { vals[at] += x; ls[at] = true; } };
    if (p0 >= 0) put(sv, sl, p0, G[0]!, GL[0]!);
    if (p1 >= 0) put(sv, sl, p1, G[1]!, GL[1]!);
    if (p0 >= 0) put(Sv, Sl, p0 === 0 ? 0 : 2, G[2]!, GL[2]!);
    if (p1 >= 0) put(Sv, Sl, p1 === 0 ? 0 : 2, G[4]!, GL[4]!);
    if (p0 >= 0 && p1 >= 0) {
      if (p0 !== p1) put(Sv, Sl, 1, G[3]!, GL[3]!); else put(Sv, Sl, p0 === 0 ? 0 : 2, 2 * G[3]!, GL[3]!);
    }
    // J: row k is ∂u/∂V, the other row a unit vector (or absent)
    const J = [0, 0, 0, 0], JL = [false, false, false, false]; // j00, j01, j10, j11
    const row = k === 0 ? 0 : 2, unit = k === 0 ? 2 : 0;
    J[row] = sv[0]!; JL[row] = sl[0]!; J[row + 1] = sv[1]!; JL[row + 1] = sl[1]!;
    if (po >= 0) { J[unit + po] = 1; JL[unit + po] = true; }
    const Fk = k === 0 ? F0 : F1, Fkl = k === 0 ? l0 : l1;
    // Σ over live products: m(x, xl, y, yl, …) forms a product only of live factors
    let acc = 0, accl = false;
    const m = (x: number, xl: boolean, ...ys: (number | boolean)[]) => {
      let v = x, l = xl;
      for (let t = 0; t < ys.length; t += 2) { v *= ys[t] as number; l = l && (ys[t + 1] as boolean); }
      if (l) { acc += v; accl = true; }
    };
    const take = (): [number, boolean] => { const r_: [number, boolean] = [accl ? acc : 0, accl]; acc = 0; accl = false; return r_; };
    const [j00, j01, j10, j11] = J, [j00l, j01l, j10l, j11l] = JL;
    m(F0, l0, j00!, j00l!); m(F1, l1, j10!, j10l!); const [g0, g0l] = take();
    m(F0, l0, j01!, j01l!); m(F1, l1, j11!, j11l!); const [g1, g1l] = take();
    m(F00, l00, j00!, j00l!, j00!, j00l!); m(2 * F01, l01, j00!, j00l!, j10!, j10l!); m(F11, l11, j10!, j10l!, j10!, j10l!); m(Fk, Fkl, Sv[0]!, Sl[0]!);
    const [h00, h00l] = take();
    m(F00, l00, j00!, j00l!, j01!, j01l!); m(F01, l01, j00!, j00l!, j11!, j11l!); m(F01, l01, j10!, j10l!, j01!, j01l!);
    m(F11, l11, j10!, j10l!, j11!, j11l!); m(Fk, Fkl, Sv[1]!, Sl[1]!);
    const [h01, h01l] = take();
    m(F00, l00, j01!, j01l!, j01!, j01l!); m(2 * F01, l01, j01!, j01l!, j11!, j11l!); m(F11, l11, j11!, j11l!, j11!, j11l!); m(Fk, Fkl, Sv[2]!, Sl[2]!);
    const [h11, h11l] = take();
    F0 = g0; F1 = g1; F00 = h00; F01 = h01; F11 = h11;
    l0 = g0l; l1 = g1l; l00 = h00l; l01 = h01l; l11 = h11l;
  }
  C[0] = F0; C[1] = F1; C[2] = F00; C[3] = F01; C[4] = F11;
  return (l0 ? GA : 0) | (l1 ? GB : 0) | (l00 ? HAA : 0) | (l01 ? HAB : 0) | (l11 ? HBB : 0);
}

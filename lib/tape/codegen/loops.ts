/**
 * Finding loops in a recording: runs of R repetitions of a p-node pattern
 * whose argument slots are affine in the repetition r (node lo + r·p + o has
 * arguments a0[o] + r·da[o] and b0[o] + r·db[o]), and, for each argument,
 * where its value lives (see {@link Operand}). What lib/tape/codegen.ts
 * generates code for.
 */
import type { SweepTape } from '../block.js';

/** Longest pattern looked for. */
const MAX_PERIOD = 32;

/** Where a loop node's argument lives. */
export type Operand =
  | { kind: 'zero' } // slot 0, the zero node: contributes nothing
  | { kind: 'fixed'; slot: number } // the same slot in every repetition
  | { kind: 'local'; o: number } // node o of this repetition (o smaller than the reader's offset)
  | { kind: 'carried'; o: number } // node o of the previous repetition (before the loop: slot lo − p + o)
  | { kind: 'strided'; slot: number; d: number }; // slot + r·d

/** R repetitions of p nodes from node lo on; ops[o] = [first argument, second argument] of offset o. */
export interface Loop {
  readonly lo: number; readonly p: number; readonly R: number; readonly ops: readonly (readonly [Operand, Operand])[];
  /** inputs are slots 1 … nIn */
  readonly nIn: number;
  /** read[o]: some node reads offset o of some repetition from memory (not from a loop variable) */
  readonly read: boolean[];
}
/** Nodes [lo, hi) left to the interpreted kernels. */
export interface Gap { readonly lo: number; readonly hi: number }
export type Segment = Loop | Gap;
export const isLoop = (s: Segment): s is Loop => 'p' in s;

function classify(x0: number, d: number, lo: number, p: number, o: number): Operand {
  if (d === 0) return x0 === 0 ? { kind: 'zero' } : { kind: 'fixed', slot: x0 };
  if (d === p) {
    const rel = x0 - lo; // the argument's offset in this repetition (negative: the previous one)
    if (rel >= 0 && rel < o) return { kind: 'local', o: rel };
    if (rel < 0 && rel >= -p) return { kind: 'carried', o: rel + p };
  }
  return { kind: 'strided', slot: x0, d };
}

/**
 * Splits the computed nodes of t into loops (at least `minReps` repetitions)
 * and gaps. Greedy from the first node: at each node, the period whose loop
 * covers the most nodes; no loop starts here → the node joins a gap.
 */
export function findSegments(t: SweepTape, minReps: number): Segment[] {
  const { a, b, n } = t, segs: Segment[] = [];
  const da = new Int32Array(MAX_PERIOD), db = new Int32Array(MAX_PERIOD);
  let gapLo = t.nIn + 1, s = gapLo;
  while (s < n) {
    let bestP = 0, bestR = 0;
    for (let p = 1; p <= MAX_PERIOD && s + minReps * p <= n; p++) {
      // a multiple of a period that already repeats covers no more (cheap to skip; only a heuristic)
      if (bestP && bestR > 2 && p % bestP === 0) continue;
      for (let o = 0; o < p; o++) { da[o] = a[s + p + o]! - a[s + o]!; db[o] = b[s + p + o]! - b[s + o]!; }
      // repetition R matches when every node's arguments continue the deltas of repetitions 0 and 1
      let R = 2, iR = s + 2 * p;
      for (; iR + p <= n; R++, iR += p) {
        let o = 0;
        while (o < p && a[iR + o] === a[s + o]! + R * da[o]! && b[iR + o] === b[s + o]! + R * db[o]!) o++;
        if (o < p) break;
      }
      if (R >= minReps && R * p > bestR * bestP) { bestP = p; bestR = R; }
      if (s + bestP * bestR + bestP > n) break; // it reaches the end: nothing covers more
    }
    if (bestP === 0) { s++; continue; }
    if (s > gapLo) segs.push({ lo: gapLo, hi: s });
    const p = bestP, ops: [Operand, Operand][] = [];
    for (let o = 0; o < p; o++) {
      const i0 = s + o, i1 = i0 + p;
      ops.push([classify(a[i0]!, a[i1]! - a[i0]!, s, p, o), classify(b[i0]!, b[i1]! - b[i0]!, s, p, o)]);
    }
    segs.push({ lo: s, p, R: bestR, ops, nIn: t.nIn, read: [] });
    s += p * bestR;
    gapLo = s;
  }
  if (n > gapLo) segs.push({ lo: gapLo, hi: n });
  markReads(t, segs);
  return segs;
}

/** Fills each loop's `read`: which offsets are read from memory (by a gap, a fixed or strided operand, or a loop's first repetition). */
function markReads(t: SweepTape, segs: Segment[]): void {
  const mark = new Uint8Array(t.n);
  for (const g of segs) {
    if (!isLoop(g)) {
      for (let i = g.lo; i < g.hi; i++) { mark[t.a[i]!] = 1; mark[t.b[i]!] = 1; }
      continue;
    }
    for (const pair of g.ops) {
      for (const op of pair) {
        if (op.kind === 'fixed') mark[op.slot] = 1;
        else if (op.kind === 'strided') for (let r = 0; r < g.R; r++) mark[op.slot + r * op.d] = 1;
        else if (op.kind === 'carried') mark[g.lo - g.p + op.o] = 1;
      }
    }
  }
  for (const g of segs) {
    if (!isLoop(g)) continue;
    for (let o = 0; o < g.p; o++) {
      let m = false;
      for (let r = 0; r < g.R && !m; r++) m = mark[g.lo + r * g.p + o] === 1;
      g.read[o] = m;
    }
  }
}

/** Does the operand read an input slot in every repetition? */
export function readsInput(L: Loop, op: Operand): boolean {
  if (op.kind === 'fixed') return op.slot >= 1 && op.slot <= L.nIn;
  if (op.kind !== 'strided') return false;
  const first = op.slot, last = op.slot + (L.R - 1) * op.d;
  return Math.min(first, last) >= 1 && Math.max(first, last) <= L.nIn;
}

/** offsets that some node reads as a local / carried operand */
export function targets(L: Loop, kind: 'local' | 'carried'): number[] {
  const s = new Set<number>();
  for (const pair of L.ops) for (const op of pair) if (op.kind === kind) s.add(op.o);
  return [...s].sort((x, y) => x - y);
}

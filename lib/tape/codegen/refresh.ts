/**
 * Generated refresh: after a move (`Prepared#at`) the compacted recording's
 * partials are refilled by running the compaction plan (lib/tape/compact.ts
 * `refreshRange`). Interpreted, every folded node costs a dozen branches on
 * the plan's words (which argument it replaces, where each argument lands).
 * Over a loop of the recording (lib/tape/codegen/loops.ts) the plan repeats:
 * every repetition has the same entries, its node and slot numbers shifted by
 * a fixed stride. Such a loop becomes one generated function with those
 * words as constants, so only the arithmetic is left; it is refreshRange's,
 * term for term (the same products and sums in the same order, the same
 * careful fold where a partial is not finite). Entries outside such loops
 * are refreshed by the interpreter.
 */
import { NORM_ONE, NORM_SAME, NORM_SWAP, entryEnd, refreshCareful, refreshRange, type Compacted } from '../compact.js';
import { NPAR } from '../node.js';
import { isLoop, type Segment } from './loops.js';
import { compileShared } from './compile.js';

/** One loop's refresh: returns true if a kept node's partials are not all finite. */
type RefreshFn = (par: Float64Array, EP: Float64Array, PAR: Float64Array, careful: (pc: number) => boolean) => boolean;

/** A compaction's refresh plan: loops to run generated, and plan ranges left to the interpreter. */
export interface RefreshPlan {
  readonly parts: readonly ({ fn: RefreshFn } | { lo: number; hi: number })[];
}

/** The plan words of one repetition of a loop, and how they shift from one repetition to the next. */
interface Repetition {
  /** first plan word of repetition 0, and words per repetition */
  readonly pc0: number;
  readonly words: number;
  /** kept slots per repetition (the shift of a kept node's destination) */
  readonly keptShift: number;
}

/** What each word of an entry is: a node number (shifts with the repetition), a destination, or a constant (0: not an entry's word). */
const NODE = 1, DEST = 2, FIXED = 3;

/**
 * Does the plan repeat over loop (lo, p, R) of the recording: the same
 * entries in every repetition, node numbers shifted by p, kept destinations
 * by a fixed count, every other word equal? `at[i]` is node i's entry (−1 for
 * a constant: none).
 */
function repetition(prog: Int32Array, at: Int32Array, lo: number, p: number, R: number): Repetition | null {
  const pcs: number[] = [];
  for (let o = 0; o < p; o++) if (at[lo + o]! >= 0) pcs.push(at[lo + o]!);
  if (pcs.length === 0 || R < 2) return null;
  const pc0 = pcs[0]!, words = entryEnd(prog, pcs[pcs.length - 1]!) - pc0;
  const kinds = new Uint8Array(words);
  let kept = -1;
  for (const pc of pcs) {
    const w = pc - pc0;
    kinds[w] = NODE; kinds[w + 1] = DEST; kinds[w + 2] = FIXED; kinds[w + 3] = FIXED;
    for (let f = 0; f < prog[pc + 3]!; f++) { kinds[w + 4 + 5 * f] = NODE; kinds.fill(FIXED, w + 5 + 5 * f, w + 9 + 5 * f); }
    if (kept < 0 && prog[pc + 1]! >= 0) kept = pc;
  }
  if (kinds.includes(0)) return null; // (every word belongs to an entry: the entries are contiguous)
  // the shift of kept destinations, from repetition 1 (where that node must be kept too)
  if (kept >= 0 && prog[kept + words + 1]! < 0) return null;
  const keptShift = kept < 0 ? 0 : prog[kept + words + 1]! - prog[kept + 1]!;
  for (let r = 1; r < R; r++) {
    // every repetition's entries follow the last one's, node for node
    for (let o = 0; o < p; o++) {
      const e0 = at[lo + o]!, e = at[lo + r * p + o]!;
      if (e0 < 0 ? e >= 0 : e !== e0 + r * words) return null;
    }
    for (let w = 0; w < words; w++) {
      const a = prog[pc0 + w]!, b = prog[pc0 + r * words + w]!, kind = kinds[w]!;
      const same = kind === NODE ? b === a + r * p : kind === DEST ? (a < 0 ? b === a : b >= 0 && b === a + r * keptShift) : b === a;
      if (!same) return null;
    }
  }
  return { pc0, words, keptShift };
}

/** The source of one entry (plan words at pc, repetition 0) in repetition r. */
function entrySource(prog: Int32Array, pc: number, rep: Repetition, p: number): string {
  const i = prog[pc]!, dest = prog[pc + 1]!, norm = prog[pc + 2]!, folds = prog[pc + 3]!;
  const out: string[] = [`{ const q = (${i} + r * ${p}) * ${NPAR}; let F0 = par[q], F1 = par[q + 1], F00 = par[q + 2], F01 = par[q + 3], F11 = par[q + 4];`];
  if (norm === NORM_SAME) out.push('F0 = F0 + F1; F00 = F00 + 2 * F01 + F11; F1 = F01 = F11 = 0;');
  else if (norm === NORM_SWAP) out.push('F0 = F1; F00 = F11; F1 = F01 = F11 = 0;');
  else if (norm === NORM_ONE) out.push('F1 = F01 = F11 = 0;');
  for (let f = 0, w = pc + 4; f < folds; f++, w += 5) {
    const u = prog[w]!, k = prog[w + 1]!, po = prog[w + 2]!, p0 = prog[w + 3]!, p1 = prog[w + 4]!;
    // refreshRange's sums in its order, with its branches on p0, p1, k and po taken here
    const sums: string[] = [];
    const add = (at: number, zero: string, one: string, x: string) => { if (at === 0) sums.push(`${zero} += ${x};`); else if (at === 1) sums.push(`${one} += ${x};`); };
    add(p0, 's0', 's1', 'G0'); add(p1, 's0', 's1', 'G1');
    add(p0, 'S00', 'S11', 'G00'); add(p1, 'S00', 'S11', 'G11');
    if (p0 >= 0 && p1 >= 0) sums.push(p0 !== p1 ? 'S01 += G01;' : p0 === 0 ? 'S00 += 2 * G01;' : 'S11 += 2 * G01;');
    const J = k === 0 ? ['s0', 's1', po === 0 ? '1' : '0', po === 1 ? '1' : '0'] : [po === 0 ? '1' : '0', po === 1 ? '1' : '0', 's0', 's1'];
    out.push(
      `{ const e = (${u} + r * ${p}) * ${NPAR}, G0 = EP[e], G1 = EP[e + 1], G00 = EP[e + 2], G01 = EP[e + 3], G11 = EP[e + 4];`,
      'let s0 = 0, s1 = 0, S00 = 0, S01 = 0, S11 = 0;',
      ...sums,
      `const j00 = ${J[0]}, j01 = ${J[1]}, j10 = ${J[2]}, j11 = ${J[3]}, Fk = ${k === 0 ? 'F0' : 'F1'};`,
      'const g0 = F0 * j00 + F1 * j10, g1 = F0 * j01 + F1 * j11;',
      'const h00 = F00 * j00 * j00 + 2 * F01 * j00 * j10 + F11 * j10 * j10 + Fk * S00;',
      'const h01 = F00 * j00 * j01 + F01 * (j00 * j11 + j10 * j01) + F11 * j10 * j11 + Fk * S01;',
      'const h11 = F00 * j01 * j01 + 2 * F01 * j01 * j11 + F11 * j11 * j11 + Fk * S11;',
      'F0 = g0; F1 = g1; F00 = h00; F01 = h01; F11 = h11; }',
    );
  }
  const o = dest < 0 ? 'q' : `(${dest} + r * ${rep.keptShift}) * ${NPAR}`, w = dest < 0 ? 'EP' : 'PAR';
  out.push(
    'const sum = F0 + F1 + F00 + F01 + F11;',
    `if (sum - sum !== 0) { if (careful(${pc} + r * ${rep.words})) nf = true; }`,
    `else { const o = ${o}; ${w}[o] = F0; ${w}[o + 1] = F1; ${w}[o + 2] = F00; ${w}[o + 3] = F01; ${w}[o + 4] = F11; } }`,
  );
  return out.join('\n');
}

function loopSource(prog: Int32Array, rep: Repetition, p: number, R: number): string {
  const body: string[] = [];
  for (let pc = rep.pc0; pc < rep.pc0 + rep.words; pc = entryEnd(prog, pc)) body.push(entrySource(prog, pc, rep, p));
  return ['let nf = false;', `for (let r = 0; r < ${R}; r++) {`, ...body, '}', 'return nf;'].join('\n');
}

/**
 * The refresh plan of compaction f of a recording of `n` nodes, over
 * the recording's segments; null when no loop of the
 * plan repeats (or `new Function` is refused).
 */
export function refreshPlan(f: Compacted, n: number, segments: readonly Segment[]): RefreshPlan | null {
  const prog = f.plan.prog, at = new Int32Array(n).fill(-1);
  for (let pc = 0; pc < prog.length; pc = entryEnd(prog, pc)) at[prog[pc]!] = pc;
  const parts: RefreshPlan['parts'][number][] = [];
  let pc = 0, any = false;
  for (const s of segments) {
    if (!isLoop(s)) continue;
    const rep = repetition(prog, at, s.lo, s.p, s.R);
    if (!rep) continue;
    if (rep.pc0 > pc) parts.push({ lo: pc, hi: rep.pc0 });
    const fn = compileShared('refresh', ['par', 'EP', 'PAR', 'careful'], loopSource(prog, rep, s.p, s.R)) as RefreshFn | null;
    if (!fn) return null;
    parts.push({ fn });
    pc = rep.pc0 + s.R * rep.words;
    any = true;
  }
  if (pc < prog.length) parts.push({ lo: pc, hi: prog.length });
  return any ? { parts } : null;
}

/** Refreshes f from the recording's partials `par` by the plan; returns true if a kept node's partials are not all finite. */
export function runRefresh(f: Compacted, plan: RefreshPlan, par: Float64Array): boolean {
  const EP = f.plan.scratch, PAR = f.tape.par as Float64Array, careful = (pc: number) => refreshCareful(f, pc, par);
  let nf = false;
  for (const part of plan.parts) {
    if ('fn' in part) { if (part.fn(par, EP, PAR, careful)) nf = true; }
    else if (refreshRange(f, par, part.lo, part.hi)) nf = true;
  }
  return nf;
}

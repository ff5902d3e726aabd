/**
 * Generated sweeps: JavaScript specialised to one recording's structure, for
 * the hot sweeps (tangent, order-2 Taylor, reverse, forward-over-reverse)
 * over a recording of scalar nodes.
 *
 * Why: an interpreted sweep reads each node's argument slots from memory and
 * its argument values from the work array, and a chain such as the running sum
 * s ← s + termᵢ goes through memory at every link (a store, then a load of the
 * same slot one node later). Straight-line code for a whole tape is too large
 * for V8 to optimise; a recording built by a loop in f is instead a few loops:
 *
 *   a loop is R repetitions of a p-node pattern from node lo on: node
 *   lo + r·p + o has arguments a0[o] + r·da[o] and b0[o] + r·db[o], affine in r.
 *
 * Each loop becomes one small generated function. An argument that is a node
 * of the same repetition, or of the previous one, lives in a local variable
 * (forward: its value; reverse: the adjoint it is collecting), so the chains
 * stay in registers; other arguments are read at a fixed slot or a slot that
 * moves by a constant stride. Nodes between loops run through the interpreted
 * kernels (lib/tape/kernels.ts). The formulas are those of lib/tape/formulas.ts
 * (codegen/emit.ts renders them); only where a value lives changes. None of it names an op.
 *
 * With K lanes, each repetition reads its partials and slots once. Forward
 * loops then run blocks of four lanes (loops of up to 8 nodes per repetition),
 * the previous repetition's values of each lane in variables as in the
 * one-lane form; the reverse loop runs over the lanes one at a time, this
 * repetition's adjoint tangents in variables. The Taylor-2
 * forms also skip the (zero) second coefficients of inputs, and of the nodes
 * lib/tape/zeros.ts marks, and store only what is read again.
 *
 * Generated code runs only for finite partials (a recording with ±∞ or NaN
 * partials needs the careful kernels), and only where `setCodegen` allows
 * it. `new Function` may be refused (a strict Content Security Policy): the
 * interpreted kernels then run, as they do with codegen 'off'. Loop functions
 * are shared by source across recordings (V8 optimises a function only after
 * it has run for a while: tens of milliseconds the first time a loop is met),
 * and recordings with the same arguments share their generated sweeps and
 * count their sweeps together, so one-shot calls, a fresh recording each,
 * get them too.
 * What it buys is measured by `npm run bench` (docs/bench.json), not quoted
 * here. The same loops also give a recording's generated replay
 * (codegen/replay.ts) and its compacted recording's generated refresh
 * (codegen/refresh.ts); per-op code, not per recording, records and replays
 * single nodes (codegen/record.ts).
 */
import { nodesOnly } from './block.js';
import { runReverse, runReverseTangent, runSecond, runTangent } from './kernels.js';
import { anyMarked, secondOrderZeros } from './zeros.js';
import { finishRefresh, refresh, type Compacted } from './compact.js';
import type { SweepTape } from './block.js';
import { refreshPlan, runRefresh, type RefreshPlan } from './codegen/refresh.js';
import { findSegments, isLoop, type Gap, type Loop, type Segment } from './codegen/loops.js';
import { PARAMS, loopSource, type Kernel } from './codegen/emit.js';
import { canCompile, compileShared } from './codegen/compile.js';
import { replayPlan, type ReplayPlan } from './codegen/replay.js';
import type { Tape } from './tape.js';
import { codegenMode, type CodegenMode } from './codegen/mode.js';

export type { Kernel };

export { setCodegen, codegenMode, type CodegenMode } from './codegen/mode.js';

/** Recordings smaller than this (computed nodes) stay interpreted under 'auto'. */
export const CODEGEN_MIN_NODES = 64;
/** At most this many loops per recording (beyond it, the structure is not loop-like enough to pay). */
const MAX_LOOPS = 2000;

// ---------------------------------------------------------------- the generated sweeps of one recording

type LoopFn = (par: Float64Array, ...args: (Float64Array | Uint8Array | number)[]) => void;

/**
 * The generated sweeps of one recording structure: loops run generated code,
 * gaps the interpreted kernels. K = 1 has its own forms (values in
 * registers across repetitions); K > 1 loops over lanes inside each
 * repetition.
 */
export class Generated {
  private fns: Partial<Record<Kernel, (LoopFn | null)[]>> = {};
  readonly loops: number;
  /** computed nodes inside loops */
  readonly covered: number;
  constructor(readonly n: number, readonly segments: readonly Segment[]) {
    this.loops = segments.filter(isLoop).length;
    this.covered = segments.reduce((s, g) => s + (isLoop(g) ? g.p * g.R : 0), 0);
  }

  /** the source of kernel k: each loop's generated code, each gap as a comment */
  source(k: Kernel): string {
    if (!(k in PARAMS)) throw new TypeError(`codegen source: kernel must be one of ${Object.keys(PARAMS).join(', ')}, got ${String(k)}`);
    return this.segments.map((s) => (isLoop(s)
      ? `// nodes ${s.lo} … ${s.lo + s.p * s.R - 1}: ${s.R} repetitions of ${s.p} node${s.p === 1 ? '' : 's'}\n(par, ${PARAMS[k].join(', ')}) => {\n${loopSource(s, k)}\n}`
      : `// nodes ${s.lo} … ${(s as Gap).hi - 1}: interpreted kernels`)).join('\n\n');
  }

  private compiled(k: Kernel): (LoopFn | null)[] {
    return (this.fns[k] ??= this.segments.map((s) => (isLoop(s) ? compile(k, loopSource(s, k)) : null)));
  }

  /** {@link runTangent} over the whole recording */
  tangent(t: SweepTape, K: number, T: Float64Array): void {
    const f = this.compiled(K === 1 ? 'tangent' : 'tangentK'), s = this.segments, par = t.par;
    for (let k = 0; k < s.length; k++) {
      const g = f[k];
      if (!g) runTangent(t, s[k]!.lo, (s[k] as Gap).hi, K, T);
      else if (K === 1) g(par, T);
      else g(par, T, K);
    }
  }

  /**
   * {@link runSecond} over the whole recording. With `out` (the one slot the
   * caller reads), a loop stores a node's T1, T2 only where they are read
   * from memory later: forward mode keeps no tape of its tangents.
   */
  second(t: SweepTape, K: number, T1: Float64Array, T2: Float64Array, out = -1): void {
    const s = this.segments, par = t.par, zero = secondOrderZeros(t), masked = this.maskedLoops(zero);
    const f = this.compiled(K === 1 ? 'second' : 'secondK'), fz = masked ? this.compiled(K === 1 ? 'secondZ' : 'secondZK') : f;
    for (let k = 0; k < s.length; k++) {
      const L = s[k] as Loop, g = masked?.[k] ? fz[k] : f[k];
      if (!g) { runSecond(t, L.lo, (s[k] as Gap).hi, K, T1, T2, t.nIn, zero); continue; }
      // every repetition from the one holding out on stores everything
      const keepFrom = out < 0 ? 0 : out >= L.lo && out < L.lo + L.p * L.R ? Math.floor((out - L.lo) / L.p) : L.R;
      if (K === 1) g(par, T1, T2, keepFrom, zero!);
      else g(par, T1, T2, keepFrom, zero!, K);
    }
  }

  private maskSeen: Uint8Array | null = null;
  private masked: boolean[] | null = null;
  /** per segment: does the mask mark a node of this loop (then the masked form runs)? null: no mask */
  private maskedLoops(zero: Uint8Array | null): boolean[] | null {
    if (!zero) return null;
    if (zero !== this.maskSeen) {
      this.maskSeen = zero;
      this.masked = this.segments.map((s) => isLoop(s) && anyMarked(zero, s.lo, s.lo + s.p * s.R));
    }
    return this.masked;
  }

  /** {@link runReverse} over the whole recording, one lane */
  reverse(t: SweepTape, A: Float64Array): void {
    const f = this.compiled('reverse'), s = this.segments, par = t.par;
    for (let k = s.length - 1; k >= 0; k--) {
      const g = f[k];
      if (g) g(par, A); else runReverse(t, s[k]!.lo, (s[k] as Gap).hi, 1, A);
    }
  }

  /** {@link runReverseTangent} over the whole recording */
  reverseTangent(t: SweepTape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
    const f = this.compiled(K === 1 ? 'reverseTangent' : 'reverseTangentK'), s = this.segments, par = t.par;
    for (let k = s.length - 1; k >= 0; k--) {
      const g = f[k];
      if (!g) runReverseTangent(t, s[k]!.lo, (s[k] as Gap).hi, K, T, A, AT);
      else if (K === 1) g(par, T, A, AT);
      else g(par, T, A, AT, K);
    }
  }
}

function compile(k: Kernel, source: string): LoopFn {
  // (build() checked that code can be compiled; a refusal from here on would throw, as any bug would)
  return compileShared(k, ['par', ...PARAMS[k]], source) as LoopFn;
}

/**
 * Per recording: the mode and size it was seen with, its loops (shared by
 * every recording of its structure, with their sweep count), the replays
 * seen, and the generated sweeps and replay (null: not worth it).
 */
interface Entry {
  mode: CodegenMode; n: number; loops?: Loops;
  gen: Generated | null | undefined;
  replays: number; replay: ReplayPlan | null | undefined;
  /** the compaction whose refreshes are counted, and its refresh plan */
  compacted?: Compacted; refreshes?: number; refresh?: RefreshPlan | null;
}
const cache = new WeakMap<SweepTape, Entry>();

/**
 * The loops of a recording structure (findSegments reads only the argument
 * arrays and nIn), the sweeps seen over recordings of it, and its generated
 * sweeps once built (null: not worth it). Recordings with the same arguments
 * share one: the next one-shot call on f, a fresh recording, finds the loops
 * and the generated sweeps of the last one by comparing two arrays (the last
 * few structures are kept).
 */
interface Loops {
  readonly nIn: number; readonly minReps: number; readonly a: Int32Array; readonly b: Int32Array;
  readonly segs: Segment[]; sweeps: number;
  /** the generated sweeps the structure is worth (null: none) */
  gen?: Generated | null;
}
/** the structures met last (a one-shot call sweeps a recording and its compacted recording: two); each keeps a copy of its argument arrays, 8 bytes per node */
let recentLoops: Loops[] = [];

/** Forgets the structures met so far and their sweep counts (specs: counting from a clean slate). */
export function forgetStructures(): void { recentLoops = []; }

const segments = (t: SweepTape, e: Entry): Segment[] => loopsOf(t, e).segs;

function loopsOf(t: SweepTape, e: Entry): Loops {
  if (e.loops) return e.loops;
  // (three repetitions at least: two only define the strides, the third confirms them)
  const n = t.n, minReps = e.mode === 'always' ? 3 : 4;
  let L = recentLoops.find((r) => r.nIn === t.nIn && r.minReps === minReps && r.a.length === n && samePrefix(r.a, t.a) && samePrefix(r.b, t.b));
  L ??= { nIn: t.nIn, minReps, a: t.a.slice(0, n), b: t.b.slice(0, n), segs: findSegments(t, minReps), sweeps: 0 };
  recentLoops = [L, ...recentLoops.filter((r) => r !== L)].slice(0, 4);
  return (e.loops = L);
}

/**
 * x[0 … m) = y[0 … m), m = x.length. A one-shot call compares arrays of its
 * recording's size (argument slots here, op codes in the sparsity memo), so
 * pairs of entries are compared as one double, four pairs a step (2.5×
 * faster, measured). Equal doubles are equal pairs except ±0, which differ
 * only in an entry of −2³¹ (no slot or op code is). Unequal doubles are
 * unequal pairs except NaN patterns (negative entries such as the input op
 * code): a group that compares unequal is compared entry by entry.
 */
export function samePrefix(x: Int32Array, y: Int32Array): boolean {
  const m = x.length, h = m >> 1;
  if ((x.byteOffset | y.byteOffset) & 7) return sameEntries(x, y, 0, m);
  const u = new Float64Array(x.buffer, x.byteOffset, h), v = new Float64Array(y.buffer, y.byteOffset, h);
  let i = 0;
  for (; i + 4 <= h; i += 4) {
    if ((u[i] !== v[i] || u[i + 1] !== v[i + 1] || u[i + 2] !== v[i + 2] || u[i + 3] !== v[i + 3]) && !sameEntries(x, y, 2 * i, 2 * i + 8)) return false;
  }
  return sameEntries(x, y, 2 * i, m);
}

/** x[lo … hi) = y[lo … hi) */
function sameEntries(x: Int32Array, y: Int32Array, lo: number, hi: number): boolean {
  for (let i = lo; i < hi; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Under 'auto', a recording of fewer than CODEGEN_MIN_NODES computed nodes stays interpreted. */
const tooSmall = (t: SweepTape, mode: CodegenMode): boolean => mode === 'auto' && t.n - t.nIn - 1 < CODEGEN_MIN_NODES;

/** The generated sweeps t's structure is worth (null: too small or not loop-like), whether or not code can be compiled here. */
function plan(t: SweepTape, e: Entry): Generated | null {
  if (tooSmall(t, e.mode)) return null;
  const g = new Generated(t.n, segments(t, e));
  if (g.loops === 0 || g.loops > MAX_LOOPS) return null;
  if (e.mode === 'auto' && g.covered < (t.n - t.nIn - 1) / 2) return null;
  return g;
}

/** The generated sweeps for t now: its plan, when code can be compiled (refused under a strict Content Security Policy: stay interpreted). */
function build(t: SweepTape, e: Entry, L?: Loops): Generated | null {
  const g = L ? (L.gen === undefined ? (L.gen = plan(t, e)) : L.gen) : plan(t, e);
  return g && canCompile() ? g : null;
}

/**
 * The generated sweeps for t, or null: the interpreted kernels run (mode
 * 'off', blocks other than runs of elementary nodes, non-finite partials,
 * too small or not loop-like, or, under 'auto', the recording's first two
 * sweeps: generation starts with the third sweep over recordings of its
 * structure, see {@link Loops}).
 */
export function generated(t: SweepTape): Generated | null {
  if (!eligible(t)) return null;
  const e = entry(t);
  if (e.gen === undefined) {
    // the third sweep over recordings of this structure (a small one stays interpreted without looking for loops)
    if (tooSmall(t, e.mode)) e.gen = null;
    else {
      const L = loopsOf(t, e);
      if (e.mode === 'always' || ++L.sweeps >= 3) e.gen = build(t, e, L);
    }
  }
  return e.gen ?? null;
}

/**
 * The generated replay of t (lib/tape/codegen/replay.ts), or null: the
 * interpreter replays (mode 'off', blocks other than runs of elementary
 * nodes, too small or no loop whose
 * ops repeat, `new Function` refused, or the first replay under 'auto').
 */
export function generatedReplay(t: Tape): ReplayPlan | null {
  const mode = codegenMode();
  if (mode === 'off' || !nodesOnly(t)) return null;
  const e = entry(t);
  if (e.replay === undefined && (mode === 'always' || ++e.replays >= 2)) {
    const segs = tooSmall(t, mode) || !canCompile() ? null : segments(t, e);
    e.replay = segs && segs.filter(isLoop).length <= MAX_LOOPS ? replayPlan(t, segs) : null;
  }
  return e.replay ?? null;
}

/**
 * The generated refresh of t's compaction f (lib/tape/codegen/refresh.ts),
 * or null: the interpreter refreshes (mode 'off', too small or no loop whose
 * plan repeats, `new Function` refused, or the first refresh under 'auto').
 */
export function generatedRefresh(t: Tape, f: Compacted): RefreshPlan | null {
  const mode = codegenMode();
  if (mode === 'off' || !nodesOnly(t)) return null;
  const e = entry(t);
  if (e.compacted !== f) { e.compacted = f; e.refreshes = 0; e.refresh = undefined; }
  if (e.refresh === undefined && (mode === 'always' || ++e.refreshes! >= 2)) {
    const segs = tooSmall(t, mode) || !canCompile() ? null : segments(t, e);
    e.refresh = segs && segs.filter(isLoop).length <= MAX_LOOPS ? refreshPlan(f, t.n, segs) : null;
  }
  return e.refresh ?? null;
}

/** Refills t's compaction f from t's partials: generated where it can be (see {@link generatedRefresh}). */
export function refreshCompacted(t: Tape, f: Compacted): void {
  const plan = generatedRefresh(t, f);
  if (plan) finishRefresh(f, runRefresh(f, plan, t.par));
  else refresh(f, t.par);
}

/** May t's sweeps run generated code at all (mode, blocks other than runs of elementary nodes, non-finite partials)? */
const eligible = (t: SweepTape): boolean => codegenMode() !== 'off' && !t.nonFinite && nodesOnly(t);

function entry(t: SweepTape): Entry {
  const mode = codegenMode();
  let e = cache.get(t);
  if (!e || e.mode !== mode || e.n !== t.n) cache.set(t, (e = { mode, n: t.n, gen: undefined, replays: 0, replay: undefined }));
  return e;
}

/** What a recording's sweeps run as generated code (see {@link Prepared.codegen}). */
export interface CodegenInfo {
  /** loops found (each one generated function per kernel) */
  readonly loops: number;
  /** computed nodes inside loops, and in all */
  readonly covered: number;
  readonly nodes: number;
  /**
   * The generated source of one kernel, loop by loop, with the node ranges
   * left to the interpreted kernels marked: 'tangent', 'second' (order-2
   * Taylor), 'reverse', 'reverseTangent' (forward-over-reverse), and their
   * K-lane forms 'tangentK', 'secondK', 'reverseTangentK'.
   */
  source(kernel: Kernel): string;
}

/**
 * The generated sweeps of t as {@link CodegenInfo}, generating them now if
 * the mode allows (under 'auto' a sweep generates them only from t's third
 * sweep over recordings of its structure, see {@link Loops}; asking does
 * not wait for it); null when t's sweeps run interpreted.
 */
export function codegenInfo(t: SweepTape): CodegenInfo | null {
  if (!eligible(t)) return null;
  const e = entry(t);
  if (e.gen === undefined) e.gen = build(t, e);
  const g = e.gen;
  return g && { loops: g.loops, covered: g.covered, nodes: t.n - t.nIn - 1, source: (k: Kernel) => g.source(k) };
}

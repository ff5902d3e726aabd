/**
 * Fusion of elementwise tensor ops. On a long traced tensor an elementwise op
 * is not recorded at once: it returns a lazy tensor holding the expression
 * (op, arguments), and further elementwise ops of the same shape extend it.
 * When something needs its slots (a non-elementwise op, an element, the
 * values, the output of f) the expression becomes one Fused block, and a
 * full sum of a lazy tensor becomes one Fused block with one output slot.
 * Every sweep is one generated loop over the elements
 * (lib/tape/codegen/fused.ts), so `100·(b − a²)² + (1 − a)²` summed is one
 * pass per sweep, as a plain loop is: in a one-shot transform's recording
 * it recomputes the partials in locals and nothing per element is stored;
 * in a recording `prepare` keeps, each evaluation folds them into the
 * block's leaves (lib/tensor/folded.ts) and the sweeps read them.
 *
 * A block runs in IEEE arithmetic, so it is made only where every partial
 * (to third order) is finite; elsewhere the expression is recorded as
 * elementary nodes (careful sweeps: lib/tape/careful.ts). A recording with a
 * partial that is not finite anywhere is made without fusion
 * (lib/transforms/record.ts), and one moved to such a point is recorded
 * afresh (lib/transforms/prepare.ts). With generated code off or refused,
 * nothing is fused.
 */
import type { ArrayBlock } from '../tape/block.js';
import type { HyperAdjoints, HyperLanes, Slots } from '../tape/node.js';
import { NPAR, evalNode } from '../tape/node.js';
import type { Tape } from '../tape/tape.js';
import { fusedLoop, leafSlot, programConstants, type FusedMode, type Instr, type Leaf, type Program } from '../tape/codegen/fused.js';
import { foldedLoop, type FoldedMode } from '../tape/codegen/folded.js';
import { codegenMode } from '../tape/codegen/mode.js';
import { AA, AB, BB, secondOrderPattern } from '../tape/structure.js';
import { FOLD_LEAVES, Folded } from './folded.js';

/** At most this many instructions in one fused block (a longer chain is cut: its head becomes a block of its own). */
export const MAX_INSTRS = 24;

/**
 * When elementwise ops are fused: over at least `from` elements (measured:
 * below it nodes are as fast), in a recording made for a one-shot transform
 * ({@link sweptOnce}) or kept by `prepare` for an array or Tensor point
 * ({@link keptRecording}); with `everywhere` (specs) in every recording. A
 * kept recording folds each block's partials into its leaves at every
 * evaluation (lib/tensor/folded.ts), since it is swept many times.
 */
export const fusion = { from: 256, everywhere: false };

/** the recording being made: for a one-shot transform, kept by prepare, neither, or one that must not fuse (overriding `everywhere`) */
let making: 'once' | 'kept' | 'none' | 'off' = 'none';
/** Is a recording for a one-shot transform being made (inside {@link sweptOnce})? */
export const inOneShot = (): boolean => making === 'once';

function within<R>(kind: typeof making, record: () => R): R {
  const old = making;
  making = kind;
  try {
    return record();
  } finally {
    making = old;
  }
}
/** Runs `record` (a recording made for a one-shot transform) with fusion on. */
export const sweptOnce = <R>(record: () => R): R => within('once', record);
/** Runs `record` (a recording `prepare` keeps, swept many times and moved) with fusion on, folded. */
export const keptRecording = <R>(record: () => R): R => within('kept', record);
/**
 * Runs `record` with fusion off: a recording with a partial that is not
 * finite is made of nodes (careful sweeps: a structural zero wins against an
 * infinite tangent or adjoint coming into a block, which a fused loop's IEEE
 * arithmetic would turn into NaN).
 */
export const withoutFusion = <R>(record: () => R): R => within('off', record);

/** Does recording t hold a fused block? */
export const hasFused = (t: { readonly blocks: readonly unknown[] }): boolean => t.blocks.some((b) => b instanceof Fused);

/** At most this many leaves (arrays read) in one block (below 31: a block's held leaves are a bitmask). */
const MAX_LEAVES = 24;

/** A lazy tensor's expression: a leaf (an array on the tape, read as `leaf` says) or an op of expressions. */
export type Expr = LeafExpr | OpExpr;
export interface LeafExpr { readonly leaf: Leaf; readonly count: 0; readonly leaves: 1 }
/** op `code` (parameter p) of a and b; `count` and `leaves`: instructions and leaves below it, shared ones counted again (bounds) */
export interface OpExpr { readonly code: number; readonly p: number; readonly a: Expr; readonly b: Expr | null; readonly count: number; readonly leaves: number }

export const isLeaf = (e: Expr): e is LeafExpr => 'leaf' in e;

/** Is fusion on for an op over m elements here (see {@link fusion}; generated code allowed)? */
export const fusing = (m: number): boolean =>
  making !== 'off' && (making !== 'none' || fusion.everywhere) && m >= fusion.from && codegenMode() !== 'off';

/** The expression of op `code` (parameter p) of a and b, or null when it would grow past the limits (then the caller records a and b first). */
export function opExpr(code: number, p: number, a: Expr, b: Expr | null): Expr | null {
  const count = 1 + a.count + (b ? b.count : 0), leaves = a.leaves + (b ? b.leaves : 0);
  return count > MAX_INSTRS || leaves > MAX_LEAVES ? null : { code, p, a, b, count, leaves };
}

/** The program of expression e: its leaves (each once) and instructions (each once, arguments first). */
export function programOf(e: Expr, reduce: boolean): { program: Program; prm: Float64Array } | null {
  const leaves: Leaf[] = [], leafIndex = new Map<string, number>(), ops: Expr[] = [], opIndex = new Map<Expr, number>();
  const leafKey = (l: Leaf) => `${l.base},${l.step},${l.idx ? leafId(l.idx) : ''}`;
  const visit = (x: Expr): void => {
    if (isLeaf(x)) {
      const k = leafKey(x.leaf);
      if (!leafIndex.has(k)) { leafIndex.set(k, leaves.length); leaves.push(x.leaf); }
      return;
    }
    if (opIndex.has(x)) return;
    visit(x.a);
    if (x.b) visit(x.b);
    opIndex.set(x, ops.length);
    ops.push(x);
  };
  visit(e);
  if (leaves.length > MAX_LEAVES || isLeaf(e)) return null;
  const L = leaves.length;
  const ref = (x: Expr): number => (isLeaf(x) ? leafIndex.get(leafKey(x.leaf))! : L + opIndex.get(x)!);
  const instrs: Instr[] = ops.map((x) => {
    const o = x as OpExpr;
    return { code: o.code, p: o.p, a: ref(o.a), b: o.b ? ref(o.b) : -1 };
  });
  return { program: { leaves, instrs, reduce }, prm: Float64Array.from(instrs, (s) => s.p) };
}

const ids = new WeakMap<Int32Array, number>();
let nextId = 0;
/** an index array's identity (leaves that read through the same map are one leaf) */
function leafId(idx: Int32Array): number {
  let k = ids.get(idx);
  if (k === undefined) ids.set(idx, (k = nextId++));
  return k;
}

/**
 * A fused chain of elementwise ops over m elements: outputs at out … out + m − 1,
 * or one output at out (reduce: their sum). Every sweep is one generated loop
 * (lib/tape/codegen/fused.ts); nothing per element is stored.
 */
export class Fused implements ArrayBlock {
  private readonly LB: Int32Array;
  private readonly LX: (Int32Array | null)[];
  private readonly CP: Float64Array;
  /** the generated loops this block has used, by mode (folded ones prefixed) */
  private readonly fns = new Map<string, (...a: unknown[]) => boolean | void>();
  constructor(
    readonly out: number,
    /** elements */
    readonly m: number,
    readonly program: Program,
    private readonly prm: Float64Array,
    /** its partials folded into its leaves at every evaluation (a kept recording), shared with its views */
    private readonly folded: Folded | null = null,
    /** leaves held constant (a bitmask: probe sweeps, {@link withInputsFixed}) */
    private readonly fixed = 0,
  ) {
    this.LB = Int32Array.from(program.leaves, (l) => l.base);
    this.LX = program.leaves.map((l) => l.idx);
    this.CP = programConstants(program);
  }
  get size(): number { return this.program.reduce ? 1 : this.m; }
  /** the folded partials (none otherwise: nothing stored per element) */
  get bytes(): number { return this.folded ? this.folded.bytes : 0; }
  signature(): readonly unknown[] {
    const { out, m, program: { leaves, instrs, reduce } } = this;
    return ['fused', out, m, reduce, ...leaves.flatMap((l) => [l.base, l.step, l.idx]), ...instrs.flatMap((s) => [s.code, s.p, s.a, s.b])];
  }

  /** mode's generated loop, over the folded partials or recomputing them (the source is cached across blocks: lib/tape/codegen/fused.ts) */
  private fn(mode: FusedMode, folded: boolean, K: number): (...a: unknown[]) => boolean | void {
    const one = K === 1, k = `${folded ? 'folded ' : ''}${mode}${one ? ' 1' : ''}`;
    let f = this.fns.get(k);
    if (!f) {
      const made = folded ? foldedLoop(this.program, mode as FoldedMode, this.fixed, one) : fusedLoop(this.program, mode, this.fixed, one);
      if (!made) throw new Error(`hyperad: a fused block's ${k} loop could not be compiled`); // (made only where its evaluation compiled)
      this.fns.set(k, (f = made as (...a: unknown[]) => boolean | void));
    }
    return f;
  }
  private run(mode: FusedMode, t: Slots, K: number, ...lanes: Float64Array[]): boolean | void {
    return this.fn(mode, false, K)(t.val, this.LB, this.LX, this.prm, this.CP, this.m, this.out, K, ...lanes);
  }

  /** Values (and the finiteness of every partial; folded partials too, when kept): false when some partial is not finite. */
  evaluate(t: Slots): boolean {
    const f = this.folded;
    return !(f ? this.run('fold', t, 1, f.G, f.H) : this.run('values', t, 1));
  }
  // a partial that is not finite: the moved recording is made afresh, without fusion (lib/transforms/prepare.ts)
  replay(t: Slots): void { if (!this.evaluate(t)) t.nonFinite = true; }
  // each sweep: over the folded partials when kept, else one generated loop recomputing them
  private sweep(mode: FoldedMode, t: Slots, K: number, ...lanes: Float64Array[]): void {
    const f = this.folded;
    if (f) this.fn(mode, true, K)(t.val, this.LB, this.LX, this.prm, this.CP, this.m, this.out, K, f.G, f.H, ...lanes);
    else this.run(mode, t, K, ...lanes);
  }
  tangent(t: Slots, K: number, T: Float64Array): void { this.sweep('tangent', t, K, T); }
  second(t: Slots, K: number, T1: Float64Array, T2: Float64Array): void { this.sweep('second', t, K, T1, T2); }
  hyper(t: Slots, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void { this.sweep('hyper', t, K, T1, T2, T12); }
  laplacian(t: Slots, K: number, T: Float64Array, L: Float64Array): void { this.sweep('laplacian', t, K, T, L); }
  reverse(t: Slots, K: number, A: Float64Array): void { this.sweep('reverse', t, K, A); }
  reverseTangent(t: Slots, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void { this.sweep('reverseTangent', t, K, T, A, AT); }
  // (its loops read T at the leaves only)
  readonly argumentTangentsOnly = true;
  reverseHyper(t: Slots, H: HyperLanes, A: HyperAdjoints): void {
    this.run('reverseHyper', t, 1, H.T1, H.T2, H.T12, A.A0, A.A1, A.A2, A.A12);
  }

  /** which leaves each element's output depends on, and which leaf pairs meet in a second partial (found once) */
  private deps: { leaves: number[]; pairs: [number, number][] } | undefined;
  structure(dep: (y: number, x: number) => void, pair: (y: number, x1: number, x2: number) => void): void {
    const { leaves, pairs } = (this.deps ??= dependencies(this.program, this.fixed));
    const { out, m, program } = this, slot = (l: number, i: number) => leafSlot(program.leaves[l]!, i);
    for (let i = 0; i < m; i++) {
      const y = program.reduce ? out : out + i;
      for (const l of leaves) dep(y, slot(l, i));
      for (const [u, v] of pairs) pair(y, slot(u, i), slot(v, i));
    }
  }

  withInputsFixed(nIn: number): Fused {
    let fixed = 0;
    this.program.leaves.forEach((l, k) => { if (l.base <= nIn) fixed |= 1 << k; });
    return fixed === this.fixed ? this : new Fused(this.out, this.m, this.program, this.prm, this.folded, fixed);
  }
}

/**
 * The root's dependencies on the leaves and its second-order pairs, from the
 * instructions' structure bits: y = op(a, b) depends on what a and b depend
 * on, and pairs what they pair plus deps(a)×deps(a) (h_aa can be non-zero),
 * deps(a)×deps(b) (h_ab) and deps(b)×deps(b) (h_bb).
 */
function dependencies(pr: Program, fixed: number): { leaves: number[]; pairs: [number, number][] } {
  const L = pr.leaves.length, deps: Set<number>[] = [], pairs: Set<string>[] = [];
  for (let l = 0; l < L; l++) { deps.push(new Set((fixed & (1 << l)) === 0 ? [l] : [])); pairs.push(new Set()); }
  const cross = (out: Set<string>, x: Set<number>, y: Set<number>) => {
    for (const u of x) for (const v of y) out.add(u <= v ? `${u},${v}` : `${v},${u}`);
  };
  for (const s of pr.instrs) {
    const bits = secondOrderPattern(s.code, s.p), da = deps[s.a]!, db = s.b >= 0 ? deps[s.b]! : new Set<number>();
    const d = new Set([...da, ...db]), p = new Set([...pairs[s.a]!, ...(s.b >= 0 ? pairs[s.b]! : [])]);
    if (bits & AA) cross(p, da, da);
    if (s.b >= 0 && bits & AB) cross(p, da, db);
    if (s.b >= 0 && bits & BB) cross(p, db, db);
    deps.push(d);
    pairs.push(p);
  }
  const root = deps.length - 1;
  return {
    leaves: [...deps[root]!].sort((u, v) => u - v),
    pairs: [...pairs[root]!].map((k) => k.split(',').map(Number) as [number, number]),
  };
}

/**
 * Records expression e over m elements on t as a Fused block (reduce: its
 * sum, one slot), or returns null when it cannot be (a partial that is not
 * finite at this point, or code that cannot be compiled): the caller then
 * records it as nodes.
 */
export function recordFused(t: Tape, e: Expr, m: number, reduce: boolean): Fused | null {
  const pp = programOf(e, reduce);
  // a kept recording folds the partials into the leaves (few leaves only: the pairs grow as L²)
  const fold = pp && making !== 'once' && pp.program.leaves.length <= FOLD_LEAVES;
  if (!pp || !fusedLoop(pp.program, fold ? 'fold' : 'values', 0, true)) return null;
  const out = t.reserve(reduce ? 1 : m), blk = new Fused(out, m, pp.program, pp.prm, fold ? new Folded(pp.program, m) : null);
  if (!blk.evaluate(t)) { t.unreserve(reduce ? 1 : m); return null; }
  t.addBlock(blk);
  return blk;
}

/** The values of expression e over m elements, its leaves read from `val` (a lazy tensor whose evaluation has ended). */
export function valuesAfterEnd(e: Expr, m: number, val: Float64Array): Float64Array {
  const done = new Map<Expr, Float64Array>(), par = new Float64Array(NPAR);
  const at = (x: Expr): ((i: number) => number) => {
    if (isLeaf(x)) { const l = x.leaf; return (i) => val[leafSlot(l, i)]!; }
    const y = values(x);
    return (i) => y[i]!;
  };
  const values = (x: OpExpr): Float64Array => {
    let y = done.get(x);
    if (y) return y;
    const a = at(x.a), b = x.b ? at(x.b) : () => 0;
    y = new Float64Array(m);
    for (let i = 0; i < m; i++) y[i] = evalNode(x.code, a(i), b(i), x.p, par, 0);
    done.set(x, y);
    return y;
  };
  return isLeaf(e) ? Float64Array.from({ length: m }, (_, i) => at(e)(i)) : values(e);
}

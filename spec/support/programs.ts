/**
 * Random programs for the differential fuzzer (spec/fuzz.spec.ts,
 * scripts/fuzz.ts): a small AST of let-bindings over every op of the rule
 * table and every tensor op, a seeded generator, and a printer that writes a
 * program as TypeScript source (for reproducers).
 *
 * A program is a list of bindings `tⱼ = op(operands)` whose operands are
 * inputs, earlier bindings (so programs are DAGs: a value may be used many
 * times) or constants, and an output. Scalar programs take x: Num[]; tensor
 * programs take one Tensor or a record of Tensors. lib-independent
 * interpreters live in spec/support/interpret.ts.
 *
 * Domains. Each op's rule carries the interval(s) where it is smooth; the
 * generator keeps every argument inside them, at the two points a program is
 * run at (x0, and x1 for prepare(…).at): an argument already inside its
 * domain (with a 5% margin) is used as it is ("choose ops whose domain holds
 * the current value"); otherwise it is first squashed into the domain by a
 * smooth bounded map built from the ops themselves (lo + w·sigmoid(t),
 * mid + h·tanh(t), mid + h·sin(t), mid + (2h/π)·atan(t)), which holds it
 * there at every point. A domain equal to the table's "anything" interval
 * [−3, 3] counts as unrestricted, as do the kinked ops abs, relu, max and min
 * (their kinks are watched at run time instead, see interpret.ts).
 */
import {
  BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules, type BinaryName, type Interval, type UnaryName,
} from '../../lib/rules/index.js';
import { evalScalarLet, evalTensorLet, numberOps, sizeOf, type RT } from './interpret.js';

/** The public unary ops (the table's powc is a `powc` binding: pow with a number exponent). */
export type UnaryOp = Exclude<UnaryName, 'powc'>;
export const UNARY_OPS = UNARY_NAMES.filter((n): n is UnaryOp => n !== 'powc');
export const BINARY_OPS: readonly BinaryName[] = BINARY_NAMES;
/** Ops with a kink (a point where the derivative jumps): watched at run time, never domain-restricted. */
export const KINKED = new Set<string>(['abs', 'relu', 'max', 'min']);

/** An operand: input i, binding j, a number, or (tensor programs) a constant tensor. */
export type Ref =
  | { readonly in: number }
  | { readonly let: number }
  | { readonly c: number }
  | { readonly data: readonly number[]; readonly shape: readonly number[] };

export type ScalarLet =
  | { readonly k: 'unary'; readonly op: UnaryOp; readonly a: Ref }
  | { readonly k: 'powc'; readonly p: number; readonly a: Ref }
  | { readonly k: 'binary'; readonly op: BinaryName; readonly a: Ref; readonly b: Ref }
  | { readonly k: 'sum' | 'logsumexp'; readonly xs: readonly Ref[] }
  | { readonly k: 'dot'; readonly xs: readonly Ref[]; readonly ys: readonly Ref[] }
  /** f's own branch on a primal it reads: `a.value > at ? then : else` (a prepared recording re-records) */
  | { readonly k: 'branch'; readonly a: Ref; readonly at: number; readonly then: Ref; readonly else: Ref };

export type SliceEntry = readonly [number, number] | number | null;

export type TensorLet =
  | { readonly k: 'unary'; readonly op: UnaryOp; readonly a: Ref }
  | { readonly k: 'powc'; readonly p: number; readonly a: Ref }
  | { readonly k: 'binary'; readonly op: BinaryName; readonly a: Ref; readonly b: Ref }
  | { readonly k: 'sum' | 'mean' | 'logsumexp'; readonly a: Ref; readonly axis?: number }
  | { readonly k: 'softmax' | 'logSoftmax'; readonly a: Ref; readonly axis: number }
  | { readonly k: 'matmul' | 'dot' | 'outer' | 'mseLoss'; readonly a: Ref; readonly b: Ref }
  | { readonly k: 'transpose'; readonly a: Ref; readonly perm?: readonly number[] }
  | { readonly k: 'reshape'; readonly a: Ref; readonly shape: readonly number[] }
  | { readonly k: 'slice'; readonly a: Ref; readonly spec: readonly SliceEntry[] }
  | { readonly k: 'take'; readonly a: Ref; readonly indices: readonly number[]; readonly axis: number }
  /** one element as a scalar (a tape value in the tensor API) */
  | { readonly k: 'index'; readonly a: Ref; readonly idx: readonly number[] }
  | { readonly k: 'stack'; readonly xs: readonly Ref[] }
  | { readonly k: 'concat'; readonly xs: readonly Ref[]; readonly axis: number }
  | { readonly k: 'where'; readonly cond: readonly number[]; readonly condShape: readonly number[]; readonly a: Ref; readonly b: Ref }
  | { readonly k: 'crossEntropy' | 'nllLoss'; readonly a: Ref; readonly target: number | readonly number[] }
  | { readonly k: 'linear'; readonly a: Ref; readonly W: Ref; readonly b?: Ref };

export interface ScalarProgram {
  readonly kind: 'scalar';
  /** number of inputs */
  readonly n: number;
  readonly lets: readonly ScalarLet[];
  readonly out: Ref;
}

export interface TensorInput { readonly name: string; readonly shape: readonly number[] }

export interface TensorProgram {
  readonly kind: 'tensor';
  /** 'tensor': one input, f(x: Tensor); 'record': f(p: { a: Tensor; … }) */
  readonly form: 'tensor' | 'record';
  readonly inputs: readonly TensorInput[];
  readonly lets: readonly TensorLet[];
  readonly out: Ref;
}

export type Program = ScalarProgram | TensorProgram;

/** A program with the two points it was generated for (flat: a record's inputs in order). */
export interface Sample<P extends Program = Program> {
  readonly program: P;
  readonly x0: readonly number[];
  readonly x1: readonly number[];
}

/** Number of flat inputs. */
export const inputSize = (p: Program): number => (p.kind === 'scalar' ? p.n : p.inputs.reduce((s, t) => s + sizeOf(t.shape), 0));

// ---------------------------------------------------------------- domains

const isAnything = (d: readonly Interval[]): boolean => d.length === 1 && d[0]![0] === -3 && d[0]![1] === 3;

/** Where a unary op's argument must stay (null: anywhere). */
export function unaryDomain(op: UnaryOp | 'powc', p = 0): readonly Interval[] | null {
  if (KINKED.has(op)) return null;
  if (op === 'powc' && Number.isInteger(p) && p >= 0) return null; // x², x³, x⁰, x¹: smooth everywhere
  const d = unaryRules[op].domain;
  return isAnything(d) ? null : d;
}

/** Where each argument of a binary op must stay (null: anywhere). */
export function binaryDomain(op: BinaryName): [readonly Interval[] | null, readonly Interval[] | null] {
  if (KINKED.has(op)) return [null, null];
  const [a, b] = binaryRules[op].domain;
  return [isAnything([a]) ? null : [a], isAnything([b]) ? null : [b]];
}

/** Is v inside one of the intervals, `margin` (a fraction of its width) away from its ends? */
export function inside(v: number, dom: readonly Interval[], margin = 0): boolean {
  return dom.some(([lo, hi]) => { const m = margin * (hi - lo); return v >= lo + m && v <= hi - m; });
}

// ---------------------------------------------------------------- randomness

export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
/** A short decimal (printed programs stay readable). */
const short = (v: number, digits = 3): number => Number(v.toPrecision(digits));
const uniform = (r: Rand, lo: number, hi: number): number => lo + (hi - lo) * r();
/** A number inside a domain (its middle 80%), or a nice or random number. */
function constantIn(r: Rand, dom: readonly Interval[] | null): number {
  if (dom) { const [lo, hi] = pick(r, dom); return short(lo + (hi - lo) * uniform(r, 0.1, 0.9)); }
  return r() < 0.4 ? pick(r, [0.5, 2, -1, 3, 0.25, 1, -0.5, 1.5]) : short(uniform(r, -2, 2));
}
/** Weighted choice over [weight, value] pairs. */
function weighted<T>(r: Rand, table: readonly (readonly [number, T])[]): T {
  let u = r() * table.reduce((s, [w]) => s + w, 0);
  for (const [w, v] of table) { if ((u -= w) < 0) return v; }
  return table[table.length - 1]![1];
}

/** Squashing maps: op, and its image [lo, hi]. */
const SQUASH: readonly (readonly [UnaryOp, number, number])[] = [
  ['sigmoid', 0, 1], ['tanh', -1, 1], ['sin', -1, 1], ['atan', -Math.PI / 2, Math.PI / 2], ['cos', -1, 1],
];

/** Largest |value| a binding may take at the probe points (keeps rounding and finite differences meaningful). */
const BIG = 1e3;

// ---------------------------------------------------------------- a builder shared by both generators

/** Bindings under construction, with their values at the probe points (flat arrays; a scalar has length 1). */
abstract class Builder<L> {
  readonly lets: L[] = [];
  /** vals[j][k]: binding j at probe k */
  readonly vals: RT[][] = [];
  constructor(readonly r: Rand, readonly probes: readonly (readonly number[])[]) {}
  abstract inputValue(i: number, k: number): RT;
  abstract evalLet(l: L, get: (ref: Ref) => RT): RT;

  value(ref: Ref, k: number): RT {
    if ('in' in ref) return this.inputValue(ref.in, k);
    if ('let' in ref) return this.vals[ref.let]![k]!;
    if ('c' in ref) return { shape: [], data: [ref.c] };
    return { shape: [...ref.shape], data: [...ref.data] };
  }
  /** every element of ref at every probe */
  elements(ref: Ref): number[] {
    return this.probes.flatMap((_, k) => this.value(ref, k).data as number[]);
  }
  /** Appends binding l if its values are finite and moderate at every probe; its ref, or null (nothing appended). */
  push(l: L): Ref | null {
    const vs: RT[] = [];
    for (let k = 0; k < this.probes.length; k++) {
      let v: RT;
      try { v = this.evalLet(l, (ref) => this.value(ref, k)); } catch { return null; }
      if (!v.data.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= BIG)) return null;
      vs.push(v);
    }
    this.lets.push(l);
    this.vals.push(vs);
    return { let: this.lets.length - 1 };
  }
  /** Drops bindings from index `len` on (undoes a failed attempt). */
  truncate(len: number): void { this.lets.length = len; this.vals.length = len; }

  /**
   * ref, or ref squashed into `dom` when some element at some probe lies
   * outside it (with a 5% margin): a chain squash → ·scale → +shift whose
   * image lies strictly inside one interval of dom, at any point.
   */
  guard(ref: Ref, dom: readonly Interval[] | null, unary: (op: UnaryOp, a: Ref) => L, binary: (op: BinaryName, a: Ref, b: Ref) => L): Ref | null {
    if (!dom || this.elements(ref).every((v) => inside(v, dom, 0.05))) return ref;
    const [lo, hi] = pick(this.r, dom), m = 0.05 * (hi - lo), [op, ulo, uhi] = pick(this.r, SQUASH);
    // 4 digits (rounded inwards) keep printed programs short; the 5% margin absorbs the rounding
    const scale = Number(((hi - lo - 2 * m) / (uhi - ulo)).toPrecision(4)), shift = Number((lo + m - ulo * scale).toPrecision(4));
    const u = this.push(unary(op, ref));
    if (!u) return null;
    const v = this.push(this.r() < 0.5 ? binary('mul', u, { c: scale }) : binary('mul', { c: scale }, u));
    if (!v) return null;
    return this.push(this.r() < 0.5 ? binary('add', v, { c: shift }) : this.r() < 0.5 ? binary('add', { c: shift }, v) : binary('sub', v, { c: -shift }));
  }
}

/** A random operand among the inputs and the bindings, biased towards recent bindings (deep programs). */
function operand(r: Rand, nIn: number, nLets: number): Ref {
  if (nLets === 0 || r() < 0.25) return { in: Math.floor(r() * nIn) };
  return { let: Math.floor(nLets * (1 - r() * r())) };
}

// ---------------------------------------------------------------- scalar programs

class ScalarBuilder extends Builder<ScalarLet> {
  inputValue(i: number, k: number): RT { return { shape: [], data: [this.probes[k]![i]!] }; }
  evalLet(l: ScalarLet, get: (ref: Ref) => RT): RT {
    return { shape: [], data: [evalScalarLet(l, (ref) => get(ref).data[0]!, numberOps)] };
  }
  g(ref: Ref, dom: readonly Interval[] | null): Ref | null {
    return this.guard(ref, dom, (op, a) => ({ k: 'unary', op, a }), (op, a, b) => ({ k: 'binary', op, a, b }));
  }
}

export interface GenOptions {
  /** most inputs (scalar programs) or flat input size (tensor programs) */
  maxInputs?: number;
  /** most bindings before guards and the final reduction */
  maxLets?: number;
}

/**
 * The two points: x0 uniform in [−2, 2]ⁿ (for a fifth of the programs, half
 * its coordinates are special: 0, ±1, ½, 2, which puts kinks and ties exactly
 * on the point), and x1 = x0 moved by up to 0.4 per coordinate (for a fifth,
 * by up to 2.5: a long move for prepare(…).at).
 */
function points(r: Rand, n: number): [number[], number[]] {
  const special = r() < 0.2, far = r() < 0.2;
  const x0 = Array.from({ length: n }, () => (special && r() < 0.5 ? pick(r, [0, 1, -1, 0.5, 2]) : short(uniform(r, -2, 2), 6)));
  return [x0, x0.map((v) => short(v + (far ? uniform(r, -2.5, 2.5) : uniform(r, -0.4, 0.4)), 6))];
}

/** A random scalar program over every op of the rule table (and sum, dot, logsumexp, a primal branch). */
export function generateScalar(r: Rand, opts: GenOptions = {}): Sample<ScalarProgram> {
  const n = int(r, 1, opts.maxInputs ?? 4), [x0, x1] = points(r, n);
  const B = new ScalarBuilder(r, [x0, x1]), target = int(r, 2, opts.maxLets ?? 14);
  const ref = () => operand(r, n, B.lets.length);
  for (let tries = 0; B.lets.length < target && tries < 20 * target; tries++) {
    const start = B.lets.length, kind = weighted(r, [
      [34, 'unary'], [26, 'binary'], [16, 'binaryConst'], [7, 'powc'], [4, 'sum'], [4, 'logsumexp'], [4, 'dot'], [3, 'branch'],
    ] as const);
    let made: Ref | null = null;
    if (kind === 'unary') {
      const op = pick(r, UNARY_OPS), a = B.g(ref(), unaryDomain(op));
      made = a && B.push({ k: 'unary', op, a });
    } else if (kind === 'powc') {
      const p = pick(r, unaryRules.powc.params!), a = B.g(ref(), unaryDomain('powc', p));
      made = a && B.push({ k: 'powc', p, a });
    } else if (kind === 'binary') {
      const op = pick(r, BINARY_OPS), [da, db] = binaryDomain(op);
      const x = ref(), y = r() < 0.1 ? x : ref(); // sometimes op(t, t): one value feeding both arguments
      const a = B.g(x, da), b = a && B.g(y, db);
      made = a && b && B.push({ k: 'binary', op, a, b });
    } else if (kind === 'binaryConst') {
      const op = pick(r, BINARY_OPS), [da, db] = binaryDomain(op), left = r() < 0.5;
      const t = B.g(ref(), left ? db : da), c = { c: constantIn(r, left ? da : db) };
      made = t && B.push({ k: 'binary', op, a: left ? c : t, b: left ? t : c });
    } else if (kind === 'sum' || kind === 'logsumexp') {
      made = B.push({ k: kind, xs: Array.from({ length: int(r, 1, 4) }, ref) });
    } else if (kind === 'dot') {
      const m = int(r, 1, 3);
      made = B.push({ k: 'dot', xs: Array.from({ length: m }, ref), ys: Array.from({ length: m }, () => (r() < 0.3 ? { c: constantIn(r, null) } : ref())) });
    } else {
      // the threshold halfway between the two points' values: x0 and x1 take different branches
      const a = ref(), [v0, v1] = [B.value(a, 0).data[0] as number, B.value(a, 1).data[0] as number];
      const at = Math.abs(v0 - v1) > 0.05 ? short((v0 + v1) / 2, 6) : short(v0 + 0.3, 6);
      made = B.push({ k: 'branch', a, at, then: ref(), else: ref() });
    }
    if (!made) B.truncate(start);
  }
  if (B.lets.length === 0) B.push({ k: 'unary', op: 'sin', a: { in: 0 } });
  const out = sink(r, B, (xs): ScalarLet => ({ k: 'sum', xs }));
  return { program: { kind: 'scalar', n, lets: [...B.lets], out }, x0, x1 };
}

/** The output: the last binding, or (half the time) the sum of it and every binding nothing uses. */
function sink<L>(r: Rand, B: Builder<L>, sum: (xs: Ref[]) => L): Ref {
  const last: Ref = { let: B.lets.length - 1 };
  if (r() < 0.5) return last;
  const used = new Set<number>();
  for (const l of B.lets) for (const x of refsOf(l as ScalarLet | TensorLet)) if ('let' in x) used.add(x.let);
  const free = B.lets.map((_, j) => j).filter((j) => !used.has(j) && j !== B.lets.length - 1 && B.vals[j]![0]!.data.length === 1);
  if (free.length === 0) return last;
  return B.push(sum([last, ...free.map((j) => ({ let: j }))])) ?? last;
}

/** The operands of a binding, in order. */
export function refsOf(l: ScalarLet | TensorLet): Ref[] {
  switch (l.k) {
    case 'sum': case 'logsumexp': case 'mean':
      return 'xs' in l ? [...l.xs] : [l.a];
    case 'dot':
      return 'xs' in l ? [...l.xs, ...l.ys] : [l.a, l.b];
    case 'stack': case 'concat': return [...l.xs];
    case 'branch': return [l.a, l.then, l.else];
    case 'binary': case 'matmul': case 'outer': case 'mseLoss': case 'where': return [l.a, l.b];
    case 'linear': return l.b ? [l.a, l.W, l.b] : [l.a, l.W];
    default: return [l.a];
  }
}

// ---------------------------------------------------------------- tensor programs

interface Entry { ref: Ref; shape: number[]; scalar: boolean }

class TensorBuilder extends Builder<TensorLet> {
  /** whether each binding is a scalar (a tape value in the tensor API) rather than a Tensor */
  readonly scalar: boolean[] = [];
  constructor(r: Rand, probes: readonly (readonly number[])[], readonly inputs: readonly TensorInput[]) { super(r, probes); }
  inputValue(i: number, k: number): RT {
    let off = 0;
    for (let j = 0; j < i; j++) off += sizeOf(this.inputs[j]!.shape);
    const s = this.inputs[i]!.shape;
    return { shape: [...s], data: this.probes[k]!.slice(off, off + sizeOf(s)) };
  }
  evalLet(l: TensorLet, get: (ref: Ref) => RT): RT { return evalTensorLet(l, get, numberOps); }
  shapeOf(ref: Ref): number[] { return [...this.value(ref, 0).shape]; }
  isScalar(ref: Ref): boolean { return 'let' in ref ? this.scalar[ref.let]! : 'c' in ref; }
  entry(ref: Ref): Entry { return { ref, shape: this.shapeOf(ref), scalar: this.isScalar(ref) }; }
  /** push, remembering whether the result is a scalar: a Num op whose operands are all scalars or numbers */
  add(l: TensorLet, scalar = false): Ref | null {
    const ref = this.push(l);
    if (ref) this.scalar.push(scalar);
    return ref;
  }
  override truncate(len: number): void { super.truncate(len); this.scalar.length = len; }
  g(e: Entry, dom: readonly Interval[] | null): Entry | null {
    const ref = this.guard(e.ref, dom,
      (op, a) => ({ k: 'unary', op, a }), (op, a, b) => ({ k: 'binary', op, a, b }));
    if (!ref) return null;
    // the guard's bindings keep the operand's kind
    for (let j = this.scalar.length; j < this.lets.length; j++) this.scalar.push(e.scalar);
    return { ref, shape: e.shape, scalar: e.scalar };
  }
  all(): Entry[] {
    return [...this.inputs.map((_, i) => this.entry({ in: i })), ...this.lets.map((_, j) => this.entry({ let: j }))];
  }
}

/** NumPy broadcast of two shapes, or null. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** A random shape that broadcasts against s without growing it: s, a suffix of it, or it with some axes set to 1. */
function broadcastable(r: Rand, s: readonly number[]): number[] {
  const u = r();
  if (u < 0.35 || s.length === 0) return [...s];
  if (u < 0.6) return s.slice(int(r, 1, s.length));
  return s.map((d) => (r() < 0.5 ? 1 : d));
}

/** A random shape of at most `maxSize` elements, rank 0 … 3. */
function randomShape(r: Rand, maxSize: number): number[] {
  const rank = weighted(r, [[1, 0], [4, 1], [5, 2], [2, 3]] as const), s: number[] = [];
  for (let d = 0; d < rank; d++) s.push(int(r, 1, Math.max(1, Math.min(4, Math.floor(maxSize / sizeOf(s))))));
  return s;
}

function constTensor(r: Rand, shape: readonly number[], dom: readonly Interval[] | null = null): Ref {
  return { data: Array.from({ length: sizeOf(shape) }, () => constantIn(r, dom)), shape: [...shape] };
}

/** A random factorisation of `size` into a shape of rank 0 … 3 (one entry sometimes −1). */
function reshapeTo(r: Rand, size: number): number[] {
  const s: number[] = [];
  let left = size;
  const rank = int(r, size === 1 ? 0 : 1, 3);
  for (let d = 0; d < rank - 1; d++) {
    const divisors = Array.from({ length: left }, (_, i) => i + 1).filter((q) => left % q === 0);
    const q = pick(r, divisors);
    s.push(q); left /= q;
  }
  if (rank > 0) s.push(left);
  if (s.length && r() < 0.3) s[int(r, 0, s.length - 1)] = -1;
  return s;
}

function permutation(r: Rand, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = int(r, 0, i); [p[i], p[j]] = [p[j]!, p[i]!]; }
  return p;
}

/** Largest tensor a binding may have (keeps Hessians and finite differences cheap). */
const MAX_SIZE = 24;

/** A random tensor program over every tensor op, ending in a one-element result. */
export function generateTensor(r: Rand, opts: GenOptions = {}): Sample<TensorProgram> {
  const maxIn = opts.maxInputs ?? 10, form = r() < 0.5 ? 'tensor' : 'record';
  const inputs: TensorInput[] = [];
  if (form === 'tensor') inputs.push({ name: 'x', shape: randomShape(r, maxIn) });
  else {
    let left = maxIn;
    for (const name of ['a', 'b', 'c'].slice(0, int(r, 2, 3))) {
      if (left < 1) break;
      const s = randomShape(r, Math.min(6, left));
      inputs.push({ name, shape: s }); left -= sizeOf(s);
    }
  }
  const n = inputs.reduce((s, t) => s + sizeOf(t.shape), 0), [x0, x1] = points(r, n);
  const B = new TensorBuilder(r, [x0, x1], inputs), target = int(r, 2, opts.maxLets ?? 10);
  for (let tries = 0; B.lets.length < target && tries < 30 * target; tries++) {
    const start = B.lets.length;
    const made = tensorStep(r, B);
    if (!made) B.truncate(start);
  }
  // the output: a one-element binding (a final reduction when needed; index always succeeds)
  let out: Entry = B.lets.length ? B.entry({ let: B.lets.length - 1 }) : B.entry({ in: 0 });
  if (sizeOf(out.shape) !== 1 || 'in' in out.ref) {
    const a = out.ref, idx = out.shape.map((d) => int(r, 0, d - 1));
    const how = weighted(r, [[4, 'sum'], [2, 'mean'], [2, 'logsumexp'], [1, 'index']] as const);
    if (how === 'index' || !B.add({ k: how, a })) B.add({ k: 'index', a, idx }, true);
    out = B.entry({ let: B.lets.length - 1 });
  }
  const final = sinkTensor(r, B, out);
  return { program: { kind: 'tensor', form, inputs, lets: [...B.lets], out: final }, x0, x1 };
}

/** Half the time, the output plus every unused one-element binding (dead code stays otherwise). */
function sinkTensor(r: Rand, B: TensorBuilder, out: Entry): Ref {
  if (r() < 0.5) return out.ref;
  const used = new Set<number>();
  for (const l of B.lets) for (const x of refsOf(l)) if ('let' in x) used.add(x.let);
  const outLet = 'let' in out.ref ? out.ref.let : -1;
  const free = B.lets.map((_, j) => j).filter((j) => !used.has(j) && j !== outLet);
  let acc = out;
  for (const j of free.slice(0, 3)) {
    const e = B.entry({ let: j });
    const red = sizeOf(e.shape) === 1 && e.scalar ? e.ref : e.scalar ? null : B.add({ k: 'sum', a: e.ref });
    if (!red) continue;
    const s = B.add({ k: 'binary', op: 'add', a: acc.ref, b: red }, acc.scalar && e.scalar);
    if (s) acc = B.entry(s);
  }
  return acc.ref;
}

/** One random tensor binding (with any guards it needs); false when the attempt failed. */
function tensorStep(r: Rand, B: TensorBuilder): boolean {
  const all = B.all(), recent = (): Entry => {
    const k = all.length;
    return all[Math.max(0, Math.min(k - 1, Math.floor(k * (1 - r() * r()))))]!;
  };
  const tensors = all.filter((e) => !e.scalar), anyTensor = (pred: (e: Entry) => boolean = () => true): Entry | null => {
    const c = tensors.filter(pred);
    if (!c.length) return null;
    return r() < 0.6 ? c[c.length - 1 - Math.floor(r() * Math.min(c.length, 3))]! : pick(r, c);
  };
  const kind = weighted(r, [
    [18, 'unary'], [18, 'binary'], [5, 'powc'], [8, 'reduce'], [6, 'softmax'], [7, 'matmul'], [3, 'transpose'], [3, 'reshape'],
    [5, 'slice'], [3, 'take'], [5, 'index'], [3, 'stack'], [4, 'concat'], [4, 'where'], [3, 'dotOuter'], [4, 'loss'], [3, 'linear'],
  ] as const);
  switch (kind) {
    case 'unary': {
      const op = pick(r, UNARY_OPS), e = recent(), a = B.g(e, unaryDomain(op));
      return !!a && !!B.add({ k: 'unary', op, a: a.ref }, a.scalar);
    }
    case 'powc': {
      const p = pick(r, unaryRules.powc.params!), e = recent(), a = B.g(e, unaryDomain('powc', p));
      return !!a && !!B.add({ k: 'powc', p, a: a.ref }, a.scalar);
    }
    case 'binary': {
      const op = pick(r, BINARY_OPS), [da, db] = binaryDomain(op), x = recent(), swap = r() < 0.3;
      const u = r(), dy = swap ? da : db; // the domain of the side y ends up on
      let y: Entry;
      if (u < 0.45) {
        const c = all.filter((e) => { const s = broadcastShapes(x.shape, e.shape); return s && sizeOf(s) <= MAX_SIZE; });
        y = r() < 0.1 ? x : pick(r, c.length ? c : [x]);
      } else if (u < 0.75) {
        const ref = constTensor(r, broadcastable(r, x.shape), dy);
        y = { ref, shape: B.shapeOf(ref), scalar: false };
      } else y = { ref: { c: constantIn(r, dy) }, shape: [], scalar: true };
      const [first, second] = swap ? [y, x] : [x, y];
      const a = B.g(first, da), b = a && B.g(second, db);
      if (!a || !b) return false;
      return !!B.add({ k: 'binary', op, a: a.ref, b: b.ref }, a.scalar && b.scalar);
    }
    case 'reduce': {
      const e = anyTensor();
      if (!e) return false;
      const k = pick(r, ['sum', 'mean', 'logsumexp'] as const), axis = e.shape.length && r() < 0.7 ? int(r, -e.shape.length, e.shape.length - 1) : undefined;
      return !!B.add(axis === undefined ? { k, a: e.ref } : { k, a: e.ref, axis });
    }
    case 'softmax': {
      const e = anyTensor((t) => t.shape.length > 0);
      if (!e) return false;
      return !!B.add({ k: pick(r, ['softmax', 'logSoftmax'] as const), a: e.ref, axis: int(r, -e.shape.length, e.shape.length - 1) });
    }
    case 'matmul': {
      const x = anyTensor((t) => t.shape.length === 1 || t.shape.length === 2);
      if (!x) return false;
      const p = x.shape[x.shape.length - 1]!;
      const fits = tensors.filter((t) => (t.shape.length === 1 || t.shape.length === 2) && t.shape[0] === p && sizeOf(t.shape) <= MAX_SIZE);
      let y: Ref;
      if (fits.length && r() < 0.5) y = pick(r, fits).ref;
      else if (x.shape.length === 2 && r() < 0.3) {
        const t = B.add({ k: 'transpose', a: x.ref }); // x·xᵀ: one value in both operands
        if (!t) return false;
        y = t;
      } else y = constTensor(r, r() < 0.4 ? [p] : [p, int(r, 1, 3)]);
      return !!B.add({ k: 'matmul', a: x.ref, b: y });
    }
    case 'transpose': {
      const e = anyTensor((t) => t.shape.length >= 2);
      if (!e) return false;
      return !!B.add(r() < 0.4 ? { k: 'transpose', a: e.ref } : { k: 'transpose', a: e.ref, perm: permutation(r, e.shape.length) });
    }
    case 'reshape': {
      const e = anyTensor();
      if (!e) return false;
      return !!B.add({ k: 'reshape', a: e.ref, shape: reshapeTo(r, sizeOf(e.shape)) });
    }
    case 'slice': {
      const e = anyTensor((t) => t.shape.length > 0 && sizeOf(t.shape) > 1);
      if (!e) return false;
      const keep = int(r, 1, e.shape.length);
      const spec: SliceEntry[] = e.shape.slice(0, keep).map((d) => {
        const u = r();
        if (u < 0.25) return null;
        if (u < 0.5) { const i = int(r, 0, d - 1); return r() < 0.3 ? i - d : i; }
        const lo = int(r, 0, d - 1), hi = int(r, lo + 1, d);
        return [r() < 0.2 ? lo - d : lo, r() < 0.2 && hi < d ? hi - d : hi] as const;
      });
      return !!B.add({ k: 'slice', a: e.ref, spec });
    }
    case 'take': {
      const e = anyTensor((t) => t.shape.length > 0);
      if (!e) return false;
      const axis = int(r, 0, e.shape.length - 1), d = e.shape[axis]!;
      const indices = Array.from({ length: int(r, 1, 3) }, () => int(r, 0, d - 1)); // repeats scatter-add in reverse
      return !!B.add({ k: 'take', a: e.ref, indices, axis: r() < 0.3 ? axis - e.shape.length : axis });
    }
    case 'index': {
      const e = anyTensor();
      if (!e) return false;
      return !!B.add({ k: 'index', a: e.ref, idx: e.shape.map((d) => int(r, 0, d - 1)) }, true);
    }
    case 'stack': {
      const scalars = all.filter((e) => sizeOf(e.shape) === 1);
      const xs: Ref[] = Array.from({ length: int(r, 1, 4) }, () => (scalars.length && r() < 0.8 ? pick(r, scalars).ref : { c: constantIn(r, null) }));
      if (xs.every((x) => 'c' in x)) return false;
      return !!B.add({ k: 'stack', xs });
    }
    case 'concat': {
      const e = anyTensor((t) => t.shape.length > 0);
      if (!e) return false;
      const axis = int(r, 0, e.shape.length - 1);
      const like = tensors.filter((t) => t.shape.length === e.shape.length && t.shape.every((d, i) => i === axis || d === e.shape[i]));
      const xs = [e.ref, ...Array.from({ length: int(r, 1, 2) }, () => {
        if (r() < 0.7) return pick(r, like).ref;
        const s = [...e.shape]; s[axis] = int(r, 1, 2);
        return constTensor(r, s);
      })];
      return !!B.add({ k: 'concat', xs, axis: r() < 0.3 ? axis - e.shape.length : axis });
    }
    case 'where': {
      const x = recent(), condShape = broadcastable(r, x.shape);
      const cond = Array.from({ length: sizeOf(condShape) }, () => (r() < 0.5 ? 1 : 0));
      const c = all.filter((e) => { const s = broadcastShapes(x.shape, e.shape); return s && sizeOf(s) <= MAX_SIZE; });
      const y = r() < 0.5 && c.length ? pick(r, c).ref : r() < 0.5 ? { c: constantIn(r, null) } : constTensor(r, broadcastable(r, x.shape));
      return !!B.add(r() < 0.5 ? { k: 'where', cond, condShape, a: x.ref, b: y } : { k: 'where', cond, condShape, a: y, b: x.ref });
    }
    case 'dotOuter': {
      const x = anyTensor((t) => t.shape.length === 1);
      if (!x) return false;
      const k = pick(r, ['dot', 'outer'] as const), m = x.shape[0]!;
      const vecs = tensors.filter((t) => t.shape.length === 1 && (k === 'outer' ? m * t.shape[0]! <= MAX_SIZE : t.shape[0] === m));
      const y = vecs.length && r() < 0.7 ? pick(r, vecs).ref : constTensor(r, [k === 'outer' ? int(r, 1, 3) : m]);
      return !!B.add({ k, a: x.ref, b: y });
    }
    case 'loss': {
      const x = anyTensor((t) => t.shape.length === 1 || t.shape.length === 2);
      if (!x) return false;
      const k = pick(r, ['crossEntropy', 'nllLoss', 'mseLoss'] as const);
      if (k === 'mseLoss') {
        const c = tensors.filter((e) => { const s = broadcastShapes(x.shape, e.shape); return s && sizeOf(s) <= MAX_SIZE; });
        return !!B.add({ k, a: x.ref, b: r() < 0.5 && c.length ? pick(r, c).ref : constTensor(r, broadcastable(r, x.shape)) });
      }
      const C = x.shape[x.shape.length - 1]!;
      const target = x.shape.length === 1 ? int(r, 0, C - 1) : Array.from({ length: x.shape[0]! }, () => int(r, 0, C - 1));
      return !!B.add({ k, a: x.ref, target });
    }
    case 'linear': {
      const x = anyTensor((t) => t.shape.length === 1 || t.shape.length === 2);
      if (!x) return false;
      const inF = x.shape[x.shape.length - 1]!, outF = int(r, 1, 3);
      const Ws = tensors.filter((t) => t.shape.length === 2 && t.shape[1] === inF);
      const W = Ws.length && r() < 0.5 ? pick(r, Ws).ref : constTensor(r, [outF, inF]);
      const o = B.shapeOf(W)[0]!;
      if (r() < 0.3) return !!B.add({ k: 'linear', a: x.ref, W });
      const bs = tensors.filter((t) => t.shape.length === 1 && t.shape[0] === o);
      return !!B.add({ k: 'linear', a: x.ref, W, b: bs.length && r() < 0.5 ? pick(r, bs).ref : constTensor(r, [o]) });
    }
  }
}

/** A scalar or tensor program, with the given probability of a tensor one. */
export function generate(r: Rand, tensorShare = 0.5, opts: GenOptions = {}): Sample {
  return r() < tensorShare ? generateTensor(r, opts) : generateScalar(r, opts);
}

// ---------------------------------------------------------------- printing

const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
const list = (xs: readonly number[]): string => `[${xs.map(num).join(', ')}]`;

function refText(p: Program, ref: Ref): string {
  if ('let' in ref) return `t${ref.let}`;
  if ('c' in ref) return num(ref.c);
  if ('data' in ref) return `tensor(${list(ref.data)}, ${list(ref.shape)})`;
  if (p.kind === 'scalar') return `x[${ref.in}]!`;
  return p.form === 'tensor' ? 'x' : `p.${p.inputs[ref.in]!.name}`;
}

function letText(p: Program, l: ScalarLet | TensorLet): string {
  const t = (ref: Ref) => refText(p, ref), ts = (xs: readonly Ref[]) => `[${xs.map(t).join(', ')}]`;
  // a binding the tensor-only ops take, typed Num by inference when it came through a scalar op
  const tt = (ref: Ref) => ('let' in ref ? `${t(ref)} as Tensor` : t(ref));
  switch (l.k) {
    case 'unary': return `${l.op}(${t(l.a)})`;
    case 'powc': return `pow(${t(l.a)}, ${num(l.p)})`;
    case 'binary': return `${l.op}(${t(l.a)}, ${t(l.b)})`;
    case 'branch': return `(typeof ${t(l.a)} === 'number' ? ${t(l.a)} : ${t(l.a)}.value) > ${num(l.at)} ? ${t(l.then)} : ${t(l.else)}`;
    case 'sum': case 'logsumexp': case 'mean':
      if ('xs' in l) return `${l.k}(${ts(l.xs)})`;
      return `${l.k}(${tt(l.a)}${l.axis === undefined ? '' : `, ${l.axis}`})`;
    case 'dot': return 'xs' in l ? `dot(${ts(l.xs)}, ${ts(l.ys)})` : `dot(${tt(l.a)}, ${tt(l.b)})`;
    case 'softmax': case 'logSoftmax': return `${l.k}(${tt(l.a)}, ${l.axis})`;
    case 'matmul': case 'outer': return `${l.k}(${tt(l.a)}, ${tt(l.b)})`;
    case 'mseLoss': return `${l.k}(${t(l.a)}, ${t(l.b)})`;
    case 'transpose': return `transpose(${tt(l.a)}${l.perm ? `, ${list(l.perm)}` : ''})`;
    case 'reshape': return `reshape(${tt(l.a)}, ${list(l.shape)})`;
    case 'slice': return `slice(${tt(l.a)}, [${l.spec.map((s) => (s === null ? 'null' : typeof s === 'number' ? num(s) : list(s))).join(', ')}])`;
    case 'take': return `take(${tt(l.a)}, ${list(l.indices)}, ${l.axis})`;
    case 'index': return `(${t(l.a)} as Tensor).index(${l.idx.join(', ')})`;
    case 'stack': return `stack(${ts(l.xs)})`;
    case 'concat': return `concat([${l.xs.map(tt).join(', ')}], ${l.axis})`;
    case 'where': return `where(tensor(${list(l.cond)}, ${list(l.condShape)}), ${t(l.a)}, ${t(l.b)})`;
    case 'crossEntropy': case 'nllLoss': return `${l.k}(${tt(l.a)}, ${typeof l.target === 'number' ? l.target : list(l.target)})`;
    case 'linear': return `linear(${tt(l.a)}, ${tt(l.W)}${l.b ? `, ${tt(l.b)}` : ''})`;
  }
}

/** Every hyperad name a program's source uses. */
function importsOf(p: Program): string[] {
  const names = new Set<string>(['type Num']);
  for (const l of p.lets) {
    if (l.k === 'unary' || l.k === 'binary') names.add(l.op);
    else if (l.k === 'powc') names.add('pow');
    else if (l.k === 'branch') continue;
    else if (l.k === 'index') names.add('Tensor');
    else if (l.k === 'where') names.add('where');
    else names.add(l.k);
    if (l.k === 'concat' || l.k === 'crossEntropy' || l.k === 'nllLoss' || l.k === 'linear') names.add('Tensor');
  }
  if (p.kind === 'tensor') { names.add('tensor'); names.add('Tensor'); }
  return [...names].sort((a, b) => a.replace('type ', '').localeCompare(b.replace('type ', '')));
}

/** The program as a TypeScript function `f` (and its point `x`, when given). */
export function programSource(p: Program, x?: readonly number[]): string {
  const lines = [`import { ${importsOf(p).join(', ')} } from 'hyperad';`, ''];
  const sig = p.kind === 'scalar' ? '(x: Num[]): Num' : p.form === 'tensor' ? '(x: Tensor): Num' : `(p: { ${p.inputs.map((t) => `${t.name}: Tensor`).join('; ')} }): Num`;
  lines.push(`const f = ${sig} => {`);
  // scalar bindings are Num; tensor bindings are left to inference (Tensor, or Num for an index)
  p.lets.forEach((l, j) => lines.push(`  const t${j}${p.kind === 'scalar' ? ': Num' : ''} = ${letText(p, l)};`));
  lines.push(`  return ${refText(p, p.out)};`, '};');
  if (x) lines.push(`const x = ${pointSource(p, x)};`);
  return lines.join('\n');
}

/** A flat point in the program's form, as TypeScript. */
export function pointSource(p: Program, x: readonly number[]): string {
  if (p.kind === 'scalar') return list(x);
  let off = 0;
  const parts = p.inputs.map((t) => { const s = sizeOf(t.shape), d = x.slice(off, off + s); off += s; return `tensor(${list(d)}, ${list(t.shape)})`; });
  return p.form === 'tensor' ? parts[0]! : `{ ${p.inputs.map((t, i) => `${t.name}: ${parts[i]}`).join(', ')} }`;
}

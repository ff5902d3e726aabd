/**
 * The tape: the record of one evaluation of f, in flat typed arrays, one
 * entry per node (what a node stores: lib/tape/node.ts): op codes, argument
 * nodes, primal values and the local partials at that point.
 *
 * Node 0 is the zero node: its value, tangent and adjoint are zero, and a
 * missing argument points at it (a unary node has b = 0 and g_b = 0; a
 * constant has a = b = 0), so sweeps run without branches. Inputs occupy
 * nodes 1 … nIn; constants and computed nodes follow in recording order.
 */
import type { Trace } from '../trace.js';
import type { Block } from './block.js';
import type { SweepTape } from './block.js';
import { BLOCK, CONST, INPUT, NPAR, constNode, evalNode, finitePartials } from './node.js';
import { giveFloats, giveInts, takeFloats, takeInts } from './pool.js';

const EMPTY_INTS = new Int32Array(0), EMPTY_FLOATS = new Float64Array(0);

/** The recording of one evaluation: the node arrays the sweeps read (a {@link SweepTape}) and the methods that append nodes. */
export class Tape {
  /** number of nodes, the zero node included */
  n = 1;
  /** number of inputs (nodes 1 … nIn) */
  nIn = 0;
  op: Int32Array;
  a: Int32Array;
  b: Int32Array;
  val: Float64Array;
  /** the constant parameter of a parametric unary op (the p of x^p) */
  prm: Float64Array;
  par: Float64Array;
  /** block nodes (tensor ops), in recording order */
  readonly blocks: Block[] = [];
  /** some node's partials are not all finite: sweeps use the careful kernels (see careful.ts) */
  nonFinite = false;
  /** bumped whenever the stored partials change (a replay): caches derived from them (lib/tape/zeros.ts) check it */
  version = 0;
  /** true once user code read a primal (`.value`): f may have branched on it */
  primalRead = false;

  constructor(readonly trace: Trace, capacity = 256) {
    // op, a, b, prm and par come from the pool (see pool.ts): every slot is written before it is read
    this.op = takeInts(capacity);
    this.a = takeInts(capacity);
    this.b = takeInts(capacity);
    this.prm = takeFloats(capacity);
    this.par = takeFloats(capacity * NPAR);
    // pooled arrays may be longer than asked for; val is not pooled (it stays readable after release), so it gets what
    // was asked for: fresh memory costs its page faults
    this.cap = Math.min(capacity, this.op.length, this.a.length, this.b.length, this.prm.length, Math.floor(this.par.length / NPAR));
    this.val = new Float64Array(this.cap);
    this.op[0] = 0; this.a[0] = 0; this.b[0] = 0; this.prm[0] = 0;
    this.par.fill(0, 0, NPAR);
  }

  /** slots the arrays hold (read by the generated recorders, codegen/record.ts) */
  cap: number;

  /**
   * bytes the recording uses (what the memory columns of the benchmarks
   * report): a node's arrays, a value for each slot of a block that keeps
   * its own (an ArrayBlock), and what the blocks hold
   */
  get bytes(): number {
    const own = this.blocks.reduce((s, b) => s + (b.nodes ? 0 : b.size), 0);
    return (this.n - own) * (3 * 4 + 2 * 8 + NPAR * 8) + own * 8 + this.blocks.reduce((s, b) => s + b.bytes, 0);
  }

  /**
   * Gives the arrays back to the pool: the recording is finished with (a
   * one-shot transform's, at the end of its call). Primal values stay
   * readable (an escaped tape value's `.value`); anything else is gone.
   */
  release(): void {
    giveInts(this.op); giveInts(this.a); giveInts(this.b); giveFloats(this.prm); giveFloats(this.par);
    this.op = this.a = this.b = EMPTY_INTS;
    this.prm = this.par = EMPTY_FLOATS;
    this.cap = 0;
  }

  /** doubles the room (the arrays are replaced: re-read them after a call) */
  grow(): void {
    const cap = (this.cap = this.cap * 2);
    const gi = (x: Int32Array): Int32Array => { const y = takeInts(cap); y.set(x.subarray(0, this.n)); giveInts(x); return y; };
    const gf = (x: Float64Array, m: number): Float64Array => { const y = takeFloats(cap * m); y.set(x.subarray(0, this.n * m)); giveFloats(x); return y; };
    this.op = gi(this.op); this.a = gi(this.a); this.b = gi(this.b);
    this.prm = gf(this.prm, 1); this.par = gf(this.par, NPAR);
    const val = new Float64Array(cap);
    val.set(this.val.subarray(0, this.n));
    this.val = val;
  }

  private push(op: number, a: number, b: number, v: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.op[i] = op; this.a[i] = a; this.b[i] = b; this.val[i] = v; this.prm[i] = 0;
    return i;
  }

  /**
   * Reserves `size` slots for a block node's outputs; the caller fills
   * val[out …] and then calls {@link addBlock}. Their op code is BLOCK; their
   * arguments, parameters and partials are never read (every pass visits a
   * block through its own methods) unless the block writes them as
   * elementary nodes (Block#nodes).
   */
  reserve(size: number): number {
    while (this.n + size > this.cap) this.grow();
    const out = this.n;
    this.op.fill(BLOCK, out, out + size);
    this.n += size;
    return out;
  }

  /** gives back the last `size` slots reserved, nothing having been recorded since */
  unreserve(size: number): void {
    this.n -= size;
  }

  /** appends a block node whose output slots were reserved last */
  addBlock(block: Block): void {
    this.blocks.push(block);
  }

  /** records input nodes 1 … x.length for the entries of x (call before any other node) */
  inputs(x: ArrayLike<number>): void {
    const m = x.length;
    while (this.n + m > this.cap) this.grow();
    const lo = this.n, hi = lo + m;
    // (an input's partials are never read: every pass over nodes starts after the inputs; the specs poison the pool to check it)
    this.op.fill(INPUT, lo, hi); this.a.fill(0, lo, hi); this.b.fill(0, lo, hi); this.prm.fill(0, lo, hi);
    const val = this.val;
    for (let k = 0; k < m; k++) val[lo + k] = x[k]!;
    this.n = hi;
    this.nIn += m;
  }

  /** records a constant (its partials are zero) */
  constant(v: number): number {
    const i = this.push(CONST, 0, 0, v);
    this.par.fill(0, i * NPAR, i * NPAR + NPAR);
    return i;
  }

  /** records y = op(x_a; p) and its partials g_a = f′, h_aa = f″ */
  unary(code: number, ai: number, p: number): number {
    const i = this.push(code, ai, 0, 0);
    this.prm[i] = p;
    this.val[i] = evalNode(code, this.val[ai]!, 0, p, this.par, i * NPAR);
    if (!finitePartials(this.par, i * NPAR)) this.nonFinite = true;
    return i;
  }

  /** records y = op(x_a, c) (or op(c, x_a) when `constFirst`) as a one-argument node */
  binaryConst(code: number, ai: number, c: number, constFirst: boolean): number {
    const node = constNode(code, constFirst);
    const i = this.push(node, ai, 0, 0);
    this.prm[i] = c;
    this.val[i] = evalNode(node, this.val[ai]!, 0, c, this.par, i * NPAR);
    if (!finitePartials(this.par, i * NPAR)) this.nonFinite = true;
    return i;
  }

  /** records y = op(x_a, x_b) and its first and second partials */
  binary(code: number, ai: number, bi: number): number {
    const i = this.push(code, ai, bi, 0);
    this.val[i] = evalNode(code, this.val[ai]!, this.val[bi]!, 0, this.par, i * NPAR);
    if (!finitePartials(this.par, i * NPAR)) this.nonFinite = true;
    return i;
  }
}

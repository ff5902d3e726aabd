/**
 * Float64 tensors, row-major. A tensor is either a constant (it owns its
 * data) or traced: it names a run of slots on a tape, written by one block
 * node. Elementwise ops read the rule table (lib/tensor/blocks.ts).
 */
import { Value, type Methods, type Num } from '../value.js';
import { BINARY, UNARY, NU, OP_NAMES } from '../rules/index.js';
import type { Tape } from '../tape/tape.js';
import { Var } from '../tape/var.js';
import { currentName, mixedTraces, type Trace } from '../trace.js';
import { describe } from '../describe.js';
import { Constant, Elementwise } from './blocks.js';
import { fusing, isLeaf, opExpr, valuesAfterEnd, recordFused, type Expr, type OpExpr } from './fused.js';
import { constNode } from '../tape/node.js';
import { leafSlot } from '../tape/codegen/fused.js';
import { broadcastShape, shapeString, sizeOf, strides, type Shape } from './shape.js';
import { broadcastIndex } from './index-maps.js';
import { binaryNum, unaryNum } from './nested.js';
import { Jet } from '../numbers/jet.js';

export class Tensor extends Value {
  readonly size: number;
  /**
   * @param shape dimensions (row-major)
   * @param tape the recording it lives on (null: a constant)
   * @param slot its first slot on that tape
   * @param own its data, for a constant
   * @param jets its elements, for a tensor inside a nested transform (lib/tensor/nested.ts)
   * @param expr a lazy tensor's expression (lib/tensor/fused.ts): its slots are recorded when first asked for
   */
  constructor(
    readonly shape: Shape,
    readonly tape: Tape | null,
    private first: number,
    private readonly own: Float64Array | null,
    readonly jets: readonly Num[] | null = null,
    private expr: Expr | null = null,
  ) {
    super();
    this.size = sizeOf(shape);
  }
  /** Its first slot on its tape (a lazy tensor is recorded now: its expression fused into one block, or as nodes). */
  get slot(): number {
    if (this.expr) {
      const e = this.expr, t = this.tape!;
      if (!t.trace.active) {
        throw new Error(`${currentName()}: this tensor was computed inside an evaluation that has ended, as part of a fused chain: it has values (.data) but no place on a recording`);
      }
      this.expr = null;
      this.first = recordFused(t, e, this.size, false)?.out ?? recordNodes(t, e, this.size);
    }
    return this.first;
  }
  /** The expression of this tensor broadcast to `shape` (m elements), for an op being fused: its own when lazy and of that shape, else a leaf reading its slots. */
  exprAt(t: Tape, shape: Shape): Expr {
    if (this.expr && sameShape(this.shape, shape)) return this.expr;
    const slot = slotOn(t, this), n = this.size, m = sizeOf(shape);
    const leaf = n === 1 ? { base: slot, step: 0 as const, idx: null } : n === m ? { base: slot, step: 1 as const, idx: null } : { base: slot, step: 0 as const, idx: broadcastIndex(shape, this.shape) };
    return { leaf, count: 0, leaves: 1 };
  }
  /** The expression of a lazy tensor (null: recorded, or not traced). */
  get lazy(): Expr | null { return this.expr; }
  /** A constant tensor owning `data`. */
  static constant(data: Float64Array, shape: Shape): Tensor {
    return new Tensor(shape, null, 0, data);
  }
  /** A tensor of scalars of any kind (a nested transform's jets); a constant when they are all numbers. */
  static ofNums(elems: readonly Num[], shape: Shape): Tensor {
    if (elems.every((v) => typeof v === 'number')) return Tensor.constant(Float64Array.from(elems as number[]), shape);
    return new Tensor(shape, null, 0, null, elems);
  }
  /** The elements as scalars: a nested tensor's jets, a constant's numbers (op names the caller; a traced tensor is an error). */
  nums(op: string): readonly Num[] {
    if (this.jets) return this.jets;
    if (this.tape) {
      throw new Error(`${currentName()}: ${op}: a tensor recorded by an outer evaluation cannot meet the jets of a nested transform (perturbation confusion)`);
    }
    return Array.from(this.own!);
  }
  get trace(): Trace | null { return this.tape ? this.tape.trace : null; }
  get kind(): string { return 'Tensor'; }
  override get priority(): number { return 1; }

  /** The primal values, row-major (a copy for a traced tensor; reading it marks the recording as branching on it). */
  get data(): Float64Array {
    if (this.own) return this.own;
    if (this.jets) return Float64Array.from(this.jets, (v) => (typeof v === 'number' ? v : v.value));
    if (this.afterEnd) return this.afterEnd.slice();
    this.tape!.primalRead = true;
    const s = this.slot; // (first: recording a lazy tensor may grow the tape, replacing val)
    return this.tape!.val.slice(s, s + this.size);
  }
  /** the values without marking the recording (for the library's own use) */
  values(): Float64Array {
    if (this.jets) throw new Error(`${currentName()}: this tensor op is not supported inside a nested transform (its inputs carry a nested transform's jets)`);
    if (this.own) return this.own;
    if (this.afterEnd) return this.afterEnd;
    const s = this.slot; // (first: recording a lazy tensor may grow the tape, replacing val)
    return this.tape!.val.subarray(s, s + this.size);
  }
  /**
   * The values of a lazy tensor whose evaluation has ended before it was
   * recorded (kept from f; a fused chain's intermediate): computed from the
   * ended recording's values, which stay readable. Null for any other tensor.
   */
  get afterEnd(): Float64Array | null {
    if (!this.expr || this.tape!.trace.active) return null;
    this.late ??= valuesAfterEnd(this.expr, this.size, this.tape!.val);
    return this.late;
  }
  private late: Float64Array | null = null;
  /** The single value of a one-element tensor. */
  get value(): number {
    if (this.size !== 1) throw new RangeError(`${currentName()}: .value/.item() needs a one-element tensor, this one has shape ${shapeString(this.shape)}`);
    return this.data[0]!;
  }
  override peek(): number { return this.jets ? this.data[0]! : this.values()[0]!; }
  /** The single value of a one-element tensor. */
  item(): number { return this.value; }

  /** Nested arrays of the values (a number for a rank-0 tensor). */
  toArray(): unknown {
    const d = this.data, s = this.shape;
    const build = (dim: number, off: number): unknown => {
      if (dim === s.length) return d[off]!;
      const st = sizeOf(s.slice(dim + 1));
      return Array.from({ length: s[dim]! }, (_, i) => build(dim + 1, off + i * st));
    };
    return build(0, 0);
  }

  /** The element at a full index as a scalar (a tape value for a traced tensor). */
  index(...idx: number[]): Num {
    const s = this.shape;
    if (idx.length !== s.length) throw new RangeError(`${currentName()}: index: a tensor of shape ${shapeString(s)} needs ${s.length} indices, got ${idx.length}`);
    const st = strides(s);
    let off = 0;
    for (let d = 0; d < s.length; d++) {
      let i = idx[d]!;
      if (!Number.isInteger(i) || i < -s[d]! || i >= s[d]!) throw new RangeError(`${currentName()}: index: index ${i} is out of range for axis ${d} of size ${s[d]}`);
      if (i < 0) i += s[d]!;
      off += i * st[d]!;
    }
    return this.own ? this.own[off]! : this.jets ? this.jets[off]! : new Var(this.tape!, this.slot + off);
  }

  override toString(): string { return `Tensor(${shapeString(this.shape)}${this.tape ? ', traced' : this.jets ? ', nested' : ''})`; }

  unaryOp(code: number, p: number): Tensor {
    if (this.jets) return Tensor.ofNums(this.jets.map((v) => unaryNum(code, v, p)), this.shape);
    if (!this.tape) {
      const f = UNARY[code]!.f, x = this.own!, y = new Float64Array(x.length);
      for (let j = 0; j < x.length; j++) y[j] = f(x[j]!, p);
      return Tensor.constant(y, this.shape);
    }
    const t = liveTape(OP_NAMES[code]!, [this])!, m = this.size;
    if (fusing(m)) {
      const e = opExpr(code, p, this.exprAt(t, this.shape), null) ?? opExpr(code, p, leafOf(t, this, this.shape), null)!;
      return new Tensor(this.shape, t, 0, null, null, e);
    }
    const x = this.slot, out = t.reserve(m), { a, b } = t, d = x - out;
    for (let i = out; i < out + m; i++) { a[i] = i + d; b[i] = 0; }
    return elementwise(t, this.shape, out, code, p);
  }

  binaryOp(code: number, other: Num, thisFirst: boolean): Tensor {
    const name = OP_NAMES[code]!, o = asTensor(name, other);
    const x = thisFirst ? this : o, y = thisFirst ? o : this;
    const shape = broadcastShape(name, x.shape, y.shape);
    if (x.jets || y.jets) {
      const xs = x.nums(name), ys = y.nums(name), ia = broadcastIndex(shape, x.shape), ib = broadcastIndex(shape, y.shape);
      return Tensor.ofNums(Array.from(ia, (i, j) => binaryNum(code, xs[i]!, ys[ib[j]!]!)), shape);
    }
    const t = liveTape(name, [x, y]);
    if (!t) {
      const ia = broadcastIndex(shape, x.shape), ib = broadcastIndex(shape, y.shape);
      const f = BINARY[code - NU]!.f, xs = x.own!, ys = y.own!, z = new Float64Array(ia.length);
      for (let j = 0; j < z.length; j++) z[j] = f(xs[ia[j]!]!, ys[ib[j]!]!);
      return Tensor.constant(z, shape);
    }
    const m = sizeOf(shape);
    if (fusing(m)) return fused(t, code, x, y, shape);
    const sx = slotOn(t, x), sy = slotOn(t, y), out = t.reserve(m);
    argumentSlots(t.a, out, m, sx, x.shape, shape);
    argumentSlots(t.b, out, m, sy, y.shape, shape);
    return elementwise(t, shape, out, code, 0);
  }
}

export interface Tensor extends Methods<Tensor> {}

/** x op y as a lazy tensor of shape `shape`; a one-element constant operand is the node's parameter (x·c, c − x), as in scalar code. */
function fused(t: Tape, code: number, x: Tensor, y: Tensor, shape: Shape): Tensor {
  const xc = !x.tape && x.size === 1, yc = !y.tape && y.size === 1;
  let e: Expr | null;
  if (xc !== yc) {
    const c = (xc ? x : y).values()[0]!, z = xc ? y : x, node = constNode(code, xc);
    e = opExpr(node, c, z.exprAt(t, shape), null) ?? opExpr(node, c, leafOf(t, z, shape), null);
  } else {
    e = opExpr(code, 0, x.exprAt(t, shape), y.exprAt(t, shape)) ?? opExpr(code, 0, leafOf(t, x, shape), leafOf(t, y, shape));
  }
  return new Tensor(shape, t, 0, null, null, e);
}

/** x as a leaf of an expression of shape `shape` (recorded first if lazy: a chain grown past the limits is cut here). */
function leafOf(t: Tape, x: Tensor, shape: Shape): Expr {
  void slotOn(t, x);
  return x.exprAt(t, shape);
}

/** Records expression e over m elements as elementary nodes (an Elementwise block per op); returns the root's first slot. */
export function recordNodes(t: Tape, e: Expr, m: number): number {
  const done = new Map<Expr, number>();
  const slotOf = (x: Expr): ((i: number) => number) => {
    if (isLeaf(x)) { const l = x.leaf; return (i) => leafSlot(l, i); }
    const s = record(x);
    return (i) => s + i;
  };
  const record = (x: OpExpr): number => {
    const hit = done.get(x);
    if (hit !== undefined) return hit;
    const sa = slotOf(x.a), sb = x.b ? slotOf(x.b) : null, out = t.reserve(m), { a, b } = t;
    for (let i = 0; i < m; i++) { a[out + i] = sa(i); b[out + i] = sb ? sb(i) : 0; }
    nodeRun(t, out, m, x.code, x.p);
    done.set(x, out);
    return out;
  };
  return record(e as OpExpr);
}

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Writes arg[out + j] = the slot of the element of a tensor of shape `src`
 * (first slot `slot`) broadcast to element j of `shape`.
 */
function argumentSlots(arg: Int32Array, out: number, m: number, slot: number, src: Shape, shape: Shape): void {
  if (sizeOf(src) === 1) { arg.fill(slot, out, out + m); return; }
  if (sizeOf(src) === m) { for (let j = 0; j < m; j++) arg[out + j] = slot + j; return; } // same size: same shape up to leading 1s
  const idx = broadcastIndex(shape, src);
  for (let j = 0; j < m; j++) arg[out + j] = slot + idx[j]!;
}

/** The elementwise block over the m slots reserved at out, whose argument slots are written: op codes, replay, block. */
function elementwise(t: Tape, shape: Shape, out: number, code: number, p: number): Tensor {
  nodeRun(t, out, sizeOf(shape), code, p);
  return new Tensor(shape, t, out, null);
}

/** Records an elementwise block of op `code` over the `size` slots reserved at out, whose argument slots are written. */
export function nodeRun(t: Tape, out: number, size: number, code: number, p: number): void {
  const blk = new Elementwise(t, out, size, code, p);
  blk.replay(t);
  t.addBlock(blk);
}

/** A scalar or tensor operand as a tensor: numbers become constants, tape values rank-0 views. */
export function asTensor(op: string, x: Num): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return Tensor.constant(Float64Array.of(x), []);
  if (x instanceof Var) return new Tensor([], x.tape, x.i, null);
  if (x instanceof Jet) return Tensor.ofNums([x], []);
  throw new TypeError(
    `${currentName()}: ${op}: tensors are recorded on a tape and cannot take a ${describe(x).replace(/^an? /, '')}; ` +
      `use a tape-based transform (grad, hvp, hessian, …), which records f when x is a Tensor`,
  );
}

/** The one live tape shared by the traced operands (null when all are constants); mixing traces is an error. */
export function liveTape(op: string, xs: readonly Tensor[]): Tape | null {
  let t: Tape | null = null;
  for (const x of xs) {
    if (x.jets) throw new Error(`${currentName()}: ${op} is not supported inside a nested transform (on tensors of a nested transform's jets)`);
    if (!x.tape) continue;
    if (!x.tape.trace.active) throw mixedTraces(x.tape.trace, null, op);
    if (t && t !== x.tape) throw mixedTraces(t.trace, x.tape.trace, op);
    t = x.tape;
  }
  return t;
}

/**
 * The first slot of x on tape t; a constant is written there as a Constant
 * block, with its values as they are now (a copy: like a scalar constant, a
 * recording keeps the values f saw when it was recorded, whatever later
 * happens to the tensor's data).
 */
export function slotOn(t: Tape, x: Tensor): number {
  if (x.tape) return x.slot;
  const data = x.values().slice(), out = t.reserve(data.length), blk = new Constant(t, out, data);
  blk.replay(t);
  t.addBlock(blk);
  return out;
}

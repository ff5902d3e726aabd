/**
 * Reductions over arrays of scalars, composed from the table's ops (so every
 * derivative of every order follows from the rules).
 */
import { Value, type Num } from '../numbers/value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { add, exp, log, max, mul, sub } from './scalar.js';
import { dotTensor, logsumexpTensor, sumTensor } from '../tensor/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { Var } from '../tape/var.js';
import { constNode, type Tape } from '../tape/tape.js';
import { recorder } from '../tape/codegen/record.js';
import { BINARY, NU, binaryCode } from '../rules/index.js';

function list(name: string, xs: unknown, which = 'xs'): asserts xs is readonly Num[] {
  if (!Array.isArray(xs)) throw new TypeError(`${currentName()}: ${name}: ${which} must be an array, got ${describe(xs)}`);
  xs.forEach((x, i) => {
    if (typeof x !== 'number' && !(x instanceof Value)) {
      throw new TypeError(`${currentName()}: ${name}: ${which}[${i}] must be a number or a hyperad value, got ${describe(x)}`);
    }
  });
}

/** Σᵢ xᵢ over an array of scalars (0 for an empty array), or a tensor's sum over `axis` (all axes when absent). */
export function sum(xs: Tensor, axis?: number): Tensor;
export function sum(xs: readonly Num[]): Num;
export function sum(xs: readonly Num[] | Tensor, axis?: number): Num {
  if (xs instanceof Tensor) return sumTensor(xs, axis);
  list('sum', xs);
  const t = recordingOf(xs);
  if (t) return chain(t, xs, null);
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? xs[0]! : add(s, xs[i]!);
  return s;
}

/** Σᵢ xᵢ·yᵢ over two arrays of one length, or two vector tensors (a rank-0 tensor). */
export function dot(xs: Tensor, ys: Tensor): Tensor;
export function dot(xs: readonly Num[], ys: readonly Num[]): Num;
export function dot(xs: readonly Num[] | Tensor, ys: readonly Num[] | Tensor): Num {
  if (xs instanceof Tensor && ys instanceof Tensor) return dotTensor(xs, ys);
  list('dot', xs); list('dot', ys, 'ys');
  if (xs.length !== ys.length) {
    throw new RangeError(`${currentName()}: dot: xs has length ${xs.length}, ys has length ${ys.length}`);
  }
  const tx = recordingOf(xs), ty = recordingOf(ys), t = tx ?? ty;
  if (t && tx !== null && ty !== null && (tx === undefined || ty === undefined || tx === ty)) return chain(t, xs, ys);
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? mul(xs[0]!, ys[0]!) : add(s, mul(xs[i]!, ys[i]!));
  return s;
}

/**
 * The active recording every traced entry of xs belongs to; undefined when
 * every entry is a number; null when some entry is another kind of value (or
 * of another or an ended recording: the general path then says what is wrong).
 */
function recordingOf(xs: readonly Num[]): Tape | null | undefined {
  let t: Tape | undefined;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (typeof x === 'number') continue;
    if (!(x instanceof Var) || (t !== undefined && x.tape !== t) || !x.tape.trace.active) return null;
    t = x.tape;
  }
  return t;
}

const ADD = binaryCode('add'), MUL = binaryCode('mul');

/**
 * Σᵢ xᵢ (ys null) or Σᵢ xᵢ·yᵢ on recording t, recording exactly the nodes
 * the loops above record through add and mul (a number operand as a
 * constant, numbers combined as numbers), without a tape value for each
 * partial sum: the running sum is a slot (or a number while no entry was
 * traced).
 */
function chain(t: Tape, xs: readonly Num[], ys: readonly Num[] | null): Num {
  let sNum = 0, sSlot = -1;
  for (let i = 0; i < xs.length; i++) {
    // the term: xᵢ, or xᵢ·yᵢ as mul records it
    let tNum = 0, tSlot = -1;
    const x = xs[i]!, y = ys ? ys[i]! : 1;
    if (!ys) { if (typeof x === 'number') tNum = x; else tSlot = (x as Var).i; }
    else if (typeof x === 'number') { if (typeof y === 'number') tNum = BINARY[MUL - NU]!.f(x, y); else tSlot = recorder(constNode(MUL, true))(t, (y as Var).i, x); }
    else tSlot = typeof y === 'number' ? recorder(constNode(MUL, false))(t, (x as Var).i, y) : recorder(MUL)(t, (x as Var).i, (y as Var).i);
    if (i === 0) { sNum = tNum; sSlot = tSlot; continue; }
    if (sSlot < 0) {
      if (tSlot < 0) sNum = BINARY[ADD - NU]!.f(sNum, tNum);
      else sSlot = recorder(constNode(ADD, true))(t, tSlot, sNum);
    } else {
      sSlot = tSlot < 0 ? recorder(constNode(ADD, false))(t, sSlot, tNum) : recorder(ADD)(t, sSlot, tSlot);
    }
  }
  return sSlot < 0 ? sNum : new Var(t, sSlot);
}

const primal = (x: Num): number => (typeof x === 'number' ? x : x instanceof Value ? x.peek() : NaN);

/**
 * log Σᵢ exp(xᵢ), stable for any inputs: m + log Σ exp(xᵢ − m) with m the
 * largest xᵢ (the identity holds for any m, so derivatives of every order
 * are exact; m only keeps exp from overflowing).
 */
export function logsumexp(xs: Tensor, axis?: number): Tensor;
export function logsumexp(xs: readonly Num[]): Num;
export function logsumexp(xs: readonly Num[] | Tensor, axis?: number): Num {
  if (xs instanceof Tensor) return logsumexpTensor(xs, axis);
  list('logsumexp', xs);
  if (xs.length === 0) return -Infinity;
  const shift = (v: ArrayLike<number>): number => {
    let m = -Infinity;
    for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]!);
    return Number.isFinite(m) ? m : 0;
  };
  // On a tape the shift is itself recorded (a chain of max nodes), so a prepared recording recomputes it
  // when it moves; the derivative through it, 1 − Σ softmax, vanishes up to rounding.
  const m0 = xs.reduce<number>((a, x) => Math.max(a, primal(x)), -Infinity);
  const traced = xs.some((x) => x instanceof Var || (x instanceof Tensor && x.tape !== null));
  const m: Num = traced && Number.isFinite(m0) ? xs.reduce((a, b) => max(a, b)) : shift(xs.map(primal));
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) {
    const e = exp(sub(xs[i]!, m));
    s = i === 0 ? e : add(s, e);
  }
  return add(log(s), m);
}

/**
 * Reductions over arrays of scalars, composed from the table's ops (so every
 * derivative of every order follows from the rules). The public `sum`, `dot`
 * and `logsumexp` (lib/tensor/reductions.ts) send arrays here and tensors to
 * their whole-array ops.
 */
import { Value, type Num } from '../value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { add, exp, log, max, mul, sub } from './scalar.js';
import { Var } from '../tape/var.js';
import type { Tape } from '../tape/tape.js';
import { recorder } from '../tape/codegen/record.js';
import { binaryCode } from '../rules/index.js';

const ADD = binaryCode('add'), MUL = binaryCode('mul');

/** The live tape all of xs (and ys) are values of, if there is one: a reduction then records its chain without a Var per partial result. */
function oneTape(xs: readonly Num[], ys?: readonly Num[]): Tape | null {
  const x0 = xs[0];
  if (!(x0 instanceof Var) || !x0.tape.trace.active) return null;
  const t = x0.tape;
  for (let i = 0; i < xs.length; i++) { const x = xs[i]; if (!(x instanceof Var) || x.tape !== t) return null; }
  if (ys) for (let i = 0; i < ys.length; i++) { const y = ys[i]; if (!(y instanceof Var) || y.tape !== t) return null; }
  return t;
}

function list(name: string, xs: unknown, which = 'xs'): asserts xs is readonly Num[] {
  if (!Array.isArray(xs)) throw new TypeError(`${currentName()}: ${name}: ${which} must be an array, got ${describe(xs)}`);
  xs.forEach((x, i) => {
    if (typeof x !== 'number' && !(x instanceof Value)) {
      throw new TypeError(`${currentName()}: ${name}: ${which}[${i}] must be a number or a hyperad value, got ${describe(x)}`);
    }
  });
}

/** Σᵢ xᵢ over an array of scalars (0 for an empty array). */
export function sumArray(xs: readonly Num[]): Num {
  list('sum', xs);
  const t = xs.length > 1 ? oneTape(xs) : null;
  if (t) {
    // the same nodes as the loop below records
    const rec = recorder(ADD, xs.length - 1);
    let s = (xs[0] as Var).i;
    for (let i = 1; i < xs.length; i++) s = rec(t, s, (xs[i] as Var).i);
    return new Var(t, s);
  }
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? xs[0]! : add(s, xs[i]!);
  return s;
}

/** Σᵢ xᵢ·yᵢ over two arrays of scalars of one length. */
export function dotArray(xs: readonly Num[], ys: readonly Num[]): Num {
  list('dot', xs); list('dot', ys, 'ys');
  if (xs.length !== ys.length) {
    throw new RangeError(`${currentName()}: dot: xs has length ${xs.length}, ys has length ${ys.length}`);
  }
  const t = xs.length > 0 ? oneTape(xs, ys) : null;
  if (t) {
    // the same nodes as the loop below records
    const m = recorder(MUL, xs.length), a = recorder(ADD, xs.length - 1);
    let s = m(t, (xs[0] as Var).i, (ys[0] as Var).i);
    for (let i = 1; i < xs.length; i++) s = a(t, s, m(t, (xs[i] as Var).i, (ys[i] as Var).i));
    return new Var(t, s);
  }
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? mul(xs[0]!, ys[0]!) : add(s, mul(xs[i]!, ys[i]!));
  return s;
}

const primal = (x: Num): number => (typeof x === 'number' ? x : x instanceof Value ? x.peek() : NaN);
/** Is x recorded on a tape (a Var, or a tensor a tape holds)? Both name their tape; other values have none. */
const recorded = (x: Num): boolean => typeof x !== 'number' && (x as { tape?: unknown }).tape != null;

/**
 * log Σᵢ exp(xᵢ) over an array of scalars, stable for any inputs:
 * m + log Σ exp(xᵢ − m) with m the largest xᵢ (the identity holds for any m,
 * so derivatives of every order are exact; m only keeps exp from overflowing).
 */
export function logsumexpArray(xs: readonly Num[]): Num {
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
  const traced = xs.some(recorded);
  const m: Num = traced && Number.isFinite(m0) ? xs.reduce((a, b) => max(a, b)) : shift(xs.map(primal));
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) {
    const e = exp(sub(xs[i]!, m));
    s = i === 0 ? e : add(s, e);
  }
  return add(log(s), m);
}

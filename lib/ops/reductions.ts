/**
 * Reductions over arrays of scalars, composed from the table's ops (so every
 * derivative of every order follows from the rules).
 */
import { Value, type Num } from '../numbers/value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { add, exp, log, mul, sub } from './scalar.js';

function list(name: string, xs: unknown, which = 'xs'): readonly Num[] {
  if (!Array.isArray(xs)) throw new TypeError(`${currentName()}: ${name}: ${which} must be an array, got ${describe(xs)}`);
  return xs as readonly Num[];
}

/** Σᵢ xᵢ (0 for an empty array). */
export function sum(xs: readonly Num[]): Num {
  list('sum', xs);
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? xs[0]! : add(s, xs[i]!);
  return s;
}

/** Σᵢ xᵢ·yᵢ; the arrays must have one length. */
export function dot(xs: readonly Num[], ys: readonly Num[]): Num {
  list('dot', xs); list('dot', ys, 'ys');
  if (xs.length !== ys.length) {
    throw new RangeError(`${currentName()}: dot: xs has length ${xs.length}, ys has length ${ys.length}`);
  }
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) s = i === 0 ? mul(xs[0]!, ys[0]!) : add(s, mul(xs[i]!, ys[i]!));
  return s;
}

const primal = (x: Num): number => (typeof x === 'number' ? x : x instanceof Value ? x.peek() : NaN);

/**
 * log Σᵢ exp(xᵢ), stable for any inputs: m + log Σ exp(xᵢ − m) with m the
 * largest primal (the identity holds for any constant m, so derivatives of
 * every order are exact; m only keeps exp from overflowing).
 */
export function logsumexp(xs: readonly Num[]): Num {
  list('logsumexp', xs);
  if (xs.length === 0) return -Infinity;
  let m = -Infinity;
  for (const x of xs) m = Math.max(m, primal(x));
  if (!Number.isFinite(m)) m = 0;
  let s: Num = 0;
  for (let i = 0; i < xs.length; i++) {
    const e = exp(sub(xs[i]!, m));
    s = i === 0 ? e : add(s, e);
  }
  return add(log(s), m);
}

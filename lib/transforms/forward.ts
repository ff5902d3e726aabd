/**
 * Forward transforms: run f once on Dual, Taylor2 or HyperDual numbers
 * seeded with the directions. No tape is recorded.
 */
import { Dual } from '../numbers/dual.js';
import { HyperDual } from '../numbers/hyperdual.js';
import { Taylor2 } from '../numbers/taylor2.js';
import type { Value } from '../numbers/value.js';
import { begin, end, type Trace } from '../trace.js';
import { callable, vector, type Vector } from './check.js';
import { output, type ScalarFn } from './record.js';

/** Evaluates f once on seeded numbers; `make(i, trace)` builds input i. */
function evaluate<T extends Value>(fn: string, f: ScalarFn, n: number, make: (i: number, t: Trace) => T): T | number {
  const trace = begin(fn);
  try {
    const xs: T[] = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = make(i, trace);
    return output(fn, f(xs), trace) as T | number;
  } finally {
    end(trace);
  }
}

/**
 * Forward mode: f(x) and the directional derivative vᵀ∇f(x), from one
 * evaluation of f on dual numbers xᵢ + vᵢε.
 */
export function jvp(f: ScalarFn, x: Vector, v: Vector): { value: number; tangent: number } {
  callable('jvp', f);
  const x0 = vector('jvp', 'x', x), v0 = vector('jvp', 'v', v, x0.length);
  const y = evaluate('jvp', f, x0.length, (i, t) => new Dual(x0[i]!, v0[i]!, t));
  return typeof y === 'number' ? { value: y, tangent: 0 } : { value: y.v, tangent: y.d };
}

/**
 * f(x), aᵀ∇f(x) and aᵀ∇²f(x)a from one forward pass on order-2 Taylor
 * numbers: the first and second derivatives of t ↦ f(x + t·a) at 0.
 */
export function directional(f: ScalarFn, x: Vector, a: Vector): { value: number; first: number; second: number } {
  callable('directional', f);
  const x0 = vector('directional', 'x', x), a0 = vector('directional', 'a', a, x0.length);
  const y = evaluate('directional', f, x0.length, (i, t) => new Taylor2(x0[i]!, a0[i]!, 0, t));
  return typeof y === 'number' ? { value: y, first: 0, second: 0 } : { value: y.v, first: y.d1, second: y.d2 };
}

/**
 * f(x), aᵀ∇f, bᵀ∇f and aᵀ∇²f b from one forward pass on hyper-dual numbers
 * xᵢ + aᵢε₁ + bᵢε₂.
 */
export function hyperdual(
  f: ScalarFn, x: Vector, a: Vector, b: Vector,
): { value: number; da: number; db: number; dab: number } {
  callable('hyperdual', f);
  const x0 = vector('hyperdual', 'x', x);
  const a0 = vector('hyperdual', 'a', a, x0.length), b0 = vector('hyperdual', 'b', b, x0.length);
  const y = evaluate('hyperdual', f, x0.length, (i, t) => new HyperDual(x0[i]!, a0[i]!, b0[i]!, 0, t));
  return typeof y === 'number' ? { value: y, da: 0, db: 0, dab: 0 } : { value: y.v, da: y.d1, db: y.d2, dab: y.d12 };
}

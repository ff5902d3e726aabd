/**
 * Forward transforms. For x an array of numbers, f runs once on Dual,
 * Taylor2 or HyperDual numbers seeded with the directions: no tape at all.
 * For a Tensor or a record of Tensors, f is recorded once and one forward
 * sweep carries the same arithmetic (tensor ops live on tapes). The
 * forward sweeps over one-hot lanes (the Hessian's diagonal, the Laplacian)
 * are in diagonal.ts.
 */
import { Dual } from '../numbers/dual.js';
import { HyperDual } from '../numbers/hyperdual.js';
import { Taylor2 } from '../numbers/taylor2.js';
import type { Num, Value } from '../value.js';
import { begin, end, type Trace } from '../trace.js';
import { callable } from '../check.js';
import { output } from './record.js';
import { vector, type Arg, type Point, type Shaped } from './point.js';
import { once } from './prepare.js';
import { nest, nested } from './nested.js';

/** A direction for point type X: shaped like x, or flat. */
export type Dir<X> = Shaped<X> | readonly number[];

/** Evaluates f once on seeded numbers; `make(i, trace)` builds input i. */
function evaluate<T extends Value>(fn: string, f: (x: Num[]) => Num, n: number, make: (i: number, t: Trace) => T): T | number {
  const trace = begin(fn);
  try {
    const xs: T[] = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = make(i, trace);
    return output(fn, f(xs), trace) as T | number;
  } finally {
    end(trace);
  }
}

/** x and the directions as checked flat vectors when x is an array of numbers; null for tensors. */
function scalarArgs(fn: string, f: unknown, x: unknown, dirs: [string, unknown][]): Float64Array[] | null {
  callable(fn, f);
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) return null;
  const x0 = vector(fn, 'x', x);
  return [x0, ...dirs.map(([name, d]) => vector(fn, name, d, x0.length))];
}

/**
 * Forward mode: f(x) and the directional derivative vᵀ∇f(x), from one
 * evaluation of f on dual numbers xᵢ + vᵢε.
 */
export function jvp<X extends Point>(f: (x: Arg<X>) => Num, x: X, v: Dir<X>): { value: number; tangent: number } {
  return nest('jvp', (fn) => jvpPlain(fn, f, x, v), (fn) => nested.jvp(fn, f as never, x, v));
}

function jvpPlain<X extends Point>(fn: string, f: (x: Arg<X>) => Num, x: X, v: Dir<X>): { value: number; tangent: number } {
  const s = scalarArgs(fn, f, x, [['v', v]]);
  if (!s) return once(fn, f, x, (p) => p.jvp(v));
  const [x0, v0] = s as [Float64Array, Float64Array];
  const y = evaluate(fn, f as (x: Num[]) => Num, x0.length, (i, t) => new Dual(x0[i]!, v0[i]!, t));
  return typeof y === 'number' ? { value: y, tangent: 0 } : { value: y.v, tangent: y.d };
}

/**
 * f(x), aᵀ∇f(x) and aᵀ∇²f(x)a from one forward pass on order-2 Taylor
 * numbers: the first and second derivatives of t ↦ f(x + t·a) at 0.
 */
export function directional<X extends Point>(f: (x: Arg<X>) => Num, x: X, a: Dir<X>): { value: number; first: number; second: number } {
  return nest('directional', (fn) => directionalPlain(fn, f, x, a), (fn) => nested.directional(fn, f as never, x, a));
}

function directionalPlain<X extends Point>(fn: string, f: (x: Arg<X>) => Num, x: X, a: Dir<X>): { value: number; first: number; second: number } {
  const s = scalarArgs(fn, f, x, [['a', a]]);
  if (!s) return once(fn, f, x, (p) => p.directional(a));
  const [x0, a0] = s as [Float64Array, Float64Array];
  const y = evaluate(fn, f as (x: Num[]) => Num, x0.length, (i, t) => new Taylor2(x0[i]!, a0[i]!, 0, t));
  return typeof y === 'number' ? { value: y, first: 0, second: 0 } : { value: y.v, first: y.d1, second: y.d2 };
}

/**
 * f(x), aᵀ∇f, bᵀ∇f and aᵀ∇²f b from one forward pass on hyper-dual numbers
 * xᵢ + aᵢε₁ + bᵢε₂.
 */
export function hyperdual<X extends Point>(
  f: (x: Arg<X>) => Num, x: X, a: Dir<X>, b: Dir<X>,
): { value: number; da: number; db: number; dab: number } {
  return nest('hyperdual', (fn) => hyperdualPlain(fn, f, x, a, b), (fn) => nested.hyperdual(fn, f as never, x, a, b));
}

function hyperdualPlain<X extends Point>(
  fn: string, f: (x: Arg<X>) => Num, x: X, a: Dir<X>, b: Dir<X>,
): { value: number; da: number; db: number; dab: number } {
  const s = scalarArgs(fn, f, x, [['a', a], ['b', b]]);
  if (!s) return once(fn, f, x, (p) => p.hyperdual(a, b));
  const [x0, a0, b0] = s as [Float64Array, Float64Array, Float64Array];
  const y = evaluate(fn, f as (x: Num[]) => Num, x0.length, (i, t) => new HyperDual(x0[i]!, a0[i]!, b0[i]!, 0, t));
  return typeof y === 'number' ? { value: y, da: 0, db: 0, dab: 0 } : { value: y.v, da: y.d1, db: y.d2, dab: y.d12 };
}

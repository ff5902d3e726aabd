/**
 * Recording: call the user's f once on tape variables and keep the tape.
 * Each recording opens a trace, closed when f returns or throws, so a tape
 * value that escapes (kept in a closure, returned later) can never silently
 * enter another evaluation.
 */
import { Tape } from '../tape/tape.js';
import { Var } from '../tape/var.js';
import { Value, type Num } from '../numbers/value.js';
import { begin, end, mixedTraces, type Trace } from '../trace.js';
import { describe } from '../describe.js';

/** A function of a vector to a scalar, written with hyperad's ops. */
export type ScalarFn = (x: Num[]) => Num;
/** A function of a vector to a vector, written with hyperad's ops. */
export type VectorFn = (x: Num[]) => Num[];

/** A recorded evaluation: the tape and the node(s) holding f's output. */
export interface Recording {
  readonly tape: Tape;
  readonly outputs: Int32Array;
}

/**
 * Checks one output of f: a number (a constant of x) or a value of this
 * evaluation. Returns the number or the value.
 */
export function output(fn: string, y: unknown, trace: Trace, where = 'f'): Num {
  if (typeof y === 'number') return y;
  if (y instanceof Value) {
    if (y.trace !== trace) throw mixedTraces(trace, y.trace, `the value returned by ${where}`);
    return y;
  }
  const hint = Array.isArray(y) ? ' (use jacobian for a vector-valued f)' : '';
  throw new TypeError(`${fn}: ${where} must return a scalar (a number or a hyperad value), got ${describe(y)}${hint}`);
}

function node(tape: Tape, y: Num): number {
  return typeof y === 'number' ? tape.constant(y) : (y as Var).i;
}

function run<R>(fn: string, x: Float64Array, body: (tape: Tape, xs: Var[]) => R): { tape: Tape; r: R } {
  const trace = begin(fn);
  const tape = new Tape(trace, Math.max(256, 8 * x.length));
  try {
    const xs: Var[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) xs[i] = new Var(tape, tape.input(x[i]!));
    return { tape, r: body(tape, xs) };
  } finally {
    end(trace);
  }
}

/** Records scalar f at x. */
export function recordScalar(fn: string, f: ScalarFn, x: Float64Array): Recording {
  const { tape, r } = run(fn, x, (tape, xs) => node(tape, output(fn, f(xs), tape.trace)));
  return { tape, outputs: Int32Array.of(r) };
}

/** Records vector-valued F at x. */
export function recordVector(fn: string, F: VectorFn, x: Float64Array): Recording {
  const { tape, r } = run(fn, x, (tape, xs) => {
    const ys: unknown = F(xs);
    if (!Array.isArray(ys)) throw new TypeError(`${fn}: F must return an array of scalars, got ${describe(ys)}`);
    return Int32Array.from(ys, (y, i) => node(tape, output(fn, y, tape.trace, `F (entry ${i})`)));
  });
  return { tape, outputs: r };
}

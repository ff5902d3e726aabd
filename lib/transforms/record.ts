/**
 * Recording: call the user's f once on tape values and keep the tape. Each
 * recording opens a trace, closed when f returns or throws, so a tape value
 * that escapes (kept in a closure, returned later) can never silently enter
 * another evaluation.
 */
import { Tape } from '../tape/tape.js';
import { Var } from '../tape/var.js';
import { Tensor } from '../tensor/tensor.js';
import { hasFused, withoutFusion } from '../tensor/fused.js';
import { shapeString } from '../tensor/shape.js';
import { Value, type Num } from '../value.js';
import { begin, end, mixedTraces, type Trace } from '../trace.js';
import { describe } from '../describe.js';
import type { Packed } from './point.js';

/** A function of a vector to a scalar, written with hyperad's ops. */
export type ScalarFn = (x: Num[]) => Num;
/** A function of a vector to a vector, written with hyperad's ops. */
export type VectorFn = (x: Num[]) => Num[] | Tensor;

/** A recorded evaluation: the tape and the slot(s) holding f's output. */
export interface Recording {
  readonly tape: Tape;
  readonly outputs: Int32Array;
}

/**
 * Checks one output of f: a number (a constant of x), or a scalar value of
 * this evaluation (a one-element Tensor counts). Returns it.
 */
export function output(fn: string, y: unknown, trace: Trace, where = 'f'): Num {
  if (typeof y === 'number') return y;
  if (y instanceof Value) {
    if (y instanceof Tensor && y.size !== 1) {
      throw new TypeError(`${fn}: ${where} must return a scalar, got a Tensor of shape ${shapeString(y.shape)} (reduce it, e.g. with sum or mean)`);
    }
    if (y.trace !== trace && !(y instanceof Tensor && !y.tape)) throw mixedTraces(trace, y.trace, `the value returned by ${where}`);
    return y;
  }
  const hint = Array.isArray(y) ? ' (use jacobian for a vector-valued f)' : '';
  throw new TypeError(`${fn}: ${where} must return a scalar (a number or a hyperad value), got ${describe(y)}${hint}`);
}

/** The slot holding scalar y on the tape (a constant gets a slot of its own). */
function slotOf(tape: Tape, y: Num): number {
  if (typeof y === 'number') return tape.constant(y);
  if (y instanceof Tensor) return y.tape ? y.slot : tape.constant(y.peek());
  return (y as Var).i;
}

/** Nodes of the last recording of each f: the next recording of f starts with room for that many. */
const lastSize = new WeakMap<object, number>();
/**
 * Nodes of the last recording on each number of inputs, whatever f: where f
 * was not seen before (a new closure per call), its recording starts with
 * room for that many, up to 16 nodes per input, instead of 8 per input and
 * growing by doubling (which copied and page-faulted the recording twice
 * over). A few input counts only. A small f after a large one on as many
 * inputs takes up to twice the default start (16 rather than 8 nodes per
 * input): room it does not write is not touched, so not faulted in.
 */
const sizeByInputs = new Map<number, number>();
const SIZES_KEPT = 8;

/** Room for a recording of f on m inputs: f's last size, else 8m or the last size on m inputs if larger (≤ 16m). */
function startSize(f: object | undefined, m: number): number {
  const own = f && lastSize.get(f);
  if (own && own > m) return own + 1;
  return Math.max(256, 8 * m, Math.min((sizeByInputs.get(m) ?? 0) + 1, 16 * m));
}

/** Notes that a recording of f on m inputs has n nodes. */
function noteSize(f: object | undefined, m: number, n: number): void {
  if (f) lastSize.set(f, n);
  if (sizeByInputs.size >= SIZES_KEPT && !sizeByInputs.has(m)) sizeByInputs.clear();
  sizeByInputs.set(m, n);
}

/**
 * Opens a trace, records the inputs, runs body, and always closes the
 * trace. A recording with fused blocks and a partial that is not finite is
 * made again without fusion (lib/tensor/fused.ts withoutFusion).
 */
export function run<R>(fn: string, x: Packed, body: (tape: Tape, arg: unknown) => R, f?: object): { tape: Tape; r: R } {
  const made = runOnce(fn, x, body, f);
  if (!made.tape.nonFinite || !hasFused(made.tape)) return made;
  made.tape.release();
  return withoutFusion(() => runOnce(fn, x, body, f));
}

function runOnce<R>(fn: string, x: Packed, body: (tape: Tape, arg: unknown) => R, f?: object): { tape: Tape; r: R } {
  const trace = begin(fn);
  let tape: Tape;
  try {
    tape = new Tape(trace, startSize(f, x.flat.length));
  } catch (e) {
    end(trace);
    throw e;
  }
  try {
    tape.inputs(x.flat);
    const r = body(tape, x.inputs(tape));
    noteSize(f, x.flat.length, tape.n);
    return { tape, r };
  } finally {
    end(trace);
  }
}

/** Records scalar f at x. */
export function recordScalar(fn: string, f: (x: never) => Num, x: Packed): Recording {
  const { tape, r } = run(fn, x, (tape, arg) => slotOf(tape, output(fn, (f as (a: unknown) => unknown)(arg), tape.trace)), f);
  return { tape, outputs: Int32Array.of(r) };
}

/** Records vector-valued F at x (an array of scalars or a tensor, flattened). */
export function recordVector(fn: string, F: (x: never) => Num[] | Tensor, x: Packed): Recording {
  const { tape, r } = run(fn, x, (tape, arg) => {
    const ys: unknown = (F as (a: unknown) => unknown)(arg);
    if (ys instanceof Tensor) {
      if (ys.tape && ys.trace !== tape.trace) throw mixedTraces(tape.trace, ys.trace, 'the value returned by F');
      return Int32Array.from({ length: ys.size }, (_, i) => slotOf(tape, ys.index(...unflat(ys.shape, i))));
    }
    if (!Array.isArray(ys)) throw new TypeError(`${fn}: F must return an array of scalars or a Tensor, got ${describe(ys)}`);
    return Int32Array.from(ys, (y, i) => slotOf(tape, output(fn, y, tape.trace, `F (entry ${i})`)));
  }, F);
  return { tape, outputs: r };
}

function unflat(shape: readonly number[], f: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = f % shape[d]!; f = Math.floor(f / shape[d]!); }
  return idx;
}

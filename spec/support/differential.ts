/**
 * The fuzzer's differential check of one program: the generic checker
 * (spec/support/check.ts) run on the program's forms. A scalar program runs
 * through the scalar API and, lifted onto rank-0 tensors, through the tensor
 * API; a tensor program runs, in its reference semantics (every tensor op
 * written with scalar ops), through the scalar API and, as written, through
 * the tensor API. Every path of both forms must agree with the scalar API's
 * readings, and those with finite differences of the plain-number form.
 *
 * What is particular to programs lives here: a point where a program leaves
 * a domain is invalid; the finite differences watch every stencil point and,
 * where one crosses a kink or leaves a domain, the point is redrawn; the
 * scale of third-order results is the largest value of any binding.
 */
import { tensor, type Num } from '../../lib/index.js';
import { type Failure } from './agreement.js';
import { directions, runCheck, TOL, type Dirs, type Outcome as CheckOutcome } from './check.js';
import { mulberry32 } from './random.js';
import { bindingValues, liftedFunction, Monitor, referenceFunction, scalarFunction, shapePoint, tensorFunction } from './interpret.js';
import { inputSize, type Program, type Sample } from './programs.js';

export { directions, TOL };
export { signature, type Failure, type Kind } from './agreement.js';

/** Initial Ridders step for the fuzzer's programs (it shrinks to about a twentieth): smaller than check.ts's FD_STEP, so that fewer stencils cross a kink. */
export const PROGRAM_FD_STEP = 0.02;
/** How often a point is redrawn when a finite difference crosses a kink. */
const REDRAWS = 4;

export interface Outcome {
  /** why the sample could not run (a shrinking candidate outside the domains) */
  readonly invalid?: string;
  readonly failures: Failure[];
  readonly comparisons: number;
  /** finite-difference comparisons made, and skipped for an unreliable estimate */
  readonly fd: { made: number; skipped: number; redraws: number; ran: boolean };
  /** worst relative error of each kind, and where */
  readonly worst: CheckOutcome['worst'];
  /** the point the paths ran at, and the one the finite differences ran at (x0, or redrawn off a kink) */
  readonly x0: readonly number[];
  readonly fdX0: readonly number[];
  readonly dirs: Dirs;
}

export interface RunOptions {
  /** seed of the directions a, b, v, c and of redrawn points */
  seed?: number;
  /** compare with finite differences (default true) */
  fd?: boolean;
  /** redraw the point when a finite difference crosses a kink (default true; off while shrinking) */
  redraw?: boolean;
  /** for the fuzzer's own specs: the program the tensor-API form runs (a planted disagreement) */
  tamper?: (p: Program) => Program;
}

/** The plain-number form, watched. */
export function watched(p: Program): (x: number[]) => Monitor & { value: number } {
  return (x) => {
    const m = new Monitor();
    const f = p.kind === 'scalar' ? scalarFunction(p, m) : referenceFunction(p, m);
    return Object.assign(m, { value: f(x) as number });
  };
}

/** Why the program cannot run at x (outside a domain, not finite), or null. */
export function invalidAt(p: Program, x: number[]): string | null {
  try {
    const m = watched(p)(x);
    if (m.outside) return `an argument leaves its domain: ${m.outside}`;
    if (typeof m.value !== 'number' || !Number.isFinite(m.value)) return `f is ${m.value}`;
    return null;
  } catch (e) {
    return `f throws on numbers: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * The largest |value| of any binding at the points, at least 1: third-order
 * results are sums of products of partials of every binding, and their
 * rounding scales with those magnitudes (f ≡ 0 built from cosh(−6) ≈ 200 has
 * third derivatives of ~1e-8, all rounding).
 */
function magnitude(p: Program, xs: readonly number[][]): number {
  return Math.max(1, ...xs.flatMap((x) => bindingValues(p, x).flatMap((v) => v.data.map((u) => Math.abs(u as number)))));
}

/** A stencil point is usable when it crosses no kink, stays in every domain and keeps f finite. */
function guardOf(p: Program, x0: number[]): (x: number[]) => boolean {
  const plain = watched(p), base = plain(x0);
  return (x) => {
    const m = plain(x);
    return !m.outside && m.sides.length === base.sides.length && m.sides.every((s, i) => s === base.sides[i]) && Number.isFinite(m.value);
  };
}

/** Runs a sample through every path; only: the one signature to compare (shrinking). */
export function runSample(s: Sample, opts: RunOptions = {}, only?: string): Outcome {
  const p = s.program, n = inputSize(p), seed = opts.seed ?? 1, dirs = directions(seed, n);
  const x0 = [...s.x0], x1 = [...s.x1];
  const bad = invalidAt(p, x0) ?? invalidAt(p, x1);
  if (bad) return { invalid: bad, failures: [], comparisons: 0, fd: { made: 0, skipped: 0, redraws: 0, ran: false }, worst: { path: { err: 0, where: '' }, replay: { err: 0, where: '' }, fd: { err: 0, where: '' } }, x0, fdX0: x0, dirs };
  const f = (p.kind === 'scalar' ? scalarFunction(p) : referenceFunction(p)) as (x: Num[]) => Num;
  const q = opts.tamper ? opts.tamper(p) : p;
  const other = q.kind === 'tensor' && p.kind === 'tensor'
    ? { f: tensorFunction(q), x: shapePoint(p, x0), name: p.form === 'tensor' ? 'tensor API' : 'tensor API, record', every: true }
    : q.kind === 'scalar' ? { f: liftedFunction(q), x: tensor(Float64Array.from(x0), [n]), name: 'lifted onto rank-0 tensors', every: true } : undefined;
  // a branch reads its argument's primal: a prepared recording moved across it is recorded again
  const readsPrimals = p.lets.some((l) => l.k === 'branch');
  const common = { seed, fdStep: PROGRAM_FD_STEP, replayAt: x1, readsPrimals, nested: true, record: !opts.tamper, ...(only !== undefined && { only }) };
  // every path at x0 (kinks and ties may sit exactly on it: all paths must follow the same conventions)
  const first = runCheck(f, x0, { ...common, label: 'program', forms: other ? [other] : [], thirdOrderScale: magnitude(p, [x0, x1]), fd: opts.fd !== false, fdGuard: guardOf(p, x0) });
  const failures = [...first.failures], worst = first.worst, fd = { made: first.fd.made, skipped: first.fd.skipped, redraws: 0, ran: first.fd.ran };
  let comparisons = first.comparisons, fdX0 = x0;
  // where a stencil crossed a kink (or left a domain): the scalar paths and finite differences at a redrawn point
  if (first.fd.crossed && opts.redraw !== false) {
    const r = mulberry32(seed ^ 0x5bd1e995);
    for (let k = 1; k <= REDRAWS; k++) {
      const y = x0.map((xi) => Number((xi + 0.3 * (2 * r() - 1)).toPrecision(6)));
      if (invalidAt(p, y)) continue;
      fd.redraws++;
      const o = runCheck(f, y, { ...common, label: 'program (redrawn)', thirdOrderScale: magnitude(p, [y, x1]), fdGuard: guardOf(p, y) });
      if (o.fd.crossed) continue;
      failures.push(...o.failures);
      comparisons += o.comparisons;
      for (const kind of ['path', 'replay', 'fd'] as const) if (o.worst[kind].err > worst[kind].err) worst[kind] = o.worst[kind];
      fd.made += o.fd.made; fd.skipped += o.fd.skipped; fd.ran = o.fd.ran; fdX0 = y;
      break;
    }
  }
  return { failures, comparisons, fd, worst, x0, fdX0, dirs };
}

/**
 * The one generic derivative checker. `checkDerivatives(f, x)` takes f and
 * any point the transforms accept (an array of numbers, a Tensor, a record
 * of Tensors), flattens it, and compares, with random directions a, b, v, c:
 *   paths     every transform with every other (spec/support/paths.ts):
 *             values, ∇f, vᵀ∇f, H (several lane counts, raw columns H·eⱼ,
 *             symmetric), H·v, aᵀHa, aᵀHb, every diagonal method, the
 *             sparsity pattern and the sparse Hessian, the Laplacian,
 *             third order, the estimators, Jacobians, the generated
 *             sweeps (array points) and, with `nested`, nested transforms;
 *   forms     other forms of the same f (`forms`, e.g. the same function
 *             written with scalar ops on the flat point): value, ∇f and H,
 *             or every path when `every` is set;
 *   replay    prepare(f, x).at(x1) against a fresh recording at x1, then
 *             back at x, without recording f again;
 *   fd        AD against Ridders-extrapolated central differences: ∇f of f,
 *             H of ∇f, aᵀHa and bᵀHa of (aᵀ∇f, bᵀ∇f) along a, cᵀ∇(aᵀHb) of
 *             hyperdual(a, b).dab and cᵀ∇(aᵀHa) of directional(a).second
 *             along c (vᵀ∇f, H·v and the diagonals equal ∇f and H to the
 *             path tolerance, so they need no differences of their own). An entry is
 *             compared only where Ridders' own error estimate is below a
 *             tenth of the tolerance and, where it disagrees with AD, a
 *             second estimate from a finer step agrees with the first
 *             (checkDerivatives fails when any entry is unreliable: choose
 *             a smoother point or a smaller fdStep).
 * Errors and tolerances: spec/support/agreement.ts (one rule, normwise
 * relative with Σ|terms| as the scale of derived sums).
 *
 * `runCheck` does the same and returns every disagreement instead of
 * throwing (the fuzzer's differential check, spec/support/differential.ts).
 */
import { expect } from 'chai';
import { directional, grad, hessian, hyperdual, mulberry32, valueAndGrad, type Num } from '../../lib/index.js';
import { Collector, TOL, agreement, bilinear, describeFailures, dotScaled, type Failure } from './agreement.js';
import { ridders } from './fd.js';
import { everyPath, generatedPaths, readingsOf, replayPaths, at, type Dirs, type Form, type Reading } from './paths.js';
import { flat, flatResult, oneHot, rowsFlat, scalarOf, type Point } from './points.js';

export { TOL } from './agreement.js';
export type { Dirs } from './paths.js';

/** Initial finite-difference step (Ridders shrinks it to about a twentieth); keep x ± step inside f's domain. */
export const FD_STEP = 0.05;
/** How much smaller the first step of a second estimate is (for an entry that disagrees with AD: see differences). */
const SECOND_OPINION = 8;

/** Another form of f, at the same flat point. */
export interface OtherForm {
  f: (x: any) => Num;
  /** a point of this form (default: the flat point as an array of numbers) */
  x?: Point;
  /** its name in messages (default 'reference form') */
  name?: string;
  /** run every path on it, not only value, ∇f and H (default false) */
  every?: boolean;
}

export interface CheckOptions {
  /** name in messages and in the run-wide record (default f.name) */
  label?: string;
  /** seed of the directions a, b, v, c (default 1) */
  seed?: number;
  /** the same function in other forms, compared with f */
  forms?: OtherForm[];
  /** shorthand for forms: [{ f: reference }]: f written with scalar ops on the flat point (a record in key order) */
  reference?: (xs: Num[]) => Num;
  /** compare with finite differences (default true) */
  fd?: boolean;
  /** initial finite-difference step (default FD_STEP) */
  fdStep?: number;
  /** a finite-difference evaluation point is usable (default: all are); one that is not abandons the differences */
  fdGuard?: (x: number[]) => boolean;
  /** check prepare(f, x).at(x1) (default true) */
  replay?: boolean;
  /** where to move the recording (default x + fdStep·a) */
  replayAt?: Point | readonly number[];
  /** f branches on its arguments' values, so a move may record it again (default false: a new recording means a library op read a primal) */
  readsPrimals?: boolean;
  /** also the nested transforms, grad(jvp), grad(hyperdual), directional(grad) (default false: slow, a tape per evaluation; the fuzzer runs them) */
  nested?: boolean;
  /** scale of third-order results (default 1): their rounding grows with the magnitude of every intermediate value */
  thirdOrderScale?: number;
  pathTol?: number;
  replayTol?: number;
  fdTol?: number;
  /** add the errors to the run-wide record (default true; false for a planted failure) */
  record?: boolean;
  /** compare only the comparison with this signature (the fuzzer's shrinking) */
  only?: string;
  /** print the largest disagreements */
  verbose?: boolean;
}

/** What one check found. */
export interface Outcome {
  readonly failures: Failure[];
  readonly comparisons: number;
  readonly worst: Collector['worst'];
  /** the readings of f at x (missing if valueAndGrad or hessian threw) */
  readonly reading?: Reading;
  /** finite-difference entries compared, and skipped for an unreliable estimate; crossed: an evaluation point failed fdGuard */
  readonly fd: { made: number; skipped: number; ran: boolean; crossed: boolean };
  readonly dirs: Dirs;
}

/** The directions of a check from its seed, rounded to 4 digits (so a reproducer can print them). */
export function directions(seed: number, n: number): Dirs {
  const r = mulberry32(seed), vec = () => Array.from({ length: n }, () => Number((2 * r() - 1).toPrecision(4)));
  return { a: vec(), b: vec(), v: vec(), c: vec() };
}

/** Every comparison of the file comment; disagreements are returned, not thrown. */
export function runCheck(f: (x: any) => Num, x: Point, opts: CheckOptions = {}): Outcome {
  const label = opts.label ?? (f.name || 'f');
  const ch = new Collector(label, { path: opts.pathTol ?? TOL.path, replay: opts.replayTol ?? TOL.replay, fd: opts.fdTol ?? TOL.fd }, opts.only, opts.record);
  if (opts.record !== false) agreement.checks++;
  const x0 = flat(x), n = x0.length, d = directions(opts.seed ?? 1, n), s3 = opts.thirdOrderScale ?? 1, step = opts.fdStep ?? FD_STEP;
  const fd = { made: 0, skipped: 0, ran: false, crossed: false };
  const form: Form = { f, like: x, tag: '' };
  const outcome = (reading?: Reading): Outcome => ({ failures: ch.failures, comparisons: ch.comparisons, worst: ch.worst, ...(reading && { reading }), fd, dirs: d });
  const r0 = readingsOf(ch, form, x0);
  if (!r0) return outcome();
  const own = everyPath(ch, form, x0, d, r0, s3, opts.nested);
  const x1 = opts.replay === false ? undefined : opts.replayAt ? flat(opts.replayAt) : Float64Array.from(x0, (xi, i) => xi + step * d.a[i]!);
  const r1 = x1 && readingsOf(ch, form, x1, 'x1', d);
  const rerecord = opts.readsPrimals ?? false;
  replayPaths(ch, form, x0, x1, d, own, r1, s3, rerecord);
  if (Array.isArray(x)) generatedPaths(ch, form, x0, x1, d, own, r1);

  const others: OtherForm[] = [...(opts.reference ? [{ f: opts.reference }] : []), ...(opts.forms ?? [])];
  if (!opts.only?.startsWith('fd')) {
    for (const o of others) {
      const other: Form = { f: o.f, like: o.x ?? Array.from(x0), tag: ` [${o.name ?? 'reference form'}]` };
      if (o.every) {
        everyPath(ch, other, x0, d, own, s3, opts.nested);
        replayPaths(ch, other, x0, x1, d, own, r1, s3, rerecord);
      } else {
        sameReadings(ch, other, x0, own);
      }
    }
  }
  if (opts.fd !== false && (!opts.only || opts.only.startsWith('fd'))) differences(ch, form, x0, d, own, step, opts.fdGuard, fd);
  if (opts.verbose) console.log(`  ${label}: ${ch.comparisons} comparisons; worst: paths ${ch.worst.path.err.toExponential(2)}, replay ${ch.worst.replay.err.toExponential(2)}, fd ${ch.worst.fd.err.toExponential(2)}`);
  return outcome(own);
}

/** Another form's value (on plain numbers and on the tape), ∇f and H against f's. */
function sameReadings(ch: Collector, form: Form, x0: ArrayLike<number>, r: Reading): void {
  const X = at(form, x0), T = (s: string) => s + form.tag;
  ch.cmp('path', T('f(x) on plain numbers'), 'valueAndGrad(f, x).value', ch.run(T('f(x) on plain numbers'), () => scalarOf(form.f(X))), r.value);
  const vg = ch.run(T('valueAndGrad(f, x)'), () => valueAndGrad(form.f, X));
  ch.cmp('path', T('valueAndGrad(f, x).value'), 'valueAndGrad(f, x).value', vg?.value, r.value);
  ch.cmp('path', T('valueAndGrad(f, x).grad'), 'valueAndGrad(f, x).grad', vg && flatResult(vg.grad), r.grad);
  ch.cmp('path', T('hessian(f, x)'), 'hessian(f, x)', ch.run(T('hessian(f, x)'), () => rowsFlat(hessian(form.f, X))), rowsFlat(r.H));
}

/** An evaluation point of the finite differences failed the guard. */
class Crossed extends Error {}

/**
 * AD against Ridders differences at x0, each entry only where Ridders' error
 * estimate is below a tenth of the tolerance (else counted as skipped). An
 * entry that disagrees with AD gets a second estimate from a tableau started
 * at a step SECOND_OPINION times smaller: Ridders' error estimate can miss
 * what the coarser steps aliased (a fuzzed cos(t³) at t ≈ 5.7, its phase
 * turning ~200 rad per unit of x: an estimate off by 1.1e-6 whose error
 * estimate was under a tenth of the tolerance). Two estimates that disagree are unreliable (skipped); two that
 * agree stand, and so does the disagreement with AD.
 */
function differences(ch: Collector, form: Form, x0: Float64Array, d: Dirs, r: Reading, h: number,
  guard: ((x: number[]) => boolean) | undefined, counts: Outcome['fd']): void {
  const n = x0.length, f = form.f, { a, b, c } = d;
  const along = (g: (x: Float64Array) => ArrayLike<number>, dir: ArrayLike<number>, step = h) => ridders((t) => {
    const y = Float64Array.from(x0, (xi, i) => xi + t * dir[i]!);
    if (guard && !guard(Array.from(y))) throw new Crossed();
    return g(y);
  }, 0, step);
  /** the differences of g along dir from the finer tableau (the second estimate) */
  const finer = (g: (x: Float64Array) => ArrayLike<number>, dir: ArrayLike<number>) => along(g, dir, h / SECOND_OPINION);
  const entryOf = (q: { d: Float64Array; err: Float64Array }, k: number) => ({ d: q.d[k]!, err: q.err[k]! });
  const plain = (y: Float64Array) => [scalarOf(f(at(form, y)))], gradAt = (y: Float64Array) => flatResult(grad(f, at(form, y)));
  // (a·∇f, b·∇f) along a: aᵀHa and bᵀHa = aᵀHb in one run
  const abGrad = (y: Float64Array) => { const g = gradAt(y); return [dotScaled(a, g).value, dotScaled(b, g).value]; };
  /** compares the reliable entries of got with a Ridders result; second(i): entry i's second estimate */
  const cmp = (what: string, of: string, got: ArrayLike<number> | number | undefined, fd: { d: ArrayLike<number>; err: ArrayLike<number> },
    scale: number, second: (i: number) => { d: number; err: number }) => {
    if (got === undefined) return;
    const g = typeof got === 'number' ? [got] : got, keepG: number[] = [], keepR: number[] = [];
    for (let i = 0; i < fd.d.length; i++) {
      const size = Math.max(1, Math.abs(fd.d[i]!), scale), reliable = (e: number) => e <= (TOL.fd / 10) * size;
      const far = (u: number, v: number) => !(Math.abs(u - v) <= (TOL.fd / 2) * size);
      let ok = reliable(fd.err[i]!);
      if (ok && far(g[i]!, fd.d[i]!)) {
        const s = second(i);
        ok = reliable(s.err) && !far(s.d, fd.d[i]!);
      }
      if (ok) { keepG.push(g[i]!); keepR.push(fd.d[i]!); } else counts.skipped++;
    }
    counts.made += keepG.length;
    if (keepG.length) ch.cmp('fd', what, `Ridders difference of ${of}`, keepG, keepR, scale);
  };
  const gradient = (): void => {
    const rows = Array.from({ length: n }, (_, i) => along(plain, oneHot(n, i)));
    cmp('valueAndGrad(f, x).grad', 'f along each eᵢ', r.grad, { d: rows.map((q) => q.d[0]!), err: rows.map((q) => q.err[0]!) }, 0, (i) => entryOf(finer(plain, oneHot(n, i)), 0));
  };
  try {
    gradient();
    const cols = Array.from({ length: n }, (_, j) => along(gradAt, oneHot(n, j)));
    // H[i][j] against column j of the differences, entry i
    const entry = (pick: (q: { d: Float64Array; err: Float64Array }) => Float64Array) => Float64Array.from({ length: n * n }, (_, k) => pick(cols[k % n]!)[Math.floor(k / n)]!);
    // (a column's second estimate serves every entry of it that disagrees)
    const finerCols: { d: Float64Array; err: Float64Array }[] = [];
    const finerEntry = (k: number) => entryOf((finerCols[k % n] ??= finer(gradAt, oneHot(n, k % n))), Math.floor(k / n));
    cmp('hessian(f, x)', 'grad(f, x) along each eⱼ', rowsFlat(r.H), { d: entry((q) => q.d), err: entry((q) => q.err) }, 0, finerEntry);
    const aHa = bilinear(r.H, a, a), aHb = bilinear(r.H, a, b);
    const second = along(abGrad, a), pick = (k: number) => ({ d: [second.d[k]!], err: [second.err[k]!] });
    let finerAb: { d: Float64Array; err: Float64Array } | undefined;
    cmp('directional(f, x, a).second', 'a · grad(f, x) along a', r.dir?.second, pick(0), aHa.scale, () => entryOf((finerAb ??= finer(abGrad, a)), 0));
    cmp('hyperdual(f, x, a, b).dab', 'b · grad(f, x) along a', r.hd?.dab, pick(1), aHb.scale, () => entryOf((finerAb ??= finer(abGrad, a)), 1));
    const g3c = r.g3 && dotScaled(r.g3, c), g3dc = r.g3d && dotScaled(r.g3d, c);
    const [A, B] = [a, b].map((u) => at(form, u));
    const dab = (y: Float64Array) => [hyperdual(f, at(form, y), A, B).dab], dirSecond = (y: Float64Array) => [directional(f, at(form, y), A).second];
    if (g3c) cmp('gradHyperdual(f, x, a, b).grad · c', 'hyperdual(f, x, a, b).dab along c', g3c.value, along(dab, c), g3c.scale, () => entryOf(finer(dab, c), 0));
    if (g3dc) cmp('gradDirectional(f, x, a).grad · c', 'directional(f, x, a).second along c', g3dc.value, along(dirSecond, c), g3dc.scale, () => entryOf(finer(dirSecond, c), 0));
    counts.ran = true;
  } catch (e) {
    if (!(e instanceof Crossed)) ch.fail('throw', 'finite differences (f, grad, hyperdual, directional at the stencil points)', '(no exception)', ` threw ${e instanceof Error ? e.message : String(e)}`);
    else counts.crossed = true;
  }
}

/** What checkDerivatives returns. */
export interface CheckReport {
  value: number;
  grad: Float64Array;
  hessian: Float64Array[];
}

/**
 * Every comparison of the file comment, at a point where f is smooth: throws
 * one assertion listing every disagreement (a non-finite value, gradient or
 * Hessian, or an unreliable finite difference, counts as one).
 */
export function checkDerivatives<X extends Point>(f: (x: any) => Num, x: X, opts: CheckOptions = {}): CheckReport {
  const label = opts.label ?? (f.name || 'f'), o = runCheck(f, x, { ...opts, label }), r = o.reading;
  const problems = [...o.failures];
  const smooth = (what: string, v: ArrayLike<number>) => {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) { problems.push({ kind: 'path', a: what, b: 'a finite number', err: Infinity, detail: ` is ${v[i]} at [${i}]: checkDerivatives needs a point where f is smooth` }); return; }
  };
  if (r) { smooth('f(x)', [r.value]); smooth('∇f', r.grad); smooth('H', rowsFlat(r.H)); }
  if (o.fd.skipped) problems.push({ kind: 'fd', a: 'finite differences', b: 'their error estimates', err: Infinity, detail: ` unreliable for ${o.fd.skipped} entries: choose a smoother point or a smaller fdStep` });
  if (problems.length) expect.fail(`checkDerivatives(${label}): ${problems.length} disagreement(s)\n  ${describeFailures(problems)}`);
  return { value: r!.value, grad: r!.grad, hessian: r!.H };
}

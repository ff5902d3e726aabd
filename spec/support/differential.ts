/**
 * The differential check of one program: every path of the library on the
 * same function, compared with each other and with Ridders-extrapolated
 * finite differences. A scalar program runs through the scalar API and,
 * lifted onto rank-0 tensors, through the tensor API; a tensor program runs
 * through the tensor API and, in its reference semantics (every tensor op
 * written with scalar ops), through the scalar API. Both forms must agree
 * with each other and with finite differences of the plain-number form.
 *
 * Tolerances (errors are normwise relative, floor 1: max|got − ref| /
 * max(1, ‖ref‖∞, scale), where a derived sum such as vᵀ∇f or aᵀHb takes
 * Σ|terms| as its scale so cancellation does not inflate rounding):
 *   PATHS 1e-9   AD paths against each other: they compute the same exact
 *                quantity in a different order, so they differ by rounding
 *                (a wrong rule or sweep is off by O(1));
 *   REPLAY 1e-9  prepare(f, x).at(x1) against a fresh recording at x1;
 *   FD 1e-6      AD against Ridders differences, compared only where
 *                Ridders' own error estimate is below FD/10 (else counted
 *                as skipped), and only where no evaluation of the stencil
 *                crossed a kink or left a domain (else the point is redrawn).
 */
import {
  directional, dot, grad, gradDirectional, gradHyperdual, hessian, hessianDiagonal, hessianDiagonalEstimate, hessianSparsity,
  hessianTraceEstimate, hvp, hyperdual, jacobian, jvp, laplacian, prepare, setCodegen, sparseHessian, tensor, valueAndGrad, type Num, type Pattern,
} from '../../lib/index.js';
import { ridders } from './fd.js';
import { mulberry32 } from './random.js';
import { bindingValues, flatten, liftedFunction, Monitor, referenceFunction, scalarFunction, shapePoint, tensorFunction, type TensorPoint } from './interpret.js';
import { inputSize, type Program, type Sample } from './programs.js';

export const TOL = { path: 1e-9, replay: 1e-9, fd: 1e-6 } as const;
/** Initial Ridders step (it shrinks to about a twentieth). */
export const FD_STEP = 0.02;
/** How often a point is redrawn when a finite difference crosses a kink. */
const REDRAWS = 4;

export type Kind = 'path' | 'replay' | 'fd' | 'throw';

/** One disagreement: which two paths, how far apart. */
export interface Failure {
  readonly kind: Kind;
  /** the path under test, as a call */
  readonly a: string;
  /** what it is compared with */
  readonly b: string;
  readonly err: number;
  readonly detail: string;
}

/** Identifies a failure across shrinking: its kind and its pair of paths. */
export const signature = (f: Failure): string => `${f.kind}: ${f.a} ~ ${f.b}`;

export interface Outcome {
  /** why the sample could not run (a shrinking candidate outside the domains) */
  readonly invalid?: string;
  readonly failures: Failure[];
  readonly comparisons: number;
  /** finite-difference comparisons made, and skipped for an unreliable estimate */
  readonly fd: { made: number; skipped: number; redraws: number; ran: boolean };
  /** worst relative error of each kind, and where */
  readonly worst: Record<'path' | 'replay' | 'fd', { err: number; where: string }>;
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

export interface Dirs { readonly a: number[]; readonly b: number[]; readonly v: number[]; readonly c: number[] }

// ---------------------------------------------------------------- comparisons

/** max|got − ref| / max(1, ‖ref‖∞, scale), with the worst index; identical entries (NaN, ±∞ included) agree. */
export function relErr(got: ArrayLike<number>, ref: ArrayLike<number>, scale = 0): { err: number; at: number } {
  if (got.length !== ref.length) return { err: Infinity, at: -1 };
  let d = 0, m = Math.max(1, scale), k = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!, r = ref[i]!;
    if (Object.is(g, r) || g === r) { if (Number.isFinite(r)) m = Math.max(m, Math.abs(r)); continue; }
    if (!Number.isFinite(g) || !Number.isFinite(r)) return { err: Infinity, at: i };
    m = Math.max(m, Math.abs(r));
    if (Math.abs(g - r) > d) { d = Math.abs(g - r); k = i; }
  }
  return { err: d / m, at: k };
}

const arr = (x: number | ArrayLike<number>): ArrayLike<number> => (typeof x === 'number' ? [x] : x);
const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(12) : String(x));

/** Collects the comparisons of one run. */
export class Checker {
  readonly failures: Failure[] = [];
  comparisons = 0;
  readonly worst: Outcome['worst'] = { path: { err: 0, where: '' }, replay: { err: 0, where: '' }, fd: { err: 0, where: '' } };
  constructor(private readonly only?: string) {}

  cmp(kind: 'path' | 'replay' | 'fd', a: string, b: string, got: number | ArrayLike<number> | undefined, ref: number | ArrayLike<number> | undefined, scale = 0, where0 = ''): void {
    if (got === undefined || ref === undefined) return; // a path that threw is reported once, where it threw
    if (this.only && this.only !== `${kind}: ${a} ~ ${b}`) return;
    this.comparisons++;
    const g = arr(got), r = arr(ref), { err, at } = relErr(g, r, scale);
    const w = this.worst[kind];
    if (err > w.err || w.where === '') { w.err = Math.max(w.err, err); w.where = `${a} ~ ${b}`; }
    if (!(err <= TOL[kind])) {
      const where = where0 + (g.length > 1 ? ` at [${at}]` : '');
      this.failures.push({
        kind, a, b, err,
        detail: `${where} got ${at >= 0 ? fmt(g[at]!) : `length ${g.length}`}, expected ${at >= 0 ? fmt(r[at]!) : `length ${r.length}`} ` +
          `(relative error ${err.toExponential(2)} > ${TOL[kind]})`,
      });
    }
  }

  /** Runs one path; an exception is a failure of kind 'throw' (and the result undefined). */
  run<T>(path: string, f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!this.only || this.only === `throw: ${path} ~ (no exception)`) {
        this.failures.push({ kind: 'throw', a: path, b: '(no exception)', err: Infinity, detail: ` threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` });
      }
      return undefined;
    }
  }
}

// ---------------------------------------------------------------- linear algebra on results

const dotS = (u: ArrayLike<number>, v: ArrayLike<number>) => {
  let value = 0, scale = 0;
  for (let i = 0; i < u.length; i++) { value += u[i]! * v[i]!; scale += Math.abs(u[i]! * v[i]!); }
  return { value, scale };
};
const matVec = (H: readonly ArrayLike<number>[], v: ArrayLike<number>) => {
  const rows = H.map((r) => dotS(r, v));
  return { value: rows.map((r) => r.value), scale: Math.max(0, ...rows.map((r) => r.scale)) };
};
const bilinear = (H: readonly ArrayLike<number>[], a: ArrayLike<number>, b: ArrayLike<number>) => {
  const hb = matVec(H, b), s = dotS(a, hb.value);
  let scale = 0;
  for (let i = 0; i < H.length; i++) for (let j = 0; j < H.length; j++) scale += Math.abs(a[i]! * H[i]![j]! * b[j]!);
  return { value: s.value, scale };
};
const flatRows = (M: readonly ArrayLike<number>[]): number[] => M.flatMap((r) => Array.from(r));
const diagOf = (H: readonly ArrayLike<number>[]): number[] => H.map((r, i) => r[i]!);

/** The dense matrix of a CSR pattern's values. */
function denseOf(S: Pattern & { values?: Float64Array }, n: number): number[][] {
  const M = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) M[i]![S.colIdx[e]!] = S.values ? S.values[e]! : 1;
  return M;
}

/** H restricted to the pattern (entries outside it zeroed): equals H exactly when the pattern covers every non-zero. */
function masked(H: readonly ArrayLike<number>[], p: Pattern): number[][] {
  const mask = denseOf(p, H.length);
  return H.map((r, i) => Array.from(r, (h, j) => (mask[i]![j] ? h : 0)));
}

/** The Rademacher probes of the estimators (lib/transforms/estimators.ts: 32 signs per mulberry32 draw). */
function rademacher(seed: number, n: number, count: number): Float64Array[] {
  const u = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const z = new Float64Array(n);
    for (let i0 = 0; i0 < n; i0 += 32) {
      const bits = Math.floor(u() * 4294967296);
      for (let i = i0; i < Math.min(n, i0 + 32); i++) z[i] = (bits >>> (i - i0)) & 1 ? -1 : 1;
    }
    return z;
  });
}

// ---------------------------------------------------------------- results of the scalar API

type F = (x: Num[]) => Num;

/** What the scalar API says at one point (the reference for the tensor form). */
interface Reading {
  value: number;
  grad: ArrayLike<number>;
  H: Float64Array[];
  hvp?: ArrayLike<number>;
  diag: number[];
  trace: { value: number; scale: number };
  dir?: { value: number; first: number; second: number };
  hd?: { value: number; da: number; db: number; dab: number };
  g3?: ArrayLike<number>;
  g3d?: ArrayLike<number>;
}

/** Every path of the scalar API at x0 (and prepare(…).at(x1) against a fresh recording at x1). */
function scalarPaths(ch: Checker, f: F, x0: number[], x1: number[], plain0: number, d: Dirs, s3: number): { at0?: Reading; at1?: Reading } {
  const n = x0.length, { a, b, v } = d;
  const vg = ch.run('valueAndGrad(f, x)', () => valueAndGrad(f, x0));
  const H = ch.run('hessian(f, x)', () => hessian(f, x0));
  if (!vg || !H) return {};
  const G = vg.grad, V = vg.value, diag = diagOf(H), trace = dotS(diag, diag.map(() => 1));
  const aHa = bilinear(H, a, a), aHb = bilinear(H, a, b), Hv = matVec(H, v);
  const ga = dotS(G, a), gb = dotS(G, b), gv = dotS(G, v);

  // values and first order
  ch.cmp('path', 'f(x) on numbers', 'valueAndGrad(f, x).value', plain0, V);
  ch.cmp('path', 'grad(f, x)', 'valueAndGrad(f, x).grad', ch.run('grad(f, x)', () => grad(f, x0)), G);
  const jv = ch.run('jvp(f, x, v)', () => jvp(f, x0, v));
  const dir = ch.run('directional(f, x, a)', () => directional(f, x0, a));
  const hd = ch.run('hyperdual(f, x, a, b)', () => hyperdual(f, x0, a, b));
  ch.cmp('path', 'jvp(f, x, v).value', 'valueAndGrad(f, x).value', jv?.value, V);
  ch.cmp('path', 'jvp(f, x, v).tangent', 'valueAndGrad(f, x).grad · v', jv?.tangent, gv.value, gv.scale);
  ch.cmp('path', 'directional(f, x, a).value', 'valueAndGrad(f, x).value', dir?.value, V);
  ch.cmp('path', 'directional(f, x, a).first', 'valueAndGrad(f, x).grad · a', dir?.first, ga.value, ga.scale);
  ch.cmp('path', 'hyperdual(f, x, a, b).value', 'valueAndGrad(f, x).value', hd?.value, V);
  ch.cmp('path', 'hyperdual(f, x, a, b).da', 'valueAndGrad(f, x).grad · a', hd?.da, ga.value, ga.scale);
  ch.cmp('path', 'hyperdual(f, x, a, b).db', 'valueAndGrad(f, x).grad · b', hd?.db, gb.value, gb.scale);
  ch.cmp('path', 'jacobian((x) => [f(x)], x)[0]', 'valueAndGrad(f, x).grad', ch.run('jacobian((x) => [f(x)], x)', () => jacobian((x) => [f(x)], x0))?.[0], G);
  const Jn = ch.run('jacobian((x) => [f(x), …n + 1 copies], x)', () => jacobian((x) => { const y = f(x); return Array.from({ length: n + 1 }, () => y); }, x0));
  ch.cmp('path', 'jacobian((x) => [f(x), …n + 1 copies], x)', 'valueAndGrad(f, x).grad (each row)', Jn && flatRows(Jn), Jn && Jn.flatMap(() => Array.from(G)));

  // second order
  ch.cmp('path', 'hessian(f, x, { lanes: 1 })', 'hessian(f, x)', ch.run('hessian(f, x, { lanes: 1 })', () => flatRows(hessian(f, x0, { lanes: 1 }))), flatRows(H));
  ch.cmp('path', 'hessian(f, x, { lanes: 3 })', 'hessian(f, x)', ch.run('hessian(f, x, { lanes: 3 })', () => flatRows(hessian(f, x0, { lanes: 3 }))), flatRows(H));
  const cols = ch.run('hvp(f, x, eⱼ) for every j', () => Array.from({ length: n }, (_, j) => hvp(f, x0, x0.map((_, i) => (i === j ? 1 : 0)))));
  ch.cmp('path', 'hvp(f, x, eⱼ) (raw Hessian columns)', 'hessian(f, x) columns', cols && flatRows(cols), flatRows(H.map((_, j) => H.map((r) => r[j]!))));
  const hv = ch.run('hvp(f, x, v)', () => hvp(f, x0, v));
  ch.cmp('path', 'hvp(f, x, v)', 'hessian(f, x) · v', hv, Hv.value, Hv.scale);
  ch.cmp('path', 'directional(f, x, a).second', 'aᵀ hessian(f, x) a', dir?.second, aHa.value, aHa.scale);
  ch.cmp('path', 'hyperdual(f, x, a, b).dab', 'aᵀ hessian(f, x) b', hd?.dab, aHb.value, aHb.scale);
  for (const method of ['auto', 'hyperdual', 'hvp', 'sparse'] as const) {
    const call = `hessianDiagonal(f, x, { method: '${method}' })`;
    ch.cmp('path', call, 'diag(hessian(f, x))', ch.run(call, () => hessianDiagonal(f, x0, { method })), diag);
  }
  ch.cmp('path', "hessianDiagonal(f, x, { method: 'hyperdual', lanes: 1 })", 'diag(hessian(f, x))',
    ch.run("hessianDiagonal(f, x, { method: 'hyperdual', lanes: 1 })", () => hessianDiagonal(f, x0, { method: 'hyperdual', lanes: 1 })), diag);
  const pat = ch.run('hessianSparsity(f, x)', () => hessianSparsity(f, x0));
  ch.cmp('path', 'hessian(f, x) outside hessianSparsity(f, x)', 'hessian(f, x)', pat && flatRows(masked(H, pat)), flatRows(H));
  const S = ch.run('sparseHessian(f, x, { lanes: 2 })', () => sparseHessian(f, x0, { lanes: 2 }));
  ch.cmp('path', 'sparseHessian(f, x, { lanes: 2 })', 'hessian(f, x) on the pattern', S && flatRows(denseOf(S, n)), S && flatRows(masked(H, S)));
  ch.cmp('path', 'laplacian(f, x)', 'tr hessian(f, x)', ch.run('laplacian(f, x)', () => laplacian(f, x0)), trace.value, trace.scale);
  ch.cmp('path', "laplacian(f, x, { method: 'dense', lanes: 2 })", 'tr hessian(f, x)', ch.run("laplacian(f, x, { method: 'dense', lanes: 2 })", () => laplacian(f, x0, { method: 'dense', lanes: 2 })), trace.value, trace.scale);
  ch.cmp('path', 'laplacian(f, x, { terms: true }).terms', 'diag(hessian(f, x))', ch.run('laplacian(f, x, { terms: true })', () => laplacian(f, x0, { terms: true }).terms), diag);

  // third order
  const g3 = ch.run('gradHyperdual(f, x, a, b)', () => gradHyperdual(f, x0, a, b));
  const g3ba = ch.run('gradHyperdual(f, x, b, a)', () => gradHyperdual(f, x0, b, a));
  const g3d = ch.run('gradDirectional(f, x, a)', () => gradDirectional(f, x0, a));
  const g3aa = ch.run('gradHyperdual(f, x, a, a)', () => gradHyperdual(f, x0, a, a));
  ch.cmp('path', 'gradHyperdual(f, x, a, b).value', 'aᵀ hessian(f, x) b', g3?.value, aHb.value, aHb.scale);
  ch.cmp('path', 'gradHyperdual(f, x, b, a).grad', 'gradHyperdual(f, x, a, b).grad', g3ba?.grad, g3?.grad, s3);
  ch.cmp('path', 'gradDirectional(f, x, a).value', 'aᵀ hessian(f, x) a', g3d?.value, aHa.value, aHa.scale);
  ch.cmp('path', 'gradDirectional(f, x, a).grad', 'gradHyperdual(f, x, a, a).grad', g3d?.grad, g3aa?.grad, s3);

  // nested transforms (jets)
  ch.cmp('path', 'grad((x) => jvp(f, x, v).tangent, x)', 'hvp(f, x, v)', ch.run('grad((x) => jvp(f, x, v).tangent, x)', () => grad((x) => jvp(f, x, v).tangent as Num, x0)), hv);
  ch.cmp('path', 'grad((x) => hyperdual(f, x, a, b).dab, x)', 'gradHyperdual(f, x, a, b).grad',
    ch.run('grad((x) => hyperdual(f, x, a, b).dab, x)', () => grad((x) => hyperdual(f, x, a, b).dab as Num, x0)), g3?.grad, s3);
  const nd = ch.run('directional((x) => dot(grad(f, x), b), x, a)', () => directional((x) => dot(grad(f, x) as unknown as Num[], b), x0, a));
  ch.cmp('path', 'directional((x) => dot(grad(f, x), b), x, a).first', 'aᵀ hessian(f, x) b', nd?.first, aHb.value, aHb.scale);
  const t3 = g3d && dotS(g3d.grad, b);
  ch.cmp('path', 'directional((x) => dot(grad(f, x), b), x, a).second', 'gradDirectional(f, x, a).grad · b', nd?.second, t3?.value, Math.max(t3?.scale ?? 0, s3));

  // estimators: the documented probes, from the exact Hessian
  const m = 3, zs = rademacher(7, n, m);
  const est = ch.run("hessianTraceEstimate(f, x, { samples: 3, seed: 7 })", () => hessianTraceEstimate(f, x0, { samples: m, seed: 7 }));
  const estH = ch.run("hessianTraceEstimate(f, x, { samples: 3, seed: 7, path: 'hvp' })", () => hessianTraceEstimate(f, x0, { samples: m, seed: 7, path: 'hvp' }));
  const quad = zs.map((z) => bilinear(H, z, z));
  const exactEst = quad.reduce((s, q) => s + q.value, 0) / m, estScale = Math.max(...quad.map((q) => q.scale));
  ch.cmp('path', 'hessianTraceEstimate(f, x, { samples: 3, seed: 7 }).estimate', 'mean zᵀ hessian(f, x) z over its probes', est?.estimate, exactEst, estScale);
  ch.cmp('path', "hessianTraceEstimate(f, x, { samples: 3, seed: 7, path: 'hvp' }).estimate", 'mean zᵀ hessian(f, x) z over its probes', estH?.estimate, exactEst, estScale);
  const dEst = ch.run('hessianDiagonalEstimate(f, x, { samples: 3, seed: 7 })', () => hessianDiagonalEstimate(f, x0, { samples: m, seed: 7 }));
  const zHz = zs.map((z) => { const hz = matVec(H, z); return Array.from(z, (zi, i) => zi * hz.value[i]! / m); });
  ch.cmp('path', 'hessianDiagonalEstimate(f, x, { samples: 3, seed: 7 }).estimate', 'mean z ⊙ hessian(f, x) z over its probes', dEst && flatten(dEst.estimate),
    zHz.reduce((s, t) => s.map((u, i) => u + t[i]!), new Array<number>(n).fill(0)), Math.max(...zs.map((z) => matVec(H, z).scale)));

  const at0: Reading = { value: V, grad: G, H, diag, trace, ...(hv && { hvp: hv }), ...(dir && { dir }), ...(hd && { hd }), ...(g3 && { g3: g3.grad }), ...(g3d && { g3d: g3d.grad }) };

  // prepared: at x0, then moved to x1 (against a fresh recording there), then back
  const P = ch.run('prepare(f, x)', () => prepare(f, x0));
  if (!P) return { at0 };
  ch.cmp('path', 'prepare(f, x).value', 'valueAndGrad(f, x).value', P.value as number, V);
  ch.cmp('path', 'prepare(f, x).grad()', 'valueAndGrad(f, x).grad', ch.run('prepare(f, x).grad()', () => P.grad()), G);
  ch.cmp('path', 'prepare(f, x).jvp(v).tangent', 'jvp(f, x, v).tangent', ch.run('prepare(f, x).jvp(v)', () => P.jvp(v).tangent), jv?.tangent, gv.scale);
  const pd = ch.run('prepare(f, x).directional(a)', () => P.directional(a));
  ch.cmp('path', 'prepare(f, x).directional(a).second', 'directional(f, x, a).second', pd?.second, dir?.second, aHa.scale);
  const ph = ch.run('prepare(f, x).hyperdual(a, b)', () => P.hyperdual(a, b));
  ch.cmp('path', 'prepare(f, x).hyperdual(a, b).dab', 'hyperdual(f, x, a, b).dab', ph?.dab, hd?.dab, aHb.scale);
  const q = ch.run('prepare(f, x).quadraticForms([a, b, v])', () => P.quadraticForms([a, b, v].map((u) => Float64Array.from(u))));
  const qRef = [a, b, v].map((u) => bilinear(H, u, u));
  ch.cmp('path', 'prepare(f, x).quadraticForms([a, b, v])', '[aᵀHa, bᵀHb, vᵀHv] from hessian(f, x)', q, qRef.map((r) => r.value), Math.max(...qRef.map((r) => r.scale)));
  const hvs = ch.run('prepare(f, x).hvps([v, a])', () => P.hvps([v, a].map((u) => Float64Array.from(u))));
  const Ha = matVec(H, a);
  ch.cmp('path', 'prepare(f, x).hvps([v, a])', '[hessian(f, x)·v, hessian(f, x)·a]', hvs && flatRows(hvs), [...Hv.value, ...Ha.value], Math.max(Hv.scale, Ha.scale));
  const at1 = moved(ch, f, P, x1, d, 'x1', s3);
  moved(ch, f, P, x0, d, 'x0', s3, at0);
  generatedPaths(ch, f, x0, x1, { G, H, diag, Hv, aHa }, d, at1);
  // a vector-valued recording moved the same way
  const PV = ch.run('prepare((x) => [f(x), f(x)], x, { vector: true })', () => prepare((x: Num[]) => { const y = f(x); return [y, y]; }, x0, { vector: true }));
  if (PV && at1 && ch.run('prepare((x) => [f(x), f(x)], x, { vector: true }).at(x1)', () => PV.at(x1))) {
    ch.cmp('replay', 'prepare((x) => [f(x), f(x)], x, { vector: true }).at(x1).jacobian()', 'a fresh recording at x1: [grad, grad]',
      ch.run('prepare((x) => [f(x), f(x)], x, { vector: true }).at(x1).jacobian()', () => flatRows(PV.jacobian())), [...Array.from(at1.grad), ...Array.from(at1.grad)]);
  }
  return { at0, ...(at1 && { at1 }) };
}

/**
 * The sweeps of a recording run by generated code (lib/tape/codegen.ts) under
 * setCodegen('always'), where every loop of three repetitions or more is
 * compiled: one lane and K lanes, forward and reverse, before and after a
 * replay, against the same references as the interpreted sweeps.
 */
function generatedPaths(
  ch: Checker, f: F, x0: number[], x1: number[],
  ref: { G: ArrayLike<number>; H: Float64Array[]; diag: number[]; Hv: { value: number[]; scale: number }; aHa: { value: number; scale: number } },
  d: Dirs, at1: Reading | undefined,
): void {
  const { G, H, diag, Hv, aHa } = ref, { a, v } = d, old = setCodegen('always');
  try {
    const P = ch.run("prepare(f, x) under setCodegen('always')", () => prepare(f, x0));
    if (!P) return;
    const call = (m: string) => `prepare(f, x).${m} under setCodegen('always')`;
    ch.cmp('path', call('grad()'), 'valueAndGrad(f, x).grad', ch.run(call('grad()'), () => P.grad()), G);
    ch.cmp('path', call('hvp(v)'), 'hessian(f, x) · v', ch.run(call('hvp(v)'), () => P.hvp(v)), Hv.value, Hv.scale);
    ch.cmp('path', call('directional(a).second'), 'aᵀ hessian(f, x) a', ch.run(call('directional(a)'), () => P.directional(a).second), aHa.value, aHa.scale);
    for (const lanes of [1, 3]) {
      ch.cmp('path', call(`hessian({ lanes: ${lanes} })`), 'hessian(f, x)', ch.run(call(`hessian({ lanes: ${lanes} })`), () => flatRows(P.hessian({ lanes }))), flatRows(H));
      for (const method of ['hyperdual', 'hvp'] as const) {
        const m = `hessianDiagonal({ method: '${method}', lanes: ${lanes} })`;
        ch.cmp('path', call(m), 'diag(hessian(f, x))', ch.run(call(m), () => P.hessianDiagonal({ method, lanes })), diag);
      }
    }
    if (at1 && ch.run(call('at(x1)'), () => P.at(x1))) {
      ch.cmp('replay', call('at(x1).grad()'), 'a fresh recording at x1', ch.run(call('at(x1).grad()'), () => P.grad()), at1.grad);
      ch.cmp('replay', call("at(x1).hessianDiagonal({ method: 'hyperdual', lanes: 3 })"), 'a fresh recording at x1',
        ch.run(call("at(x1).hessianDiagonal({ method: 'hyperdual', lanes: 3 })"), () => P.hessianDiagonal({ method: 'hyperdual', lanes: 3 })), at1.diag);
      ch.cmp('replay', call('at(x1).hessian({ lanes: 1 })'), 'a fresh recording at x1',
        ch.run(call('at(x1).hessian({ lanes: 1 })'), () => flatRows(P.hessian({ lanes: 1 }))), flatRows(at1.H));
    }
  } finally {
    setCodegen(old);
  }
}

/** P moved to point y: every method against a fresh recording at y (or against `ref`, the readings taken there before). */
function moved(ch: Checker, f: F, P: ReturnType<typeof prepare<number[]>>, y: number[], d: Dirs, name: string, s3: number, ref?: Reading): Reading | undefined {
  const { a, b, v } = d, call = `prepare(f, x).at(${name})`;
  if (!ch.run(`${call}`, () => P.at(y))) return undefined;
  const fresh = ref ?? (() => {
    const vg = ch.run(`valueAndGrad(f, ${name})`, () => valueAndGrad(f, y)), H = ch.run(`hessian(f, ${name})`, () => hessian(f, y));
    if (!vg || !H) return undefined;
    const diag = diagOf(H);
    const hv = ch.run(`hvp(f, ${name}, v)`, () => hvp(f, y, v)), dir = ch.run(`directional(f, ${name}, a)`, () => directional(f, y, a));
    const hd = ch.run(`hyperdual(f, ${name}, a, b)`, () => hyperdual(f, y, a, b)), g3 = ch.run(`gradHyperdual(f, ${name}, a, b)`, () => gradHyperdual(f, y, a, b));
    const r: Reading = { value: vg.value, grad: vg.grad, H, diag, trace: dotS(diag, diag.map(() => 1)), ...(hv && { hvp: hv }), ...(dir && { dir }), ...(hd && { hd }), ...(g3 && { g3: g3.grad }) };
    return r;
  })();
  if (!fresh) return undefined;
  const src = ref ? `the readings at ${name} before moving` : `a fresh recording at ${name}`;
  ch.cmp('replay', `${call}.value`, `${src}: value`, P.value as number, fresh.value);
  ch.cmp('replay', `${call}.grad()`, `${src}: grad`, ch.run(`${call}.grad()`, () => P.grad()), fresh.grad);
  ch.cmp('replay', `${call}.hessian()`, `${src}: hessian`, ch.run(`${call}.hessian()`, () => flatRows(P.hessian())), flatRows(fresh.H));
  ch.cmp('replay', `${call}.hvp(v)`, `${src}: hvp(v)`, ch.run(`${call}.hvp(v)`, () => P.hvp(v)), fresh.hvp);
  ch.cmp('replay', `${call}.hessianDiagonal()`, `${src}: diag(hessian)`, ch.run(`${call}.hessianDiagonal()`, () => P.hessianDiagonal()), fresh.diag);
  ch.cmp('replay', `${call}.directional(a).second`, `${src}: directional(a).second`, ch.run(`${call}.directional(a)`, () => P.directional(a).second), fresh.dir?.second);
  ch.cmp('replay', `${call}.hyperdual(a, b).dab`, `${src}: hyperdual(a, b).dab`, ch.run(`${call}.hyperdual(a, b)`, () => P.hyperdual(a, b).dab), fresh.hd?.dab);
  ch.cmp('replay', `${call}.gradHyperdual(a, b).grad`, `${src}: gradHyperdual(a, b).grad`, ch.run(`${call}.gradHyperdual(a, b)`, () => P.gradHyperdual(a, b).grad), fresh.g3, s3);
  ch.cmp('replay', `${call}.laplacian().laplacian`, `${src}: tr hessian`, ch.run(`${call}.laplacian()`, () => P.laplacian().laplacian), fresh.trace.value, fresh.trace.scale);
  const S = ch.run(`${call}.sparseHessian()`, () => P.sparseHessian());
  ch.cmp('replay', `${call}.sparseHessian()`, `${src}: hessian on the pattern`, S && flatRows(denseOf(S, y.length)), S && flatRows(masked(fresh.H, S)));
  ch.cmp('replay', `hessian(f, ${name}) outside ${call}.sparseHessian() pattern`, `hessian(f, ${name})`, S && flatRows(masked(fresh.H, S)), flatRows(fresh.H));
  return fresh;
}

// ---------------------------------------------------------------- the tensor API against the scalar API

/** Every tensor-API path on fT at point forms X0 (and X1), against the scalar API's readings. */
function tensorPaths(ch: Checker, fT: (x: TensorPoint) => Num, X0: TensorPoint, X1: TensorPoint, shape: (v: ArrayLike<number>) => TensorPoint,
  d: Dirs, r0: Reading, r1: Reading | undefined, form: string, s3: number): void {
  const n = r0.diag.length, [A, B, Vd] = [d.a, d.b, d.v].map(shape) as [TensorPoint, TensorPoint, TensorPoint];
  const T = (s: string) => `${s} [${form}]`;
  const vg = ch.run(T('valueAndGrad(f, x)'), () => valueAndGrad(fT, X0));
  ch.cmp('path', T('valueAndGrad(f, x).value'), 'scalar API: value', vg?.value, r0.value);
  ch.cmp('path', T('valueAndGrad(f, x).grad'), 'scalar API: grad', vg && flatten(vg.grad), r0.grad);
  const gv = dotS(r0.grad, d.v), ga = dotS(r0.grad, d.a), gb = dotS(r0.grad, d.b), aHa = bilinear(r0.H, d.a, d.a), aHb = bilinear(r0.H, d.a, d.b);
  ch.cmp('path', T('jvp(f, x, v).tangent'), 'scalar API: grad · v', ch.run(T('jvp(f, x, v)'), () => jvp(fT, X0, Vd).tangent), gv.value, gv.scale);
  const dir = ch.run(T('directional(f, x, a)'), () => directional(fT, X0, A));
  ch.cmp('path', T('directional(f, x, a).first'), 'scalar API: grad · a', dir?.first, ga.value, ga.scale);
  ch.cmp('path', T('directional(f, x, a).second'), 'scalar API: aᵀHa', dir?.second, aHa.value, aHa.scale);
  const hd = ch.run(T('hyperdual(f, x, a, b)'), () => hyperdual(fT, X0, A, B));
  ch.cmp('path', T('hyperdual(f, x, a, b).db'), 'scalar API: grad · b', hd?.db, gb.value, gb.scale);
  ch.cmp('path', T('hyperdual(f, x, a, b).dab'), 'scalar API: aᵀHb', hd?.dab, aHb.value, aHb.scale);
  const Hv = matVec(r0.H, d.v);
  ch.cmp('path', T('hvp(f, x, v)'), 'scalar API: H·v', ch.run(T('hvp(f, x, v)'), () => flatten(hvp(fT, X0, Vd))), Hv.value, Hv.scale);
  ch.cmp('path', T('hvp(f, x, v as a flat array)'), 'scalar API: H·v', ch.run(T('hvp(f, x, flat v)'), () => flatten(hvp(fT, X0, d.v))), Hv.value, Hv.scale);
  ch.cmp('path', T('hessian(f, x)'), 'scalar API: hessian', ch.run(T('hessian(f, x)'), () => flatRows(hessian(fT, X0))), flatRows(r0.H));
  ch.cmp('path', T('hessian(f, x, { lanes: 1 })'), 'scalar API: hessian', ch.run(T('hessian(f, x, { lanes: 1 })'), () => flatRows(hessian(fT, X0, { lanes: 1 }))), flatRows(r0.H));
  for (const method of ['auto', 'hyperdual', 'hvp', 'sparse'] as const) {
    const call = T(`hessianDiagonal(f, x, { method: '${method}' })`);
    ch.cmp('path', call, 'scalar API: diag(hessian)', ch.run(call, () => flatten(hessianDiagonal(fT, X0, { method }))), r0.diag);
  }
  const S = ch.run(T('sparseHessian(f, x)'), () => sparseHessian(fT, X0, { lanes: 3 }));
  ch.cmp('path', T('sparseHessian(f, x, { lanes: 3 })'), 'scalar API: hessian on the pattern', S && flatRows(denseOf(S, n)), S && flatRows(masked(r0.H, S)));
  ch.cmp('path', T('scalar API hessian outside the sparseHessian(f, x) pattern'), 'scalar API: hessian', S && flatRows(masked(r0.H, S)), flatRows(r0.H));
  ch.cmp('path', T('laplacian(f, x)'), 'scalar API: tr hessian', ch.run(T('laplacian(f, x)'), () => laplacian(fT, X0)), r0.trace.value, r0.trace.scale);
  ch.cmp('path', T('laplacian(f, x, { terms: true }).terms'), 'scalar API: diag(hessian)', ch.run(T('laplacian(f, x, { terms: true })'), () => flatten(laplacian(fT, X0, { terms: true }).terms)), r0.diag);
  const g3 = ch.run(T('gradHyperdual(f, x, a, b)'), () => gradHyperdual(fT, X0, A, B));
  ch.cmp('path', T('gradHyperdual(f, x, a, b).grad'), 'scalar API: gradHyperdual(f, x, a, b).grad', g3 && flatten(g3.grad), r0.g3, s3);
  ch.cmp('path', T('gradDirectional(f, x, a).grad'), 'scalar API: gradDirectional(f, x, a).grad', ch.run(T('gradDirectional(f, x, a)'), () => flatten(gradDirectional(fT, X0, A).grad)), r0.g3d, s3);

  const P = ch.run(T('prepare(f, x)'), () => prepare(fT, X0));
  if (!P) return;
  for (const [X, r, name] of [[X1, r1, 'x1'], [X0, r0, 'x0']] as const) {
    if (!r || !ch.run(T(`prepare(f, x).at(${name})`), () => P.at(X))) continue;
    const call = T(`prepare(f, x).at(${name})`);
    ch.cmp('replay', `${call}.value`, `scalar API at ${name}: value`, P.value as number, r.value);
    ch.cmp('replay', `${call}.grad()`, `scalar API at ${name}: grad`, ch.run(`${call}.grad()`, () => flatten(P.grad())), r.grad);
    ch.cmp('replay', `${call}.hessian()`, `scalar API at ${name}: hessian`, ch.run(`${call}.hessian()`, () => flatRows(P.hessian())), flatRows(r.H));
    ch.cmp('replay', `${call}.hvp(v)`, `scalar API at ${name}: hvp(v)`, ch.run(`${call}.hvp(v)`, () => flatten(P.hvp(Vd))), r.hvp);
    ch.cmp('replay', `${call}.hessianDiagonal()`, `scalar API at ${name}: diag(hessian)`, ch.run(`${call}.hessianDiagonal()`, () => flatten(P.hessianDiagonal())), r.diag);
    ch.cmp('replay', `${call}.hyperdual(a, b).dab`, `scalar API at ${name}: hyperdual(a, b).dab`, ch.run(`${call}.hyperdual(a, b)`, () => P.hyperdual(A, B).dab), r.hd?.dab);
    ch.cmp('replay', `${call}.gradHyperdual(a, b).grad`, `scalar API at ${name}: gradHyperdual(a, b).grad`, ch.run(`${call}.gradHyperdual(a, b)`, () => flatten(P.gradHyperdual(A, B).grad)), r.g3, s3);
  }
}

// ---------------------------------------------------------------- finite differences

class Crossed extends Error {}

/** Ridders' derivative of g along dir at x0; every evaluation point is first checked by `watch`. */
function along(g: (x: number[]) => ArrayLike<number>, x0: readonly number[], dir: readonly number[], watch: (x: number[]) => void) {
  return ridders((t) => {
    const x = x0.map((xi, i) => xi + t * dir[i]!);
    watch(x);
    return g(x);
  }, 0, FD_STEP);
}

interface FdReading { grad: number[]; gradErr: number[]; H: Float64Array[]; Herr: Float64Array[]; dirSecond: [number, number]; dab: [number, number]; g3c: [number, number]; g3dc: [number, number] }

/** The finite differences at x0, or null when a stencil crossed a kink or left a domain. */
function differences(f: F, plain: (x: number[]) => Monitor & { value: number }, x0: number[], d: Dirs): FdReading | null {
  const base = plain(x0), n = x0.length;
  const watch = (x: number[]) => {
    const m = plain(x);
    if (m.outside || m.sides.length !== base.sides.length || m.sides.some((s, i) => s !== base.sides[i]) || !Number.isFinite(m.value)) throw new Crossed();
  };
  const e = (j: number) => x0.map((_, i) => (i === j ? 1 : 0));
  try {
    const gr = x0.map((_, i) => along((x) => [plain(x).value], x0, e(i), watch));
    const cols = x0.map((_, j) => along((x) => grad(f, x), x0, e(j), watch));
    const H = Array.from({ length: n }, (_, i) => Float64Array.from(cols, (c) => c.d[i]!));
    const Herr = Array.from({ length: n }, (_, i) => Float64Array.from(cols, (c) => c.err[i]!));
    const one = (r: { d: Float64Array; err: Float64Array }): [number, number] => [r.d[0]!, r.err[0]!];
    return {
      grad: gr.map((r) => r.d[0]!), gradErr: gr.map((r) => r.err[0]!), H, Herr,
      dirSecond: one(along((x) => [jvp(f, x, d.a).tangent], x0, d.a, watch)),
      dab: one(along((x) => [jvp(f, x, d.a).tangent], x0, d.b, watch)),
      g3c: one(along((x) => [hyperdual(f, x, d.a, d.b).dab], x0, d.c, watch)),
      g3dc: one(along((x) => [directional(f, x, d.a).second], x0, d.c, watch)),
    };
  } catch (err) {
    if (err instanceof Crossed) return null;
    throw err;
  }
}

/** AD against the finite differences, each entry only where Ridders' error estimate is small. */
function compareFd(ch: Checker, fd: FdReading, r: Reading, d: Dirs, counts: { made: number; skipped: number }): void {
  const reliable = (err: number, ref: number, scale = 0) => err <= (TOL.fd / 10) * Math.max(1, Math.abs(ref), scale);
  const one = (a: string, b: string, got: number | undefined, [ref, err]: [number, number], scale = 0, where = '') => {
    if (got === undefined) return;
    if (!reliable(err, ref, scale)) { counts.skipped++; return; }
    counts.made++;
    ch.cmp('fd', a, b, got, ref, scale, where);
  };
  Array.from(r.grad).forEach((g, i) => one('valueAndGrad(f, x).grad[i]', 'Ridders difference of f on numbers along eᵢ', g, [fd.grad[i]!, fd.gradErr[i]!], 0, ` (i = ${i})`));
  r.H.forEach((row, i) => row.forEach((h, j) => one('hessian(f, x)[i][j]', 'Ridders difference of grad(f, x)[i] along eⱼ', h, [fd.H[i]![j]!, fd.Herr[i]![j]!], 0, ` (i = ${i}, j = ${j})`)));
  one('directional(f, x, a).second', 'Ridders difference of jvp(f, x, a).tangent along a', r.dir?.second, fd.dirSecond, bilinear(r.H, d.a, d.a).scale);
  one('hyperdual(f, x, a, b).dab', 'Ridders difference of jvp(f, x, a).tangent along b', r.hd?.dab, fd.dab, bilinear(r.H, d.a, d.b).scale);
  const g3c = r.g3 && dotS(r.g3, d.c), g3dc = r.g3d && dotS(r.g3d, d.c);
  one('gradHyperdual(f, x, a, b).grad · c', 'Ridders difference of hyperdual(f, x, a, b).dab along c', g3c?.value, fd.g3c, g3c?.scale);
  one('gradDirectional(f, x, a).grad · c', 'Ridders difference of directional(f, x, a).second along c', g3dc?.value, fd.g3dc, g3dc?.scale);
}

// ---------------------------------------------------------------- one sample

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

/** The directions of a run (from its seed). */
export function directions(seed: number, n: number): Dirs {
  const r = mulberry32(seed), vec = () => Array.from({ length: n }, () => Number((2 * r() - 1).toPrecision(4)));
  return { a: vec(), b: vec(), v: vec(), c: vec() };
}

/** Runs a sample through every path; see the file comment for what is compared. */
export function runSample(s: Sample, opts: RunOptions = {}, only?: string): Outcome {
  const p = s.program, n = inputSize(p), seed = opts.seed ?? 1, d = directions(seed, n), ch = new Checker(only);
  const x0 = [...s.x0], x1 = [...s.x1];
  let fdX0 = x0;
  const fd = { made: 0, skipped: 0, redraws: 0, ran: false };
  const done = (invalid?: string): Outcome => ({ ...(invalid !== undefined && { invalid }), failures: ch.failures, comparisons: ch.comparisons, fd, worst: ch.worst, x0, fdX0, dirs: d });
  const bad = invalidAt(p, x0) ?? invalidAt(p, x1);
  if (bad) return done(bad);
  const f: F = p.kind === 'scalar' ? scalarFunction(p) : referenceFunction(p);
  const plain = watched(p);

  // every path at x0 (kinks and ties may sit exactly on it: all paths must follow the same conventions)
  const s3 = magnitude(p, [x0, x1]);
  const { at0, at1 } = scalarPaths(ch, f, x0, x1, plain(x0).value, d, s3);
  if (at0 && !only?.startsWith('fd')) {
    const q = opts.tamper ? opts.tamper(p) : p;
    if (q.kind === 'tensor' && p.kind === 'tensor') {
      tensorPaths(ch, tensorFunction(q), shapePoint(p, x0), shapePoint(p, x1), (v) => shapePoint(p, v), d, at0, at1, p.form === 'tensor' ? 'tensor API' : 'tensor API, record', s3);
    } else if (q.kind === 'scalar') {
      const lift = liftedFunction(q), T = (v: ArrayLike<number>) => tensor(Float64Array.from(v), [n]);
      tensorPaths(ch, lift, T(x0), T(x1), T, d, at0, at1, 'lifted onto rank-0 tensors', s3);
    }
  }
  // finite differences: where a stencil crosses a kink (or leaves a domain), at a redrawn point, with the scalar paths there
  if (opts.fd !== false && at0 && (!only || only.startsWith('fd'))) {
    const r = mulberry32(seed ^ 0x5bd1e995);
    for (let k = 0; k <= (opts.redraw === false ? 0 : REDRAWS); k++) {
      let y = x0;
      if (k > 0) {
        y = x0.map((xi) => Number((xi + 0.3 * (2 * r() - 1)).toPrecision(6)));
        if (invalidAt(p, y)) continue;
        fd.redraws++;
      }
      const fdr = ch.run('finite differences (grad, jvp, hyperdual, directional at the stencil points)', () => differences(f, plain, y, d));
      if (!fdr) { if (fdr === undefined) break; continue; }
      const at = k === 0 ? at0 : scalarPaths(ch, f, y, x1, plain(y).value, d, magnitude(p, [y, x1])).at0;
      if (at) { fd.ran = true; fdX0 = y; compareFd(ch, fdr, at, d, fd); }
      break;
    }
  }
  return done();
}


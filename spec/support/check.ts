/**
 * The one generic checker: `checkDerivatives(f, x)` runs f through every
 * transform, compares the paths with each other, and compares the gradient
 * and the Hessian with finite differences. Every other spec leans on it.
 *
 * Scale of a comparison: |got − ref| / max(1, scale), where scale is |ref|
 * for a single entry and Σ|terms| for a derived sum such as vᵀ∇f or aᵀHb (so
 * cancellation in the sum does not turn rounding into a large relative error).
 */
import { expect } from 'chai';
import {
  DEFAULT_LANES, directional, grad, gradDirectional, gradHyperdual, hessian, hessianDiagonal, hessianSparsity, hvp, hyperdual,
  jacobian, jvp, laplacian, prepare, setCodegen, sparseHessian, valueAndGrad, type Num,
} from '../../lib/index.js';
import { partial } from './fd.js';
import { mulberry32, randomVector } from './random.js';

/**
 * AD paths against each other. Every path computes the same exact derivative,
 * only with the floating-point operations in a different order, so they may
 * differ by rounding alone: a few ulps times the size of the intermediate
 * terms. 1e-10 relative leaves room for long sums; a wrong rule or sweep is
 * off by O(1).
 */
export const PATH_TOL = 1e-10;

/**
 * AD against Ridders-extrapolated central differences (spec/support/fd.ts),
 * which reach ~1e-10 on smooth functions; 1e-6 relative is tight enough to
 * catch a wrong term and loose enough for functions with large curvature.
 */
export const FD_TOL = 1e-6;

/** Initial finite-difference step (Ridders shrinks it tenfold or so). */
export const FD_STEP = 0.05;

/** Hessian lane counts exercised besides the default (1: one column per sweep; 3: a ragged last block). */
export const LANES = [1, 3] as const;

/** The worst disagreement of one kind seen so far, and where. */
export interface Worst { max: number; where: string }

/**
 * Module-level record over the whole run: the largest disagreement between
 * AD paths, between AD and finite differences, and between the rule table's
 * derivatives and finite differences of the rule's own f. The summary hook
 * (spec/summary.spec.ts) prints it; the closing note quotes it.
 */
export const agreement = {
  paths: { max: 0, where: '' } as Worst,
  fd: { max: 0, where: '' } as Worst,
  rules: { max: 0, where: '' } as Worst,
  checks: 0,
};

/** Records a disagreement of the given kind. */
export function note(kind: 'paths' | 'fd' | 'rules', err: number, where: string): void {
  const w = agreement[kind];
  if (err > w.max || w.where === '') { w.max = Math.max(w.max, err); w.where = where; }
}

/**
 * |got − ref| / max(1, scale). Identical numbers (matching infinities, or NaN
 * against NaN) give 0; a non-finite number against anything else gives ∞.
 */
export function relErr(got: number, ref: number, scale = Math.abs(ref)): number {
  if (Object.is(got, ref) || got === ref) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(ref)) return Infinity;
  return Math.abs(got - ref) / Math.max(1, scale);
}

/** Σ uᵢvᵢ and its scale Σ|uᵢvᵢ|. */
export function dotScaled(u: ArrayLike<number>, v: ArrayLike<number>): { value: number; scale: number } {
  let value = 0, scale = 0;
  for (let i = 0; i < u.length; i++) { value += u[i]! * v[i]!; scale += Math.abs(u[i]! * v[i]!); }
  return { value, scale };
}

/** H·v (rows of H) with a per-entry scale. */
function matVec(H: readonly Float64Array[], v: ArrayLike<number>): { value: number; scale: number }[] {
  return H.map((row) => dotScaled(row, v));
}

/** aᵀHb and its scale Σ|aᵢHᵢⱼbⱼ|. */
function bilinear(H: readonly Float64Array[], a: ArrayLike<number>, b: ArrayLike<number>): { value: number; scale: number } {
  let value = 0, scale = 0;
  for (let i = 0; i < H.length; i++) {
    for (let j = 0; j < H.length; j++) {
      const t = a[i]! * H[i]![j]! * b[j]!;
      value += t; scale += Math.abs(t);
    }
  }
  return { value, scale };
}

/** Collects comparisons of one check; fails once at the end with every disagreement listed. */
class Tally {
  paths = 0;
  fd = 0;
  private readonly failures: string[] = [];
  constructor(readonly label: string, readonly pathTol: number, readonly fdTol: number) {}

  private add(kind: 'paths' | 'fd', what: string, got: number, ref: number, scale: number): void {
    const e = relErr(got, ref, scale), tol = kind === 'paths' ? this.pathTol : this.fdTol;
    if (kind === 'paths') this.paths = Math.max(this.paths, e); else this.fd = Math.max(this.fd, e);
    note(kind, e, `${this.label}: ${what}`);
    if (!(e <= tol)) this.failures.push(`${what}: got ${got}, expected ${ref} (relative error ${e.toExponential(2)} > ${tol})`);
  }
  path(what: string, got: number, ref: number, scale = Math.abs(ref)): void { this.add('paths', what, got, ref, scale); }
  fdiff(what: string, got: number, ref: number, scale = Math.abs(ref)): void { this.add('fd', what, got, ref, scale); }

  pathVec(what: string, got: ArrayLike<number>, ref: ArrayLike<number>): void {
    expect(got.length, `${this.label}: ${what} length`).to.equal(ref.length);
    for (let i = 0; i < ref.length; i++) this.path(`${what}[${i}]`, got[i]!, ref[i]!);
  }
  finite(what: string, x: number): void {
    if (!Number.isFinite(x)) this.failures.push(`${what} is ${x}: checkDerivatives needs a point where f is smooth`);
  }
  done(): void {
    if (this.failures.length) {
      const shown = this.failures.slice(0, 12).join('\n  ');
      const more = this.failures.length > 12 ? `\n  … and ${this.failures.length - 12} more` : '';
      expect.fail(`checkDerivatives(${this.label}): ${this.failures.length} disagreement(s)\n  ${shown}${more}`);
    }
  }
}

export interface CheckOptions {
  /** name in messages and in the agreement record (default: f.name) */
  label?: string;
  /** seed of the random directions a, b, v (default 1) */
  seed?: number;
  /** initial finite-difference step (default FD_STEP); keep x ± step inside f's domain */
  fdStep?: number;
  /** compare with finite differences (default true) */
  fd?: boolean;
  pathTol?: number;
  fdTol?: number;
  /** print the largest disagreements */
  verbose?: boolean;
}

export interface CheckReport {
  value: number;
  grad: Float64Array;
  hessian: Float64Array[];
  /** largest relative disagreement between AD paths */
  maxPath: number;
  /** largest relative disagreement between AD and finite differences */
  maxFd: number;
}

type ScalarFn = (x: Num[]) => Num;

/**
 * Runs every transform on f at x and checks, with random directions a, b, v:
 *   values: f on plain numbers = valueAndGrad = jvp = directional = hyperdual
 *   first order: grad = valueAndGrad.grad = jacobian rows (one output, and n
 *     copies of the output: both Jacobian sweeps); jvp.tangent = ∇f·v;
 *     directional.first = hyperdual.da = ∇f·a; hyperdual.db = ∇f·b
 *   second order: hessian with lanes 1, 3 and default agree and are symmetric;
 *     hvp = H·v; directional.second = aᵀHa; hyperdual.dab = aᵀHb;
 *     hessianDiagonal (default, 'hyperdual' and 'hvp', lanes 1, 3 and default)
 *     = diag H
 *   sparsity: the detected pattern covers every non-zero of H; the sparse
 *     diagonal and sparseHessian's values equal H's
 *   Laplacian: laplacian (colour groups, dense lanes, terms) = Σ diag H
 *   generated sweeps: a prepared recording under setCodegen('always') gives
 *     the same gradient, H·v, aᵀHa, Hessian and diagonals (lanes 1, 3, default)
 *   third order: gradHyperdual.value = aᵀHb; gradDirectional = gradHyperdual(a, a)
 *   finite differences: ∇f against Ridders differences of f on plain
 *     numbers; H against Ridders differences of the gradient; ∇(aᵀHb)
 *     against Ridders differences of aᵀ·hvp(b)
 * Throws (a chai AssertionError listing every disagreement) if a comparison
 * exceeds its tolerance; returns the results and the largest disagreements.
 */
export function checkDerivatives(f: ScalarFn, x: readonly number[], opts: CheckOptions = {}): CheckReport {
  const n = x.length;
  const label = opts.label ?? (f.name || 'f');
  const t = new Tally(label, opts.pathTol ?? PATH_TOL, opts.fdTol ?? FD_TOL);
  const rand = mulberry32(opts.seed ?? 1);
  const a = randomVector(rand, n), b = randomVector(rand, n), v = randomVector(rand, n);
  agreement.checks++;

  // values
  const plain = f(x.slice());
  expect(typeof plain, `${label}: f on plain numbers returns a number`).to.equal('number');
  const vg = valueAndGrad(f, x);
  const value = vg.value;
  t.finite('f(x)', value);
  t.path('f on numbers', plain as number, value);
  const jv = jvp(f, x, v), dir = directional(f, x, a), hd = hyperdual(f, x, a, b);
  t.path('jvp.value', jv.value, value);
  t.path('directional.value', dir.value, value);
  t.path('hyperdual.value', hd.value, value);

  // first order
  const g = vg.grad;
  g.forEach((gi, i) => t.finite(`∇f[${i}]`, gi));
  t.pathVec('grad', grad(f, x), g);
  t.pathVec('jacobian(x ↦ [f]) row 0', jacobian((xs) => [f(xs)], x)[0]!, g);
  const Jn = jacobian((xs) => { const y = f(xs); return xs.map(() => y); }, x);
  Jn.forEach((row, i) => t.pathVec(`jacobian(x ↦ [f, …, f]) row ${i}`, row, g));
  const gv = dotScaled(g, v), ga = dotScaled(g, a), gb = dotScaled(g, b);
  t.path('jvp.tangent vs ∇f·v', jv.tangent, gv.value, gv.scale);
  t.path('directional.first vs ∇f·a', dir.first, ga.value, ga.scale);
  t.path('hyperdual.da vs ∇f·a', hd.da, ga.value, ga.scale);
  t.path('hyperdual.db vs ∇f·b', hd.db, gb.value, gb.scale);

  // second order
  const H = hessian(f, x);
  expect(H.length, `${label}: hessian rows`).to.equal(n);
  H.forEach((row, i) => {
    row.forEach((h, j) => {
      t.finite(`H[${i}][${j}]`, h);
      t.path(`H symmetric [${i}][${j}]`, h, H[j]![i]!);
    });
  });
  for (const lanes of LANES) {
    hessian(f, x, { lanes }).forEach((row, i) => t.pathVec(`hessian(lanes ${lanes}) row ${i}`, row, H[i]!));
  }
  const Hv = matVec(H, v), hv = hvp(f, x, v);
  Hv.forEach((r, i) => t.path(`hvp[${i}] vs (H·v)[${i}]`, hv[i]!, r.value, r.scale));
  const aHa = bilinear(H, a, a), aHb = bilinear(H, a, b);
  t.path('directional.second vs aᵀHa', dir.second, aHa.value, aHa.scale);
  t.path('hyperdual.dab vs aᵀHb', hd.dab, aHb.value, aHb.scale);
  const diag = H.map((row, i) => row[i]!);
  t.pathVec('hessianDiagonal()', hessianDiagonal(f, x), diag);
  for (const method of ['hyperdual', 'hvp'] as const) {
    t.pathVec(`hessianDiagonal(${method})`, hessianDiagonal(f, x, { method }), diag);
    for (const lanes of LANES) {
      t.pathVec(`hessianDiagonal(${method}, lanes ${lanes})`, hessianDiagonal(f, x, { method, lanes }), diag);
    }
  }
  t.pathVec(`hessianDiagonal(lanes ${DEFAULT_LANES})`, hessianDiagonal(f, x, { lanes: DEFAULT_LANES }), diag);

  // sparsity: the pattern covers every non-zero; the sparse diagonal and the sparse Hessian equal the dense ones
  const pat = hessianSparsity(f, x);
  const inPattern = (i: number, j: number) => { for (let e = pat.rowPtr[i]!; e < pat.rowPtr[i + 1]!; e++) if (pat.colIdx[e] === j) return true; return false; };
  H.forEach((row, i) => row.forEach((h, j) => { if (h !== 0 && !inPattern(i, j)) t.path(`pattern lacks non-zero H[${i}][${j}]`, h, 0); }));
  t.pathVec('hessianDiagonal(sparse)', hessianDiagonal(f, x, { method: 'sparse' }), diag);
  const S = sparseHessian(f, x, { lanes: 2 });
  for (let i = 0; i < n; i++) for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) t.path(`sparseHessian[${i}][${S.colIdx[e]}]`, S.values[e]!, H[i]![S.colIdx[e]!]!);

  // the Laplacian: tr H, summed in one forward pass (dense lanes, fewer lanes, and colour groups)
  const tr = dotScaled(diag, diag.map(() => 1));
  t.path('laplacian', laplacian(f, x), tr.value, tr.scale);
  t.path('laplacian(dense, lanes 2)', laplacian(f, x, { method: 'dense', lanes: 2 }), tr.value, tr.scale);
  t.pathVec('laplacian(terms)', laplacian(f, x, { terms: true }).terms, diag);

  // generated sweeps (lib/tape/codegen.ts): the recording's loops compiled, however short, one lane and several
  const old = setCodegen('always');
  try {
    const P = prepare(f, x);
    t.pathVec("prepare(f, x).grad() [codegen 'always']", P.grad(), g);
    const hvG = P.hvp(v);
    Hv.forEach((r, i) => t.path(`prepare(f, x).hvp(v)[${i}] [codegen 'always']`, hvG[i]!, r.value, r.scale));
    t.path("prepare(f, x).directional(a).second [codegen 'always']", P.directional(a).second, aHa.value, aHa.scale);
    for (const lanes of [1, ...LANES, DEFAULT_LANES]) {
      P.hessian({ lanes }).forEach((row, i) => t.pathVec(`prepare(f, x).hessian(lanes ${lanes}) row ${i} [codegen 'always']`, row, H[i]!));
      for (const method of ['hyperdual', 'hvp'] as const) {
        t.pathVec(`prepare(f, x).hessianDiagonal(${method}, lanes ${lanes}) [codegen 'always']`, P.hessianDiagonal({ method, lanes }), diag);
      }
    }
  } finally {
    setCodegen(old);
  }

  // third order: ∇ₓ(aᵀHb) by the reverse of a hyper-dual sweep; its value is aᵀHb; the directional form agrees
  const g3 = gradHyperdual(f, x, a, b);
  t.path('gradHyperdual.value vs aᵀHb', g3.value, aHb.value, aHb.scale);
  const g3a = gradDirectional(f, x, a), g3aa = gradHyperdual(f, x, a, a);
  t.path('gradDirectional.value vs aᵀHa', g3a.value, aHa.value, aHa.scale);
  t.pathVec('gradDirectional vs gradHyperdual(a, a)', g3a.grad, g3aa.grad);

  // finite differences
  if (opts.fd !== false) {
    const h = opts.fdStep ?? FD_STEP;
    const fPlain = (xs: number[]): number[] => [f(xs) as number];
    for (let i = 0; i < n; i++) t.fdiff(`∇f[${i}] vs FD`, g[i]!, partial(fPlain, x, i, h)[0]!);
    for (let j = 0; j < n; j++) {
      const col = partial((xs) => grad(f, xs), x, j, h);
      for (let i = 0; i < n; i++) t.fdiff(`H[${i}][${j}] vs FD of ∇f`, H[i]![j]!, col[i]!);
    }
    const aHbAt = (xs: number[]): number[] => { const hb = hvp(f, xs, b); let s = 0; for (let i = 0; i < n; i++) s += a[i]! * hb[i]!; return [s]; };
    for (let j = 0; j < n; j++) t.fdiff(`∇(aᵀHb)[${j}] vs FD of aᵀH·b`, g3.grad[j]!, partial(aHbAt, x, j, h)[0]!);
  }

  if (opts.verbose) {
    console.log(`  checkDerivatives(${label}): paths ${t.paths.toExponential(2)}, vs FD ${t.fd.toExponential(2)}`);
  }
  t.done();
  return { value, grad: g, hessian: H, maxPath: t.paths, maxFd: t.fd };
}

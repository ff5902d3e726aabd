/**
 * Tensor-aware derivative checks for the tensor, model and prepared-recording
 * specs. A point is a Tensor or a record of Tensors, flattened in key order
 * (the order the transforms use); results are flattened the same way.
 *
 * `checkTensorDerivatives(f, x, { scalar })` runs every transform on f at x
 * and compares:
 *   paths   — the transforms with each other (grad, hvp, Hessian with
 *             several lane counts, raw Hessian columns H·eⱼ, both diagonal
 *             methods, jvp, directional, hyperdual);
 *   scalar  — the tensor results with the same function written with scalar
 *             ops on an array (f's value, gradient and Hessian), when given;
 *   replay  — prepare(f, x).at(x2) at a nearby x2 against a fresh recording
 *             there (no re-recording: no library op reads a primal);
 *   fd      — every first- and second-order path, each on its own, with
 *             Ridders-extrapolated central differences: ∇f of f's value,
 *             H, hvp, both diagonals, directional.second and hyperdual.dab
 *             of the gradient.
 *
 * Errors are normwise relative: max |got − ref| / max(‖ref‖∞, FLOOR) for an
 * array, |got − ref| / max(scale, FLOOR) for a number, where a derived sum
 * (vᵀ∇f, aᵀHb) takes Σ|terms| as its scale so cancellation does not turn
 * rounding into a large relative error.
 */
import { ridders } from './fd.js';
import { dotScaled } from './check.js';
import { expect } from 'chai';
import {
  Tensor, directional, grad, hessian, hessianDiagonal, hvp, hyperdual, jvp, mulberry32, prepare, tensor, valueAndGrad,
  type Num, type TensorRecord,
} from '../../lib/index.js';

/** A point the tensor transforms accept. */
export type TensorPoint = Tensor | TensorRecord;

/** AD paths (and the scalar-op form) against each other: rounding only. */
export const TENSOR_PATH_TOL = 1e-10;
/** AD against Ridders differences. */
export const TENSOR_FD_TOL = 1e-6;
/** Norms below this count as this (so exact zeros compare absolutely). */
export const FLOOR = 1e-6;

/** The largest disagreement of each kind over the run, and where (printed with TENSOR_CHECK_REPORT=1). */
export const tensorAgreement = {
  paths: { max: 0, where: '' },
  scalar: { max: 0, where: '' },
  fd: { max: 0, where: '' },
  checks: 0,
};
type Kind = 'paths' | 'scalar' | 'fd';

export function noteTensor(kind: Kind, err: number, where: string): void {
  if (process.env.TENSOR_CHECK_REPORT === 'all') console.log(`    ${kind} ${err.toExponential(2)} ${where}`);
  const w = tensorAgreement[kind];
  if (err > w.max || w.where === '') { w.max = Math.max(w.max, err); w.where = where; }
}

/** Asserts err ≤ tol and records it in {@link tensorAgreement}. */
export function expectErr(kind: Kind, where: string, err: number, tol: number): void {
  noteTensor(kind, err, where);
  expect(err, `${where}: relative error`).to.be.at.most(tol);
}

let reported = false;
/**
 * Prints the worst disagreements of the whole run, once, when
 * TENSOR_CHECK_REPORT is set ('all': every comparison as it is made). Each
 * spec file registers it as a root `after` hook; the first to run prints.
 */
export function reportTensorAgreement(): void {
  if (!process.env.TENSOR_CHECK_REPORT || reported) return;
  reported = true;
  const a = tensorAgreement, fmt = (w: { max: number; where: string }) => `${w.max.toExponential(2)} (${w.where})`;
  console.log(`  tensor checks: ${a.checks} checkTensorDerivatives runs; worst between paths ${fmt(a.paths)}; ` +
    `against the scalar form ${fmt(a.scalar)}; against finite differences ${fmt(a.fd)}`);
}

// ---------------------------------------------------------------- points

/** x flattened: a Tensor row-major, a record in key order. */
export function flat(x: TensorPoint | ArrayLike<number>): Float64Array {
  if (x instanceof Tensor) return Float64Array.from(x.data);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float64Array.from(x as ArrayLike<number>);
  const parts = Object.values(x as TensorRecord).map((t) => t.data);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Flat values in the form of `like` (a Tensor of its shape, or a record with its keys and shapes). */
export function shapedLike<X extends TensorPoint>(like: X, v: ArrayLike<number>): X {
  if (like instanceof Tensor) return tensor(Float64Array.from(v), like.shape) as X;
  const out: Record<string, Tensor> = {};
  let o = 0;
  for (const [k, t] of Object.entries(like as TensorRecord)) {
    out[k] = tensor(Float64Array.from({ length: t.size }, (_, i) => v[o + i]!), t.shape);
    o += t.size;
  }
  if (o !== v.length) throw new Error(`shapedLike: ${v.length} values for a point of ${o}`);
  return out as X;
}

/** A number from f's result on constant tensors (a number, or a one-element Tensor). */
export function scalarOf(y: Num): number {
  if (typeof y === 'number') return y;
  if (y instanceof Tensor) return y.item();
  throw new Error(`expected a number or a one-element constant Tensor, got ${String(y)}`);
}

/** n uniforms in [lo, hi) from mulberry32(seed). */
export function uniformArray(seed: number, n: number, lo = -1, hi = 1): Float64Array {
  const u = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * u());
}

/** A constant tensor of uniforms in [lo, hi). */
export function uniformTensor(seed: number, shape: readonly number[], lo = -1, hi = 1): Tensor {
  return tensor(uniformArray(seed, shape.reduce((p, d) => p * d, 1), lo, hi), shape);
}

/** The flat vector eⱼ of length n. */
export const oneHot = (n: number, j: number): Float64Array => { const e = new Float64Array(n); e[j] = 1; return e; };

// ---------------------------------------------------------------- errors

/** max |got − ref| / max(‖ref‖∞, floor); 0 for identical arrays, ∞ for a length mismatch or a non-finite entry. */
export function normErr(got: ArrayLike<number>, ref: ArrayLike<number>, floor = FLOOR): number {
  if (got.length !== ref.length) return Infinity;
  let diff = 0, norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!, r = ref[i]!;
    if (g === r) { norm = Math.max(norm, Math.abs(r)); continue; }
    if (!Number.isFinite(g) || !Number.isFinite(r)) return Infinity;
    diff = Math.max(diff, Math.abs(g - r));
    norm = Math.max(norm, Math.abs(r));
  }
  return diff === 0 ? 0 : diff / Math.max(norm, floor);
}

/** |got − ref| / max(scale, floor). */
export function numErr(got: number, ref: number, scale = Math.abs(ref), floor = FLOOR): number {
  if (got === ref) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(ref)) return Infinity;
  return Math.abs(got - ref) / Math.max(scale, floor);
}

/** Rows of a matrix, concatenated. */
export const rowsFlat = (M: readonly ArrayLike<number>[]): Float64Array => {
  const n = M.length, m = n ? M[0]!.length : 0, out = new Float64Array(n * m);
  M.forEach((r, i) => out.set(Array.from(r), i * m));
  return out;
};

export { dotScaled };

/** aᵀHb and Σ|aᵢHᵢⱼbⱼ|. */
export function bilinear(H: readonly ArrayLike<number>[], a: ArrayLike<number>, b: ArrayLike<number>): { value: number; scale: number } {
  let value = 0, scale = 0;
  for (let i = 0; i < H.length; i++) for (let j = 0; j < H.length; j++) { const t = a[i]! * H[i]![j]! * b[j]!; value += t; scale += Math.abs(t); }
  return { value, scale };
}

/** H·v. */
export const matVec = (H: readonly ArrayLike<number>[], v: ArrayLike<number>): Float64Array =>
  Float64Array.from(H, (row) => dotScaled(row, v).value);

/** Collects the comparisons of one check; fails once, listing every disagreement. */
export class Tally {
  readonly worst = { paths: 0, scalar: 0, fd: 0 };
  private readonly failures: string[] = [];
  constructor(readonly label: string, readonly tol: { paths: number; scalar: number; fd: number }) {}

  private add(kind: Kind, what: string, e: number, detail: () => string): void {
    this.worst[kind] = Math.max(this.worst[kind], e);
    noteTensor(kind, e, `${this.label}: ${what}`);
    if (!(e <= this.tol[kind])) this.failures.push(`[${kind}] ${what}: relative error ${e.toExponential(2)} > ${this.tol[kind]}${detail()}`);
  }
  /** compares two arrays (normwise) */
  vec(kind: Kind, what: string, got: ArrayLike<number>, ref: ArrayLike<number>): void {
    this.add(kind, what, normErr(got, ref), () => {
      if (got.length !== ref.length) return ` (length ${got.length}, expected ${ref.length})`;
      let k = 0;
      for (let i = 1; i < ref.length; i++) if (Math.abs(got[i]! - ref[i]!) > Math.abs(got[k]! - ref[k]!) || !Number.isFinite(got[i]!)) k = i;
      return ` (worst at [${k}]: got ${got[k]}, expected ${ref[k]})`;
    });
  }
  /** compares two numbers */
  num(kind: Kind, what: string, got: number, ref: number, scale = Math.abs(ref)): void {
    this.add(kind, what, numErr(got, ref, scale), () => ` (got ${got}, expected ${ref})`);
  }
  /** records a failure that is not a numeric comparison */
  fail(msg: string): void { this.failures.push(msg); }
  done(): void {
    if (!this.failures.length) return;
    const shown = this.failures.slice(0, 12).join('\n  ');
    const more = this.failures.length > 12 ? `\n  … and ${this.failures.length - 12} more` : '';
    expect.fail(`${this.label}:\n  ${shown}${more}`);
  }
}

// ---------------------------------------------------------------- finite differences

/** d/dt g(x + t·dir) at t = 0 for a vector-valued g, by Ridders' method (spec/support/fd.ts). */
export function derivAlong(g: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dir: ArrayLike<number>, h: number): Float64Array {
  return ridders((t) => g(Float64Array.from(x, (xi, i) => xi + t * dir[i]!)), 0, h).d;
}

// ---------------------------------------------------------------- the check

export interface TensorCheckOptions {
  /** name in messages */
  label: string;
  /** the same function written with scalar ops on x flattened (a record in key order) */
  scalar?: (xs: Num[]) => Num;
  /** seed of the random directions (default 1) */
  seed?: number;
  /** initial finite-difference step; keep x ± step inside f's domain (default 0.05) */
  fdStep?: number;
  /** compare with finite differences (default true) */
  fd?: boolean;
  /** check prepare(f, x).at(x + fdStep·a) against a fresh recording (default true) */
  replay?: boolean;
  pathTol?: number;
  scalarTol?: number;
  fdTol?: number;
}

export interface TensorCheckReport {
  value: number;
  grad: Float64Array;
  hessian: Float64Array[];
  worst: { paths: number; scalar: number; fd: number };
}

/**
 * Every transform on f at x (a Tensor or a record of Tensors), compared with
 * each other, with the scalar-op form, and each with finite differences.
 * Throws one assertion listing every disagreement.
 */
export function checkTensorDerivatives<X extends TensorPoint>(f: (x: X) => Num, x: X, opts: TensorCheckOptions): TensorCheckReport {
  const pathTol = opts.pathTol ?? TENSOR_PATH_TOL;
  const t = new Tally(opts.label, { paths: pathTol, scalar: opts.scalarTol ?? pathTol, fd: opts.fdTol ?? TENSOR_FD_TOL });
  tensorAgreement.checks++;
  const F = f as (x: any) => Num;
  const x0 = flat(x), n = x0.length;
  const rand = mulberry32(opts.seed ?? 1), dirv = () => Float64Array.from({ length: n }, () => 2 * rand() - 1);
  const a = dirv(), b = dirv(), v = dirv();
  const [A, B, V] = [a, b, v].map((d) => shapedLike(x, d) as any);
  const plain = (xs: ArrayLike<number>): number => scalarOf(f(shapedLike(x, xs)));

  // values and first order
  const vg = valueAndGrad(F, x), value = vg.value, g = flat(vg.grad as TensorPoint);
  t.num('paths', 'f on constant tensors vs valueAndGrad.value', plain(x0), value);
  expect(g.length, `${opts.label}: gradient length`).to.equal(n);
  t.vec('paths', 'grad vs valueAndGrad.grad', flat(grad(F, x) as TensorPoint), g);
  const jv = jvp(F, x, V), dir = directional(F, x, A), hd = hyperdual(F, x, A, B);
  const gv = dotScaled(g, v), ga = dotScaled(g, a), gb = dotScaled(g, b);
  t.num('paths', 'jvp.value', jv.value, value);
  t.num('paths', 'jvp.tangent vs ∇f·v', jv.tangent, gv.value, gv.scale);
  t.num('paths', 'directional.value', dir.value, value);
  t.num('paths', 'directional.first vs ∇f·a', dir.first, ga.value, ga.scale);
  t.num('paths', 'hyperdual.value', hd.value, value);
  t.num('paths', 'hyperdual.da vs ∇f·a', hd.da, ga.value, ga.scale);
  t.num('paths', 'hyperdual.db vs ∇f·b', hd.db, gb.value, gb.scale);

  // second order
  const H = hessian(F, x), Hf = rowsFlat(H);
  expect(H.length, `${opts.label}: Hessian rows`).to.equal(n);
  for (const lanes of [1, 3, n + 2]) t.vec('paths', `hessian(lanes ${lanes})`, rowsFlat(hessian(F, x, { lanes })), Hf);
  // raw columns H·eⱼ (hessian() averages the two triangles; the raw columns must already agree)
  if (n <= 40) {
    const cols: Float64Array[] = [];
    for (let j = 0; j < n; j++) cols.push(flat(hvp(F, x, shapedLike(x, oneHot(n, j)) as never) as TensorPoint));
    const raw = Array.from({ length: n }, (_, i) => Float64Array.from(cols, (c) => c[i]!));
    t.vec('paths', 'raw Hessian columns hvp(eⱼ) vs hessian', rowsFlat(raw), Hf);
  }
  const hv = flat(hvp(F, x, V) as TensorPoint);
  t.vec('paths', 'hvp(v) vs H·v', hv, matVec(H, v));
  // a Tensor point also takes flat directions (a record takes records only)
  if (x instanceof Tensor) t.vec('paths', 'hvp(flat v) vs hvp(shaped v)', flat(hvp(F, x, Array.from(v)) as TensorPoint), hv);
  const aHa = bilinear(H, a, a), aHb = bilinear(H, a, b);
  t.num('paths', 'directional.second vs aᵀHa', dir.second, aHa.value, aHa.scale);
  t.num('paths', 'hyperdual.dab vs aᵀHb', hd.dab, aHb.value, aHb.scale);
  const hdBA = hyperdual(F, x, B, A);
  t.num('paths', 'hyperdual(b, a).dab vs hyperdual(a, b).dab', hdBA.dab, hd.dab, aHb.scale);
  const diag = Float64Array.from(H, (r, i) => r[i]!);
  const diags: [string, Float64Array][] = [['hessianDiagonal()', flat(hessianDiagonal(F, x) as TensorPoint)]];
  for (const method of ['hyperdual', 'hvp'] as const) {
    for (const lanes of [undefined, 1, 3]) {
      diags.push([`hessianDiagonal(${method}${lanes ? `, lanes ${lanes}` : ''})`, flat(hessianDiagonal(F, x, { method, lanes }) as TensorPoint)]);
    }
  }
  for (const [name, d] of diags) t.vec('paths', `${name} vs diag H`, d, diag);

  // the scalar-op form
  if (opts.scalar) {
    const s = opts.scalar, xs = Array.from(x0);
    t.num('scalar', 'scalar form f(x) on numbers', scalarOf(s(xs)), value);
    const svg = valueAndGrad(s, xs);
    t.num('scalar', 'scalar form value (tape)', svg.value, value);
    t.vec('scalar', 'scalar form gradient', g, svg.grad);
    t.vec('scalar', 'scalar form Hessian', Hf, rowsFlat(hessian(s, xs)));
  }

  // a prepared recording moved to a nearby point (.at) equals a fresh recording there, and is not re-recorded
  if (opts.replay !== false) {
    const h = opts.fdStep ?? 0.05, x2 = shapedLike(x, Float64Array.from(x0, (xi, i) => xi + h * a[i]!));
    const P = prepare(F, x).at(x2), fresh = valueAndGrad(F, x2);
    t.num('paths', 'prepare(f, x).at(x2).value vs a fresh recording at x2', P.value as number, fresh.value);
    t.vec('paths', 'prepare(f, x).at(x2).grad() vs fresh', flat(P.grad() as TensorPoint), flat(fresh.grad as TensorPoint));
    t.vec('paths', 'prepare(f, x).at(x2).hvp(v) vs fresh', flat(P.hvp(V) as TensorPoint), flat(hvp(F, x2, V) as TensorPoint));
    t.vec('paths', "prepare(f, x).at(x2).hessianDiagonal() vs fresh", flat(P.hessianDiagonal() as TensorPoint), flat(hessianDiagonal(F, x2) as TensorPoint));
    if (P.rerecords !== 0) t.fail(`prepare(f, x).at(x2) re-recorded f (rerecords ${P.rerecords}): a library op read a primal`);
  }

  // finite differences, each path on its own
  if (opts.fd !== false) {
    const h = opts.fdStep ?? 0.05;
    const gradAt = (xs: ArrayLike<number>) => flat(grad(F, shapedLike(x, xs)) as TensorPoint);
    const fdGrad = Float64Array.from({ length: n }, (_, i) => derivAlong((xs) => [plain(xs)], x0, oneHot(n, i), h)[0]!);
    t.vec('fd', '∇f vs FD of f', g, fdGrad);
    const fdCols = Array.from({ length: n }, (_, j) => derivAlong(gradAt, x0, oneHot(n, j), h));
    const fdH = Array.from({ length: n }, (_, i) => Float64Array.from(fdCols, (c) => c[i]!));
    t.vec('fd', 'hessian vs FD of ∇f', Hf, rowsFlat(fdH));
    const fdDiag = Float64Array.from(fdCols, (c, j) => c[j]!);
    for (const [name, d] of diags) t.vec('fd', `${name} vs FD`, d, fdDiag);
    t.vec('fd', 'hvp(v) vs FD of ∇f along v', hv, derivAlong(gradAt, x0, v, h));
    const first = derivAlong((xs) => [plain(xs)], x0, a, h)[0]!;
    t.num('fd', 'directional.first vs FD of f along a', dir.first, first, ga.scale);
    const aGrad = (xs: ArrayLike<number>) => [dotScaled(a, gradAt(xs)).value];
    t.num('fd', 'directional.second vs FD of a·∇f along a', dir.second, derivAlong(aGrad, x0, a, h)[0]!, aHa.scale);
    t.num('fd', 'hyperdual.dab vs FD of a·∇f along b', hd.dab, derivAlong(aGrad, x0, b, h)[0]!, aHb.scale);
  }
  t.done();
  return { value, grad: g, hessian: H, worst: t.worst };
}

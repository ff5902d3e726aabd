/**
 * Matrix ops in every mode. Each case is y = op(x) composed with the head of
 * spec/tensor-ops.spec.ts, h(y) = Σ W ⊙ sin(y) + ½(Σ V ⊙ y)², and checked by
 * checkDerivatives (every transform against each other, against
 * finite differences, and against a scalar-op form written here with a
 * different algorithm: cofactors for det and inv, substitution for the
 * solves, the textbook Cholesky loop), then third order (gradHyperdual) and
 * the forward Laplacian against the scalar form, and the sparsity pattern
 * against the Hessian. Closed forms, NumPy references and the error cases follow.
 */
import { expect } from 'chai';
import {
  Tensor, abs, add, cholesky, concat, cumsum, det, diagonal, directional, div, grad, gradHyperdual, hessian, hessianDiagonal, hessianSparsity, hvp, hyperdual,
  inv, jacobian, laplacian, log, matmul, outer, mul, norm, prepare, prod, reshape, sin, sparseHessian, slogdet, solve, sqrt, sub, sum, tensor,
  trace, transpose, triangularSolve, valueAndGrad, type Num, type TensorRecord,
} from '../lib/index.js';
import { expectErr, normErr } from './support/agreement.js';
import { flat, shapedLike, uniformArray, type TensorPoint } from './support/points.js';
import { opCases, type OpCase as Case } from './support/op-cases.js';
import { readFileSync } from 'node:fs';


// ---------------------------------------------------------------- scalar-op references

type M = Num[][];
const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const addAll = (xs: readonly Num[]): Num => xs.reduce<Num>((s, x, i) => (i === 0 ? x : add(s, x)), 0);
const rows = (xs: readonly Num[], r: number, c: number, off = 0): M => Array.from({ length: r }, (_, i) => xs.slice(off + i * c, off + (i + 1) * c));
const minor = (a: M, i: number, j: number): M => a.filter((_, r) => r !== i).map((row) => row.filter((_, c) => c !== j));
/** det by cofactor expansion along the first row */
function detS(a: M): Num {
  if (a.length === 1) return a[0]![0]!;
  return addAll(a[0]!.map((v, j) => mul(j % 2 ? -1 : 1, mul(v, detS(minor(a, 0, j))))));
}
/** A⁻¹ = adj(A)/det A */
function invS(a: M): M {
  const n = a.length, d = detS(a);
  if (n === 1) return [[div(1, d)]];
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => div(mul((i + j) % 2 ? -1 : 1, detS(minor(a, j, i))), d)));
}
const mmS = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => addAll(row.map((v, p) => mul(v, b[p]![j]!)))));
const T = (a: M): M => a[0]!.map((_, j) => a.map((row) => row[j]!));
/** op(T)⁻¹B by substitution, T's lower (or upper) triangle */
function triS(t: M, b: M, lower: boolean, trans: boolean): M {
  const n = t.length, at = (i: number, j: number) => (trans ? t[j]![i]! : t[i]![j]!), low = lower !== trans;
  const x: M = b.map((row) => row.slice());
  for (let c = 0; c < b[0]!.length; c++) {
    for (let s = 0; s < n; s++) {
      const i = low ? s : n - 1 - s;
      let v = b[i]![c]!;
      for (let k = 0; k < n; k++) if (low ? k < i : k > i) v = sub(v, mul(at(i, k), x[k]![c]!));
      x[i]![c] = div(v, at(i, i));
    }
  }
  return x;
}
/** the textbook Cholesky loop on (A + Aᵀ)/2 */
function cholS(a: M): M {
  const n = a.length, s = (i: number, j: number) => mul(0.5, add(a[i]![j]!, a[j]![i]!));
  const L: M = Array.from({ length: n }, () => new Array<Num>(n).fill(0));
  for (let j = 0; j < n; j++) {
    L[j]![j] = sqrt(sub(s(j, j), addAll(Array.from({ length: j }, (_, k) => mul(L[j]![k]!, L[j]![k]!)))));
    for (let i = j + 1; i < n; i++) L[i]![j] = div(sub(s(i, j), addAll(Array.from({ length: j }, (_, k) => mul(L[i]![k]!, L[j]![k]!)))), L[j]![j]!);
  }
  return L;
}
const normS = (xs: readonly Num[]): Num => sqrt(addAll(xs.map((v) => mul(v, v))));
/** per item of a batch of r×c matrices: xs flattened → f(item) flattened */
const perItem = (items: number, r: number, c: number, f: (a: M, b: number) => M | Num) => (xs: readonly Num[]): Num[] =>
  Array.from({ length: items }, (_, b) => { const y = f(rows(xs, r, c, b * r * c), b); return Array.isArray(y) ? y.flat() : [y]; }).flat();

// ---------------------------------------------------------------- points and the head

/** n×n: a uniform matrix plus `shift`·I (well conditioned) */
function wellConditioned(seed: number, shape: number[], shift = 2.5): Tensor {
  const v = uniformArray(seed, sizeOf(shape)), n = shape[shape.length - 1]!;
  for (let b = 0; b < v.length / (n * n); b++) for (let i = 0; i < n; i++) v[b * n * n + i * n + i] += shift;
  return tensor(v, shape);
}
/** symmetric positive definite: M Mᵀ/n + I, per item */
function spd(seed: number, shape: number[]): Tensor {
  const n = shape[shape.length - 1]!, items = sizeOf(shape) / (n * n), m = uniformArray(seed, sizeOf(shape)), v = new Float64Array(m.length);
  for (let b = 0; b < items; b++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 1 : 0;
    for (let k = 0; k < n; k++) s += (m[b * n * n + i * n + k]! * m[b * n * n + j * n + k]!) / n;
    v[b * n * n + i * n + j] = s;
  }
  return tensor(v, shape);
}
const mat = (seed: number, shape: number[], lo = -1, hi = 1) => tensor(uniformArray(seed, sizeOf(shape), lo, hi), shape);

/** third order and the forward Laplacian against the scalar form on the tape, and the detected pattern covering the Hessian */
function more(c: Case, f: (x: TensorPoint) => Num, s: (xs: Num[]) => Num, seed: number): void {
  const x0 = Array.from(flat(c.x)), n = x0.length, a = uniformArray(seed + 1, n), b = uniformArray(seed + 2, n);
  const F = f as (x: any) => Num;
  const g3 = gradHyperdual(F, c.x, shapedLike(c.x, a) as never, shapedLike(c.x, b) as never), g3s = gradHyperdual(s, x0, a, b);
  expectErr('path', `${c.name}: gradHyperdual vs the scalar form`, normErr(flat(g3.grad as TensorPoint), g3s.grad), 1e-9);
  const lap = laplacian(s, x0);
  expectErr('path', `${c.name}: laplacian vs the scalar form`, normErr([laplacian(F, c.x)], [lap]), 1e-10);
  expectErr('path', `${c.name}: laplacian (dense, 2 lanes) vs the scalar form`, normErr([laplacian(F, c.x, { method: 'dense', lanes: 2 })], [lap]), 1e-10);
  // the detected pattern covers every non-zero of the Hessian
  const P = hessianSparsity(F, c.x), H = hessian(F, c.x);
  for (let i = 0; i < n; i++) {
    const cols = new Set(Array.from(P.colIdx.subarray(P.rowPtr[i]!, P.rowPtr[i + 1]!)));
    for (let j = 0; j < n; j++) if (H[i]![j] !== 0) expect(cols.has(j), `${c.name}: pattern has (${i}, ${j})`).to.equal(true);
  }
}
const cases = (title: string, list: Case[]) => opCases(title, list, { valueTol: 1e-12, fdStep: 0.02, more });

// ---------------------------------------------------------------- the cases

const A3 = wellConditioned(1, [3, 3]), A2b = wellConditioned(2, [2, 2, 2]), Aneg = wellConditioned(3, [3, 3], -2.5);
cases('linalg: inv, solve, det, slogdet in every mode', [
  { name: 'inv [3, 3]', x: A3, op: (x: Tensor) => inv(x), ref: perItem(1, 3, 3, invS), shape: [3, 3] },
  { name: 'inv [2, 2, 2] (batched)', x: A2b, op: (x: Tensor) => x.inv(), ref: perItem(2, 2, 2, invS), shape: [2, 2, 2] },
  { name: 'inv [1, 1]', x: tensor([[0.7]]), op: (x: Tensor) => inv(x), ref: (xs) => [div(1, xs[0]!)], shape: [1, 1] },
  { name: 'inv(x) · x (one operand twice)', x: A3, op: (x: Tensor) => matmul(inv(x), transpose(x)), ref: (xs) => mmS(invS(rows(xs, 3, 3)), T(rows(xs, 3, 3))).flat(), shape: [3, 3] },
  { name: 'det [3, 3]', x: A3, op: (x: Tensor) => det(x), ref: (xs) => [detS(rows(xs, 3, 3))], shape: [] },
  { name: 'det [3, 3] (negative determinant)', x: Aneg, op: (x: Tensor) => x.det(), ref: (xs) => [detS(rows(xs, 3, 3))], shape: [] },
  { name: 'det [2, 2, 2] (batched)', x: A2b, op: (x: Tensor) => det(x), ref: perItem(2, 2, 2, detS), shape: [2] },
  { name: 'slogdet [3, 3].logabsdet', x: A3, op: (x: Tensor) => slogdet(x).logabsdet, ref: (xs) => [log(abs(detS(rows(xs, 3, 3))))], shape: [] },
  { name: 'slogdet [3, 3].logabsdet (negative determinant)', x: Aneg, op: (x: Tensor) => x.slogdet().logabsdet, ref: (xs) => [log(abs(detS(rows(xs, 3, 3))))], shape: [] },
  { name: 'slogdet [2, 2, 2].logabsdet (batched)', x: A2b, op: (x: Tensor) => slogdet(x).logabsdet, ref: perItem(2, 2, 2, (a) => log(abs(detS(a)))), shape: [2] },
  {
    name: 'solve(A [3, 3], b [3])', x: { A: A3, b: mat(4, [3]) }, op: (p: TensorRecord) => solve(p.A!, p.b!),
    ref: (xs) => mmS(invS(rows(xs, 3, 3)), rows(xs, 3, 1, 9)).flat(), shape: [3],
  },
  {
    name: 'solve(A [3, 3], B [3, 2])', x: { A: A3, B: mat(5, [3, 2]) }, op: (p: TensorRecord) => p.A!.solve(p.B!),
    ref: (xs) => mmS(invS(rows(xs, 3, 3)), rows(xs, 3, 2, 9)).flat(), shape: [3, 2],
  },
  {
    name: 'solve(A [2, 2, 2], b [2, 2]) (batched vectors)', x: { A: A2b, b: mat(6, [2, 2]) }, op: (p: TensorRecord) => solve(p.A!, p.b!),
    ref: (xs) => [0, 1].flatMap((k) => mmS(invS(rows(xs, 2, 2, 4 * k)), rows(xs, 2, 1, 8 + 2 * k)).flat()), shape: [2, 2],
  },
  { name: 'solve(constant A, x)', x: mat(7, [3, 2]), op: (x: Tensor) => solve(A3, x), ref: (xs) => mmS(invS(rows(Array.from(A3.data), 3, 3)), rows(xs, 3, 2)).flat(), shape: [3, 2] },
  { name: 'solve(x, constant B)', x: A3, op: (x: Tensor) => solve(x, tensor([[1, 2], [0.5, -1], [0.3, 0.2]])), ref: (xs) => mmS(invS(rows(xs, 3, 3)), [[1, 2], [0.5, -1], [0.3, 0.2]]).flat(), shape: [3, 2] },
]);

const S3 = spd(8, [3, 3]), S2b = spd(9, [2, 2, 2]);
const triCases: Case[] = [];
for (const lower of [true, false]) for (const transpose_ of [false, true]) {
  const Tm = wellConditioned(10 + Number(lower) + 2 * Number(transpose_), [3, 3], 2);
  triCases.push({
    name: `triangularSolve(T, B [3, 2], { lower: ${lower}, transpose: ${transpose_} })`, x: { T: Tm, B: mat(20, [3, 2]) },
    op: (p: TensorRecord) => triangularSolve(p.T!, p.B!, { lower, transpose: transpose_ }),
    ref: (xs) => triS(rows(xs, 3, 3), rows(xs, 3, 2, 9), lower, transpose_).flat(), shape: [3, 2],
  });
}
cases('linalg: cholesky and triangularSolve in every mode', [
  { name: 'cholesky [3, 3]', x: S3, op: (x: Tensor) => cholesky(x), ref: perItem(1, 3, 3, cholS), shape: [3, 3] },
  { name: 'cholesky [2, 2, 2] (batched)', x: S2b, op: (x: Tensor) => x.cholesky(), ref: perItem(2, 2, 2, cholS), shape: [2, 2, 2] },
  {
    name: 'cholesky(x xᵀ + I) (a Gram matrix)', x: mat(21, [3, 2]), op: (x: Tensor) => cholesky(add(matmul(x, transpose(x)), tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]])) as Tensor),
    ref: (xs) => { const m = rows(xs, 3, 2), g = mmS(m, T(m)); return cholS(g.map((r, i) => r.map((v, j) => (i === j ? add(v, 1) : v)))).flat(); }, shape: [3, 3],
  },
  ...triCases,
  {
    name: 'triangularSolve(T, b [3]) (a vector)', x: { T: wellConditioned(30, [3, 3]), b: mat(31, [3]) }, op: (p: TensorRecord) => triangularSolve(p.T!, p.b!),
    ref: (xs) => triS(rows(xs, 3, 3), rows(xs, 3, 1, 9), true, false).flat(), shape: [3],
  },
  {
    name: 'triangularSolve(cholesky(S), b) (a whitening)', x: { S: S3, b: mat(32, [3]) }, op: (p: TensorRecord) => triangularSolve(cholesky(p.S!), p.b!),
    ref: (xs) => triS(cholS(rows(xs, 3, 3)), rows(xs, 3, 1, 9), true, false).flat(), shape: [3],
  },
]);

const X34 = mat(40, [3, 4]), X232 = mat(41, [2, 3, 2]);
cases('linalg: trace, diagonal, norm, prod, cumsum in every mode', [
  { name: 'trace [3, 3]', x: A3, op: (x: Tensor) => trace(x), ref: (xs) => [add(add(xs[0]!, xs[4]!), xs[8]!)], shape: [] },
  { name: 'trace [2, 3, 2] (batched, rectangular)', x: X232, op: (x: Tensor) => trace(x), ref: (xs) => [add(xs[0]!, xs[3]!), add(xs[6]!, xs[9]!)], shape: [2] },
  { name: 'diagonal [3, 4]', x: X34, op: (x: Tensor) => diagonal(x), ref: (xs) => [xs[0]!, xs[5]!, xs[10]!], shape: [3] },
  { name: 'diagonal [3, 4], offset 1', x: X34, op: (x: Tensor) => x.diagonal(1), ref: (xs) => [xs[1]!, xs[6]!, xs[11]!], shape: [3] },
  { name: 'diagonal [3, 4], offset −1', x: X34, op: (x: Tensor) => diagonal(x, -1), ref: (xs) => [xs[4]!, xs[9]!], shape: [2] },
  { name: 'norm [5] (vector)', x: mat(42, [5]), op: (x: Tensor) => norm(x), ref: (xs) => [normS(xs)], shape: [] },
  { name: 'norm [3, 4] (Frobenius)', x: X34, op: (x: Tensor) => x.norm(), ref: (xs) => [normS(xs)], shape: [] },
  { name: 'norm [3, 4], axis 0', x: X34, op: (x: Tensor) => norm(x, 0), ref: (xs) => [0, 1, 2, 3].map((j) => normS([0, 1, 2].map((i) => xs[4 * i + j]!))), shape: [4] },
  { name: 'norm [3, 4], axis −1', x: X34, op: (x: Tensor) => norm(x, -1), ref: (xs) => [0, 1, 2].map((i) => normS(xs.slice(4 * i, 4 * i + 4))), shape: [3] },
  {
    name: 'norm [2, 3, 2], axes [0, 2] (Frobenius per matrix)', x: X232, op: (x: Tensor) => norm(x, [0, 2]),
    ref: (xs) => [0, 1, 2].map((j) => normS([0, 1].flatMap((i) => [0, 1].map((k) => xs[6 * i + 2 * j + k]!)))), shape: [3],
  },
  { name: 'prod [5]', x: mat(43, [5]), op: (x: Tensor) => prod(x), ref: (xs) => [xs.reduce((p, v) => mul(p, v))], shape: [] },
  { name: 'prod [3, 4], axis 1', x: X34, op: (x: Tensor) => x.prod(1), ref: (xs) => [0, 1, 2].map((i) => xs.slice(4 * i, 4 * i + 4).reduce((p, v) => mul(p, v))), shape: [3] },
  { name: 'prod [3, 4], axis 0', x: X34, op: (x: Tensor) => prod(x, 0), ref: (xs) => [0, 1, 2, 3].map((j) => mul(mul(xs[j]!, xs[4 + j]!), xs[8 + j]!)), shape: [4] },
  { name: 'prod [2, 3, 2], axis 1 (odd length)', x: X232, op: (x: Tensor) => prod(x, 1), ref: (xs) => [0, 1].flatMap((i) => [0, 1].map((k) => mul(mul(xs[6 * i + k]!, xs[6 * i + 2 + k]!), xs[6 * i + 4 + k]!))), shape: [2, 2] },
  { name: 'prod [4] with a zero entry', x: tensor([0.5, 0, -1.5, 0.8]), op: (x: Tensor) => prod(x), ref: (xs) => [xs.reduce((p, v) => mul(p, v))], shape: [] },
  { name: 'prod [4] with two zero entries', x: tensor([0, 0.7, 0, 0.8]), op: (x: Tensor) => prod(x), ref: (xs) => [xs.reduce((p, v) => mul(p, v))], shape: [] },
  { name: 'cumsum [5]', x: mat(44, [5]), op: (x: Tensor) => cumsum(x), ref: (xs) => xs.map((_, i) => addAll(xs.slice(0, i + 1))), shape: [5] },
  { name: 'cumsum [3, 4], axis 0', x: X34, op: (x: Tensor) => cumsum(x, 0), ref: (xs) => xs.map((_, f) => addAll([0, 1, 2].filter((i) => i <= Math.floor(f / 4)).map((i) => xs[4 * i + (f % 4)]!))), shape: [3, 4] },
  { name: 'cumsum [3, 4], axis 1', x: X34, op: (x: Tensor) => x.cumsum(1), ref: (xs) => xs.map((_, f) => addAll(xs.slice(4 * Math.floor(f / 4), f + 1))), shape: [3, 4] },
  { name: 'cumsum [2, 3] (no axis: flattened)', x: mat(45, [2, 3]), op: (x: Tensor) => cumsum(x), ref: (xs) => xs.map((_, i) => addAll(xs.slice(0, i + 1))), shape: [6] },
]);

// ---------------------------------------------------------------- closed forms

/** n×n arrays as rows */
const matRows = (v: ArrayLike<number>, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => v[i * n + j]!));
const mm = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
const tr = (a: number[][]) => a.reduce((s, r, i) => s + r[i]!, 0);
const tp = (a: number[][]) => a[0]!.map((_, j) => a.map((r) => r[j]!));

describe('linalg: closed forms', () => {
  const A = wellConditioned(50, [3, 3]), V = mat(51, [3, 3]), W = mat(52, [3, 3]);
  const Ai = matRows(inv(A).data, 3), Vm = matRows(V.data, 3), Wm = matRows(W.data, 3);
  const logdet = (x: Tensor) => slogdet(x).logabsdet;
  it('∇ log|det A| = A⁻ᵀ and ∇ det A = det A · A⁻ᵀ', () => {
    expectErr('path', '∇ log|det A|', normErr(grad(logdet, A).data, tp(Ai).flat()), 1e-14);
    const d = det(A).item();
    expectErr('path', '∇ det A', normErr(grad(det, A).data, tp(Ai).flat().map((v) => d * v)), 1e-13);
  });
  it('the Hessian of log|det A| along V is −tr(A⁻¹VA⁻¹V), and along V, W −tr(A⁻¹VA⁻¹W), every path', () => {
    const AV = mm(Ai, Vm), AW = mm(Ai, Wm), vv = -tr(mm(AV, AV)), vw = -tr(mm(AV, AW));
    expectErr('path', 'directional.second', Math.abs(directional(logdet, A, V).second - vv) / Math.abs(vv), 1e-13);
    expectErr('path', 'hyperdual.dab', Math.abs(hyperdual(logdet, A, V, W).dab - vw) / Math.abs(vw), 1e-13);
    // H·V as a matrix: the derivative of A⁻ᵀ along V, −(A⁻¹VA⁻¹)ᵀ
    const hv = tp(mm(AV, Ai)).flat().map((v) => -v);
    expectErr('path', 'hvp', normErr(hvp(logdet, A, V).data, hv), 1e-13);
    expectErr('path', 'prepared hvp', normErr(prepare(logdet, A).hvp(V).data, hv), 1e-13);
    // diagonal: ∂²/∂Aᵢⱼ² = −((A⁻¹)ⱼᵢ)²
    const diag = tp(Ai).flat().map((v) => -v * v);
    for (const method of ['hyperdual', 'hvp'] as const) expectErr('path', `hessianDiagonal(${method})`, normErr(hessianDiagonal(logdet, A, { method }).data, diag), 1e-13);
    expectErr('path', 'laplacian = tr H', Math.abs(laplacian(logdet, A) - diag.reduce((s, v) => s + v, 0)) / 1, 1e-13);
  });
  it('third order: ∇_A(−tr(A⁻¹VA⁻¹W)) = (A⁻¹VA⁻¹WA⁻¹ + A⁻¹WA⁻¹VA⁻¹)ᵀ', () => {
    const AV = mm(Ai, Vm), AW = mm(Ai, Wm);
    const ref = tp(mm(mm(AV, AW), Ai)).flat().map((v, k) => v + tp(mm(mm(AW, AV), Ai)).flat()[k]!);
    expectErr('path', 'gradHyperdual(logdet)', normErr(gradHyperdual(logdet, A, V, W).grad.data, ref), 1e-12);
  });
  it('inverses, determinants and Cholesky factors of known matrices', () => {
    expect(Array.from(inv(tensor([[2, 1], [1, 1]])).data)).to.deep.equal([1, -1, -1, 2]);
    const hilbert = tensor([[1, 1 / 2, 1 / 3], [1 / 2, 1 / 3, 1 / 4], [1 / 3, 1 / 4, 1 / 5]]);
    expect(normErr(inv(hilbert).data, [9, -36, 30, -36, 192, -180, 30, -180, 180])).to.be.at.most(1e-12);
    expect(Math.abs(det(hilbert).item() * 2160 - 1)).to.be.at.most(1e-12);
    expect(det(tensor([[0, 1], [1, 0]])).item()).to.equal(-1);
    const sd = slogdet(tensor([[0, 2], [3, 0]]));
    expect([sd.sign.item(), sd.logabsdet.item()]).to.deep.equal([-1, Math.log(6)]);
    expect(Array.from(cholesky(tensor([[4, 2], [2, 5]])).data)).to.deep.equal([2, 0, 1, 2]);
    expect(Array.from(solve(tensor([[2, 0], [0, 4]]), tensor([1, 1])).data)).to.deep.equal([0.5, 0.25]);
    expect(Array.from(triangularSolve(tensor([[2, 99], [1, 4]]), tensor([2, 9])).data)).to.deep.equal([1, 2]);
    expect(Array.from(triangularSolve(tensor([[2, 1], [99, 4]]), tensor([4, 8]), { lower: false }).data)).to.deep.equal([1, 2]);
    expect(trace(tensor([[1, 2], [3, 4]])).item()).to.equal(5);
    expect(norm(tensor([3, 4])).item()).to.equal(5);
    expect(norm(tensor([3e200, 4e200])).item()).to.be.closeTo(5e200, 1e185); // no overflow
    expect(prod(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray()).to.deep.equal([6, 120]);
    expect(cumsum(tensor([[1, 2], [3, 4]]), 0).toArray()).to.deep.equal([[1, 2], [4, 6]]);
  });
  it('∇‖x‖ = x/‖x‖, ∇²‖x‖ = (I − uuᵀ)/‖x‖; ∇ prod x = prod/xᵢ with the Hessian prod/(xᵢxⱼ) off the diagonal', () => {
    const x = mat(53, [4]), v = Array.from(x.data), r = Math.hypot(...v), u = v.map((e) => e / r);
    expectErr('path', '∇‖x‖', normErr(grad(norm, x).data, u), 1e-15);
    expectErr('path', '∇²‖x‖', normErr(hessian(norm, x).flatMap((row) => Array.from(row)), u.flatMap((ui, i) => u.map((uj, j) => ((i === j ? 1 : 0) - ui * uj) / r))), 1e-14);
    const p = v.reduce((a, b) => a * b);
    expectErr('path', '∇ prod', normErr(grad((t: Tensor) => prod(t), x).data, v.map((e) => p / e)), 1e-14);
    expectErr('path', '∇² prod', normErr(hessian((t: Tensor) => prod(t), x).flatMap((row) => Array.from(row)), v.flatMap((a, i) => v.map((b, j) => (i === j ? 0 : p / (a * b))))), 1e-14);
  });
});

describe('linalg: Jacobians by tangent lanes and by adjoint lanes', () => {
  const A = wellConditioned(60, [3, 3]), Ai = matRows(inv(A).data, 3), d = det(A).item();
  it('∂(A⁻¹)ᵢⱼ/∂Aₖₗ = −(A⁻¹)ᵢₖ(A⁻¹)ₗⱼ, with every lane count', () => {
    const J = Array.from({ length: 9 }, (_, r) => Array.from({ length: 9 }, (_, c) => -Ai[Math.floor(r / 3)]![Math.floor(c / 3)]! * Ai[c % 3]![r % 3]!));
    for (const lanes of [1, 2, 9]) expectErr('path', `jacobian(inv), lanes ${lanes}`, normErr(jacobian((x: Tensor) => inv(x), A, { lanes }).flatMap((r) => Array.from(r)), J.flat()), 1e-14);
  });
  it('the Jacobian of [det A, log|det A|, tr A] (3 outputs, 9 inputs: adjoint lanes) is [det A·A⁻ᵀ, A⁻ᵀ, I]', () => {
    const F = (x: Tensor) => concat([reshape(det(x), [1]), reshape(slogdet(x).logabsdet, [1]), reshape(trace(x), [1])]);
    const AiT = tp(Ai).flat(), J = [AiT.map((v) => d * v), AiT, [1, 0, 0, 0, 1, 0, 0, 0, 1]];
    for (const lanes of [1, 3]) expectErr('path', `jacobian([det, logdet, tr]), lanes ${lanes}`, normErr(jacobian(F, A, { lanes }).flatMap((r) => Array.from(r)), J.flat()), 1e-13);
  });
});

describe('linalg: a batch is block-diagonal for sparsity', () => {
  it('Σ_b log|det X_b| over 6 matrices 2×2: the pattern is six 4×4 blocks, and the sparse Hessian equals the dense one', () => {
    const X = wellConditioned(80, [6, 2, 2]), f = (x: Tensor) => sum(slogdet(x).logabsdet);
    const P = hessianSparsity(f, X);
    for (let i = 0; i < 24; i++) {
      const cols = Array.from(P.colIdx.subarray(P.rowPtr[i]!, P.rowPtr[i + 1]!)), b = Math.floor(i / 4);
      expect(cols, `row ${i}`).to.deep.equal([0, 1, 2, 3].map((k) => 4 * b + k));
    }
    const S = sparseHessian(f, X), H = hessian(f, X);
    expect(S.colours).to.equal(4);
    for (let i = 0; i < 24; i++) for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) expect(S.values[e]).to.be.closeTo(H[i]![S.colIdx[e]!]!, 1e-14);
    expect(normErr(hessianDiagonal(f, X, { method: 'sparse' }).data, H.map((r, i) => r[i]!))).to.be.at.most(1e-14);
  });
});

// ---------------------------------------------------------------- exact references (sympy)

describe('linalg: sympy references (exact rationals, scripts/linalg/reference.py)', () => {
  type Derivs = { value: number; grad: number[]; hessian: number[][]; values?: number[] };
  const REF = JSON.parse(readFileSync(new URL('../../spec/fixtures/linalg-reference.json', import.meta.url), 'utf8')) as Record<string, Derivs> & Record<'A' | 'B' | 'S' | 'W3' | 'W32', number[][]>;
  const A = tensor(REF.A), B = tensor(REF.B), S = tensor(REF.S), W3 = tensor(REF.W3), W32 = tensor(REF.W32);
  const expectDerivs = <X extends TensorPoint>(name: string, f: (x: X) => Num, x: X, ref: Derivs) => {
    const F = f as (x: any) => Num, vg = valueAndGrad(F, x);
    expectErr('fd', `${name}: value vs sympy`, Math.abs(vg.value - ref.value) / Math.max(1, Math.abs(ref.value)), 1e-13);
    expectErr('fd', `${name}: gradient vs sympy`, normErr(flat(vg.grad as TensorPoint), ref.grad), 1e-13);
    expectErr('fd', `${name}: Hessian vs sympy`, normErr(hessian(F, x).flatMap((r) => Array.from(r)), ref.hessian.flat()), 1e-12);
    // relative to the whole Hessian: det's diagonal is exactly 0 (det is linear in each entry), so rounding is all there is
    const d = ref.hessian.map((r, i) => r[i]!), scale = Math.max(...ref.hessian.flat().map(Math.abs));
    expectErr('fd', `${name}: hessianDiagonal vs sympy`, normErr(flat(hessianDiagonal(F, x) as TensorPoint), d, scale), 1e-12);
  };
  it('det and log|det| (a negative determinant)', () => {
    expectDerivs('det', (x: Tensor) => det(x), A, REF.det!);
    expectDerivs('logabsdet', (x: Tensor) => slogdet(x).logabsdet, A, REF.logabsdet!);
    expect(slogdet(A).sign.item()).to.equal(-1);
  });
  it('inv: values, and Σ W ⊙ A⁻¹', () => {
    expect(normErr(inv(A).data, REF.inv!.values!)).to.be.at.most(1e-14);
    expectDerivs('Σ W ⊙ inv(A)', (x: Tensor) => sum(mul(W3, inv(x))), A, REF.inv!);
  });
  it('solve: values, and Σ W ⊙ A⁻¹B in A and B', () => {
    expect(normErr(solve(A, B).data, REF.solve!.values!)).to.be.at.most(1e-14);
    expectDerivs('Σ W ⊙ solve(A, B)', (p: TensorRecord) => sum(mul(W32, solve(p.A!, p.B!))), { A, B }, REF.solve!);
  });
  it('cholesky: values, and Σ W ⊙ cholesky(S) (symmetric part)', () => {
    expect(normErr(cholesky(S).data, REF.cholesky!.values!)).to.be.at.most(1e-14);
    expectDerivs('Σ W ⊙ cholesky(S)', (x: Tensor) => sum(mul(W3, cholesky(x))), S, REF.cholesky!);
  });
  it('triangularSolve: values, and Σ W ⊙ tril(A)⁻¹B in A and B', () => {
    expect(normErr(triangularSolve(A, B).data, REF.triangularSolve!.values!)).to.be.at.most(1e-14);
    expectDerivs('Σ W ⊙ triangularSolve(A, B)', (p: TensorRecord) => sum(mul(W32, triangularSolve(p.A!, p.B!))), { A, B }, REF.triangularSolve!);
  });
});

// ---------------------------------------------------------------- edges and errors

describe('linalg: singular and non-positive-definite input', () => {
  const sing = tensor([[1, 2], [2, 4]]), batch = tensor([[[2, 0], [0, 2]], [[1, 2], [2, 4]]]);
  it('inv, solve and triangularSolve of a singular matrix are errors naming the op (and the batch item)', () => {
    expect(() => inv(sing)).to.throw(RangeError, /^hyperad: inv: the matrix is singular \(no non-zero pivot in column 1\)/);
    expect(() => grad((x: Tensor) => sum(inv(x)), sing)).to.throw(RangeError, /^grad: inv: the matrix is singular/);
    expect(() => inv(batch)).to.throw(RangeError, /^hyperad: inv: the matrix \(batch item 1\) is singular/);
    expect(() => solve(sing, tensor([1, 1]))).to.throw(RangeError, /^hyperad: solve: the matrix is singular/);
    expect(() => hvp((x: Tensor) => sum(solve(x, tensor([1, 1]))), sing, sing)).to.throw(RangeError, /^hvp: solve: the matrix is singular/);
    expect(() => triangularSolve(tensor([[1, 0], [3, 0]]), tensor([1, 1]))).to.throw(RangeError, /^hyperad: triangularSolve: the matrix is singular \(a zero on the diagonal at \[1, 1\]\)/);
  });
  it('cholesky of a matrix that is not positive definite is an error naming the op', () => {
    expect(() => cholesky(tensor([[1, 2], [2, 1]]))).to.throw(RangeError, /^hyperad: cholesky: the matrix is not positive definite \(its leading minor of order 2 is not positive\)/);
    expect(() => grad((x: Tensor) => sum(cholesky(x)), tensor([[-1, 0], [0, 1]]))).to.throw(RangeError, /^grad: cholesky: the matrix is not positive definite \(its leading minor of order 1/);
  });
  it('a prepared recording moved to a singular point is an error naming the op', () => {
    const P = prepare((x: Tensor) => sum(inv(x)), tensor([[2, 1], [1, 1]]));
    expect(() => P.at(sing)).to.throw(RangeError, /inv: the matrix is singular/);
    // and moved on to a regular point it is whole again
    const B = tensor([[3, 1], [1, 2]]);
    expect(normErr(P.at(B).grad().data, grad((x: Tensor) => sum(inv(x)), B).data)).to.equal(0);
  });
  it('det of a singular matrix is 0 with NaN derivatives; slogdet gives sign 0, logabsdet −∞, NaN derivatives', () => {
    expect(det(sing).item()).to.equal(0);
    const g = grad((x: Tensor) => det(x), sing).data;
    expect(Array.from(g).every(Number.isNaN), 'det gradient').to.equal(true);
    expect(Array.from(hessianDiagonal((x: Tensor) => det(x), sing).data).every(Number.isNaN), 'det diagonal').to.equal(true);
    const s = slogdet(sing);
    expect([s.sign.item(), s.logabsdet.item()]).to.deep.equal([0, -Infinity]);
    const v = valueAndGrad((x: Tensor) => slogdet(x).logabsdet, sing);
    expect(v.value).to.equal(-Infinity);
    expect(Array.from(v.grad.data).every(Number.isNaN), 'logabsdet gradient').to.equal(true);
  });
  it('on a recording swept carefully (an infinite partial elsewhere: sqrt at 0), every matrix op keeps its second-order terms', () => {
    const ops: [string, (a: Tensor) => Tensor][] = [
      ['inv', (a) => sum(inv(a))], ['det', det], ['logabsdet', (a) => slogdet(a).logabsdet], ['cholesky', (a) => sum(cholesky(a))],
      ['solve', (a) => sum(solve(a, tensor([1, -2, 0.5])))], ['triangularSolve', (a) => sum(triangularSolve(a, tensor([1, -2, 0.5])))],
      ['norm', (a) => norm(a)],
    ];
    for (const [name, g0] of ops) {
      // A enters through an elementwise node, which the careful kernels sweep by its liveness
      const g = (a: Tensor) => g0(mul(a, 1.5) as Tensor);
      const A = spd(73, [3, 3]).mul(1 / 1.5), f = (p: TensorRecord) => add(g(p.A!), sqrt(p.z!.index(0))) as Tensor, pt = { A, z: tensor([0]) };
      const H = hessian(f, pt), Hg = hessian(g, A), dg = hessianDiagonal(g, A).data;
      for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) expect(H[i]![j], `${name}: H[${i}][${j}]`).to.be.closeTo(Hg[i]![j]!, 1e-12 * (1 + Math.abs(Hg[i]![j]!)));
      const d = hessianDiagonal(f, pt).A!.data, dh = hessianDiagonal(f, pt, { method: 'hvp' }).A!.data;
      for (let i = 0; i < 9; i++) { expect(d[i], `${name}: diag[${i}]`).to.be.closeTo(dg[i]!, 1e-12); expect(dh[i], `${name}: diag (hvp)[${i}]`).to.be.closeTo(dg[i]!, 1e-12); }
      const V = mat(74, [3, 3]), W = mat(75, [3, 3]), ref = gradHyperdual(g, A, V, W).grad.data;
      const got = gradHyperdual(f, pt, { A: V, z: tensor([0]) }, { A: W, z: tensor([0]) }).grad.A!.data;
      for (let i = 0; i < 9; i++) expect(got[i], `${name}: gradHyperdual[${i}]`).to.be.closeTo(ref[i]!, 1e-12 * (1 + Math.abs(ref[i]!)));
    }
  });
  it('slogdet\'s sign is recomputed when a prepared recording moves (its derivative is 0)', () => {
    const f = (x: Tensor) => mul(slogdet(x).sign, slogdet(x).logabsdet) as Tensor, A = tensor([[2, 1], [1, 3]]), B = tensor([[1, 3], [2, 1]]);
    const P = prepare(f, A);
    expect(P.value).to.be.closeTo(Math.log(5), 1e-15);
    P.at(B);
    expect(P.rerecords).to.equal(0);
    expect(P.value).to.be.closeTo(-Math.log(5), 1e-15);
    expect(normErr(P.grad().data, grad(f, B).data)).to.equal(0);
    expect(normErr(grad(f, B).data, [1 / 5, -2 / 5, -3 / 5, 1 / 5])).to.be.at.most(1e-15); // −B⁻ᵀ
  });
  it('in a batch, a singular matrix gives det 0 and NaN derivatives for itself alone', () => {
    const X = tensor([[[1, 2], [2, 4]], [[2, 1], [1, 3]]]), g = grad((x: Tensor) => sum(det(x)), X).data;
    expect(Array.from(det(X).data)).to.deep.equal([0, 5]);
    expect(Array.from(g.slice(0, 4)).every(Number.isNaN)).to.equal(true);
    expect(Array.from(g.slice(4))).to.deep.equal([3, -1, -1, 2]);
  });
  it('a singular det elsewhere in f leaves finite what does not move its matrix', () => {
    const f = (p: TensorRecord) => add(det(p.A!), sum(sin(p.x!))) as Tensor, x = mat(72, [3]), pt = { A: tensor([[1, 2], [2, 4]]), x };
    const H = hessian(f, pt), n = 7;
    for (let i = 4; i < n; i++) for (let j = 4; j < n; j++) expect(H[i]![j], `H[${i}][${j}]`).to.equal(i === j ? -Math.sin(x.data[i - 4]!) : 0);
    expect(normErr(hessianDiagonal(f, pt).x!.data, Array.from(x.data, (v) => -Math.sin(v)))).to.equal(0);
    expect(Array.from(grad(f, pt).A!.data).every(Number.isNaN)).to.equal(true);
  });
  it('norm at 0: value 0, NaN along every direction that moves x, in every mode', () => {
    const z = tensor([0, 0]), f = (x: Tensor) => norm(x), a = tensor([1, 2]), b = tensor([3, -1]);
    const allNaN = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isNaN);
    expect(valueAndGrad(f, z).value).to.equal(0);
    expect(allNaN(grad(f, z).data), 'grad').to.equal(true);
    expect(allNaN(hessian(f, z).flatMap((r) => Array.from(r))), 'hessian').to.equal(true);
    expect(allNaN(hessianDiagonal(f, z).data), 'diagonal (hyperdual)').to.equal(true);
    expect(allNaN(hessianDiagonal(f, z, { method: 'hvp' }).data), 'diagonal (hvp)').to.equal(true);
    const d = directional(f, z, a), h = hyperdual(f, z, a, b);
    expect([d.value, h.value]).to.deep.equal([0, 0]);
    expect(allNaN([d.first, d.second, h.da, h.db, h.dab]), 'directional, hyperdual').to.equal(true);
    expect(allNaN(gradHyperdual(f, z, a, b).grad.data), 'gradHyperdual').to.equal(true);
    expect(laplacian(f, z)).to.be.NaN;
  });
  it('norm at 0 leaves finite what does not move it: another input, an unseeded direction, an unused result', () => {
    const f = (p: TensorRecord) => add(norm(p.w!), sum(sin(p.x!))) as Tensor, x = mat(70, [3]), pt = { w: tensor([0, 0]), x };
    const g = grad(f, pt);
    expect(Array.from(g.w!.data).every(Number.isNaN)).to.equal(true);
    expect(normErr(g.x!.data, Array.from(x.data, Math.cos))).to.equal(0);
    const dx = hessianDiagonal(f, pt);
    expect(normErr(dx.x!.data, Array.from(x.data, (v) => -Math.sin(v)))).to.equal(0);
    expect(Array.from(dx.w!.data).every(Number.isNaN)).to.equal(true);
    expect(directional(f, pt, { w: tensor([0, 0]), x: tensor([1, 0, 0]) }).second).to.equal(-Math.sin(x.data[0]!));
    const unused = (t: Tensor) => { norm(t); return sum(sin(t)); };
    expect(normErr(grad(unused, tensor([0, 0])).data, [1, 1])).to.equal(0);
  });
  it('‖x xᵀ‖ = |x|² at 0: NaN, never the wrong finite Hessian 0, as sqrt(Σ (xᵢxⱼ)²)', () => {
    const z = tensor([0, 0, 0]), f = (x: Tensor) => norm(outer(x, x)), g = (x: Tensor) => sqrt(sum(mul(outer(x, x), outer(x, x)))) as Tensor;
    for (const [name, fn] of [['norm', f], ['sqrt of the sum', g]] as const) {
      expect(hessian(fn, z).flatMap((r) => Array.from(r)).every(Number.isNaN), `${name}: hessian`).to.equal(true);
      expect(Number.isNaN(directional(fn, z, tensor([1, 2, 3])).second), `${name}: directional`).to.equal(true);
    }
    // away from 0 it is |x|², every path
    const x = mat(71, [3]), H = hessian(f, x).flatMap((r) => Array.from(r));
    expect(normErr(H, [2, 0, 0, 0, 2, 0, 0, 0, 2])).to.be.at.most(1e-14);
  });
});

describe('linalg: norm without overflow or underflow', () => {
  for (const k of [1e200, 1e-200]) {
    it(`‖${k}·x‖: value, gradient, H·v, directional, hyperdual and third order scale as they should`, () => {
      const x = tensor([3, -4, 12]), xk = tensor([3 * k, -4 * k, 12 * k]), a = tensor([1, 2, -1]), b = tensor([0.5, -1, 2]);
      const close = (got: number, want: number, what: string) => expect(Math.abs(got - want) / Math.abs(want), what).to.be.at.most(1e-14);
      close(norm(xk).item(), 13 * k, 'value');
      const g = grad(norm, x).data, gk = grad(norm, xk).data;
      g.forEach((v, i) => close(gk[i]!, v, `grad[${i}]`));
      const hv = hvp(norm, x, a).data, hvk = hvp(norm, xk, a).data;
      hv.forEach((v, i) => close(hvk[i]! * k, v, `hvp[${i}]`));
      const d = directional(norm, x, a), dk = directional(norm, xk, a);
      close(dk.first, d.first, 'directional.first');
      close(dk.second * k, d.second, 'directional.second');
      const h = hyperdual(norm, x, a, b), hk = hyperdual(norm, xk, a, b);
      close(hk.dab * k, h.dab, 'hyperdual.dab');
      // third order scales as 1/k², past the doubles at k = 1e±200: checked at √k
      const r = Math.sqrt(k), xr = tensor([3 * r, -4 * r, 12 * r]);
      const t = gradHyperdual(norm, x, a, b).grad.data, tr_ = gradHyperdual(norm, xr, a, b).grad.data;
      t.forEach((v, i) => close(tr_[i]! * r * r, v, `gradHyperdual[${i}] at ${r}·x`));
    });
  }
});

describe('linalg: bad arguments', () => {
  it('shapes, types and options are errors that name the op and the argument', () => {
    expect(() => inv(tensor([[1, 2, 3], [4, 5, 6]]))).to.throw(RangeError, /^hyperad: inv: A must be a square matrix or a batch of them \(shape \[\.\.\., n, n\], n ≥ 1\), got shape \[2, 3\]/);
    expect(() => det(tensor([1, 2]))).to.throw(RangeError, /^hyperad: det: A must be a square matrix/);
    expect(() => det([[1, 2], [3, 4]] as never)).to.throw(TypeError, /^hyperad: det: A must be a Tensor/);
    expect(() => solve(tensor([[1, 0], [0, 1]]), tensor([1, 2, 3]))).to.throw(RangeError, /^hyperad: solve: B must have shape \[2\] or \[2, m\] for a matrix of shape \[2, 2\], got \[3\]/);
    expect(() => solve(tensor([[[1, 0], [0, 1]]]), tensor([[1, 2], [3, 4]]))).to.throw(RangeError, /^hyperad: solve: B must have shape \[1, 2\] or \[1, 2, m\]/);
    expect(() => triangularSolve(tensor([[1, 0], [0, 1]]), tensor([1, 2]), { upper: true } as never)).to.throw(TypeError, /^triangularSolve: unknown option 'upper' \(known: lower, transpose\)/);
    expect(() => triangularSolve(tensor([[1, 0], [0, 1]]), tensor([1, 2]), { lower: 1 } as never)).to.throw(TypeError, /option 'lower' must be true or false/);
    expect(() => norm(tensor([1, 2]), 1)).to.throw(RangeError, /^hyperad: norm: axis 1 is out of range for a tensor of rank 1/);
    expect(() => norm(tensor([[1, 2]]), [1, 1])).to.throw(RangeError, /^hyperad: norm: the axes \[1, 1\] repeat/);
    expect(() => diagonal(tensor([1, 2]))).to.throw(RangeError, /^hyperad: diagonal: A must be a matrix or a batch of them/);
    expect(() => trace(tensor([[1, 2]]), )).to.not.throw();
    expect(() => cumsum(tensor([1, 2]), 2)).to.throw(RangeError, /^hyperad: cumsum: axis 2 is out of range/);
    expect(() => prod(tensor([1, 2]), -2)).to.throw(RangeError, /^hyperad: prod: axis -2 is out of range/);
  });
});

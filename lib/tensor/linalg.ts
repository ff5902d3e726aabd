/**
 * Matrix functions of square (or batched: [..., n, n]) tensors, each one
 * matrix block node (matrix-block.ts) whose derivatives of every order come
 * from its rule (linalg-rules.ts): inv, solve, det, slogdet, cholesky,
 * triangularSolve, and the 2-norm. Inside a nested transform, on jets, each
 * runs its algorithm on scalars (linalg-nums.ts).
 */
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { options } from '../check.js';
import { constant } from './hyperdual-matrix.js';
import { Lu, rowMajor } from './linalg-kernels.js';
import {
  choleskyRule, detRule, invRule, logabsdetRule, normRule, solveRule, triangularSolveRule, type MatrixRule,
} from './linalg-rules.js';
import { detached } from './linear.js';
import { MatrixBlock } from './matrix-block.js';
import { tensorArg, transpose } from './ops.js';
import { axisOf, shapeString, sizeOf, type Shape } from './shape.js';
import { liveTape, slotOn, Tensor } from './tensor.js';
import type { Num } from '../value.js';
import { choleskyNums, detNums, invNums, logabsdetNums, normNums, solveNums, triangularSolveNums } from './linalg-nums.js';

function fail(op: string, msg: string): never {
  throw new RangeError(`${currentName()}: ${op}: ${msg}`);
}

/** One argument of a matrix op: the tensor and one item's shape. */
interface Operand { readonly x: Tensor; readonly r: number; readonly c: number }

/** One batch item's result from its operands' scalars (row-major), for tensors of a nested transform's jets. */
type NumsForm = (xs: readonly (readonly Num[])[]) => Num[];

/**
 * Applies `rule` to every item of a batch: one block node when an operand is
 * traced, the rule's values alone for constants, and the algorithm on
 * scalars (`nums`, lib/tensor/linalg-nums.ts) for a nested transform's jets,
 * after the rule's value has checked the primals.
 */
function apply<C>(
  op: string, rule: MatrixRule<C>, operands: readonly Operand[], items: number, r: number, c: number, shape: Shape, nums: NumsForm,
): Tensor {
  if (operands.some((o) => o.x.jets)) {
    const y: Num[] = [], len = r * c, scratch = new Float64Array(len);
    const all = operands.map((o) => o.x.nums(op)), primals = operands.map((o) => o.x.data);
    for (let b = 0; b < items; b++) {
      const at = <T,>(a: ArrayLike<T> & { slice(s: number, e: number): ArrayLike<T> }, o: Operand) => a.slice(b * o.r * o.c, (b + 1) * o.r * o.c);
      rule.value(operands.map((o, k) => constant(o.r, o.c, at(primals[k]!, o) as Float64Array)), scratch, items > 1 ? ` (batch item ${b})` : '');
      y.push(...nums(operands.map((o, k) => at(all[k]! as Num[], o) as Num[])));
    }
    return Tensor.ofNums(y, shape);
  }
  const t = liveTape(op, operands.map((o) => o.x));
  if (!t) {
    const y = new Float64Array(items * r * c), len = r * c;
    for (let b = 0; b < items; b++) {
      const xs = operands.map((o) => constant(o.r, o.c, o.x.values().subarray(b * o.r * o.c, (b + 1) * o.r * o.c)));
      rule.value(xs, y.subarray(b * len, (b + 1) * len), items > 1 ? ` (batch item ${b})` : '');
    }
    return Tensor.constant(y, shape);
  }
  const args = operands.map((o) => ({ slot: slotOn(t, o.x), r: o.r, c: o.c, live: o.x.tape !== null }));
  const out = t.reserve(items * r * c), blk = new MatrixBlock(out, r, c, items, args, rule);
  blk.replay(t);
  t.addBlock(blk);
  return new Tensor(shape, t, out, null);
}

/** A [..., n, n] tensor: its batch shape, n, and the number of matrices. */
function square(op: string, name: string, A: unknown): { batch: number[]; n: number; items: number; x: Tensor } {
  const x = tensorArg(op, name, A), s = x.shape;
  if (s.length < 2 || s[s.length - 1] !== s[s.length - 2] || s[s.length - 1] === 0) {
    fail(op, `${name} must be a square matrix or a batch of them (shape [..., n, n], n ≥ 1), got shape ${shapeString(s)}`);
  }
  const batch = s.slice(0, -2);
  return { batch, n: s[s.length - 1]!, items: sizeOf(batch), x };
}

/**
 * Right-hand sides for a [..., n, n] matrix: B of shape [..., n] (vectors,
 * one per matrix) or [..., n, m], with the same batch shape.
 */
function rhs(op: string, A: { batch: number[]; n: number }, B: unknown): { x: Tensor; m: number } {
  const x = tensorArg(op, 'B', B), s = x.shape, r = A.batch.length;
  const vectors = s.length === r + 1, same = s.slice(0, r).every((d, i) => d === A.batch[i]);
  if (!(vectors || s.length === r + 2) || !same || s[r] !== A.n) {
    fail(op, `B must have shape [${[...A.batch, A.n].join(', ')}] or [${[...A.batch, A.n].join(', ')}, m] for a matrix of shape ${shapeString([...A.batch, A.n, A.n])}, got ${shapeString(s)}`);
  }
  return { x, m: vectors ? 1 : s[r + 1]! };
}

/**
 * The inverse A⁻¹ of a square matrix (or of each matrix of a batch
 * [..., n, n]), by LU with partial pivoting. d(A⁻¹) = −A⁻¹ dA A⁻¹. An exactly
 * singular matrix is an error naming the op.
 */
export function inv(A: Tensor): Tensor {
  const a = square('inv', 'A', A);
  return apply('inv', invRule, [{ x: a.x, r: a.n, c: a.n }], a.items, a.n, a.n, a.x.shape, ([x]) => invNums('inv', x!, a.n));
}

/**
 * X = A⁻¹B, the solution of AX = B (LU with partial pivoting): B of shape
 * [..., n] (a vector per matrix) or [..., n, m]. dX = A⁻¹(dB − dA X). An
 * exactly singular A is an error naming the op.
 */
export function solve(A: Tensor, B: Tensor): Tensor {
  const a = square('solve', 'A', A), b = rhs('solve', a, B);
  return apply('solve', solveRule, [{ x: a.x, r: a.n, c: a.n }, { x: b.x, r: a.n, c: b.m }], a.items, a.n, b.m, b.x.shape,
    ([x, y]) => solveNums('solve', x!, y!, a.n, b.m));
}

/**
 * det A of a square matrix (one value per matrix of a batch, shape [...]).
 * d det A = det A · tr(A⁻¹dA). An exactly singular A has det 0 and NaN
 * derivatives (the adjugate is not computed).
 */
export function det(A: Tensor): Tensor {
  const a = square('det', 'A', A);
  return apply('det', detRule, [{ x: a.x, r: a.n, c: a.n }], a.items, 1, 1, a.batch, ([x]) => [detNums('det', x!, a.n)]);
}

/**
 * The sign and the logarithm of the absolute value of det A (per matrix of a
 * batch): det A = sign · exp(logabsdet), without overflow. ∇ logabsdet = A⁻ᵀ;
 * the sign has zero derivatives. An exactly singular A gives sign 0,
 * logabsdet −∞ and NaN derivatives (as NumPy and PyTorch for the values).
 */
export function slogdet(A: Tensor): { sign: Tensor; logabsdet: Tensor } {
  const a = square('slogdet', 'A', A), n = a.n;
  const sign = detached('slogdet', [a.x], a.batch, (v, y) => {
    for (let b = 0; b < a.items; b++) y[b] = new Lu(rowMajor(v, b * n * n, n), n).detSign();
  });
  return { sign, logabsdet: apply('slogdet', logabsdetRule, [{ x: a.x, r: n, c: n }], a.items, 1, 1, a.batch, ([x]) => [logabsdetNums('slogdet', x!, n)]) };
}

/**
 * The lower Cholesky factor L of a symmetric positive definite matrix (or
 * of each of a batch), LLᵀ = A. It factors the symmetric part (A + Aᵀ)/2, so
 * its derivative with respect to A is symmetric (as PyTorch's and JAX's):
 * dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ the lower triangle with the diagonal halved. A
 * matrix that is not positive definite is an error naming the op.
 */
export function cholesky(A: Tensor): Tensor {
  const a = square('cholesky', 'A', A);
  return apply('cholesky', choleskyRule, [{ x: a.x, r: a.n, c: a.n }], a.items, a.n, a.n, a.x.shape, ([x]) => choleskyNums(x!, a.n));
}

/** Options of {@link triangularSolve}. */
export interface TriangularSolveOptions {
  /** T is lower triangular (default true); the other triangle is never read */
  lower?: boolean;
  /** solve Tᵀ X = B instead (default false) */
  transpose?: boolean;
}

/**
 * X = T⁻¹B (or T⁻ᵀB with `transpose`) for a triangular T, by substitution;
 * only T's lower (default) or upper triangle is read, so the derivative
 * along the other triangle is 0. dX = T⁻¹(dB − dT X). A zero on the
 * diagonal is an error naming the op. B as for {@link solve}.
 */
export function triangularSolve(T: Tensor, B: Tensor, opts?: TriangularSolveOptions): Tensor {
  const o = options<TriangularSolveOptions>('triangularSolve', opts, { lower: 'boolean', transpose: 'boolean' });
  const a = square('triangularSolve', 'T', T), b = rhs('triangularSolve', a, B);
  const rule = triangularSolveRule(o.lower ?? true, o.transpose ?? false);
  return apply('triangularSolve', rule, [{ x: a.x, r: a.n, c: a.n }, { x: b.x, r: a.n, c: b.m }], a.items, a.n, b.m, b.x.shape,
    ([x, y]) => triangularSolveNums(x!, y!, a.n, b.m, o.lower ?? true, o.transpose ?? false));
}

/**
 * The 2-norm ‖x‖ = √(Σ xᵢ²): over all entries (the vector 2-norm, or the
 * Frobenius norm of a matrix) when `axis` is absent, along one axis, or over
 * two axes (the Frobenius norm of each matrix). ∇‖x‖ = x/‖x‖. At x = 0 the
 * value is 0 and the derivative along any direction that moves x is NaN (as
 * sqrt(Σ xᵢ²) and JAX; no convention is right for ‖g(x)‖ with g(0) = 0 in
 * general: ‖x xᵀ‖ = |x|²), 0 along one that does not. Computed without overflow.
 */
export function norm(x: Tensor, axis?: number | readonly [number, number]): Tensor {
  tensorArg('norm', 'x', x);
  const r = x.shape.length;
  const axes = axis === undefined ? [...Array(r).keys()] : typeof axis === 'number' ? [axisOf('norm', axis, r)] : Array.isArray(axis) && axis.length === 2
    ? axis.map((a) => axisOf('norm', a, r)) : fail('norm', `axis must be an axis or a pair of axes, got ${describe(axis)}`);
  if (new Set(axes).size !== axes.length) fail('norm', `the axes [${(axis as readonly number[]).join(', ')}] repeat`);
  const keep = [...Array(r).keys()].filter((d) => !axes.includes(d)), perm = [...keep, ...axes];
  const moved = perm.every((d, i) => d === i) ? x : transpose(x, perm);
  const shape = keep.map((d) => x.shape[d]!), len = sizeOf(axes.map((d) => x.shape[d]!));
  return apply('norm', normRule, [{ x: moved, r: 1, c: len }], sizeOf(shape), 1, 1, shape, ([v]) => [normNums(v!)]);
}


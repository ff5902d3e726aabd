/**
 * Transforms that record f on a tape and sweep it backwards: gradients,
 * Hessian-vector products (forward-over-reverse), Hessians (dense and
 * sparse), Jacobians, the Gauss–Newton diagonal, third-order gradients.
 * Each is one recording (a {@link Prepared}) and one method call; nested
 * inside another transform, each takes its jet form (lib/transforms/nested.ts).
 * The Hessian's diagonal and trace are in diagonal.ts.
 */
import type { Num } from '../value.js';
import type { Tensor } from '../tensor/tensor.js';
import { pack, type Arg, type Point, type Shaped } from './point.js';
import { callable } from '../check.js';
import { recordScalar } from './record.js';
import { sweptOnce } from '../tensor/fused.js';
import { Workspace, gradientOf } from '../tape/derivatives.js';
import { once } from './prepare.js';
import type { GaussNewtonInfo, GaussNewtonOptions, LaneOptions, SparseHessian } from './method-options.js';
import type { Pattern } from '../sparsity/pattern.js';
import { nest, nested } from './nested.js';

/**
 * One recording, one reverse sweep over it seeded with 1, the arrays given
 * back to the pool: what `once(fn, f, x, (p) => p.grad())` does, without a
 * Prepared, so that a bundle importing only `grad` leaves out every other
 * derivative (sparsity, compaction, estimators: `npm run size`).
 */
function gradOnce<X extends Point>(fn: string, f: (x: Arg<X>) => Num, x: X): { value: number; grad: Shaped<X> } {
  callable(fn, f);
  const { packed, rec } = sweptOnce(() => { const packed = pack(fn, x); return { packed, rec: recordScalar(fn, f as (x: never) => Num, packed) }; });
  const w = new Workspace(rec.tape);
  try {
    const out = rec.outputs[0]!;
    return { value: rec.tape.val[out]!, grad: packed.shape(gradientOf(w, out)) as Shaped<X> };
  } finally {
    rec.tape.release();
    w.release();
  }
}

/** f(x) and ∇f(x) from one recording and one reverse sweep. */
export function valueAndGrad<X extends Point>(f: (x: Arg<X>) => Num, x: X): { value: number; grad: Shaped<X> } {
  return nest('valueAndGrad', (fn) => gradOnce(fn, f, x), (fn) => nested.valueAndGrad(fn, f as never, x));
}

/** ∇f(x) by reverse mode, shaped like x. */
export function grad<X extends Point>(f: (x: Arg<X>) => Num, x: X): Shaped<X> {
  return nest('grad', (fn) => gradOnce(fn, f, x).grad, (fn) => nested.valueAndGrad(fn, f as never, x).grad);
}

/**
 * The Hessian-vector product ∇²f(x)·v by forward-over-reverse: the tape's
 * entries carry the perturbation v·h, and one reverse sweep returns ∇f and
 * H·v together (this returns H·v, shaped like x).
 */
export function hvp<X extends Point>(f: (x: Arg<X>) => Num, x: X, v: Shaped<X> | readonly number[]): Shaped<X> {
  return nest('hvp', (fn) => once(fn, f, x, (p) => p.hvp(v)), (fn) => nested.hvp(fn, f as never, x, v));
}

/**
 * The Hessian ∇²f(x) over x flattened, as rows (H[i][j] = ∂²f/∂xᵢ∂xⱼ): column
 * j is H·eⱼ by forward-over-reverse, `lanes` columns per sweep, from one
 * recording. Exactly symmetric (the two triangles are averaged).
 */
export function hessian<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: LaneOptions): Float64Array[] {
  return nest('hessian', (fn) => once(fn, f, x, (p) => p.hessian(opts)), (fn) => nested.hessian(fn, f as never, x));
}

/**
 * The Hessian's sparsity pattern (CSR, both triangles, diagonal included
 * where non-zero), detected by tracing which inputs each intermediate depends
 * on and where two dependencies meet in a nonlinear op. A superset of the
 * true non-zeros for the branch recorded at x.
 */
export function hessianSparsity<X extends Point>(f: (x: Arg<X>) => Num, x: X): Pattern {
  return nest('hessianSparsity', (fn) => once(fn, f, x, (p) => p.hessianSparsity()));
}

/**
 * The Hessian as a sparse symmetric CSR matrix `{ n, rowPtr, colIdx, values }`:
 * one compressed HVP per colour of a distance-2 (star) colouring of the
 * detected pattern, every entry read directly; `colours` says how many.
 */
export function sparseHessian<X extends Point>(f: (x: Arg<X>) => Num, x: X, opts?: LaneOptions): SparseHessian & { readonly colours: number } {
  return nest('sparseHessian', (fn) => once(fn, f, x, (p) => p.sparseHessian(opts)));
}

/**
 * The Jacobian of F (returning an array of scalars or a tensor, flattened) as
 * rows J[i][j] = ∂Fᵢ/∂xⱼ: one-hot tangent lanes when n ≤ m, adjoint lanes otherwise.
 */
export function jacobian<X extends Point>(F: (x: Arg<X>) => Num[] | Tensor, x: X, opts?: LaneOptions): Float64Array[] {
  return nest('jacobian', (fn) => once(fn, F, x, (p) => p.jacobian(opts), true), (fn) => nested.jacobian(fn, F as never, x));
}

/**
 * The Gauss–Newton diagonal diag(JᵀJ) = (Σ_m (∂F_m/∂xᵢ)²)ᵢ of a
 * vector-valued F (residuals, or per-sample losses: the empirical Fisher
 * diagonal), shaped like x; exact. For parameters that enter F through
 * linear maps (y = W·u, u + b), Σ_m (∂F_m/∂W_jk)² = Σ_b u_bk² Σ_m (∂F_m/∂y_bj)²
 * where each F_m reads one sample: adjoint lanes seeded at the outputs and
 * shared across samples, then one squared reverse step ('structured';
 * see {@link GaussNewtonOptions}). Not the Hessian's diagonal: that is
 * {@link hessianDiagonal}.
 */
export function gaussNewtonDiagonal<X extends Point>(F: (x: Arg<X>) => Num[] | Tensor, x: X, opts?: GaussNewtonOptions): Shaped<X> & GaussNewtonInfo {
  return nest('gaussNewtonDiagonal', (fn) => once(fn, F, x, (p) => p.gaussNewtonDiagonal(opts), true, false), (fn) => {
    throw new TypeError(`${fn}: inside another transform it is not available; call it at the top level (or nest jacobian and square)`);
  });
}

/** Third order: ∇ₓ(aᵀ∇²f(x) a), the gradient of the second directional derivative (with its value aᵀHa). */
export function gradDirectional<X extends Point>(f: (x: Arg<X>) => Num, x: X, a: Shaped<X> | readonly number[]): { value: number; grad: Shaped<X> } {
  return nest('gradDirectional', (fn) => once(fn, f, x, (p) => p.gradDirectional(a)));
}

/**
 * Third order: ∇ₓ(aᵀ∇²f(x) b) (with its value aᵀHb): the reverse sweep of a
 * recording whose entries carry hyper-dual values.
 */
export function gradHyperdual<X extends Point>(
  f: (x: Arg<X>) => Num, x: X, a: Shaped<X> | readonly number[], b: Shaped<X> | readonly number[],
): { value: number; grad: Shaped<X> } {
  return nest('gradHyperdual', (fn) => once(fn, f, x, (p) => p.gradHyperdual(a, b)));
}

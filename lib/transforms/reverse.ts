/**
 * Transforms that record f on a tape and sweep it: gradients, Hessian-vector
 * products (forward-over-reverse), Hessians, Hessian diagonals, Jacobians.
 */
import {
  Workspace, diagonalByHvp, diagonalByHyperdual, gradHvpOf, gradientOf, hessianOf, jacobianOf,
} from '../tape/derivatives.js';
import { callable, options, vector, type Vector } from './check.js';
import { recordScalar, recordVector, type Recording, type ScalarFn, type VectorFn } from './record.js';

/** Lanes per sweep when none are asked for (see `npm run bench`). */
export const DEFAULT_LANES = 8;

function recorded(fn: string, f: ScalarFn, x: Vector): Recording & { w: Workspace; out: number } {
  callable(fn, f);
  const rec = recordScalar(fn, f, vector(fn, 'x', x));
  return { ...rec, w: new Workspace(rec.tape), out: rec.outputs[0]! };
}

/** f(x) and ∇f(x) from one recording and one reverse sweep. */
export function valueAndGrad(f: ScalarFn, x: Vector): { value: number; grad: Float64Array } {
  const r = recorded('valueAndGrad', f, x);
  return { value: r.tape.val[r.out]!, grad: gradientOf(r.w, r.out) };
}

/** ∇f(x) by reverse mode. */
export function grad(f: ScalarFn, x: Vector): Float64Array {
  const r = recorded('grad', f, x);
  return gradientOf(r.w, r.out);
}

/**
 * The Hessian-vector product ∇²f(x)·v by forward-over-reverse: the tape's
 * entries carry the perturbation v·h, and one reverse sweep returns ∇f and
 * H·v together (this returns H·v).
 */
export function hvp(f: ScalarFn, x: Vector, v: Vector): Float64Array {
  const r = recorded('hvp', f, x);
  return gradHvpOf(r.w, r.out, vector('hvp', 'v', v, r.tape.nIn)).hvp;
}

/** Options of {@link hessian}. */
export interface HessianOptions {
  /** columns per sweep (one-hot lanes); default {@link DEFAULT_LANES} */
  lanes?: number;
}

/**
 * The Hessian ∇²f(x) as rows (H[i][j] = ∂²f/∂xᵢ∂xⱼ), from one recording:
 * column j is H·eⱼ by forward-over-reverse, `lanes` columns per sweep.
 * Exactly symmetric (the two triangles are averaged).
 */
export function hessian(f: ScalarFn, x: Vector, opts?: HessianOptions): Float64Array[] {
  const o = options<HessianOptions>('hessian', opts, { lanes: 'positive integer' });
  const r = recorded('hessian', f, x);
  return hessianOf(r.w, r.out, o.lanes ?? DEFAULT_LANES);
}

/** Options of {@link hessianDiagonal}. */
export interface DiagonalOptions {
  /**
   * 'hyperdual' (default): H_jj is the second-order coefficient of a forward
   * pass seeded with eⱼ — no reverse sweep, no adjoints, no Hessian row.
   * 'hvp': H_jj is entry j of H·eⱼ by forward-over-reverse.
   */
  method?: 'hyperdual' | 'hvp';
  /** one-hot directions per sweep; default {@link DEFAULT_LANES} */
  lanes?: number;
}

/** The exact Hessian diagonal (∂²f/∂xⱼ²)ⱼ, by the method chosen in `opts`. */
export function hessianDiagonal(f: ScalarFn, x: Vector, opts?: DiagonalOptions): Float64Array {
  const o = options<DiagonalOptions>('hessianDiagonal', opts, { method: ['hyperdual', 'hvp'], lanes: 'positive integer' });
  const r = recorded('hessianDiagonal', f, x);
  const lanes = o.lanes ?? DEFAULT_LANES;
  return o.method === 'hvp' ? diagonalByHvp(r.w, r.out, lanes) : diagonalByHyperdual(r.w, r.out, lanes);
}

/** The Jacobian of F: (x: Num[]) => Num[] as rows (J[i][j] = ∂Fᵢ/∂xⱼ), from one recording. */
export function jacobian(F: VectorFn, x: Vector, opts?: HessianOptions): Float64Array[] {
  const o = options<HessianOptions>('jacobian', opts, { lanes: 'positive integer' });
  callable('jacobian', F);
  const rec = recordVector('jacobian', F, vector('jacobian', 'x', x));
  return jacobianOf(new Workspace(rec.tape), rec.outputs, o.lanes ?? DEFAULT_LANES);
}

/**
 * hyperad: second-order automatic differentiation.
 *
 * Write f with the ops below; the transforms run it on dual, hyper-dual or
 * tape values and return gradients, Hessian-vector products, Hessians and
 * exact Hessian diagonals.
 * @module
 */
// lib/ is layered: a file imports values from its own layer and the ones
// before it, never after, and no two files import each other (type imports
// are free): the root helpers (copy.ts, describe.ts, trace.ts, check.ts) →
// rules/ → value.ts (the base of every value) → tape/ → ops/, sparsity/ →
// numbers/ → tensor/ → transforms/ → this file.
import './ops/methods.js';
import './tensor/methods.js';
import type * as surface from './index.js';
import type { OpFunctions } from './ops/methods.js';

export { Value, type Num } from './value.js';
export { Dual } from './numbers/dual.js';
export { HyperDual } from './numbers/hyperdual.js';
export { Taylor2 } from './numbers/taylor2.js';
export { Jet, MAX_TAGS } from './numbers/jet.js';
export { Var } from './tape/var.js';
export {
  neg, sqrt, cbrt, exp, expm1, log, log1p, log2, log10, sin, cos, tan, asin, acos, atan,
  sinh, cosh, tanh, asinh, acosh, atanh, abs, sigmoid, softplus, relu, erf, erfc, lgamma, digamma, log1mexp,
  add, sub, mul, div, pow, atan2, hypot, max, min, logaddexp, xlogy,
  type UnaryFn, type BinaryFn,
} from './ops/scalar.js';
// Compile-time: this module exports a function for every op of the rule table (a missing one is an error here).
void (null as unknown as typeof surface satisfies OpFunctions);

export { Tensor } from './tensor/tensor.js';
export { sum, dot, logsumexp } from './tensor/reductions.js';
export {
  tensor, zeros, ones, full, arange, randn, rand, reshape, transpose, mean, softmax, logSoftmax,
  matmul, outer, concat, stack, slice, take, where, type Indices, type NestedArray, type SliceSpec,
} from './tensor/ops.js';
export { nllLoss, crossEntropy, mseLoss, linear, mlp, type Mlp } from './tensor/nn.js';
export { inv, solve, det, slogdet, cholesky, triangularSolve, norm, type TriangularSolveOptions } from './tensor/linalg.js';
export { trace, diagonal } from './tensor/diagonal.js';
export { cumsum, prod } from './tensor/along-axis.js';
export { mulberry32 } from './tensor/random.js';

export { jvp, directional, hyperdual, type Dir } from './transforms/forward.js';
export { setCodegen, CODEGEN_MIN_NODES, type CodegenMode, type CodegenInfo, type Kernel as CodegenKernel } from './tape/codegen.js';
export type { Trace } from './trace.js';
export type { Shape } from './tensor/shape.js';
export type { Tape } from './tape/tape.js';
/** The op name of each op code a tape records (`tape.op[i]`): unary ops, then binary ops, in the rule table's order. */
export { OP_NAMES } from './rules/index.js';
export type { Block } from './tape/block.js';
export type { HyperLanes, HyperAdjoints } from './tape/node.js';
export {
  valueAndGrad, grad, hvp, hessian, hessianSparsity, sparseHessian, jacobian, gaussNewtonDiagonal, gradDirectional, gradHyperdual,
} from './transforms/reverse.js';
export { hessianDiagonal, laplacian, hessianTraceEstimate, hessianDiagonalEstimate } from './transforms/diagonal.js';
export { prepare, Prepared } from './transforms/prepare.js';
export {
  DEFAULT_LANES, type LaneOptions, type DiagonalOptions, type DiagonalInfo, type ParameterReport, type GaussNewtonOptions, type GaussNewtonInfo, type SparseHessian, type LaplacianOptions,
} from './transforms/method-options.js';
export { SPARSE_RATIO } from './transforms/policy.js';
export { DEFAULT_SAMPLES, type TraceEstimateOptions, type DiagonalEstimateOptions, type Estimate } from './transforms/estimators.js';
export type { Pattern } from './sparsity/pattern.js';
export type { Point, Arg, Shaped, TensorRecord, Vector } from './transforms/point.js';

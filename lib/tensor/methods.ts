/** Method forms of the tensor ops (t.matmul(w), t.sum(0), …), installed on Tensor once. */
import type { Num } from '../value.js';
import { dot, logsumexp, sum } from './reductions.js';
import {
  concat, matmul, mean, outer, reshape, slice, softmax, logSoftmax, take, transpose, type Indices, type SliceSpec,
} from './ops.js';
import { Tensor } from './tensor.js';
import { cholesky, det, inv, norm, slogdet, solve } from './linalg.js';
import { diagonal } from './diagonal.js';
import { cumsum, prod } from './along-axis.js';

declare module './tensor.js' {
  interface Tensor {
    /** matmul(this, b) */ matmul(b: Tensor): Tensor;
    /** transpose(this, perm) */ transpose(perm?: readonly number[]): Tensor;
    /** reshape(this, shape) */ reshape(shape: readonly number[]): Tensor;
    /** sum(this, axis) */ sum(axis?: number): Tensor;
    /** mean(this, axis) */ mean(axis?: number): Tensor;
    /** logsumexp(this, axis) */ logsumexp(axis?: number): Tensor;
    /** softmax(this, axis) */ softmax(axis?: number): Tensor;
    /** logSoftmax(this, axis) */ logSoftmax(axis?: number): Tensor;
    /** dot(this, y) */ dot(y: Tensor): Tensor;
    /** outer(this, y) */ outer(y: Tensor): Tensor;
    /** slice(this, spec) */ slice(spec: SliceSpec): Tensor;
    /** take(this, indices, axis) */ take(indices: Indices, axis?: number): Tensor;
    /** concat([this, ...others], axis) */ concat(others: readonly Tensor[], axis?: number): Tensor;
    /** inv(this) */ inv(): Tensor;
    /** solve(this, b) */ solve(b: Tensor): Tensor;
    /** det(this) */ det(): Tensor;
    /** slogdet(this) */ slogdet(): { sign: Tensor; logabsdet: Tensor };
    /** cholesky(this) */ cholesky(): Tensor;
    /** diagonal(this, offset) */ diagonal(offset?: number): Tensor;
    /** norm(this, axis) */ norm(axis?: number | readonly [number, number]): Tensor;
    /** prod(this, axis) */ prod(axis?: number): Tensor;
    /** cumsum(this, axis) */ cumsum(axis?: number): Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => Num | { sign: Tensor; logabsdet: Tensor }> = {
  matmul(b: Tensor) { return matmul(this, b); },
  transpose(perm?: readonly number[]) { return transpose(this, perm); },
  reshape(shape: readonly number[]) { return reshape(this, shape); },
  sum(axis?: number) { return sum(this, axis); },
  mean(axis?: number) { return mean(this, axis); },
  logsumexp(axis?: number) { return logsumexp(this, axis); },
  softmax(axis?: number) { return softmax(this, axis); },
  logSoftmax(axis?: number) { return logSoftmax(this, axis); },
  dot(y: Tensor) { return dot(this, y); },
  outer(y: Tensor) { return outer(this, y); },
  slice(spec: SliceSpec) { return slice(this, spec); },
  take(indices: Indices, axis?: number) { return take(this, indices, axis); },
  concat(others: readonly Tensor[], axis?: number) { return concat([this, ...others], axis); },
  inv() { return inv(this); },
  solve(b: Tensor) { return solve(this, b); },
  det() { return det(this); },
  slogdet() { return slogdet(this); },
  cholesky() { return cholesky(this); },
  diagonal(offset?: number) { return diagonal(this, offset); },
  norm(axis?: number | readonly [number, number]) { return norm(this, axis); },
  prod(axis?: number) { return prod(this, axis); },
  cumsum(axis?: number) { return cumsum(this, axis); },
};
Object.assign(Tensor.prototype, methods);

/** Method forms of the tensor ops (t.matmul(w), t.sum(0), …), installed on Tensor once. */
import type { Num } from '../numbers/value.js';
import { dot, logsumexp, sum } from '../ops/reductions.js';
import {
  concat, matmul, mean, outer, reshape, slice, softmax, logSoftmax, take, transpose, type SliceSpec,
} from './ops.js';
import { Tensor } from './tensor.js';

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
    /** take(this, indices, axis) */ take(indices: readonly number[], axis?: number): Tensor;
    /** concat([this, ...others], axis) */ concat(others: readonly Tensor[], axis?: number): Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => Num> = {
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
  take(indices: readonly number[], axis?: number) { return take(this, indices, axis); },
  concat(others: readonly Tensor[], axis?: number) { return concat([this, ...others], axis); },
};
Object.assign(Tensor.prototype, methods);

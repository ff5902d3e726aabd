/**
 * The public reductions `sum`, `dot` and `logsumexp`: each takes an array of
 * scalars (composed from the table's ops, lib/ops/reductions.ts) or a tensor
 * (one whole-array node, lib/tensor/ops.ts).
 */
import type { Num } from '../value.js';
import { dotArray, logsumexpArray, sumArray } from '../ops/reductions.js';
import { dotTensor, logsumexpTensor, sumTensor } from './ops.js';
import { Tensor } from './tensor.js';

/** Σᵢ xᵢ over an array of scalars (0 for an empty array), or a tensor's sum over `axis` (all axes when absent). */
export function sum(xs: Tensor, axis?: number): Tensor;
export function sum(xs: readonly Num[]): Num;
export function sum(xs: readonly Num[] | Tensor, axis?: number): Num {
  return xs instanceof Tensor ? sumTensor(xs, axis) : sumArray(xs);
}

/** Σᵢ xᵢ·yᵢ over two arrays of one length, or two vector tensors (a rank-0 tensor). */
export function dot(xs: Tensor, ys: Tensor): Tensor;
export function dot(xs: readonly Num[], ys: readonly Num[]): Num;
export function dot(xs: readonly Num[] | Tensor, ys: readonly Num[] | Tensor): Num {
  return xs instanceof Tensor && ys instanceof Tensor ? dotTensor(xs, ys) : dotArray(xs as readonly Num[], ys as readonly Num[]);
}

/**
 * log Σᵢ exp(xᵢ), stable for any inputs: m + log Σ exp(xᵢ − m) with m the
 * largest xᵢ (the identity holds for any m, so derivatives of every order
 * are exact; m only keeps exp from overflowing). Over an array of scalars,
 * or a tensor along `axis` (all axes when absent).
 */
export function logsumexp(xs: Tensor, axis?: number): Tensor;
export function logsumexp(xs: readonly Num[]): Num;
export function logsumexp(xs: readonly Num[] | Tensor, axis?: number): Num {
  return xs instanceof Tensor ? logsumexpTensor(xs, axis) : logsumexpArray(xs);
}

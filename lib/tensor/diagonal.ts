/** The diagonal and the trace of a matrix (or of each matrix of a batch): one Linear block each. */
import { currentName } from '../trace.js';
import { applyLinear } from './linear.js';
import { tensorArg } from './ops.js';
import { iota } from './index-maps.js';
import { shapeString, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/** The flat indices of the diagonal `offset` (above the main one if positive) of each [p, q] matrix of a batch. */
function diagonalEntries(op: string, A: Tensor, offset: number): { batch: number[]; k: number; from: Int32Array } {
  tensorArg(op, 'A', A);
  const s = A.shape;
  if (s.length < 2) throw new RangeError(`${currentName()}: ${op}: A must be a matrix or a batch of them (shape [..., p, q]), got shape ${shapeString(s)}`);
  if (!Number.isInteger(offset)) throw new RangeError(`${currentName()}: ${op}: offset must be an integer, got ${offset}`);
  const p = s[s.length - 2]!, q = s[s.length - 1]!, batch = s.slice(0, -2), items = sizeOf(batch);
  const k = Math.max(0, offset >= 0 ? Math.min(p, q - offset) : Math.min(p + offset, q));
  const from = new Int32Array(items * k), r0 = Math.max(0, -offset), c0 = Math.max(0, offset);
  for (let b = 0; b < items; b++) for (let i = 0; i < k; i++) from[b * k + i] = b * p * q + (r0 + i) * q + c0 + i;
  return { batch, k, from };
}

/**
 * The diagonal of a matrix, Aᵢ,ᵢ₊ₒ for offset o (default 0, the main
 * diagonal; o > 0 above it, o < 0 below), of the last two axes: shape
 * [..., k]. Linear: its derivative gathers the same entries.
 */
export function diagonal(A: Tensor, offset = 0): Tensor {
  const { batch, k, from } = diagonalEntries('diagonal', A, offset);
  return applyLinear('diagonal', [A], { from, to: iota(from.length) }, [...batch, k]);
}

/** tr A = Σᵢ Aᵢᵢ over the last two axes (one value per matrix of a batch). Linear: ∇ tr A = I. */
export function trace(A: Tensor): Tensor {
  const { batch, k, from } = diagonalEntries('trace', A, 0);
  return applyLinear('trace', [A], { from, to: Int32Array.from(from.keys(), (e) => Math.floor(e / Math.max(1, k))) }, batch);
}

/** Shapes, row-major strides and NumPy broadcasting. */
import { currentName } from '../trace.js';

export type Shape = readonly number[];

export const sizeOf = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** Row-major strides of a shape. */
export function strides(s: Shape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let d = s.length - 1; d >= 0; d--) { st[d] = acc; acc *= s[d]!; }
  return st;
}

export const shapeString = (s: Shape): string => `[${s.join(', ')}]`;

/** The broadcast shape of a and b (NumPy rules: align right; 1 stretches), or an error naming both. */
export function broadcastShape(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length), out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${currentName()}: ${op}: shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against rank r. */
export function axisOf(op: string, axis: number, r: number): number {
  if (!Number.isInteger(axis) || axis < -r || axis >= r) {
    throw new RangeError(`${currentName()}: ${op}: axis ${axis} is out of range for a tensor of rank ${r}`);
  }
  return axis < 0 ? axis + r : axis;
}

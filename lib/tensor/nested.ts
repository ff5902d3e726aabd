/**
 * Tensors inside nested transforms. A transform called inside f while
 * another differentiates it runs f on jets (lib/transforms/nested.ts), and a
 * tensor of jets has no tape to live on: it holds its elements as scalars
 * (`Tensor#jets`), and each tensor op applies its scalar definition to them
 * with the ops of lib/ops — elementwise rules from the table, the linear maps
 * as sums of products, the matrix product as loops — so every derivative of
 * every order is the jets' own. (Slow, and meant to be: nesting is for
 * correctness; the tape is for speed.) The matrix functions have their
 * scalar algorithms in linalg-nums.ts.
 */
import { OP_NAMES, unaryCode } from '../rules/index.js';
import type { Num } from '../value.js';
import * as scalar from '../ops/scalar.js';

const byName = scalar as unknown as Readonly<Record<string, (...args: Num[]) => Num>>, POWC = unaryCode('powc');

/** op `code` (parameter p) applied to a scalar of any kind: the public op of that name */
export const unaryNum = (code: number, x: Num, p: number): Num => (code === POWC ? scalar.pow(x, p) : byName[OP_NAMES[code]!]!(x));

/** op `code` applied to (a, b), scalars of any kind: the public op of that name */
export const binaryNum = (code: number, a: Num, b: Num): Num => byName[OP_NAMES[code]!]!(a, b);

const { add, mul } = scalar;

/** y[to[e]] += w[e]·x_{src[e]}[from[e]] over scalars (the Linear block's map), from zeros. */
export function linearNums(
  xs: readonly (readonly Num[])[], size: number, from: Int32Array, to: Int32Array, src: Int32Array | undefined, w: Float64Array | undefined,
): Num[] {
  const y: Num[] = new Array<Num>(size).fill(0);
  for (let e = 0; e < from.length; e++) {
    const x = xs[src ? src[e]! : 0]![from[e]!]!;
    y[to[e]!] = add(y[to[e]!]!, w ? mul(w[e]!, x) : x);
  }
  return y;
}

/** How a matrix operand is read: entry (i, j) at i·rs + j·cs. */
export interface Strides { readonly rs: number; readonly cs: number }

/** Z (m×n, row-major) = X (m×q) · Y (q×n) over scalars, operands read through their strides. */
export function matmulNums(X: readonly Num[], xs: Strides, Y: readonly Num[], ys: Strides, m: number, q: number, n: number): Num[] {
  const Z: Num[] = new Array<Num>(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: Num = 0;
      for (let p = 0; p < q; p++) s = add(s, mul(X[i * xs.rs + p * xs.cs]!, Y[p * ys.rs + j * ys.cs]!));
      Z[i * n + j] = s;
    }
  }
  return Z;
}

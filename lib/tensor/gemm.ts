/**
 * Z += α·X·Y for K lanes, where each operand is either lane-valued (stride K,
 * lane k at slot·K + k) or a primal (stride 1, the same for every lane).
 * Element (i, j) of an operand sits at slot base + i·rs + j·cs, so a
 * transpose is a swap of rs and cs. Loop order i, p, j, k keeps the
 * innermost accesses contiguous for row-major operands.
 */
export interface Operand {
  readonly arr: Float64Array;
  readonly base: number;
  readonly rs: number;
  readonly cs: number;
  readonly lane: boolean;
}

export function gemm(m: number, q: number, n: number, K: number, alpha: number, X: Operand, Y: Operand, Z: Operand): void {
  const xs = X.lane ? K : 1, ys = Y.lane ? K : 1, zs = Z.lane ? K : 1;
  const xl = X.lane ? 1 : 0, yl = Y.lane ? 1 : 0, zl = Z.lane ? 1 : 0;
  const L = Z.lane ? K : 1;
  const xa = X.arr, ya = Y.arr, za = Z.arr;
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < q; p++) {
      const xi = (X.base + i * X.rs + p * X.cs) * xs;
      for (let j = 0; j < n; j++) {
        const yi = (Y.base + p * Y.rs + j * Y.cs) * ys, zi = (Z.base + i * Z.rs + j * Z.cs) * zs;
        for (let k = 0; k < L; k++) za[zi + k * zl] += alpha * xa[xi + k * xl]! * ya[yi + k * yl]!;
      }
    }
  }
}

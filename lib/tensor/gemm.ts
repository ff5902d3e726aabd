/**
 * Z += α·X·Y for K lanes, where each operand is either lane-valued (stride K,
 * lane k at slot·K + k) or a primal (stride 1, the same for every lane).
 * Element (i, j) of an operand sits at slot base + i·rs + j·cs, so a
 * transpose is a swap of rs and cs. Loop order i, p, j, k keeps the
 * innermost accesses contiguous for row-major operands; one lane has loops
 * of its own ({@link gemm1}).
 */
export interface Operand {
  readonly arr: Float64Array;
  readonly base: number;
  readonly rs: number;
  readonly cs: number;
  readonly lane: boolean;
}

export function gemm(m: number, q: number, n: number, K: number, alpha: number, X: Operand, Y: Operand, Z: Operand): void {
  if (K === 1 || !(X.lane || Y.lane || Z.lane)) return gemm1(m, q, n, alpha, X, Y, Z);
  if (Z.lane && X.lane !== Y.lane) return gemmScaled(m, q, n, K, alpha, X, Y, Z);
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

/**
 * One lane-valued factor and a primal one, into lanes (the tangent and the
 * adjoint terms of a product): each z_ij's K lanes get the primal factor
 * times the lane factor's K lanes, a contiguous inner loop.
 */
function gemmScaled(m: number, q: number, n: number, K: number, alpha: number, X: Operand, Y: Operand, Z: Operand): void {
  const za = Z.arr;
  if (X.lane) {
    const xa = X.arr, ya = Y.arr;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < q; p++) {
        const xi = (X.base + i * X.rs + p * X.cs) * K;
        // lanes that are all zero (seeds at a few slots: most rows) add nothing, unless a primal factor is ±∞ or NaN (0·∞)
        let zero = true;
        for (let k = 0; k < K && zero; k++) zero = xa[xi + k] === 0;
        if (zero && finiteRow(ya, Y.base + p * Y.rs, Y.cs, n)) continue;
        for (let j = 0; j < n; j++) {
          const c = alpha * ya[Y.base + p * Y.rs + j * Y.cs]!;
          const zi = (Z.base + i * Z.rs + j * Z.cs) * K;
          for (let k = 0; k < K; k++) za[zi + k] += c * xa[xi + k]!;
        }
      }
    }
    return;
  }
  const xa = X.arr, ya = Y.arr;
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < q; p++) {
      const c = alpha * xa[X.base + i * X.rs + p * X.cs]!;
      for (let j = 0; j < n; j++) {
        const yi = (Y.base + p * Y.rs + j * Y.cs) * K, zi = (Z.base + i * Z.rs + j * Z.cs) * K;
        for (let k = 0; k < K; k++) za[zi + k] += c * ya[yi + k]!;
      }
    }
  }
}

function finiteRow(a: Float64Array, base: number, stride: number, n: number): boolean {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[base + j * stride]! * 0;
  return s === 0;
}

/**
 * One lane (every operand at stride 1): the loop order follows the strides.
 * Where X's rows and Y's columns are contiguous, each z_ij gets a dot
 * product over p; where Y's and Z's rows are, row i of Z gets α·x_ip times
 * row p of Y for each p; where X's and Z's columns are, column j of Z gets
 * column p of X times α·y_pj (each sums over p in order, as the general
 * loop does; the products are the same up to the order of their factors,
 * and from a zeroed Z the sums are the same numbers); otherwise the general
 * order.
 */
function gemm1(m: number, q: number, n: number, alpha: number, X: Operand, Y: Operand, Z: Operand): void {
  const xa = X.arr, ya = Y.arr, za = Z.arr, { rs: xr, cs: xc } = X, { rs: yr, cs: yc } = Y, { rs: zr, cs: zc } = Z;
  if (xc === 1 && yr === 1) {
    for (let i = 0; i < m; i++) {
      const xo = X.base + i * xr, zo = Z.base + i * zr;
      for (let j = 0; j < n; j++) {
        const yo = Y.base + j * yc;
        let s = 0;
        for (let p = 0; p < q; p++) s += xa[xo + p]! * ya[yo + p]!;
        za[zo + j * zc] += alpha * s;
      }
    }
    return;
  }
  if (yc === 1 && zc === 1) {
    for (let i = 0; i < m; i++) {
      const zo = Z.base + i * zr;
      for (let p = 0; p < q; p++) {
        const c = alpha * xa[X.base + i * xr + p * xc]!, yo = Y.base + p * yr;
        for (let j = 0; j < n; j++) za[zo + j] += c * ya[yo + j]!;
      }
    }
    return;
  }
  if (xr === 1 && zr === 1) {
    for (let j = 0; j < n; j++) {
      const zo = Z.base + j * zc;
      for (let p = 0; p < q; p++) {
        const c = alpha * ya[Y.base + p * yr + j * yc]!, xo = X.base + p * xc;
        for (let i = 0; i < m; i++) za[zo + i] += xa[xo + i]! * c;
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < q; p++) {
      const c = alpha * xa[X.base + i * xr + p * xc]!, yo = Y.base + p * yr, zo = Z.base + i * zr;
      for (let j = 0; j < n; j++) za[zo + j * zc] += c * ya[yo + j * yc]!;
    }
  }
}

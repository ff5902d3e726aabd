/**
 * Dense matrix kernels on plain Float64Array views, no derivatives: LU with
 * partial pivoting, Cholesky, triangular solves. A matrix is read through a
 * {@link View} (element (i, j) at arr[off + i·rs + j·cs], so a transpose is
 * a swap of rs and cs); right-hand sides are n×m row-major blocks at an offset. The
 * factorizations ({@link Lu}, {@link Triangular}) solve op(A)·X = B in place,
 * op = identity or transpose. Nothing here knows about tapes or lanes.
 */

/** Element (i, j) of a matrix at arr[off + i·rs + j·cs]. */
export interface View { readonly arr: Float64Array; readonly off: number; readonly rs: number; readonly cs: number }

/** The row-major n×m matrix at arr[off …] as a view. */
export const rowMajor = (arr: Float64Array, off: number, m: number): View => ({ arr, off, rs: m, cs: 1 });
/** The same matrix transposed. */
export const transposed = (v: View): View => ({ arr: v.arr, off: v.off, rs: v.cs, cs: v.rs });

/** A factorization of a square matrix A that solves op(A)·X = B in place. */
export interface Factor {
  readonly n: number;
  /** bytes held */
  readonly bytes: number;
  /** B (n×m, row-major at b[bo …]) ← op(A)⁻¹B, op = transpose when `trans`; NaN everywhere if A is singular */
  solve(b: Float64Array, m: number, trans: boolean, bo?: number): void;
}

/**
 * B ← T⁻¹B for a triangular T (lower or upper as the view reads it; `unit`:
 * ones on the diagonal, not read). Forward or back substitution on whole
 * rows of B (the inner loop runs along a row).
 */
export function triangularSolveInPlace(T: View, n: number, lower: boolean, unit: boolean, b: Float64Array, m: number, bo = 0): void {
  const { arr, off, rs, cs } = T;
  for (let s = 0; s < n; s++) {
    const i = lower ? s : n - 1 - s, bi = bo + i * m;
    for (let k = lower ? 0 : i + 1; k < (lower ? i : n); k++) {
      const t = arr[off + i * rs + k * cs]!, bk = bo + k * m;
      for (let j = 0; j < m; j++) b[bi + j] -= t * b[bk + j]!;
    }
    if (!unit) {
      const d = arr[off + i * rs + i * cs]!;
      for (let j = 0; j < m; j++) b[bi + j] /= d;
    }
  }
}

/**
 * z += α·op(x)·op(y) for row-major x (m×q, or q×m when tx), y (q×n, or n×q
 * when ty) and z (m×n), at offsets zo, xo, yo; the inner loop runs along rows.
 */
export function matmulAdd(
  z: Float64Array, x: Float64Array, y: Float64Array, m: number, q: number, n: number, tx: boolean, ty: boolean, alpha = 1, zo = 0, xo = 0, yo = 0,
): void {
  const xr = tx ? 1 : q, xc = tx ? m : 1;
  if (!ty) {
    for (let i = 0; i < m; i++) {
      const zi = zo + i * n;
      for (let p = 0; p < q; p++) {
        const a = alpha * x[xo + i * xr + p * xc]!, yp = yo + p * n;
        for (let j = 0; j < n; j++) z[zi + j] += a * y[yp + j]!;
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const yj = yo + j * q;
        for (let p = 0; p < q; p++) s += x[xo + i * xr + p * xc]! * y[yj + p]!;
        z[zo + i * n + j] += alpha * s;
      }
    }
  }
}

/**
 * PA = LU with partial pivoting (L unit lower, U upper, both in `lu`,
 * row-major n×n). `sign` is det P (±1); `singular` when some pivot is exactly 0
 * (the factorization stops there: solves give NaN, the determinant is 0).
 */
export class Lu implements Factor {
  readonly lu: Float64Array;
  readonly piv: Int32Array;
  sign = 1;
  singular = false;
  /** the first column without a non-zero pivot (−1 if none) */
  zeroPivot = -1;
  private inv: Float64Array | null = null;

  constructor(A: View, readonly n: number) {
    const lu = (this.lu = new Float64Array(n * n)), piv = (this.piv = new Int32Array(n));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lu[i * n + j] = A.arr[A.off + i * A.rs + j * A.cs]!;
    for (let k = 0; k < n; k++) {
      let p = k, best = Math.abs(lu[k * n + k]!);
      for (let i = k + 1; i < n; i++) { const v = Math.abs(lu[i * n + k]!); if (v > best) { best = v; p = i; } }
      piv[k] = p;
      if (!(best > 0)) { // exactly 0 (or NaN): singular
        this.singular = true; this.zeroPivot = k; this.sign = 0;
        return;
      }
      if (p !== k) {
        this.sign = -this.sign;
        for (let j = 0; j < n; j++) { const t = lu[k * n + j]!; lu[k * n + j] = lu[p * n + j]!; lu[p * n + j] = t; }
      }
      const d = lu[k * n + k]!;
      for (let i = k + 1; i < n; i++) {
        const l = (lu[i * n + k]! /= d);
        if (l !== 0) for (let j = k + 1; j < n; j++) lu[i * n + j] -= l * lu[k * n + j]!;
      }
    }
  }
  get bytes(): number { return this.lu.byteLength * (this.inv ? 2 : 1) + this.piv.byteLength; }

  /** log |det A| (−∞ when singular) */
  logAbsDet(): number {
    if (this.singular) return -Infinity;
    let s = 0;
    for (let i = 0; i < this.n; i++) s += Math.log(Math.abs(this.lu[i * this.n + i]!));
    return s;
  }
  /** det A (0 when singular) */
  det(): number {
    if (this.singular) return 0;
    let d = this.sign;
    for (let i = 0; i < this.n; i++) d *= this.lu[i * this.n + i]!;
    return d;
  }
  /** the sign of det A: ±1, or 0 when singular */
  detSign(): number {
    if (this.singular) return 0;
    let s = this.sign;
    for (let i = 0; i < this.n; i++) if (this.lu[i * this.n + i]! < 0) s = -s;
    return s;
  }
  // A = PᵀLU: A⁻¹B = U⁻¹L⁻¹PB; A⁻ᵀB = PᵀL⁻ᵀU⁻ᵀB
  solve(b: Float64Array, m: number, trans: boolean, bo = 0): void {
    const { n, lu, piv } = this, view = rowMajor(lu, 0, n);
    if (this.singular) { b.fill(NaN, bo, bo + n * m); return; }
    const swap = (k: number) => {
      const p = piv[k]!, rk = bo + k * m, rp = bo + p * m;
      if (p !== k) for (let j = 0; j < m; j++) { const t = b[rk + j]!; b[rk + j] = b[rp + j]!; b[rp + j] = t; }
    };
    if (!trans) {
      for (let k = 0; k < n; k++) swap(k);
      triangularSolveInPlace(view, n, true, true, b, m, bo);
      triangularSolveInPlace(view, n, false, false, b, m, bo);
    } else {
      triangularSolveInPlace(transposed(view), n, true, false, b, m, bo);
      triangularSolveInPlace(transposed(view), n, false, true, b, m, bo);
      for (let k = n - 1; k >= 0; k--) swap(k);
    }
  }
  /** A⁻¹ (row-major, computed once and kept; do not modify) */
  inverse(): Float64Array {
    if (!this.inv) {
      const n = this.n, x = new Float64Array(n * n);
      for (let i = 0; i < n; i++) x[i * n + i] = 1;
      this.solve(x, n, false);
      this.inv = x;
    }
    return this.inv;
  }
}

/** A triangular matrix (a row-major copy; the other triangle is never read) as a factor of itself. */
export class Triangular implements Factor {
  /** the first zero on the diagonal (−1 if none) */
  readonly zeroDiagonal: number;
  constructor(readonly T: Float64Array, readonly n: number, readonly lower: boolean) {
    let z = -1;
    for (let i = 0; i < n && z < 0; i++) { const d = T[i * n + i]!; if (d === 0 || Number.isNaN(d)) z = i; }
    this.zeroDiagonal = z;
  }
  get bytes(): number { return this.T.byteLength; }
  solve(b: Float64Array, m: number, trans: boolean, bo = 0): void {
    if (this.zeroDiagonal >= 0) { b.fill(NaN, bo, bo + this.n * m); return; }
    const v = rowMajor(this.T, 0, this.n);
    triangularSolveInPlace(trans ? transposed(v) : v, this.n, trans ? !this.lower : this.lower, false, b, m, bo);
  }
}

/**
 * The lower Cholesky factor L of the symmetric part (A + Aᵀ)/2 of the n×n
 * view, row-major with zeros above the diagonal; returns the first column
 * whose pivot is not positive (the matrix is not positive definite), or −1.
 */
export function choleskyInto(A: View, n: number, L: Float64Array): number {
  const { arr, off, rs, cs } = A, a = (i: number, j: number) => 0.5 * (arr[off + i * rs + j * cs]! + arr[off + j * rs + i * cs]!);
  L.fill(0, 0, n * n);
  for (let j = 0; j < n; j++) {
    let d = a(j, j);
    for (let k = 0; k < j; k++) d -= L[j * n + k]! * L[j * n + k]!;
    if (!(d > 0)) return j;
    const ljj = (L[j * n + j] = Math.sqrt(d));
    for (let i = j + 1; i < n; i++) {
      let s = a(i, j);
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  return -1;
}

/**
 * The matrix functions over scalars of any kind, for tensors inside a nested
 * transform (lib/tensor/nested.ts): each is its algorithm written with the
 * scalar ops — LU with partial pivoting (the pivot chosen by the primals,
 * which selects a branch of the same analytic function, so every derivative
 * is exact), substitution, the Cholesky recurrence — on row-major arrays of
 * one batch item. The primal checks (singular, not positive definite) are
 * the rules' own: the caller runs the rule's value first.
 */
import type { Num } from '../value.js';
import { abs, add, div, log, mul, sqrt, sub } from '../ops/scalar.js';
import { currentName } from '../trace.js';

const primal = (v: Num): number => (typeof v === 'number' ? v : v.value);

/** PA = LU of n×n A (row-major), L unit lower and U upper in one array; the row order and its sign. */
function lu(op: string, A: readonly Num[], n: number): { LU: Num[]; perm: number[]; sign: number } {
  const LU = A.slice(), perm = Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(primal(LU[i * n + k]!)) > Math.abs(primal(LU[p * n + k]!))) p = i;
    if (primal(LU[p * n + k]!) === 0) {
      // (the rule's value has accepted it: det 0, logabsdet −∞, whose derivatives are NaN at the top level)
      throw new RangeError(`${currentName()}: ${op}: an exactly singular matrix inside a nested transform is not supported`);
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = LU[k * n + j]!; LU[k * n + j] = LU[p * n + j]!; LU[p * n + j] = t; }
      [perm[k], perm[p]] = [perm[p]!, perm[k]!];
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      const l = div(LU[i * n + k]!, LU[k * n + k]!);
      LU[i * n + k] = l;
      for (let j = k + 1; j < n; j++) LU[i * n + j] = sub(LU[i * n + j]!, mul(l, LU[k * n + j]!));
    }
  }
  return { LU, perm, sign };
}

/** X = A⁻¹B for n×n A and n×m B (row-major). */
export function solveNums(op: string, A: readonly Num[], B: readonly Num[], n: number, m: number): Num[] {
  const { LU, perm } = lu(op, A, n), X: Num[] = new Array<Num>(n * m);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[perm[i]! * m + c]!;
      for (let k = 0; k < i; k++) s = sub(s, mul(LU[i * n + k]!, X[k * m + c]!));
      X[i * m + c] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * m + c]!;
      for (let k = i + 1; k < n; k++) s = sub(s, mul(LU[i * n + k]!, X[k * m + c]!));
      X[i * m + c] = div(s, LU[i * n + i]!);
    }
  }
  return X;
}

/** A⁻¹ */
export const invNums = (op: string, A: readonly Num[], n: number): Num[] =>
  solveNums(op, A, Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0)), n, n);

/** det A = sign · Π U_kk */
export function detNums(op: string, A: readonly Num[], n: number): Num {
  const { LU, sign } = lu(op, A, n);
  let d: Num = sign;
  for (let k = 0; k < n; k++) d = mul(d, LU[k * n + k]!);
  return d;
}

/** log |det A| = Σ log |U_kk| */
export function logabsdetNums(op: string, A: readonly Num[], n: number): Num {
  const { LU } = lu(op, A, n);
  let s: Num = 0;
  for (let k = 0; k < n; k++) s = add(s, log(abs(LU[k * n + k]!)));
  return s;
}

/** The lower Cholesky factor of the symmetric part (A + Aᵀ)/2 (the rule's value has checked it is positive definite). */
export function choleskyNums(A: readonly Num[], n: number): Num[] {
  const S = (i: number, j: number): Num => mul(0.5, add(A[i * n + j]!, A[j * n + i]!));
  const L: Num[] = new Array<Num>(n * n).fill(0);
  for (let j = 0; j < n; j++) {
    let d = S(j, j);
    for (let k = 0; k < j; k++) d = sub(d, mul(L[j * n + k]!, L[j * n + k]!));
    const ljj = sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = S(i, j);
      for (let k = 0; k < j; k++) s = sub(s, mul(L[i * n + k]!, L[j * n + k]!));
      L[i * n + j] = div(s, ljj);
    }
  }
  return L;
}

/** X = T⁻¹B (or T⁻ᵀB) for triangular n×n T, reading only its lower (or upper) triangle; B n×m. */
export function triangularSolveNums(T: readonly Num[], B: readonly Num[], n: number, m: number, lower: boolean, transpose: boolean): Num[] {
  // Tᵀ of a lower T is upper: solve with the entry (i, k) of the effective matrix
  const at = (i: number, k: number): Num => (transpose ? T[k * n + i]! : T[i * n + k]!);
  const forward = lower !== transpose, X: Num[] = new Array<Num>(n * m);
  for (let c = 0; c < m; c++) {
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      let v = B[i * m + c]!;
      for (let t = 0; t < s; t++) {
        const k = forward ? t : n - 1 - t;
        v = sub(v, mul(at(i, k), X[k * m + c]!));
      }
      X[i * m + c] = div(v, at(i, i));
    }
  }
  return X;
}

/** ‖x‖ = s·√(Σ (xᵢ/s)²) with s = max |xᵢ| of the primals (held constant: every derivative exact), 0 when x = 0. */
export function normNums(x: readonly Num[]): Num {
  const s = x.reduce<number>((m, v) => Math.max(m, Math.abs(primal(v))), 0);
  let q: Num = 0;
  for (const v of x) {
    const u = s > 0 && Number.isFinite(s) ? div(v, s) : v;
    q = add(q, mul(u, u));
  }
  const r = sqrt(q);
  return s > 0 && Number.isFinite(s) ? mul(s, r) : r;
}

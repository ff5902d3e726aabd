/**
 * The matrix rules: for each matrix function Y = F(X, …) of one batch item,
 * its value (and the factorization its derivatives reuse), its hyper-dual
 * form Ỹ = F(X̃) (every forward mode), and its adjoint J(X̃)ᵀȲ written in
 * hyper-dual arithmetic (every reverse mode, see matrix-block.ts). Nothing
 * else knows any matrix calculus; the block and the sweeps never name an op.
 * A rule never writes into the arrays it is given (they may be views of the
 * tape's lanes): every result is a new array.
 */
import { currentName } from '../trace.js';
import {
  HD, TERMS, constant, divide, lift, linear, mul, neg, scalar, scale, solve, transpose, type Component, type Components,
} from './hyperdual-matrix.js';
import { Lu, Triangular, choleskyInto, matmulAdd, rowMajor } from './linalg-kernels.js';

export interface MatrixRule<C> {
  /** Y's primal (row-major, into y) from the arguments' primals (constants of one batch item); `where` names the item in errors */
  value(x: readonly HD[], y: Float64Array, where: string): C;
  /** Ỹ = F(X̃): Y's perturbation components from the arguments' (y holds the primal; the result's primal is not read) */
  forward(x: readonly HD[], y: HD, c: C): HD;
  /** J(X̃)ᵀȲ: each argument's adjoint (null where `need` is false or the adjoint is exactly zero) */
  adjoint(x: readonly HD[], y: HD, ybar: HD, c: C, need: readonly boolean[]): readonly (HD | null)[];
  /** bytes a cache holds */
  bytes(c: C): number;
}

const fail = (op: string, msg: string): never => { throw new RangeError(`${currentName()}: ${op}: ${msg}`); };

/** LU of a square argument's primal. */
const luOf = (a: HD): Lu => new Lu(rowMajor(a.p[0], 0, a.c), a.r);

function nonSingular(op: string, F: Lu, where: string): Lu {
  if (F.singular) fail(op, `the matrix${where} is singular (no non-zero pivot in column ${F.zeroPivot}); ${op} needs an invertible matrix`);
  return F;
}

/** Σᵢⱼ xᵢⱼ yⱼᵢ = tr(x·y) for n×n arrays. */
function traceOfProduct(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += x[i * n + j]! * y[j * n + i]!;
  return s;
}

/**
 * log det(Ã) − log det(A₀) = tr log(I + M̃), M̃ = A₀⁻¹(Ã − A₀) (no primal part, so M̃³ = 0):
 * components tr M₁, tr M₂, tr M₁₂ − tr(M₁M₂).
 */
function logdetPerturbation(F: Lu, a: HD): HD {
  const n = a.r, M: Component[] = [null, null, null, null];
  for (let k = 1; k < 4; k++) {
    if (k === 2 && a.taylor) { M[2] = M[1]!; continue; }
    const ak = a.p[k];
    if (!ak) continue;
    const m = ak.slice();
    F.solve(m, n, false);
    M[k] = m;
  }
  const tr = (m: Float64Array | null) => { if (!m) return null; let t = 0; for (let i = 0; i < n; i++) t += m[i * n + i]!; return t; };
  const l12 = M[3] || (M[1] && M[2]) ? (tr(M[3]) ?? 0) - (M[1] && M[2] ? traceOfProduct(M[1], M[2], n) : 0) : null;
  const l = new HD(1, 1, [Float64Array.of(0), M[1] ? Float64Array.of(tr(M[1])!) : null, null, l12 === null ? null : Float64Array.of(l12)]);
  l.p[2] = a.taylor ? l.p[1] : M[2] ? Float64Array.of(tr(M[2])!) : null;
  return l;
}

/** Ã⁻¹ in hyper-dual arithmetic: from ÃX̃ = I, X_c = −Y Σ A_i X_j over i | j = c, i ≠ 0, with Y = A⁻¹ kept by the LU. */
function inverseOf(F: Lu, a: HD): HD {
  const n = a.r, Y = F.inverse(), p: Component[] = [Y, null, null, null];
  for (let k = 1; k < 4; k++) {
    if (k === 2 && a.taylor) { p[2] = p[1]!; continue; }
    let s: Float64Array | null = null;
    for (const [i, j] of TERMS[k]!) {
      if (i === 0 || !a.p[i] || !p[j]) continue;
      s ??= new Float64Array(n * n);
      matmulAdd(s, a.p[i]!, p[j]!, n, n, n, false, false);
    }
    if (!s) continue;
    const x = new Float64Array(n * n);
    matmulAdd(x, Y, s, n, n, n, false, false, -1);
    p[k] = x;
  }
  return new HD(n, n, p as Components);
}

/** Φ(X): the lower triangle with the diagonal halved (in place, n×n). */
function phi(x: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    x[i * n + i] *= 0.5;
    for (let j = i + 1; j < n; j++) x[i * n + j] = 0;
  }
}
/** (X + Xᵀ)/2 into d. */
function symInto(s: Float64Array, d: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = 0.5 * (s[i * n + j]! + s[j * n + i]!);
}
const sym = (x: HD): HD => linear(x, x.r, x.c, (s, d) => symInto(s, d, x.r));

/** The lower (or upper) triangle, the rest zero. */
const triangle = (x: HD, lower: boolean): HD =>
  linear(x, x.r, x.c, (s, d) => {
    const n = x.r;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j <= i : j >= i) d[i * n + j] = s[i * n + j]!;
  });

/** Y = A⁻¹ */
export const invRule: MatrixRule<Lu> = {
  value([a], y, where) {
    const F = nonSingular('inv', luOf(a!), where);
    y.set(F.inverse());
    return F;
  },
  // AY = I: Y₁ = −Y A₁ Y, Y₁₂ = −Y(A₁₂Y + A₁Y₂ + A₂Y₁)  (d²Y = 2 Y dA Y dA Y − Y d²A Y)
  forward([a], _y, F) { return inverseOf(F, a!); },
  // Ā = −Yᵀ Ȳ Yᵀ
  adjoint(_x, y, ybar) { return [neg(mul(mul(y, ybar, true, false), y, false, true))]; },
  bytes: (F) => F.bytes,
};

/** X = A⁻¹B */
export const solveRule: MatrixRule<Lu> = {
  value([a, b], y, where) {
    const F = nonSingular('solve', luOf(a!), where);
    y.set(b!.p[0]);
    F.solve(y, b!.c, false);
    return F;
  },
  // AX = B: dX = A⁻¹(dB − dA X), d²X = A⁻¹(d²B − d²A X − 2 dA dX)
  forward([a, b], y, F) { return solve(F, a!, b!, false, y.p[0]); },
  // B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ
  adjoint([a], x, xbar, F, need) {
    const bbar = solve(F, a!, xbar, true);
    return [need[0] ? neg(mul(bbar, x, false, true)) : null, need[1] ? bbar : null];
  },
  bytes: (F) => F.bytes,
};

/** y = log |det A| */
export const logabsdetRule: MatrixRule<Lu> = {
  value([a], y) { const F = luOf(a!); y[0] = F.logAbsDet(); return F; },
  // d log|det A| = tr(A⁻¹dA); d² = tr(A⁻¹d²A) − tr(A⁻¹dA A⁻¹dA)
  forward([a], y, F) { const l = logdetPerturbation(F, a!); l.p[0] = y.p[0]; return l; },
  // Ā = ȳ A⁻ᵀ
  adjoint([a], _y, ybar, F) { return [scale(ybar, transpose(inverseOf(F, a!)))]; },
  bytes: (F) => F.bytes,
};

/** y = det A */
export const detRule: MatrixRule<Lu> = {
  value([a], y) { const F = luOf(a!); y[0] = F.det(); return F; },
  // det Ã = det A · exp(log det Ã − log det A): d det = det·tr(A⁻¹dA), d² = det·(ℓ₁₂ + ℓ₁ℓ₂)
  forward([a], y, F) { const d = y.p[0][0]!; return lift(logdetPerturbation(F, a!), d, d, d); },
  // Ā = ȳ det A · A⁻ᵀ
  adjoint([a], y, ybar, F) { return [scale(mul(ybar, y), transpose(inverseOf(F, a!)))]; },
  bytes: (F) => F.bytes,
};

/** L = cholesky((A + Aᵀ)/2), lower, LLᵀ = (A + Aᵀ)/2 */
export const choleskyRule: MatrixRule<Triangular> = {
  value([a], y, where) {
    const n = a!.r, k = choleskyInto(rowMajor(a!.p[0], 0, n), n, y);
    if (k >= 0) fail('cholesky', `the matrix${where} is not positive definite (its leading minor of order ${k + 1} is not positive)`);
    return new Triangular(y.slice(), n, true);
  },
  // L̃L̃ᵀ = S̃: L_c = L Φ(L⁻¹ R_c L⁻ᵀ), R_c = S_c − Σ L_i L_jᵀ over i | j = c, i, j ≠ 0 (dL = L Φ(L⁻¹ dS L⁻ᵀ))
  forward([a], y, F) {
    const n = a!.r, s = sym(a!), L0 = y.p[0], p: Component[] = [L0, null, null, null];
    for (let k = 1; k < 4; k++) {
      if (k === 2 && s.taylor) { p[2] = p[1]!; continue; }
      let r: Float64Array | null = s.p[k] ? s.p[k]!.slice() : null;
      for (const [i, j] of TERMS[k]!) {
        if (i === 0 || j === 0 || !p[i] || !p[j]) continue;
        r ??= new Float64Array(n * n);
        matmulAdd(r, p[i]!, p[j]!, n, n, n, false, true, -1);
      }
      if (!r) continue;
      F.solve(r, n, false); // L⁻¹R
      const w = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = r[j * n + i]!;
      F.solve(w, n, false); // L⁻¹(L⁻¹R)ᵀ = L⁻¹RL⁻ᵀ (R symmetric)
      phi(w, n);
      const lk = new Float64Array(n * n);
      matmulAdd(lk, L0, w, n, n, n, false, false);
      p[k] = lk;
    }
    return new HD(n, n, p as Components);
  },
  // Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹)
  adjoint(_x, l, lbar, F) {
    const n = l.r, P = linear(mul(l, lbar, true, false), n, n, (s, d) => { d.set(s); phi(d, n); });
    const Z = solve(F, l, P, true); // L⁻ᵀP
    return [sym(transpose(solve(F, l, transpose(Z), true)))]; // (L⁻ᵀZᵀ)ᵀ = ZL⁻¹
  },
  bytes: (F) => F.bytes,
};

/** X = op(T)⁻¹B for the lower (or upper) triangle T of the first argument; op = transpose when `transpose` */
export function triangularSolveRule(lower: boolean, trans: boolean): MatrixRule<Triangular> {
  // one rule object per variant: blocks compare rules by identity (Block#signature, for the sparsity memo)
  const k = (lower ? 2 : 0) + (trans ? 1 : 0);
  return (triangularRules[k] ??= triangularRule(lower, trans));
}
const triangularRules: (MatrixRule<Triangular> | undefined)[] = [];

function triangularRule(lower: boolean, trans: boolean): MatrixRule<Triangular> {
  return {
    value([t, b], y, where) {
      const n = t!.r, F = new Triangular(triangle(t!, lower).p[0], n, lower);
      if (F.zeroDiagonal >= 0) {
        fail('triangularSolve', `the matrix${where} is singular (a zero on the diagonal at [${F.zeroDiagonal}, ${F.zeroDiagonal}])`);
      }
      y.set(b!.p[0]);
      F.solve(y, b!.c, trans);
      return F;
    },
    // op(T)X = B: dX = op(T)⁻¹(dB − op(dT) X)
    forward([t, b], y, F) { return solve(F, triangle(t!, lower), b!, trans, y.p[0]); },
    // B̄ = op(T)⁻ᵀX̄; T̄ = triangle(−B̄Xᵀ), or triangle(−XB̄ᵀ) when transposed
    adjoint([t], x, xbar, F, need) {
      const bbar = solve(F, triangle(t!, lower), xbar, !trans);
      const tbar = need[0] ? triangle(neg(trans ? mul(x, bbar, false, true) : mul(bbar, x, false, true)), lower) : null;
      return [tbar, need[1] ? bbar : null];
    },
    bytes: (F) => F.bytes,
  };
}

/** Is some entry of the component non-zero? (An all-zero component is taken as structural: it moves nothing.) */
const moves = (c: Component): boolean => c !== null && c.some((v) => v !== 0);

/**
 * Where a derivative does not exist: component c of an r×c result is NaN
 * when some moving component k of the operand has k ⊆ c (k | c = c), else an
 * exact zero; null when nothing moves.
 */
function kink(moving: readonly boolean[], r: number, c: number, primal: Float64Array = new Float64Array(r * c)): HD | null {
  if (!moving.some((m) => m)) return null;
  const p: Component[] = [primal, null, null, null];
  for (let k = 0; k < 4; k++) if (moving.some((m, i) => m && (i | k) === k)) p[k] = new Float64Array(r * c).fill(NaN);
  return new HD(r, c, p as Components);
}

/**
 * y = ‖x‖₂ over one item (a vector, or a matrix's entries: the Frobenius
 * norm). At x = 0 the value is 0 and the derivative along any direction that
 * moves x is NaN (‖x‖ has no derivative there, and ‖g(x)‖ with g(0) = 0 may
 * have one that no convention could give: ‖x xᵀ‖ = |x|²); a direction that
 * does not move x gives 0.
 */
export const normRule: MatrixRule<null> = {
  value([x], y) {
    const v = x!.p[0];
    let s = 0;
    for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
    if (s === 0 || !Number.isFinite(s)) { y[0] = s === 0 ? 0 : s; return null; }
    let q = 0;
    for (let i = 0; i < v.length; i++) { const r = v[i]! / s; q += r * r; }
    y[0] = s * Math.sqrt(q); // scaled, so no square overflows or underflows
    return null;
  },
  // y = √(xᵀx): with u = x/y, y₁ = u·x₁ and y₁₂ = u·x₁₂ + (x₁·x₂ − y₁y₂)/y (no square of x, so no overflow)
  forward([x], y) {
    const y0 = y.p[0][0]!, v = x!.p[0], m = v.length;
    if (y0 === 0) return kink([false, moves(x!.p[1]), moves(x!.p[2]), moves(x!.p[3])], 1, 1, y.p[0]) ?? constant(1, 1, y.p[0]);
    const dot = (a: Component, b: Component, scale = 1) => {
      if (!a || !b) return null;
      let t = 0;
      for (let i = 0; i < m; i++) t += a[i]! * b[i]!;
      return t * scale;
    };
    const u = Float64Array.from(v, (e) => e / y0), p = x!.p;
    const y1 = dot(u, p[1]), y2 = x!.taylor ? y1 : dot(u, p[2]), x12 = dot(p[1], p[2]), d12 = dot(u, p[3]);
    const y12 = d12 === null && x12 === null ? null : (d12 ?? 0) + ((x12 ?? 0) - (y1 ?? 0) * (y2 ?? 0)) / y0;
    const out = scalar(y0, y1, x!.taylor ? null : y2, y12);
    if (x!.taylor) out.p[2] = out.p[1];
    return out;
  },
  // x̄ = ȳ x / y, the quotient by components (divide) so that nothing overflows
  adjoint([x], y, ybar) {
    if (y.p[0][0] === 0) return [kink(ybar.p.map(moves), x!.r, x!.c)];
    return [scale(ybar, divide(x!, y))];
  },
  bytes: () => 0,
};


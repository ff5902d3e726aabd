/**
 * The binary rule table: value, first, second and third partials of every
 * elementary function of two arguments. Slots (see `B` in types.ts):
 * o[1..2] = f_a, f_b; o[3..5] = f_aa, f_ab, f_bb; o[6..9] = f_aaa, f_aab, f_abb, f_bbb.
 */
import type { BinaryRule } from './types.js';
import { sigmoidValue } from './unary.js';

/** Names of the binary ops; the table below must define every one. */
export const BINARY_NAMES = ['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'hypot', 'max', 'min', 'logaddexp', 'xlogy'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

const wide = [-3, 3] as const;

/** log(eᵃ + eᵇ) = m + log1p(e^−|a − b|) with m = max(a, b): no overflow; equal infinities give themselves. */
export function logaddexpValue(a: number, b: number): number {
  if (a === b && (a === Infinity || a === -Infinity)) return a;
  return (a > b ? a : b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** x·log y with 0·log y = 0 for every y that is not NaN (the convention of scipy and PyTorch). */
export function xlogyValue(x: number, y: number): number {
  return x === 0 && y === y ? 0 : x * Math.log(y);
}

export const binaryRules: { readonly [K in BinaryName]: BinaryRule } = {
  // Each d is written out, self-contained (no helper, no return), so generated loops paste it in place of a call (codegen/inline.ts).
  add: { f: (a, b) => a + b, d: (_a, _b, _y, o) => { o[1] = 1; o[2] = 1; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0; }, domain: [wide, wide] },
  sub: { f: (a, b) => a - b, d: (_a, _b, _y, o) => { o[1] = 1; o[2] = -1; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0; }, domain: [wide, wide] },

  // ab: f_a = b, f_b = a, f_ab = 1
  mul: {
    f: (a, b) => a * b,
    d: (a, b, _y, o) => { o[1] = b; o[2] = a; o[3] = 0; o[4] = 1; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0; },
    domain: [wide, wide],
  },

  // a/b: f_a = 1/b, f_b = −a/b², f_ab = −1/b², f_bb = 2a/b³, f_abb = 2/b³, f_bbb = −6a/b⁴
  div: {
    f: (a, b) => a / b,
    d: (a, b, _y, o) => {
      const r = 1 / b, r2 = r * r, r3 = r2 * r;
      o[1] = r; o[2] = -a * r2; o[3] = 0; o[4] = -r2; o[5] = 2 * a * r3;
      o[6] = 0; o[7] = 0; o[8] = 2 * r3; o[9] = -6 * a * r3 * r;
    },
    domain: [wide, [0.5, 3]],
    convention: 'a/0 follows IEEE (±∞ or NaN); derivatives likewise',
  },

  // a^b with both arguments traced (a^number uses the unary powc rule). With L = ln a:
  // f_a = b a^(b−1), f_b = a^b L, f_aa = b(b−1) a^(b−2), f_ab = a^(b−1)(1 + bL), f_bb = a^b L²,
  // f_aaa = b(b−1)(b−2) a^(b−3), f_aab = a^(b−2)(2b − 1 + b(b−1)L),
  // f_abb = a^(b−1) L (2 + bL), f_bbb = a^b L³
  pow: {
    f: Math.pow,
    d: (a, b, y, o) => {
      // At a = 0 the terms with L = ln 0 = −∞ are taken at their limit 0 (a^b L → 0 for b > 0).
      const L = a === 0 ? 0 : Math.log(a);
      const p1 = Math.pow(a, b - 1), p2 = Math.pow(a, b - 2), p3 = Math.pow(a, b - 3);
      o[1] = b === 0 ? 0 : b * p1;
      o[2] = y * L;
      o[3] = b === 0 || b === 1 ? 0 : b * (b - 1) * p2;
      o[4] = p1 * (1 + b * L);
      o[5] = y * L * L;
      o[6] = b === 0 || b === 1 || b === 2 ? 0 : b * (b - 1) * (b - 2) * p3;
      o[7] = p2 * (2 * b - 1 + b * (b - 1) * L);
      o[8] = p1 * L * (2 + b * L);
      o[9] = y * L * L * L;
    },
    domain: [[0.3, 3], [-2, 2]],
    convention: 'pow(a, b) with a traced exponent: ∂/∂b = a^b ln a, NaN for a < 0 (ln undefined) and taken as 0 at a = 0',
  },

  // atan2(a, b) = angle of (b, a); r = a² + b²:
  // f_a = b/r, f_b = −a/r, f_aa = −2ab/r², f_ab = (a² − b²)/r², f_bb = 2ab/r²,
  // f_aaa = 2b(3a² − b²)/r³, f_aab = 2a(3b² − a²)/r³, f_abb = −f_aaa, f_bbb = −f_aab
  atan2: {
    f: Math.atan2,
    d: (a, b, _y, o) => {
      const r = a * a + b * b, r2 = r * r, r3 = r2 * r;
      o[1] = b / r; o[2] = -a / r;
      o[3] = -2 * a * b / r2; o[4] = (a * a - b * b) / r2; o[5] = 2 * a * b / r2;
      o[6] = 2 * b * (3 * a * a - b * b) / r3; o[7] = 2 * a * (3 * b * b - a * a) / r3;
      o[8] = -o[6]; o[9] = -o[7];
    },
    domain: [[0.2, 3], [-3, 3]],
    convention: 'atan2 at (0, 0): value 0, derivatives NaN (the angle has no limit there)',
  },

  // hypot(a, b) = h = √(a² + b²): f_a = a/h, f_b = b/h, f_aa = b²/h³, f_ab = −ab/h³, f_bb = a²/h³,
  // f_aaa = −3ab²/h⁵, f_aab = b(2a² − b²)/h⁵, f_abb = a(2b² − a²)/h⁵, f_bbb = −3a²b/h⁵
  hypot: {
    f: Math.hypot,
    d: (a, b, h, o) => {
      if (h === 0) {
        o[1] = 0; o[2] = 0; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0;
      } else {
        const h3 = h * h * h, h5 = h3 * h * h;
        o[1] = a / h; o[2] = b / h;
        o[3] = b * b / h3; o[4] = -a * b / h3; o[5] = a * a / h3;
        o[6] = -3 * a * b * b / h5; o[7] = b * (2 * a * a - b * b) / h5;
        o[8] = a * (2 * b * b - a * a) / h5; o[9] = -3 * a * a * b / h5;
      }
    },
    domain: [[0.2, 3], [-3, 3]],
    convention: 'hypot at (0, 0): value 0, every derivative 0 (as abs′(0) = 0, since hypot(x, 0) = |x|)',
  },

  max: {
    f: (a, b) => (a >= b ? a : b !== b ? b : a < b ? b : a),
    d: (a, b, _y, o) => { const first = a >= b ? 1 : 0; o[1] = first; o[2] = 1 - first; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0; },
    domain: [[-3, -0.1], [0.1, 3]],
    convention: 'max tie (a = b): the derivative goes to the first argument; NaN in either gives NaN',
  },
  min: {
    f: (a, b) => (a <= b ? a : b !== b ? b : a > b ? b : a),
    d: (a, b, _y, o) => { const first = a <= b ? 1 : 0; o[1] = first; o[2] = 1 - first; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0; o[8] = 0; o[9] = 0; },
    domain: [[0.1, 3], [-3, -0.1]],
    convention: 'min tie (a = b): the derivative goes to the first argument; NaN in either gives NaN',
  },

  // logaddexp(a, b) = log(eᵃ + eᵇ). With s = σ(a − b), t = σ(b − a) = 1 − s (each without cancellation), u = st:
  // f_a = s, f_b = t, f_aa = f_bb = u, f_ab = −u, and σ″ = u(t − s) gives f_aaa = f_abb = u(t − s), f_aab = f_bbb = −u(t − s)
  logaddexp: {
    f: logaddexpValue,
    d: (a, b, _y, o) => {
      const s = sigmoidValue(a - b), t = sigmoidValue(b - a), u = s * t, v = u * (t - s);
      o[1] = s; o[2] = t; o[3] = u; o[4] = -u; o[5] = u; o[6] = v; o[7] = -v; o[8] = v; o[9] = -v;
    },
    domain: [wide, wide],
    convention: 'logaddexp(a, b) = log(eᵃ + eᵇ), stable for any a, b (max(a, b) + log1p(e^−|a−b|)); logaddexp(−∞, −∞) = −∞ and logaddexp(∞, ∞) = ∞ as in PyTorch, with NaN derivatives there',
  },

  // xlogy(a, b) = a·ln b: f_a = ln b, f_b = a/b, f_ab = 1/b, f_bb = −a/b², f_abb = −1/b², f_bbb = 2a/b³; f_aa = f_aaa = f_aab = 0.
  // At a = 0, f(0, b) ≡ 0: the partials carrying the factor a (f_b, f_bb, f_bbb) are exactly 0, also at b = 0.
  xlogy: {
    f: xlogyValue,
    d: (a, b, _y, o) => {
      const r = 1 / b, z = a === 0;
      o[1] = Math.log(b); o[2] = z ? 0 : a * r; o[3] = 0; o[4] = r; o[5] = z ? 0 : -a * r * r;
      o[6] = 0; o[7] = 0; o[8] = -r * r; o[9] = z ? 0 : 2 * a * r * r * r;
    },
    domain: [wide, [0.2, 4]],
    convention: 'xlogy(x, y) = x·log y with xlogy(0, y) = 0 for every y that is not NaN (as scipy and PyTorch); at x = 0 the partials carrying the factor x (∂/∂y, ∂²/∂y²) are exactly 0, while ∂/∂x = log y is −∞ at y = 0 and NaN for y < 0 (PyTorch sets it to 0 there) and ∂²/∂x∂y = 1/y is +∞ at y = 0',
  },
};

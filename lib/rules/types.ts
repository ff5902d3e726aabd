/**
 * The shape of a rule. Every elementary op is written once, as a rule: its
 * value and its derivatives at a point. Every mode (Dual, HyperDual, Taylor2,
 * the tape's sweeps, tensor kernels) reads these numbers and nothing else.
 */

/** An interval [lo, hi] of arguments where a rule is smooth; used by the specs. */
export type Interval = readonly [lo: number, hi: number];

/**
 * A unary op y = f(x) (optionally with a constant parameter p, as in x^p).
 *
 * `d(x, fx, out, p)` writes f′(x), f″(x), f‴(x) into out[1], out[2], out[3];
 * out[0] already holds f(x) = fx, so rules can reuse the value
 * (exp′ = exp, tanh′ = 1 − tanh²). A `d` that reads only its parameters,
 * its own consts and Math (no helper, no return) is pasted into generated
 * loops in place of its call (lib/tape/codegen/inline.ts), for both kinds.
 */
export interface UnaryRule {
  readonly f: (x: number, p: number) => number;
  readonly d: (x: number, fx: number, out: Float64Array, p: number) => void;
  /** where specs sample x (each interval avoids kinks and domain edges) */
  readonly domain: readonly Interval[];
  /** parameters p that specs try, for parametric rules (pow with a constant exponent) */
  readonly params?: readonly number[];
  /** the convention at non-smooth or edge points, stated once, tested in spec/conventions */
  readonly convention?: string;
}

/**
 * A binary op y = f(a, b).
 *
 * `d(a, b, fab, out)` writes, after out[0] = f(a, b):
 * out[1..2] = f_a, f_b; out[3..5] = f_aa, f_ab, f_bb;
 * out[6..9] = f_aaa, f_aab, f_abb, f_bbb.
 */
export interface BinaryRule {
  readonly f: (a: number, b: number) => number;
  readonly d: (a: number, b: number, fab: number, out: Float64Array) => void;
  /** where specs sample a and b */
  readonly domain: readonly [a: Interval, b: Interval];
  readonly convention?: string;
}

/** Slots of the binary partials layout written by {@link BinaryRule.d}. */
export const enum B {
  f = 0, a = 1, b = 2, aa = 3, ab = 4, bb = 5, aaa = 6, aab = 7, abb = 8, bbb = 9,
}

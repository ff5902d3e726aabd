/**
 * The rule table as the machinery sees it: every op has a numeric code, and
 * `evalUnary` / `evalBinary` fill the shared partials buffer `P` for it.
 * Nothing outside lib/rules knows any op's math.
 */
import { UNARY_NAMES, unaryRules, type UnaryName } from './unary.js';
import { BINARY_NAMES, binaryRules, type BinaryName } from './binary.js';
import type { BinaryRule, UnaryRule } from './types.js';

export type { UnaryName } from './unary.js';
export type { BinaryName } from './binary.js';
export type { UnaryRule, BinaryRule, Interval } from './types.js';
export { UNARY_NAMES, unaryRules, sigmoidValue } from './unary.js';
export { BINARY_NAMES, binaryRules } from './binary.js';

/** Op codes: unary ops are 0 … NU−1, binary ops NU … NU+NB−1. */
export const NU = UNARY_NAMES.length;
export const OP_NAMES: readonly string[] = [...UNARY_NAMES, ...BINARY_NAMES];
export const UNARY: readonly UnaryRule[] = UNARY_NAMES.map((n) => unaryRules[n]);
export const BINARY: readonly BinaryRule[] = BINARY_NAMES.map((n) => binaryRules[n]);

export const unaryCode = (name: UnaryName): number => UNARY_NAMES.indexOf(name);
export const binaryCode = (name: BinaryName): number => NU + BINARY_NAMES.indexOf(name);

/**
 * The partials of the op just evaluated (a scratch buffer, overwritten by the
 * next call): after `evalUnary`, P[0..3] = f, f′, f″, f‴; after `evalBinary`,
 * P[0..9] in the binary layout (see `B`).
 */
export const P = new Float64Array(10);

/**
 * Value and derivatives of unary op `code` at x (parameter p) into P.
 * Conventions: where the value is NaN and x is not, the op is outside its
 * domain and every derivative is NaN too (log(−1) has no derivative −1);
 * at an infinite argument (which only an overflow or a pole upstream can
 * produce) the derivatives are NaN as well: log′(exp(800)) is not 0.
 * (Binary ops keep IEEE arithmetic at infinite arguments: z·∞ has ∂/∂z = ∞.)
 */
export function evalUnary(code: number, x: number, p: number): void {
  const rule = UNARY[code]!;
  const y = rule.f(x, p);
  P[0] = y;
  // outside the domain, or at an infinite argument (an overflow upstream): no derivative to trust
  if (y !== y || x - x !== 0) { P[1] = P[2] = P[3] = NaN; return; }
  rule.d(x, y, P, p);
}

/** Value and partials (to third order) of binary op `code` at (a, b) into P; NaN value → NaN partials. */
export function evalBinary(code: number, a: number, b: number): void {
  const rule = BINARY[code - NU]!;
  const y = rule.f(a, b);
  P[0] = y;
  if (y !== y) { P.fill(NaN, 1); return; }
  rule.d(a, b, y, P);
}

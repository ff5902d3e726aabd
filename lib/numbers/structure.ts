/**
 * Structural zeros in the number types (Dual, Taylor2, HyperDual, jets). Each
 * value records which of its perturbation components are structural zeros:
 * exactly 0 because the value does not depend on the seeded perturbation (a
 * constant, an input seeded with 0, a second coefficient no nonlinear op has
 * touched), as opposed to a computed 0 (a derivative that happens to vanish
 * at this point). The chain rule then follows one rule in every mode (see
 * lib/tape/careful.ts): **a structural zero wins; a computed 0·∞ is NaN.**
 *
 * The arithmetic is IEEE on the fast path, skipping only the components that
 * are structural zeros; a component that comes out NaN or exactly 0 is worked
 * out again with the op's structure bits (lib/tape/structure.ts: which
 * partials vanish identically, such as mul's h_aa or the g of x·0), which
 * decide whether a product with a zero partial is a structural zero too.
 */
import { CONST_LEFT, CONST_RIGHT, NOPS } from '../tape/node.js';
import { GA, GB, HAA, HAB, HBB, TAAA, TAAB, TABB, TBBB, partialPattern } from '../tape/structure.js';
import { P } from '../rules/index.js';
import type { Num } from '../value.js';

export { GA, GB, HAA, HAB, HBB, TAAA, TAAB, TABB, TBBB, ALL } from '../tape/structure.js';

/** The structure bits of a unary op with parameter p, plus those of its partials in P that are not 0 here (a NaN where the rule gives no derivative). */
export const unaryPattern = (code: number, p: number): number =>
  partialPattern(code, p) | (P[1] !== 0 ? GA : 0) | (P[2] !== 0 ? HAA : 0) | (P[3] !== 0 ? TAAA : 0);

/** The structure bits of a unary op alone. */
export const unaryBits = (code: number, p: number): number => partialPattern(code, p);

/** The bits of the binary partials in P that are not 0 here. */
function nonZero(): number {
  let s = 0;
  for (let k = 1; k < 10; k++) if (P[k] !== 0) s |= BIT[k]!;
  return s;
}
const BIT = [0, GA, GB, HAA, HAB, HBB, TAAA, TAAB, TABB, TBBB];

/**
 * The structure bits of binary op `code` applied to (this, other) or (other,
 * this), in the (a, b) orientation: with a number operand, those of the node
 * with one constant operand (as the tape records it), so x·0 has no g.
 */
export function binaryBits(code: number, other: Num, thisFirst: boolean): number {
  if (typeof other !== 'number') return partialPattern(code, 0);
  const c = partialPattern(code + NOPS * (thisFirst ? CONST_RIGHT : CONST_LEFT), other);
  if (thisFirst) return c & (GA | HAA | TAAA);
  return (c & GA ? GB : 0) | (c & HAA ? HBB : 0) | (c & TAAA ? TBBB : 0);
}

/** {@link binaryBits}, plus the partials in P that are not 0 here (a NaN where the rule gives no derivative). */
export const binaryPattern = (code: number, other: Num, thisFirst: boolean): number => binaryBits(code, other, thisFirst) | nonZero();

/** Is a component final on the fast path? NaN (some 0·∞) or an exact 0 (structural or not) is worked out again. */
export const unsettled = (x: number): boolean => x !== x || x === 0;


/**
 * Which second partials of a node can be non-zero: read from the rule table
 * by evaluating the node's rule at a few fixed points of the op's domain (a
 * partial that vanishes at all of them vanishes identically for every op in
 * the table: add, sub, neg, abs, relu, max, min, mul's h_aa, x·c, x^1 …).
 * Cached per (op code, parameter).
 */
import { BINARY, NU, UNARY, type Interval } from '../rules/index.js';
import { CONST_LEFT, NOPS, evalNode } from '../tape/tape.js';
import { NPAR } from '../tape/kernels.js';

/** Bits of the second partials that can be non-zero. */
export const AA = 1, AB = 2, BB = 4;

/** cached masks per node code (−1: not sampled yet): one table for each special parameter value, and one for every generic value */
const tables: Int8Array[] = Array.from({ length: 5 }, () => new Int8Array(NOPS * (CONST_LEFT + 1)).fill(-1));
const scratch = new Float64Array(NPAR);
/** interior fractions of an interval, away from its ends and from simple rationals */
const FRACTIONS = [0.137, 0.5317, 0.8713];
const GENERIC = 1.7319;

const points = (dom: readonly Interval[]): number[] =>
  dom.flatMap(([lo, hi]) => FRACTIONS.map((f) => lo + f * (hi - lo)));

/**
 * The bit mask (AA | AB | BB) of structurally non-zero second partials of
 * node op `code` with parameter p (an exponent, or a constant operand). The
 * rules are analytic in p, so only a few values of p can be special: 0, ±1
 * and 2 are sampled exactly; any other p is sampled together with a generic
 * value and the union kept, so one cached entry serves every generic p.
 */
export function secondOrderPattern(code: number, p: number): number {
  const k = p === 0 ? 0 : p === 1 ? 1 : p === -1 ? 2 : p === 2 ? 3 : -1, table = tables[k < 0 ? 4 : k]!;
  let mask = table[code]!;
  if (mask < 0) mask = table[code] = k < 0 ? sample(code, p) | sample(code, GENERIC) : sample(code, p);
  return mask;
}

function sample(code: number, p: number): number {
  let mask = 0;
  const base = code % NOPS;
  if (base < NU) {
    for (const x of points(UNARY[base]!.domain)) {
      evalNode(code, x, 0, p, scratch, 0);
      if (scratch[2] !== 0) mask |= AA;
    }
  } else {
    const [da, db] = BINARY[base - NU]!.domain;
    if (code >= NOPS) {
      // one traced operand: sample it over its side's domain, the constant p fixed
      for (const x of points([code >= CONST_LEFT * NOPS ? db : da])) {
        evalNode(code, x, 0, p, scratch, 0);
        if (scratch[2] !== 0) mask |= AA;
      }
    } else {
      for (const a of points([da])) for (const b of points([db])) {
        evalNode(code, a, b, 0, scratch, 0);
        if (scratch[2] !== 0) mask |= AA;
        if (scratch[3] !== 0) mask |= AB;
        if (scratch[4] !== 0) mask |= BB;
      }
    }
  }
  return mask;
}

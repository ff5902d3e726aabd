/**
 * A node's structure: which of its partials can be non-zero. Read from the
 * rule table by evaluating the node's rule at a few fixed points of the op's
 * domain (a partial that vanishes at all of them vanishes identically for
 * every op in the table: add, sub, neg, abs, relu, max, min, mul's h_aa, x·c,
 * x^1 …). Cached per (op code, parameter). The careful sweeps, the compaction
 * of a recording with non-finite partials, the sparsity passes and the number
 * types all read these bits.
 */
import { BINARY, NU, P, UNARY, type Interval } from '../rules/index.js';
import { CONST_LEFT, CONST_RIGHT, NOPS, NPAR, evalNode, evalThird } from './node.js';

/**
 * Structure bits of a node's partials: the five stored partials (g_a, g_b,
 * h_aa, h_ab, h_bb) and the four third partials. A clear bit: that partial
 * vanishes for every argument (the node does not depend on that argument, or
 * is linear in it), so a product with it is a structural zero, even against ±∞.
 */
export const GA = 1, GB = 2, HAA = 4, HAB = 8, HBB = 16, TAAA = 32, TAAB = 64, TABB = 128, TBBB = 256;
/** every bit: a node whose structure is not known (conservative) */
export const ALL = 511;

/** The structure bits s of the node whose partials start at par[q], plus any partial that is not 0 here (a NaN where the rule gives no derivative). */
export function liveBits(s: number, par: Float64Array, q: number): number {
  return s | (par[q] !== 0 ? GA : 0) | (par[q + 1] !== 0 ? GB : 0) | (par[q + 2] !== 0 ? HAA : 0) | (par[q + 3] !== 0 ? HAB : 0) | (par[q + 4] !== 0 ? HBB : 0);
}

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

/** per parameter class (0, 1, −1, 2, generic), by code: the bits, −1 until sampled (a number type asks on its fast path) */
const fullTables: Int16Array[] = Array.from({ length: 5 }, () => new Int16Array(1024).fill(-1)); // codes stay below 3·NOPS
const third = new Float64Array(4);

/**
 * The structure bits (GA … TBBB) of node op `code` (a unary op, a binary op,
 * or a binary op with one constant operand, code + NOPS·side) with parameter
 * p, sampled like {@link secondOrderPattern} and cached per (code, p class).
 * Negative codes (inputs, constants) have none.
 */
export function partialPattern(code: number, p: number): number {
  if (code < 0) return 0;
  const k = p === 0 ? 0 : p === 1 ? 1 : p === -1 ? 2 : p === 2 ? 3 : -1, table = fullTables[k < 0 ? 4 : k]!;
  const mask = table[code]!;
  if (mask >= 0) return mask;
  return (table[code] = k < 0 ? sampleAll(code, p) | sampleAll(code, GENERIC) : sampleAll(code, p));
}

function sampleAll(code: number, p: number): number {
  // a number type may ask while the rule buffer P holds its op's partials: keep them
  const saved = Float64Array.from(P);
  try { return sampleAllInto(code, p); } finally { P.set(saved); }
}

function sampleAllInto(code: number, p: number): number {
  let mask = 0;
  const at = (x: number, y: number) => {
    evalNode(code, x, y, p, scratch, 0);
    evalThird(code, x, y, p, third);
    const s = scratch;
    if (s[0] !== 0) mask |= GA;
    if (s[1] !== 0) mask |= GB;
    if (s[2] !== 0) mask |= HAA;
    if (s[3] !== 0) mask |= HAB;
    if (s[4] !== 0) mask |= HBB;
    if (third[0] !== 0) mask |= TAAA;
    if (third[1] !== 0) mask |= TAAB;
    if (third[2] !== 0) mask |= TABB;
    if (third[3] !== 0) mask |= TBBB;
  };
  // wider than the specs' domains (max samples a < b there): a point outside a domain gives NaN
  // partials, which only set bits (the conservative side)
  const base = code % NOPS, far = [-50, -0.5, 0.5, 50];
  if (base < NU) for (const x of [...points(UNARY[base]!.domain), ...far]) at(x, 0);
  else {
    const [da, db] = BINARY[base - NU]!.domain, both = [...points([da]), ...points([db]), ...far];
    if (code >= NOPS) for (const x of both) at(x, 0);
    else for (const a of both) for (const b of both) at(a, b);
  }
  return mask;
}

/**
 * The structure bits of a node of op `code` (parameter p) whose arguments may
 * be constants (a constant node, a constant tensor): a binary op with exactly
 * one constant argument has the bits of the node with that constant operand,
 * as if it had been recorded with a number (so 0·u has no ∂/∂u, whether the 0
 * was a number, a constant node or a constant tensor).
 */
export function nodePattern(code: number, p: number, aConst: boolean, bConst: boolean, va: number, vb: number): number {
  if (code < NU || code >= NOPS || aConst === bConst) return partialPattern(code, p);
  if (bConst) return partialPattern(code + NOPS * CONST_RIGHT, vb) & (GA | HAA | TAAA);
  const c = partialPattern(code + NOPS * CONST_LEFT, va);
  return (c & GA ? GB : 0) | (c & HAA ? HBB : 0) | (c & TAAA ? TBBB : 0);
}


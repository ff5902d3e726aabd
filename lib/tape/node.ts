/**
 * What a node of a recording is, and what a sweep reads of a recording.
 *
 * Node i stores its op code, its argument nodes a[i] and b[i], its primal
 * value val[i], and its local partials at that point, NPAR = 5 per node:
 * par[5i … 5i+4] = (g_a, g_b, h_aa, h_ab, h_bb), the first and second
 * partials of y = op(a, b). Every sweep is written in terms of these numbers
 * alone, so no sweep ever names an op.
 *
 * Op codes: a unary or binary op of the rule table (lib/rules), its code; a
 * binary op with one constant operand, code + NOPS·side (stored as a
 * one-argument node, the constant in the node's parameter); and the negative
 * codes INPUT, CONST, BLOCK.
 */
import { evalBinary, evalUnary, NU, OP_NAMES, P } from '../rules/index.js';

/** Partials stored per node: (g_a, g_b, h_aa, h_ab, h_bb). */
export const NPAR = 5;

/** Op code of an input node. */
export const INPUT = -1;
/** Op code of a constant node. */
export const CONST = -2;
/** Op code of a slot written by a block node (a tensor op). */
export const BLOCK = -3;

/** Number of op codes; a binary op with one constant operand is stored as code + NOPS·side. */
export const NOPS = OP_NAMES.length;
/** side: the constant is the second operand (y = op(x, p)) */
export const CONST_RIGHT = 1;
/** side: the constant is the first operand (y = op(p, x)) */
export const CONST_LEFT = 2;
/** The node code of binary op `code` with a constant operand first (`constFirst`) or second. */
export const constNode = (code: number, constFirst: boolean): number => code + NOPS * (constFirst ? CONST_LEFT : CONST_RIGHT);

/**
 * Evaluates node op `code` at (x, y) (y unused by unary ops; p their
 * parameter, or the constant operand of a binary op with one), stores its
 * partials (g_a, g_b, h_aa, h_ab, h_bb) at par[q …] and returns its value.
 * A binary op with a constant operand is stored as a one-argument node: only
 * the partials in its traced operand are kept.
 */
export function evalNode(code: number, x: number, y: number, p: number, par: Float64Array, q: number): number {
  if (code < NU) {
    evalUnary(code, x, p);
    par[q] = P[1]!; par[q + 1] = 0; par[q + 2] = P[2]!; par[q + 3] = 0; par[q + 4] = 0;
  } else if (code < NOPS) {
    evalBinary(code, x, y);
    par[q] = P[1]!; par[q + 1] = P[2]!; par[q + 2] = P[3]!; par[q + 3] = P[4]!; par[q + 4] = P[5]!;
  } else {
    const left = code >= CONST_LEFT * NOPS, base = code % NOPS;
    if (left) evalBinary(base, p, x);
    else evalBinary(base, x, p);
    par[q] = left ? P[2]! : P[1]!; par[q + 1] = 0; par[q + 2] = left ? P[5]! : P[3]!; par[q + 3] = 0; par[q + 4] = 0;
  }
  return P[0]!;
}

/**
 * The third partials of node op `code` at (x, y) (parameter p) into t4 as
 * (t_aaa, t_aab, t_abb, t_bbb), oriented like the node's stored partials
 * (a one-argument node has only t_aaa). Used by third-order sweeps, which
 * recompute them rather than store them.
 */
export function evalThird(code: number, x: number, y: number, p: number, t4: Float64Array): void {
  t4.fill(0);
  if (code < NU) {
    evalUnary(code, x, p);
    t4[0] = P[3]!;
  } else if (code < NOPS) {
    evalBinary(code, x, y);
    t4[0] = P[6]!; t4[1] = P[7]!; t4[2] = P[8]!; t4[3] = P[9]!;
  } else {
    const left = code >= CONST_LEFT * NOPS, base = code % NOPS;
    if (left) evalBinary(base, p, x);
    else evalBinary(base, x, p);
    t4[0] = left ? P[9]! : P[6]!;
  }
}

/** Are the five partials at par[q …] all finite? (A sum of finite numbers that overflows only errs on the careful side.) */
export function finitePartials(par: Float64Array, q: number): boolean {
  const s = par[q]! + par[q + 1]! + par[q + 2]! + par[q + 3]! + par[q + 4]!;
  return s - s === 0;
}

/** One run of elementary nodes, as the kernels read it (lib/tape/kernels.ts). */
export interface Run {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly par: Float64Array;
  /** some partial is ±∞ or NaN: sweep with the careful kernels (a structural zero then contributes exactly 0; see lib/tape/careful.ts) */
  readonly nonFinite?: boolean;
}

/**
 * The arrays of a recording that its blocks read and write at a point
 * (lib/tape/block.ts): the nodes' arguments and partials, the values, the
 * number of inputs, and the flag a replay raises when a partial is not
 * finite. A Tape is one.
 */
export interface Slots extends Run {
  readonly nIn: number;
  readonly val: Float64Array;
  nonFinite: boolean;
}

/** The four hyper-dual components of every slot: value (the tape's val), ε₁, ε₂, ε₁ε₂. */
export interface HyperLanes { readonly T1: Float64Array; readonly T2: Float64Array; readonly T12: Float64Array }
/** Their adjoints. */
export interface HyperAdjoints { readonly A0: Float64Array; readonly A1: Float64Array; readonly A2: Float64Array; readonly A12: Float64Array }

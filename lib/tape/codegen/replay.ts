/**
 * Generated replay: moving a recording to a new point (`Prepared#at`)
 * re-evaluates every node's value and partials. Interpreted, each node costs
 * a dispatch on its op code and two calls through the rule table that V8
 * cannot inline (every op goes through the same call site). A recording made
 * by a loop in f is a few loops (lib/tape/codegen/loops.ts); where every
 * repetition of a loop also has the same op at each offset, the loop becomes
 * one generated function whose call sites each name one rule, so V8 inlines
 * the rule's value and derivative code. The evaluation is evalNode's
 * (lib/tape/tape.ts), term for term: the same rule calls, the same NaN
 * conventions, the same partials layout; only the dispatch is gone. Nodes
 * outside such loops are replayed by the interpreter.
 *
 * A stored partial that is the same wherever the node's value is not NaN
 * (c·x's ∂/∂x = c, x·y's h_ab = 1, every partial of x + y: see
 * {@link keptPartials}) is kept: each loop also has a form that rewrites
 * only the other partials, and all of them where they turn NaN. It runs when
 * the last evaluation left every partial finite (the recording's
 * `nonFinite` is clear), since such a partial, finite, is its constant;
 * otherwise the full form rewrites them all.
 */
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import type { Tape } from '../tape.js';
import { CONST_LEFT, NOPS, NPAR, evalNode } from '../node.js';
import { evalKeeping, evalTo, ruleDeclarations } from './evaluate.js';
import { isLoop, targets, type Loop, type Operand, type Segment } from './loops.js';
import { compileShared } from './compile.js';

/** One loop's replay: writes values and partials of its nodes, returns true if some partial is not finite. */
type ReplayFn = (val: Float64Array, prm: Float64Array, par: Float64Array, P: Float64Array, U: typeof UNARY, B: typeof BINARY) => boolean;

/** A recording's replay plan: loops to run generated (`fast`: the form that keeps the constant partials), and the node ranges left to the interpreter. */
export interface ReplayPlan {
  readonly parts: readonly ({ fn: ReplayFn; fast: ReplayFn } | { lo: number; hi: number })[];
}

/** per node code: the mask of partials a replay keeps (see keptPartials), −1 not sampled yet */
const keptMasks = new Int8Array(NOPS * (CONST_LEFT + 1)).fill(-1);

/**
 * The stored partials of node code `code` (bit k: partial k, in the order
 * g_a, g_b, h_aa, h_ab, h_bb) that are the same wherever its value is not
 * NaN (and, unary, its argument finite), for each parameter: c·x has
 * ∂/∂x = c, x·y has h_ab = 1 and h_aa = h_bb = 0, a unary op has g_b = 0.
 * Sampled, as the structure bits are (lib/tape/structure.ts): the op's
 * domain, points far out on both sides, and for a constant operand c the
 * points around c, where a kink in x such as max(x, c)'s would be; a NaN
 * partial at a point with a value is never kept.
 */
export function keptPartials(code: number): number {
  let k = keptMasks[code]!;
  if (k < 0) k = keptMasks[code] = sampleKept(code);
  return k;
}

/**
 * Are all of node code `code`'s partials kept (x + y, c·x, x − c, x/c, −x:
 * the node is affine in its arguments)? spec/reuse.spec.ts lists them, so a
 * new rule is looked at.
 */
export const pointFree = (code: number): boolean => keptPartials(code) === ALL_KEPT;
const ALL_KEPT = (1 << NPAR) - 1;

const FAR = [-1e6, -50, -1, -0.5, 0, 0.5, 1, 50, 1e6];
const PARAMS_TRIED = [0, 1, -1, 2, 0.5, 1.7319, -2.5, 1e3, -1e3];

function sampleKept(code: number): number {
  const base = code % NOPS, got = new Float64Array(NPAR), first = new Float64Array(NPAR);
  const inner = (dom: readonly (readonly [number, number])[]) => dom.flatMap(([lo, hi]) => [0.137, 0.5317, 0.8713].map((f) => lo + f * (hi - lo)));
  // the partials equal at every sample point where the value is not NaN (bit for bit, never NaN)
  const constant = (pts: readonly (readonly [number, number])[], p: number): number => {
    let seen = false, mask = ALL_KEPT;
    for (const [x, y] of pts) {
      const v = evalNode(code, x, y, p, got, 0);
      if (v !== v || (base < NU && x - x !== 0)) continue;
      for (let k = 0; k < NPAR; k++) if (got[k] !== got[k] || (seen && !Object.is(got[k], first[k]))) mask &= ~(1 << k);
      if (!seen) { first.set(got); seen = true; }
    }
    return mask;
  };
  const every = (masks: number[]) => masks.reduce((m, x) => m & x, ALL_KEPT);
  if (base < NU) {
    const xs = [...inner(UNARY[base]!.domain), ...FAR];
    return every(PARAMS_TRIED.map((p) => constant([...xs, p - 1, p + 1].map((x) => [x, 0]), p)));
  }
  const [da, db] = BINARY[base - NU]!.domain;
  if (code < NOPS) {
    const xs = [...inner([da]), ...inner([db]), ...FAR];
    return constant(xs.flatMap((a) => xs.map((b) => [a, b] as const)), 0);
  }
  const xs = [...inner([code >= CONST_LEFT * NOPS ? db : da]), ...FAR];
  return every(PARAMS_TRIED.map((c) => constant([...xs, c - 1, c + 1, c * (1 - 1e-3), c * (1 + 1e-3)].map((x) => [x, 0]), c)));
}

/** Can every repetition of L be replayed by one function: does each offset keep its op code? */
function periodicOps(t: Tape, L: Loop): boolean {
  const { op } = t;
  for (let r = 1; r < L.R; r++) {
    const i = L.lo + r * L.p;
    for (let o = 0; o < L.p; o++) if (op[i + o] !== op[L.lo + o]) return false;
  }
  return true;
}

/**
 * The value an operand reads in repetition r (node i = lo + r·p), as an
 * expression: a node of this repetition or of the previous one is in a
 * variable (v_o, c_o: no round trip through memory on the chain), any other
 * from val.
 */
function operandOf(L: Loop, op: Operand): string {
  switch (op.kind) {
    case 'zero': return 'val[0]';
    case 'fixed': return `val[${op.slot}]`;
    case 'local': return `v${op.o}`;
    case 'carried': return `c${op.o}`;
    case 'strided': return `val[${op.slot} + r * ${op.d}]`;
  }
}

/** The source of the node at offset o (op code `code`) of loop L, in repetition i (see evalSource), its value kept in `to` ('' for none); `fast`: keeping the constant partials (evalKeeping). */
function nodeSource(L: Loop, o: number, code: number, need: Set<string>, fast: boolean, to: string): string {
  if (code < 0) return to ? `${to} = val[i + ${o}];` : ''; // a constant keeps its value
  const [oa, ob] = L.ops[o]!;
  const [x, z, p, j] = [operandOf(L, oa), operandOf(L, ob), `prm[i + ${o}]`, `i + ${o}`];
  return fast ? evalKeeping(code, x, z, p, j, need, to, keptPartials(code)) : evalTo(code, x, z, p, j, need, to);
}

/** The source of loop L's replay (`fast`: keeping the constant partials). */
function replaySource(t: Tape, L: Loop, fast: boolean): string {
  const need = new Set<string>(), body: string[] = [];
  const local = new Set(targets(L, 'local')), carried = targets(L, 'carried');
  for (const o of carried) local.add(o);
  for (let o = 0; o < L.p; o++) body.push(nodeSource(L, o, t.op[L.lo + o]!, need, fast, local.has(o) ? `v${o}` : ''));
  return [
    ...ruleDeclarations(need),
    'let nf = false, s = 0;',
    // a carried value's first reader, in repetition 0, reads the slot before the loop
    ...carried.map((o) => `let c${o} = val[${L.lo - L.p + o}];`),
    `for (let r = 0, i = ${L.lo}; r < ${L.R}; r++, i += ${L.p}) {`,
    ...[...local].map((o) => `let v${o};`),
    ...body,
    ...carried.map((o) => `c${o} = v${o};`),
    '}',
    'return nf;',
  ].join('\n');
}

/** The replay plan for t's segments (loops whose ops repeat become generated functions), or null when none does. */
export function replayPlan(t: Tape, segments: readonly Segment[]): ReplayPlan | null {
  const parts: ReplayPlan['parts'][number][] = [];
  let any = false;
  for (const s of segments) {
    if (isLoop(s) && periodicOps(t, s)) {
      const compile = (fast: boolean) => compileShared('replay', ['val', 'prm', 'par', 'P', 'U', 'B'], replaySource(t, s, fast)) as ReplayFn | null;
      const fn = compile(false), fast = anyKept(t, s) ? compile(true) : fn;
      if (!fn || !fast) return null;
      parts.push({ fn, fast });
      any = true;
    } else {
      parts.push({ lo: s.lo, hi: isLoop(s) ? s.lo + s.p * s.R : s.hi });
    }
  }
  return any ? { parts } : null;
}

/** Does the replay keep a partial of some node of loop L? */
function anyKept(t: Tape, L: Loop): boolean {
  for (let o = 0; o < L.p; o++) if (t.op[L.lo + o]! >= 0 && keptPartials(t.op[L.lo + o]!) !== 0) return true;
  return false;
}

/**
 * Replays t's nodes by the plan; `interpret(lo, hi)` replays a range the
 * generated code does not cover. Returns true if some partial is not finite.
 * The constant partials are kept when t's last evaluation left them all finite.
 */
export function runReplay(t: Tape, plan: ReplayPlan, interpret: (lo: number, hi: number) => boolean): boolean {
  let nf = false;
  const keep = !t.nonFinite;
  for (const part of plan.parts) {
    if ('fn' in part) { if ((keep ? part.fast : part.fn)(t.val, t.prm, t.par, P, UNARY, BINARY)) nf = true; }
    else if (interpret(part.lo, part.hi)) nf = true;
  }
  return nf;
}

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
import { BINARY, P, UNARY } from '../../rules/index.js';
import type { Tape } from '../tape.js';
import { NPAR } from '../node.js';
import { evalKeeping, evalTo, keptPartials, ruleDeclarations } from './evaluate.js';
import { isLoop, targets, type Loop, type Operand, type Segment } from './loops.js';
import { compileShared } from './compile.js';

/** One loop's replay: writes values and partials of its nodes, returns true if some partial is not finite. */
type ReplayFn = (val: Float64Array, prm: Float64Array, par: Float64Array, P: Float64Array, U: typeof UNARY, B: typeof BINARY) => boolean;

/** A recording's replay plan: loops to run generated (`fast`: the form that keeps the constant partials), and the node ranges left to the interpreter. */
export interface ReplayPlan {
  readonly parts: readonly ({ fn: ReplayFn; fast: ReplayFn } | { lo: number; hi: number })[];
}

/**
 * Are all of node code `code`'s partials kept (x + y, c·x, x − c, x/c, −x:
 * the node is affine in its arguments)? spec/reuse.spec.ts lists them, so a
 * new rule is looked at.
 */
export const pointFree = (code: number): boolean => keptPartials(code) === (1 << NPAR) - 1;

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

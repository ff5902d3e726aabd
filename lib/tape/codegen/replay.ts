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
 */
import { BINARY, P, UNARY } from '../../rules/index.js';
import type { Tape } from '../tape.js';
import { evalSource, ruleDeclarations } from './evaluate.js';
import { isLoop, type Loop, type Operand, type Segment } from './loops.js';
import { compileShared } from './compile.js';

/** One loop's replay: writes values and partials of its nodes, returns true if some partial is not finite. */
type ReplayFn = (val: Float64Array, prm: Float64Array, par: Float64Array, P: Float64Array, U: typeof UNARY, B: typeof BINARY) => boolean;

/** A recording's replay plan: loops to run generated, and the node ranges left to the interpreter. */
export interface ReplayPlan {
  readonly parts: readonly ({ fn: ReplayFn } | { lo: number; hi: number })[];
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

/** The slot an operand reads in repetition r (node i = lo + r·p), as an expression. */
function slotOf(L: Loop, op: Operand): string {
  switch (op.kind) {
    case 'zero': return '0';
    case 'fixed': return String(op.slot);
    case 'local': return `i + ${op.o}`;
    case 'carried': return `i - ${L.p - op.o}`;
    case 'strided': return `${op.slot} + r * ${op.d}`;
  }
}

/** The source of the node at offset o (op code `code`) of loop L, in repetition i (see evalSource). */
function nodeSource(L: Loop, o: number, code: number, need: Set<string>): string {
  if (code < 0) return ''; // a constant keeps its value
  const [oa, ob] = L.ops[o]!;
  return evalSource(code, `val[${slotOf(L, oa)}]`, `val[${slotOf(L, ob)}]`, `prm[i + ${o}]`, `i + ${o}`, need);
}

/** The source of loop L's replay. */
function replaySource(t: Tape, L: Loop): string {
  const need = new Set<string>(), body: string[] = [];
  for (let o = 0; o < L.p; o++) body.push(nodeSource(L, o, t.op[L.lo + o]!, need));
  return [
    ...ruleDeclarations(need),
    'let nf = false, s = 0;',
    `for (let r = 0, i = ${L.lo}; r < ${L.R}; r++, i += ${L.p}) {`,
    ...body,
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
      const fn = compileShared('replay', ['val', 'prm', 'par', 'P', 'U', 'B'], replaySource(t, s)) as ReplayFn | null;
      if (!fn) return null;
      parts.push({ fn });
      any = true;
    } else {
      parts.push({ lo: s.lo, hi: isLoop(s) ? s.lo + s.p * s.R : s.hi });
    }
  }
  return any ? { parts } : null;
}

/**
 * Replays t's nodes by the plan; `interpret(lo, hi)` replays a range the
 * generated code does not cover. Returns true if some partial is not finite.
 */
export function runReplay(t: Tape, plan: ReplayPlan, interpret: (lo: number, hi: number) => boolean): boolean {
  let nf = false;
  for (const part of plan.parts) {
    if ('fn' in part) { if (part.fn(t.val, t.prm, t.par, P, UNARY, BINARY)) nf = true; }
    else if (interpret(part.lo, part.hi)) nf = true;
  }
  return nf;
}

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
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import { CONST_LEFT, NOPS, type Tape } from '../tape.js';
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

/**
 * The source of one node's evaluation (offset o, op code `code`), as evalNode
 * does it: value into val, partials (g_a, g_b, h_aa, h_ab, h_bb) into par.
 * Rule functions are named by op code (u3f, u3d for unary op 3; b2f, b2d
 * for binary op 2), so each source is specific to its ops and its call sites
 * stay monomorphic.
 */
function nodeSource(L: Loop, o: number, code: number, need: Set<string>): string {
  if (code < 0) return ''; // a constant keeps its value
  const [oa, ob] = L.ops[o]!, x = `val[${slotOf(L, oa)}]`, j = `i + ${o}`;
  // the partials go to par from locals, and their sum (finitePartials' test) is taken from the same locals
  const store = (g: readonly string[]) =>
    `const q = (${j}) * 5; par[q] = ${g[0]}; par[q + 1] = ${g[1]}; par[q + 2] = ${g[2]}; par[q + 3] = ${g[3]}; par[q + 4] = ${g[4]};
    s = ${g.filter((e) => e !== '0').join(' + ')}; if (s - s !== 0) nf = true;`;
  if (code < NU) {
    need.add(`u${code}`);
    // evalUnary: outside the domain (NaN value) or at an infinite argument, every derivative is NaN
    return `{ const x = ${x}, p = prm[${j}], y = u${code}f(x, p); val[${j}] = y; let g = NaN, h = NaN;
    if (y === y && x - x === 0) { u${code}d(x, y, P, p); g = P[1]; h = P[2]; }
    ${store(['g', '0', 'h', '0', '0'])} }`;
  }
  const base = code % NOPS, b = base - NU;
  need.add(`b${b}`);
  if (code < NOPS) {
    // evalBinary: a NaN value has NaN partials
    return `{ const x = ${x}, z = val[${slotOf(L, ob)}], y = b${b}f(x, z); val[${j}] = y; let ga = NaN, gb = NaN, haa = NaN, hab = NaN, hbb = NaN;
    if (y === y) { b${b}d(x, z, y, P); ga = P[1]; gb = P[2]; haa = P[3]; hab = P[4]; hbb = P[5]; }
    ${store(['ga', 'gb', 'haa', 'hab', 'hbb'])} }`;
  }
  // a binary op with a constant operand p: only the partials in its traced operand are kept
  const left = code >= CONST_LEFT * NOPS, args = left ? 'p, x' : 'x, p', gi = left ? 2 : 1, hi = left ? 5 : 3;
  return `{ const x = ${x}, p = prm[${j}], y = b${b}f(${args}); val[${j}] = y; let g = NaN, h = NaN;
    if (y === y) { b${b}d(${args}, y, P); g = P[${gi}]; h = P[${hi}]; }
    ${store(['g', '0', 'h', '0', '0'])} }`;
}

/** The source of loop L's replay. */
function replaySource(t: Tape, L: Loop): string {
  const need = new Set<string>(), body: string[] = [];
  for (let o = 0; o < L.p; o++) body.push(nodeSource(L, o, t.op[L.lo + o]!, need));
  const rules = [...need].sort().map((k) => {
    const table = k[0] === 'u' ? 'U' : 'B', c = Number(k.slice(1));
    return `const ${k}f = ${table}[${c}].f, ${k}d = ${table}[${c}].d;`;
  });
  return [
    ...rules,
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

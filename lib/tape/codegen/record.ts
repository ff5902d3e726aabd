/**
 * Generated code per op. Recording a node evaluates its rule (value and
 * partials); through `Tape#unary` / `Tape#binary` every op shares the same
 * call sites, which V8 cannot inline and which cost more than the rule
 * itself. Each op (and each form: two traced operands, a constant on the
 * right or the left) gets a recorder of its own, and a replayer that
 * re-evaluates one node of it (a replay's nodes outside generated loops),
 * generated from the same evaluation source as the replay of loops
 * (evaluate.ts), so its rule calls name one rule each. The interpreted
 * `Tape` methods and `evalNode` stay the reference and the fallback ('off', a
 * Content Security Policy that refuses `new Function`, and an op's first
 * {@link GENERATE_AFTER} nodes under 'auto').
 */
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import type { Tape } from '../tape.js';
import { CONST_LEFT, NOPS } from '../node.js';
import { evalSource, ruleDeclarations } from './evaluate.js';
import { canCompile, compileShared } from './compile.js';
import { codegenMode, onModeChange } from './mode.js';

/**
 * Records one node of its node code on t, with traced operand ai and `b`:
 * the second traced operand of a binary op, or the unary op's parameter, or
 * the constant operand. Returns the new node's index.
 */
export type Recorder = (t: Tape, ai: number, b: number) => number;

/**
 * Under 'auto', an op is recorded (or replayed node by node) by the
 * interpreter this many times, in the process, before its recorder (or
 * replayer) is generated: building and compiling one costs ~0.15 ms
 * (measured), repaid by some 5000 nodes at ~30 ns saved each, so a one-off
 * call of a small f never pays for it, and a recorder, once made, serves
 * every later recording in the process.
 */
export const GENERATE_AFTER = 4096;

/**
 * Re-evaluates node i of t (node code `node`) at its arguments' current
 * values, as a replay does: value and partials; true if a partial is not
 * finite.
 */
export type Replayer = (t: Tape, i: number) => boolean;

/** Per node code: the generated function once made (null: refused), and how often the interpreter ran instead. */
class PerOp<F> {
  private fns: (F | null | undefined)[] = [];
  private readonly seen = new Float64Array(NOPS * (CONST_LEFT + 1));
  constructor(private readonly make: (node: number) => F | null) {}
  /** node code `node`'s generated function, or null: the interpreter runs ('off', refused, or not yet worth making) */
  /** (`nodes`: how many nodes the caller is about to evaluate, counted towards GENERATE_AFTER) */
  get(node: number, nodes = 1): F | null {
    const mode = codegenMode(), g = this.fns[node];
    if (mode === 'off' || g === null) return null;
    if (g) return g;
    if (mode === 'always' || (this.seen[node]! += nodes) > GENERATE_AFTER) {
      if (!canCompile()) return (this.fns[node] = null); // (asked even when the source is cached: the policy decides, not the cache)
      return (this.fns[node] = this.make(node));
    }
    return null;
  }
  reset(): void {
    this.fns = [];
    this.seen.fill(0);
  }
}

/** The interpreted recorder of node code `node` (Tape's methods). */
function interpreted(node: number): Recorder {
  if (node < NU) return (t, ai, p) => t.unary(node, ai, p);
  if (node < NOPS) return (t, ai, bi) => t.binary(node, ai, bi);
  const base = node % NOPS, left = node >= CONST_LEFT * NOPS;
  return (t, ai, c) => t.binaryConst(base, ai, c, left);
}
const interpreters: Recorder[] = Array.from({ length: NOPS * (CONST_LEFT + 1) }, (_, node) => interpreted(node));

/** The source of node code `node`'s recorder: Tape#push, then evalSource at the new node. */
function recorderSource(node: number): string {
  const need = new Set<string>(), pair = node >= NU && node < NOPS;
  const body = evalSource(node, 'val[ai]', 'val[b]', 'b', 'i', need);
  return [
    ...ruleDeclarations(need),
    'return function (t, ai, b) {',
    '  const i = t.n;',
    '  if (i === t.cap) t.grow();',
    '  t.n = i + 1;',
    `  t.op[i] = ${node}; t.a[i] = ai; t.b[i] = ${pair ? 'b' : '0'}; t.prm[i] = ${pair ? '0' : 'b'};`,
    '  const val = t.val, par = t.par;',
    '  let nf = false, s = 0;',
    `  ${body}`,
    '  if (nf) t.nonFinite = true;',
    '  return i;',
    '};',
  ].join('\n');
}

/** The source of node code `node`'s replayer: evalSource at node i, its arguments read from the tape. */
function replayerSource(node: number): string {
  const need = new Set<string>();
  const body = evalSource(node, 'val[t.a[i]]', 'val[t.b[i]]', 't.prm[i]', 'i', need);
  return [...ruleDeclarations(need), 'return function (t, i) {', '  const val = t.val, par = t.par;', '  let nf = false, s = 0;', `  ${body}`, '  return nf;', '};'].join('\n');
}

/**
 * Evaluates the nodes lo … hi − 1 of an elementwise block of op `code`
 * (lib/tensor/blocks.ts): val[i] = op(val[a[i]], val[b[i]]; p) with partials
 * at par[5i …]; true if a partial is not finite.
 */
export type ElementLoop = (val: Float64Array, par: Float64Array, a: Int32Array, b: Int32Array, lo: number, hi: number, p: number) => boolean;

/** The source of op `code`'s elementwise loop: evalSource at each node of the run. */
function elementSource(code: number): string {
  const need = new Set<string>();
  const body = evalSource(code, 'val[a[i]]', 'val[b[i]]', 'prm', 'i', need);
  return [
    ...ruleDeclarations(need),
    'return function (val, par, a, b, lo, hi, prm) {',
    '  let nf = false, s = 0;',
    `  for (let i = lo; i < hi; i++) ${body}`,
    '  return nf;',
    '};',
  ].join('\n');
}

const make = <F,>(kind: string, source: (node: number) => string) => (node: number): F | null => {
  const f = compileShared(kind, ['P', 'U', 'B'], source(node)) as ((...a: unknown[]) => F) | null;
  return f && f(P, UNARY, BINARY);
};
const recorders = new PerOp<Recorder>(make('record', recorderSource));
const replayers = new PerOp<Replayer>(make('replay-node', replayerSource));
const elementLoops = new PerOp<ElementLoop>(make('elementwise', elementSource));

/** Forgets the generated recorders and replayers and the counts (specs: after simulating a refused `new Function`). */
export function resetRecorders(): void {
  recorders.reset();
  replayers.reset();
  elementLoops.reset();
  for (const s of slots) s.reset();
}

/** Nodes a {@link RecorderSlot} records before it asks for its recorder again (counted towards GENERATE_AFTER in advance). */
const ASK_EVERY = 256;
/** every slot made, so a new codegen mode (or a reset) reaches them at once */
const slots: RecorderSlot[] = [];
onModeChange(() => { for (const s of slots) s.reset(); });

/**
 * The recorder of one node code for a lifted op (lib/ops/scalar.ts), asked
 * for once per ASK_EVERY nodes instead of at every node (the ask was a
 * tenth of a one-shot gradient's time); a new codegen mode or a reset makes
 * it ask at its next node. `get` gives the generated recorder or null, and
 * then `record` records with the interpreter: the lifted op calls a
 * generated recorder from a call site of its own, which V8 inlines only if
 * it never saw another function there. `get` is small enough that V8
 * always inlines it (the ask is apart).
 */
export class RecorderSlot {
  private fn: Recorder | null = null;
  private left = 0;
  constructor(private readonly node: number) {
    slots.push(this);
  }
  get(): Recorder | null {
    return --this.left >= 0 ? this.fn : this.ask();
  }
  private ask(): Recorder | null {
    this.left = ASK_EVERY - 1;
    return (this.fn = generatedRecorder(this.node, ASK_EVERY));
  }
  /** the next `get` asks again */
  reset(): void {
    this.left = 0;
  }
  record(t: Tape, ai: number, b: number): number {
    return recordNode(this.node, t, ai, b);
  }
}

/**
 * The recorder of node code `node` (an op code, or code + NOPS·side for a
 * constant operand on that side), for `nodes` nodes about to be recorded
 * with it (counted towards GENERATE_AFTER).
 */
export function recorder(node: number, nodes = 1): Recorder {
  return recorders.get(node, nodes) ?? interpreters[node]!;
}

/**
 * The generated recorder of node code `node`, or null: the interpreter
 * records it ({@link recordNode}). For a call site that should only ever
 * see generated recorders (V8 inlines a call that has seen one function;
 * one that has also seen the interpreted closures is left a call).
 */
export function generatedRecorder(node: number, nodes = 1): Recorder | null {
  return recorders.get(node, nodes);
}

/** Records one node of node code `node` with the interpreter (Tape's methods), as {@link Recorder} does. */
export function recordNode(node: number, t: Tape, ai: number, b: number): number {
  return interpreters[node]!(t, ai, b);
}

/** The generated replayer of node code `node`, or null: evalNode replays it (see `replayNodes`, lib/tape/sweeps.ts). */
export function replayer(node: number): Replayer | null {
  return replayers.get(node);
}

/** The generated loop of an elementwise block of op `code` over m elements, or null: evalNode runs per element. */
export function elementLoop(code: number, m: number): ElementLoop | null {
  return elementLoops.get(code, m);
}

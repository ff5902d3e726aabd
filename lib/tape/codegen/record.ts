/**
 * Generated recorders. Recording a node evaluates its rule (value and
 * partials); through `Tape#unary` / `Tape#binary` every op shares the same
 * call sites, which V8 cannot inline and which cost more than the rule
 * itself. Each op (and each form: two traced operands, a constant on the
 * right or the left) gets a recorder of its own, generated from the same
 * evaluation source as the replay (evaluate.ts), so its rule calls name one
 * rule each. The interpreted `Tape` methods stay the reference and the
 * fallback ('off', a Content Security Policy that refuses `new Function`,
 * and an op's first {@link GENERATE_AFTER} nodes under 'auto').
 */
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import { CONST_LEFT, NOPS, type Tape } from '../tape.js';
import { evalSource, ruleDeclarations } from './evaluate.js';
import { canCompile, compileShared } from './compile.js';
import { codegenMode } from './mode.js';

/**
 * Records node code `node` on t with traced operand ai and `b`: the second
 * traced operand of a binary op, or the unary op's parameter, or the
 * constant operand. Returns the new node's index.
 */
export type Recorder = (t: Tape, ai: number, b: number) => number;

/**
 * Under 'auto', an op is recorded by the interpreter this many times before
 * its recorder is generated: building and compiling one costs ~0.15 ms
 * (measured), repaid by some 5000 nodes at ~30 ns saved each, so a one-off
 * call of a small f never pays for it, and a recorder, once made, serves
 * every later recording in the process.
 */
export const GENERATE_AFTER = 4096;

const generated: (Recorder | null | undefined)[] = [];
const seen = new Int32Array(NOPS * (CONST_LEFT + 1));

/** The interpreted recorder of node code `node` (Tape's methods). */
function interpreted(node: number): Recorder {
  if (node < NU) return (t, ai, p) => t.unary(node, ai, p);
  if (node < NOPS) return (t, ai, bi) => t.binary(node, ai, bi);
  const base = node % NOPS, left = node >= CONST_LEFT * NOPS;
  return (t, ai, c) => t.binaryConst(base, ai, c, left);
}
const interpreters: Recorder[] = Array.from(seen, (_, node) => interpreted(node));

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

function generate(node: number): Recorder | null {
  if (!canCompile()) return null; // (asked even when the source is cached: the policy decides, not the cache)
  const make = compileShared('record', ['P', 'U', 'B'], recorderSource(node)) as ((...a: unknown[]) => Recorder) | null;
  return make && make(P, UNARY, BINARY);
}

/** Forgets the generated recorders and the counts (specs: after simulating a refused `new Function`). */
export function resetRecorders(): void {
  generated.length = 0;
  seen.fill(0);
}

/** The recorder of node code `node` (an op code, or code + NOPS·side for a constant operand on that side). */
export function recorder(node: number): Recorder {
  const mode = codegenMode(), g = generated[node];
  if (mode === 'off' || g === null) return interpreters[node]!;
  if (g) return g;
  if (mode === 'always' || ++seen[node]! > GENERATE_AFTER) {
    const r = (generated[node] = generate(node));
    if (r) return r;
  }
  return interpreters[node]!;
}

/**
 * The source of one node's evaluation, as `evalNode` (lib/tape/tape.ts) does
 * it: value into val[j], partials (g_a, g_b, h_aa, h_ab, h_bb) into
 * par[5j …], and `nf = true` when one of them is not finite. Rule functions
 * are named by op code (u3f, u3d for unary op 3; b2f, b2d for binary op 2),
 * so a generated function's call sites each name one rule and V8 inlines
 * them; a node whose partials are the same numbers wherever it has a value
 * (x + y: 1, 1, 0, 0, 0) gets them as literals, without the derivative call.
 * Used by the generated replay and the generated recorders. What is
 * constant is sampled from the rules once per node code (`keptPartials`).
 */
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import { CONST_LEFT, NOPS, NPAR, evalNode, evalThird } from '../node.js';
import { declareOutputs, inlinedRule } from './inline.js';

/**
 * Node code `code` reading x (its traced operand), z (the second one, for a
 * binary op of two traced operands) and p (a unary op's parameter, or the
 * constant operand) — each a JavaScript expression — written at node j.
 * Adds the rules it calls to `need`. The enclosing code declares `val`,
 * `par`, `P` and `let nf, s`.
 */
export function evalSource(code: number, x: string, z: string, p: string, j: string, need: Set<string>): string {
  return evalTo(code, x, z, p, j, need, '');
}

/** {@link evalSource}, the value also assigned to the variable `to` (declared by the enclosing code) unless `to` is ''. */
export function evalTo(code: number, x: string, z: string, p: string, j: string, need: Set<string>, to: string): string {
  const keep = to ? ` ${to} = y;` : '';
  const fixed = fixedSource(code, x, z, p, j, need, keep);
  if (fixed) return fixed;
  // the partials go to par from locals, and their sum (finitePartials' test) is taken from the same locals
  const [body, g] = partialsSource(code, x, z, p, need);
  return `{ ${body} val[${j}] = y;${keep}
    const q = (${j}) * ${NPAR}; par[q] = ${g[0]}; par[q + 1] = ${g[1]}; par[q + 2] = ${g[2]}; par[q + 3] = ${g[3]}; par[q + 4] = ${g[4]};
    s = ${g.filter((e) => e !== '0').join(' + ')}; if (s - s !== 0) nf = true; }`;
}

/** How a node calls its rule ({@link ruleCall}). */
interface RuleCall {
  /** the rule: an op code of lib/rules */
  readonly rule: number;
  /** the rule's arguments in its order, and its parameter */
  readonly a: string;
  readonly b: string;
  readonly p: string;
  /** the node's value */
  readonly value: string;
  /** which of the rule's out[k] is each of the node's nine partials (g_a, g_b, h_aa, h_ab, h_bb, then t_aaa … as evalThird orients them); 0: none */
  readonly at: readonly number[];
  /** where evalNode gives the partials (elsewhere they are NaN): the value not NaN, and for a unary op its argument finite */
  readonly ok: string;
}

/** The name rule `rule` (an op code of lib/rules) has in generated code: u<code> or b<index> ({@link ruleDeclarations}). */
const ruleKey = (rule: number): string => (rule < NU ? `u${rule}` : `b${rule - NU}`);

/**
 * How node code `code` calls its rule, with its traced operand x, its
 * second one z (a binary op of two traced operands) and its parameter p (a
 * unary op's, or the constant operand): names or constants, read more than
 * once. A constant operand first is the rule's a, so the node's partials
 * are the rule's b-side ones.
 */
function ruleCall(code: number, x: string, z: string, p: string): RuleCall {
  if (code < NU) return { rule: code, a: x, b: '0', p, value: `${ruleKey(code)}f(${x}, ${p})`, at: [1, 0, 2, 0, 0, 3, 0, 0, 0], ok: `y === y && ${x} - ${x} === 0` };
  const base = code % NOPS, f = `${ruleKey(base)}f`;
  if (code < NOPS) return { rule: base, a: x, b: z, p: '0', value: `${f}(${x}, ${z})`, at: [1, 2, 3, 4, 5, 6, 7, 8, 9], ok: 'y === y' };
  if (code >= CONST_LEFT * NOPS) return { rule: base, a: p, b: x, p: '0', value: `${f}(${p}, ${x})`, at: [2, 0, 5, 0, 0, 9, 0, 0, 0], ok: 'y === y' };
  return { rule: base, a: x, b: p, p: '0', value: `${f}(${x}, ${p})`, at: [1, 0, 3, 0, 0, 6, 0, 0, 0], ok: 'y === y' };
}

/** The locals a node's operands are bound to: what it reads of x, z, p (a unary op's z is not read, nor a two-operand op's p). */
const operandLocals = (code: number, x: string, z: string, p: string): string =>
  (code >= NU && code < NOPS ? `const x = ${x}, z = ${z};` : `const x = ${x}, p = ${p};`);

/**
 * Rule call r's derivative, the value in the local `y`, for the outputs
 * `outs` the caller reads: the statements and each out[k] as an expression.
 * Its body inlined where it can be (./inline.ts: an output that is a literal
 * or a copy of an argument as that literal or argument expression, and no
 * statements when every one read is), else a call of d into P (the
 * enclosing code declares P; `need` gets the rule).
 */
function derivativeOf(r: RuleCall, need: Set<string>, outs: readonly number[]): [string, (k: number) => string] {
  const unary = r.rule < NU, key = ruleKey(r.rule), inl = inlinedRule(r.rule);
  need.add(key);
  if (!inl) return [`${key}d(${unary ? `${r.a}, y, P, ${r.p}` : `${r.a}, ${r.b}, y, P`});`, (k) => `P[${k}]`];
  const args: Record<string, string> = { $x: r.a, $z: r.b, $y: 'y', $p: r.p };
  const fixed = (k: number) => { const f = inl.fixed[k]; return f === null || f === undefined ? null : f.startsWith('$') ? args[f]! : f; };
  const out = (k: number) => fixed(k) ?? `$o${k}`;
  if (outs.every((k) => fixed(k) !== null)) return ['', out];
  return [`const $x = ${r.a}, $z = ${r.b}, $y = y, $p = ${r.p}; ${declareOutputs(inl.n)} { ${inl.bind} ${inl.body} }`, out];
}

/**
 * The statements that evaluate node code `code` (operands as in
 * {@link evalSource}) into the locals `y` (the value) and g0 … g4 (the stored
 * partials g_a, g_b, h_aa, h_ab, h_bb), as evalNode does (its NaN
 * conventions), and the five partials' expressions ('0' where the node has
 * none). The enclosing code declares `P`.
 */
function partialsSource(code: number, x: string, z: string, p: string, need: Set<string>): [string, readonly string[]] {
  const r = ruleCall(code, 'x', 'z', 'p'), live = [0, 1, 2, 3, 4].filter((k) => r.at[k] !== 0);
  const [d, o] = derivativeOf(r, need, live.map((k) => r.at[k]!));
  return [`${operandLocals(code, x, z, p)} const y = ${r.value}; let ${live.map((k) => `g${k} = NaN`).join(', ')};
    if (${r.ok}) { ${d} ${live.map((k) => `g${k} = ${o(r.at[k]!)};`).join(' ')} }`,
  [0, 1, 2, 3, 4].map((k) => (r.at[k] !== 0 ? `g${k}` : '0'))];
}

/**
 * {@link partialsSource} for a loop that runs only where every partial is
 * finite (a fused block's sweeps: its values pass has checked, see
 * codegen/fused.ts), so without evalNode's NaN conventions, which only
 * ever give a partial that is not finite: a constant partial is its
 * expression, and the rule's derivative is inlined (./inline.ts) where it
 * can be, else called. The operands x, z and p are names or constants (read
 * more than once); the nine partials (as {@link RuleCall.at}) come back as
 * expressions: a literal or a copy of an operand as it is, any other as a
 * local of the statements.
 */
export function finitePartialsSource(
  code: number, x: string, z: string, p: string, need: Set<string>, constant?: readonly string[] | null,
): [string, readonly string[], readonly string[]] {
  const r = ruleCall(code, x, z, p), head = `const y = ${r.value};`;
  need.add(ruleKey(r.rule));
  if (constant) return [head, constant.slice(0, 5), constant.slice(5)];
  const [d, o] = derivativeOf(r, need, r.at.filter((k) => k !== 0));
  // computed outputs into locals (read outside the block, and after P is reused)
  const usable = (e: string) => /^-?\d/.test(e) || e === x || e === z || e === p;
  const e = r.at.map((k, n) => (k === 0 ? '0' : usable(o(k)) ? o(k) : `$n${n}`));
  const copy = r.at.map((k, n) => (e[n]!.startsWith('$n') ? `const $n${n} = ${o(k)};` : '')).join(' ');
  return [`${head} ${d} ${copy}`, e.slice(0, 5), e.slice(5)];
}

/** Declarations of the rule functions in `need`, read from the tables U (unary) and B (binary). */
export function ruleDeclarations(need: ReadonlySet<string>): string[] {
  return [...need].sort().map((k) => {
    const table = k[0] === 'u' ? 'U' : 'B', c = Number(k.slice(1));
    return `const ${k}f = ${table}[${c}].f, ${k}d = ${table}[${c}].d;`;
  });
}

/**
 * {@link evalTo} for a node whose live partials are the same finite numbers
 * wherever its value is not NaN, for every parameter (x + y, x − y, −x,
 * c − x: `Constants.fixed`): the numbers written as literals, no derivative
 * call; null for any other node.
 */
function fixedSource(code: number, x: string, z: string, p: string, j: string, need: Set<string>, keep: string): string | null {
  const c = constantsOf(code), two = code >= NU && code < NOPS, live = two ? [0, 1, 2, 3, 4] : [0, 2];
  if (live.some((k) => !(c.fixed & (1 << k)) || !Number.isFinite(c.at[k]!))) return null;
  const lit = (k: number) => (live.includes(k) ? (Object.is(c.at[k], -0) ? '-0' : String(c.at[k])) : '0');
  const nan = (k: number) => (live.includes(k) ? 'NaN' : '0');
  const store = (v: (k: number) => string) => [0, 1, 2, 3, 4].map((k) => `par[q + ${k}] = ${v(k)};`).join(' ');
  const r = ruleCall(code, 'x', 'z', 'p');
  need.add(ruleKey(r.rule));
  return `{ ${operandLocals(code, x, z, p)} const y = ${r.value}; val[${j}] = y;${keep} const q = (${j}) * ${NPAR};
    if (${r.ok}) { ${store(lit)} } else { ${store(nan)} nf = true; } }`;
}

/**
 * The source of a replay of node code `code` that keeps the stored partials
 * in the mask `kept` (bit k: partial k, in the order g_a, g_b, h_aa, h_ab,
 * h_bb), those that are the same wherever the value is not NaN (see
 * `keptPartials`, replay.ts): the value into val[j], the other partials as
 * evalSource writes them, and where evalSource would write NaN partials (a
 * NaN value; for a unary op also an infinite argument) all of them NaN, with
 * `nf = true`. A kept partial is right only if the last evaluation left it
 * finite (then it is its constant). `to` as in {@link evalTo}.
 */
export function evalKeeping(code: number, x: string, z: string, p: string, j: string, need: Set<string>, to: string, kept: number): string {
  const keep = to ? ` ${to} = y;` : '', q = `const q = (${j}) * ${NPAR};`;
  const r = ruleCall(code, 'x', 'z', 'p'), ok = r.ok;
  const head = `${operandLocals(code, x, z, p)} const y = ${r.value};`;
  // the rule's out[k] by stored slot (null: always 0, a one-argument node's missing ones)
  const from = r.at.slice(0, 5).map((k) => (k === 0 ? null : k));
  const live = from.flatMap((k, slot) => (k === null ? [] : [slot]));
  const written = live.filter((slot) => !(kept & (1 << slot)));
  const [call, out] = derivativeOf(r, need, written.map((slot) => from[slot]!));
  const nan = `${live.map((slot) => `par[q + ${slot}] = NaN;`).join(' ')} nf = true;`;
  if (written.length === 0) return `{ ${head} val[${j}] = y;${keep} if (!(${ok})) { ${q} ${nan} } }`;
  const g = written.map((slot) => `g${slot}`);
  return `{ ${head} val[${j}] = y;${keep} ${q}
    if (${ok}) { ${call} const ${written.map((slot, k) => `${g[k]} = ${out(from[slot]!)}`).join(', ')}; ${written.map((slot, k) => `par[q + ${slot}] = ${g[k]};`).join(' ')}
      s = ${g.join(' + ')}; if (s - s !== 0) nf = true; }
    else { ${nan} } }`;
}

/** What sampling found of a node code's stored partials (see {@link keptPartials}). */
interface Constants {
  /** bit k: partial k is the same wherever the value is not NaN, for each parameter */
  readonly kept: number;
  /** bit k: … and the same for every parameter, its value in `at[k]` */
  readonly fixed: number;
  readonly at: Float64Array;
}
/** per node code, once sampled */
const constants: (Constants | undefined)[] = [];

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
  return constantsOf(code).kept;
}

function constantsOf(code: number): Constants {
  return (constants[code] ??= sampleConstants(code));
}

const FAR = [-1e6, -50, -1, -0.5, 0, 0.5, 1, 50, 1e6];
const PARAMS_TRIED = [0, 1, -1, 2, 0.5, 1.7319, -2.5, 1e3, -1e3];
const ALL = (1 << NPAR) - 1;

function sampleConstants(code: number): Constants {
  const base = code % NOPS, got = new Float64Array(NPAR), first = new Float64Array(NPAR), at = new Float64Array(NPAR);
  const inner = (dom: readonly (readonly [number, number])[]) => dom.flatMap(([lo, hi]) => [0.137, 0.5317, 0.8713].map((f) => lo + f * (hi - lo)));
  let kept = ALL, fixed = ALL, sampled = false;
  // at every sample point where the value is not NaN, partial k equals the first one's (bit for bit, never NaN): per p (kept), over every p (fixed)
  const sample = (pts: readonly (readonly [number, number])[], p: number): void => {
    let seen = false;
    for (const [x, y] of pts) {
      const v = evalNode(code, x, y, p, got, 0);
      if (v !== v || (base < NU && x - x !== 0)) continue;
      for (let k = 0; k < NPAR; k++) {
        if (got[k] !== got[k] || (seen && !Object.is(got[k], first[k]))) kept &= ~(1 << k);
        if (got[k] !== got[k] || (sampled && !Object.is(got[k], at[k]))) fixed &= ~(1 << k);
      }
      if (!seen) first.set(got);
      if (!sampled) at.set(got);
      seen = sampled = true;
    }
  };
  if (base < NU) {
    const xs = [...inner(UNARY[base]!.domain), ...FAR];
    for (const p of PARAMS_TRIED) sample([...xs, p - 1, p + 1].map((x) => [x, 0]), p);
  } else if (code < NOPS) {
    const [da, db] = BINARY[base - NU]!.domain, xs = [...inner([da]), ...inner([db]), ...FAR];
    sample(xs.flatMap((a) => xs.map((b) => [a, b] as const)), 0);
  } else {
    const [da, db] = BINARY[base - NU]!.domain, xs = [...inner([code >= CONST_LEFT * NOPS ? db : da]), ...FAR];
    for (const c of PARAMS_TRIED) sample([...xs, c - 1, c + 1, c * (1 - 1e-3), c * (1 + 1e-3)].map((x) => [x, 0]), c);
  }
  return { kept, fixed: fixed & kept, at };
}

/**
 * All nine partials of node code `code` at parameter p — the five stored
 * and the four third ones (as evalThird orients them) — when every stored one
 * is the same wherever the value is not NaN ({@link keptPartials}: x ± y,
 * −x, c·x, x/c, …; their third partials are then 0); null otherwise, or
 * when one is not finite at this p (x/0). Fused loops
 * (lib/tape/codegen/fused.ts) then evaluate only the value. The array is
 * remembered and shared: read it, never write it.
 */
export function constantPartials(code: number, p: number): Float64Array | null {
  if (constantsOf(code).kept !== ALL) return null;
  const key = `${code} ${p}`, hit = atParameter.get(key);
  if (hit) return hit;
  const c = partialsAt(code, p);
  if (c) {
    if (atParameter.size >= 4096) atParameter.clear(); // (one entry per constant operand value: kept bounded)
    atParameter.set(key, c);
  }
  return c;
}
/** constantPartials found, by (code, p) */
const atParameter = new Map<string, Float64Array>();

/** The nine partials of node code `code` at parameter p, at a point of its sample domain; null if one is not finite. */
function partialsAt(code: number, p: number): Float64Array | null {
  const base = code % NOPS, out = new Float64Array(2 * NPAR - 1), third = new Float64Array(4);
  // one point of the traced operands' sample domains
  const first = (dom: readonly (readonly [number, number])[]) => dom[0]![0] + 0.5317 * (dom[0]![1] - dom[0]![0]);
  const [x, y] = base < NU
    ? [first(UNARY[base]!.domain), 0]
    : code < NOPS ? [first([BINARY[base - NU]!.domain[0]]), first([BINARY[base - NU]!.domain[1]])]
      : [first([BINARY[base - NU]!.domain[code >= CONST_LEFT * NOPS ? 1 : 0]]), 0];
  const saved = Float64Array.from(P);
  try {
    evalNode(code, x, y, p, out, 0);
    evalThird(code, x, y, p, third);
  } finally {
    P.set(saved);
  }
  out.set(third, NPAR);
  return out.every(Number.isFinite) ? out : null;
}

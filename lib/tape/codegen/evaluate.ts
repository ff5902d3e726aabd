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

/**
 * Rule `rule`'s (an op code of lib/rules) derivative at the arguments a, b
 * (a binary rule's, in its order; unary: a and its parameter p), the value
 * in the local `y`: the statements and each out[k] as an expression. Its
 * body inlined where it can be (./inline.ts: an output that is a literal or
 * a copy of an argument as that literal or argument expression), else a
 * call of d into P (the enclosing code declares P; `need` gets the rule).
 */
function derivativeOf(rule: number, a: string, b: string, p: string, need: Set<string>): [string, (k: number) => string] {
  const unary = rule < NU, key = unary ? `u${rule}` : `b${rule - NU}`, inl = inlinedRule(rule);
  need.add(key);
  if (!inl) return [`${key}d(${unary ? `${a}, y, P, ${p}` : `${a}, ${b}, y, P`});`, (k) => `P[${k}]`];
  const args: Record<string, string> = { $x: a, $z: b, $y: 'y', $p: p };
  const fixed = (k: number) => { const f = inl.fixed[k]; return f === null || f === undefined ? null : f.startsWith('$') ? args[f]! : f; };
  return [`const $x = ${a}, $z = ${b}, $y = y, $p = ${p}; ${declareOutputs(inl.n)} { ${inl.bind} ${inl.body} }`,
    (k) => fixed(k) ?? `$o${k}`];
}

/**
 * The statements that evaluate node code `code` (operands as in
 * {@link evalSource}) into the locals `y` (the value) and the partials, as
 * evalNode does (the same rule calls and NaN conventions), and the
 * partials' expressions: the five stored ones (g_a, g_b, h_aa, h_ab, h_bb)
 * and the four third ones (t_aaa, t_aab, t_abb, t_bbb, oriented as
 * evalThird's), each a local or '0' where the node has none. The enclosing
 * code declares `P`. With `constant` (the nine as expressions, '0' for a
 * zero: see {@link constantPartials}) only the value is evaluated.
 */
function partialsSource(
  code: number, x: string, z: string, p: string, need: Set<string>, constant?: readonly string[] | null,
): [string, readonly string[], readonly string[]] {
  if (constant) return constantSource(code, x, z, p, need, constant);
  if (code < NU) {
    const [d, o] = derivativeOf(code, 'x', '0', 'p', need);
    // evalUnary: outside the domain (NaN value) or at an infinite argument, every derivative is NaN
    return [`const x = ${x}, p = ${p}, y = u${code}f(x, p); let g = NaN, h = NaN, t3 = NaN;
    if (y === y && x - x === 0) { ${d} g = ${o(1)}; h = ${o(2)}; t3 = ${o(3)}; }`, ['g', '0', 'h', '0', '0'], ['t3', '0', '0', '0']];
  }
  const base = code % NOPS, b = base - NU;
  if (code < NOPS) {
    const [d, o] = derivativeOf(base, 'x', 'z', '0', need);
    // evalBinary: a NaN value has NaN partials
    return [`const x = ${x}, z = ${z}, y = b${b}f(x, z); let ga = NaN, gb = NaN, haa = NaN, hab = NaN, hbb = NaN, taaa = NaN, taab = NaN, tabb = NaN, tbbb = NaN;
    if (y === y) { ${d} ga = ${o(1)}; gb = ${o(2)}; haa = ${o(3)}; hab = ${o(4)}; hbb = ${o(5)}; taaa = ${o(6)}; taab = ${o(7)}; tabb = ${o(8)}; tbbb = ${o(9)}; }`,
    ['ga', 'gb', 'haa', 'hab', 'hbb'], ['taaa', 'taab', 'tabb', 'tbbb']];
  }
  // a binary op with a constant operand p: only the partials in its traced operand are kept
  const left = code >= CONST_LEFT * NOPS, gi = left ? 2 : 1, hi = left ? 5 : 3, ti = left ? 9 : 6;
  const [d, o] = left ? derivativeOf(base, 'p', 'x', '0', need) : derivativeOf(base, 'x', 'p', '0', need);
  return [`const x = ${x}, p = ${p}, y = b${b}f(${left ? 'p, x' : 'x, p'}); let g = NaN, h = NaN, t3 = NaN;
    if (y === y) { ${d} g = ${o(gi)}; h = ${o(hi)}; t3 = ${o(ti)}; }`, ['g', '0', 'h', '0', '0'], ['t3', '0', '0', '0']];
}

/**
 * {@link partialsSource} for a loop that runs only where every partial is
 * finite (a fused block's sweeps: its values pass has checked, see
 * codegen/fused.ts), so without evalNode's NaN conventions, which only
 * ever give a partial that is not finite: a constant partial is its
 * expression, and the rule's derivative is inlined (./inline.ts) where it
 * can be, else called. The operands x, z and p are names or constants (read
 * more than once); a partial that is a literal or copies one of them is
 * returned as it, any other as a local of the statements.
 */
export function finitePartialsSource(
  code: number, x: string, z: string, p: string, need: Set<string>, constant?: readonly string[] | null,
): [string, readonly string[], readonly string[]] {
  const base = code % NOPS, unary = code < NU, left = code >= CONST_LEFT * NOPS, key = unary ? `u${code}` : `b${base - NU}`;
  need.add(key);
  // the rule's arguments in its order (a constant operand first: the rule's a); x, z, p are plain names or constants
  const [a, b] = unary ? [x, '0'] : code < NOPS ? [x, z] : left ? [p, x] : [x, p];
  const head = `const y = ${key}f(${a}, ${unary ? p : b});`;
  if (constant) return [head, constant.slice(0, 5), constant.slice(5)];
  // the rule's out[k] in the node's orientation: a constant operand first reads the rule's b-side partials
  const at = unary ? [1, 0, 2, 0, 0, 3, 0, 0, 0] : code < NOPS ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : left ? [2, 0, 5, 0, 0, 9, 0, 0, 0] : [1, 0, 3, 0, 0, 6, 0, 0, 0];
  const [d, o] = derivativeOf(unary ? code : base, a, b, p, need);
  // computed outputs into locals named by the node's partials (read outside the block, and after P is reused);
  // a literal or a copy of an argument as it is
  const usable = (e: string) => /^-?\d/.test(e) || e === a || e === b || e === p;
  const e = at.map((k, n) => (k === 0 ? '0' : usable(o(k)) ? o(k) : `$n${n}`));
  const copy = at.map((k, n) => (e[n]!.startsWith('$n') ? `const $n${n} = ${o(k)};` : '')).join(' ');
  return [`${head} ${d} ${copy}`, e.slice(0, 5), e.slice(5)];
}

/**
 * partialsSource for an op whose partials are constants: only its value is
 * evaluated; each partial is its constant expression, or NaN where evalNode
 * gives NaN partials (a NaN value; a unary op at an infinite argument).
 */
function constantSource(code: number, x: string, z: string, p: string, need: Set<string>, c: readonly string[]): [string, readonly string[], readonly string[]] {
  const base = code % NOPS, unary = code < NU, key = unary ? `u${code}` : `b${base - NU}`;
  need.add(key);
  const value = unary ? `u${code}f(x, p)` : code < NOPS ? `b${base - NU}f(x, z)` : code >= CONST_LEFT * NOPS ? `b${base - NU}f(p, x)` : `b${base - NU}f(x, p)`;
  const names = ['ga', 'gb', 'haa', 'hab', 'hbb', 'taaa', 'taab', 'tabb', 'tbbb'];
  // (g_a is always a local, NaN with the value: a finiteness test of the partials sees a NaN value even when g_a is 0)
  const zero = (k: number) => c[k] === '0' && k > 0;
  const decl = names.map((nm, k) => (zero(k) ? '' : `const ${nm} = ok ? ${c[k]} : NaN;`)).join(' ');
  const body = `const x = ${x}, z = ${z}, p = ${p}, y = ${value}; const ok = y === y${unary ? ' && x - x === 0' : ''}; ${decl}`;
  const nm = (k: number) => (zero(k) ? '0' : names[k]!);
  return [body, [0, 1, 2, 3, 4].map(nm), [5, 6, 7, 8].map(nm)];
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
  let head: string, ok = 'y === y';
  if (code < NU) {
    need.add(`u${code}`);
    head = `const x = ${x}, y = u${code}f(x, ${p});`;
    ok = 'y === y && x - x === 0';
  } else {
    const b = (code % NOPS) - NU;
    need.add(`b${b}`);
    head = `const y = b${b}f(${two ? `${x}, ${z}` : code >= CONST_LEFT * NOPS ? `${p}, ${x}` : `${x}, ${p}`});`;
  }
  return `{ ${head} val[${j}] = y;${keep} const q = (${j}) * ${NPAR};
    if (${ok}) { ${store(lit)} } else { ${store(nan)} nf = true; } }`;
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
  // the rule's partials by stored slot (null: always 0, a one-argument node's missing ones)
  let from: (number | null)[], head: string, call: string, out: (k: number) => string, ok: string;
  if (code < NU) {
    need.add(`u${code}`);
    from = [1, null, 2, null, null];
    head = `const x = ${x}, p = ${p}, y = u${code}f(x, p);`;
    [call, out] = derivativeOf(code, 'x', '0', 'p', need);
    ok = 'y === y && x - x === 0';
  } else {
    const base = code % NOPS, b = base - NU, left = code >= CONST_LEFT * NOPS;
    need.add(`b${b}`);
    const args = code < NOPS ? 'x, z' : left ? 'p, x' : 'x, p';
    from = code < NOPS ? [1, 2, 3, 4, 5] : left ? [2, null, 5, null, null] : [1, null, 3, null, null];
    head = code < NOPS ? `const x = ${x}, z = ${z}, y = b${b}f(x, z);` : `const x = ${x}, p = ${p}, y = b${b}f(${args});`;
    [call, out] = code < NOPS ? derivativeOf(base, 'x', 'z', '0', need) : left ? derivativeOf(base, 'p', 'x', '0', need) : derivativeOf(base, 'x', 'p', '0', need);
    ok = 'y === y';
  }
  const live = from.flatMap((k, slot) => (k === null ? [] : [slot]));
  const written = live.filter((slot) => !(kept & (1 << slot)));
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

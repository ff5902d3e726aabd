/**
 * The source of one node's evaluation, as `evalNode` (lib/tape/tape.ts) does
 * it: value into val[j], partials (g_a, g_b, h_aa, h_ab, h_bb) into
 * par[5j …], and `nf = true` when one of them is not finite. Rule functions
 * are named by op code (u3f, u3d for unary op 3; b2f, b2d for binary op 2),
 * so a generated function's call sites each name one rule and V8 inlines
 * them. Used by the generated replay and the generated recorders.
 */
import { NU } from '../../rules/index.js';
import { CONST_LEFT, NOPS, NPAR } from '../node.js';

/**
 * Node code `code` reading x (its traced operand), z (the second one, for a
 * binary op of two traced operands) and p (a unary op's parameter, or the
 * constant operand) — each a JavaScript expression — written at node j.
 * Adds the rules it calls to `need`. The enclosing code declares `val`,
 * `par`, `P` and `let nf, s`.
 */
export function evalSource(code: number, x: string, z: string, p: string, j: string, need: Set<string>): string {
  // the partials go to par from locals, and their sum (finitePartials' test) is taken from the same locals
  const [body, g] = partialsSource(code, x, z, p, need);
  return `{ ${body} val[${j}] = y;
    const q = (${j}) * ${NPAR}; par[q] = ${g[0]}; par[q + 1] = ${g[1]}; par[q + 2] = ${g[2]}; par[q + 3] = ${g[3]}; par[q + 4] = ${g[4]};
    s = ${g.filter((e) => e !== '0').join(' + ')}; if (s - s !== 0) nf = true; }`;
}

/**
 * The statements that evaluate node code `code` (operands as in
 * {@link evalSource}) into the locals `y` (the value) and the partials, as
 * evalNode does (the same rule calls and NaN conventions), and the
 * partials' expressions: the five stored ones (g_a, g_b, h_aa, h_ab, h_bb)
 * and the four third ones (t_aaa, t_aab, t_abb, t_bbb, oriented as
 * evalThird's), each a local or '0' where the node has none. The enclosing
 * code declares `P`.
 */
export function partialsSource(
  code: number, x: string, z: string, p: string, need: Set<string>, constant?: readonly string[] | null,
): [string, readonly string[], readonly string[]] {
  if (constant) return constantSource(code, x, z, p, need, constant);
  if (code < NU) {
    need.add(`u${code}`);
    // evalUnary: outside the domain (NaN value) or at an infinite argument, every derivative is NaN
    return [`const x = ${x}, p = ${p}, y = u${code}f(x, p); let g = NaN, h = NaN, t3 = NaN;
    if (y === y && x - x === 0) { u${code}d(x, y, P, p); g = P[1]; h = P[2]; t3 = P[3]; }`, ['g', '0', 'h', '0', '0'], ['t3', '0', '0', '0']];
  }
  const base = code % NOPS, b = base - NU;
  need.add(`b${b}`);
  if (code < NOPS) {
    // evalBinary: a NaN value has NaN partials
    return [`const x = ${x}, z = ${z}, y = b${b}f(x, z); let ga = NaN, gb = NaN, haa = NaN, hab = NaN, hbb = NaN, taaa = NaN, taab = NaN, tabb = NaN, tbbb = NaN;
    if (y === y) { b${b}d(x, z, y, P); ga = P[1]; gb = P[2]; haa = P[3]; hab = P[4]; hbb = P[5]; taaa = P[6]; taab = P[7]; tabb = P[8]; tbbb = P[9]; }`,
    ['ga', 'gb', 'haa', 'hab', 'hbb'], ['taaa', 'taab', 'tabb', 'tbbb']];
  }
  // a binary op with a constant operand p: only the partials in its traced operand are kept
  const left = code >= CONST_LEFT * NOPS, args = left ? 'p, x' : 'x, p', gi = left ? 2 : 1, hi = left ? 5 : 3, ti = left ? 9 : 6;
  return [`const x = ${x}, p = ${p}, y = b${b}f(${args}); let g = NaN, h = NaN, t3 = NaN;
    if (y === y) { b${b}d(${args}, y, P); g = P[${gi}]; h = P[${hi}]; t3 = P[${ti}]; }`, ['g', '0', 'h', '0', '0'], ['t3', '0', '0', '0']];
}

/**
 * partialsSource for an op whose partials are constants (lib/tape/structure.ts
 * constantPartials), given as expressions (the nine of partialsSource, '0'
 * for a zero): only its value is evaluated; each partial is its constant, or
 * NaN where evalNode gives NaN partials (a NaN value; a unary op at an
 * infinite argument).
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

/**
 * A rule's derivative inlined into generated code: the statements of its
 * `d` function (lib/rules), read from the function's own text, with its
 * writes out[k] = e turned into assignments to the locals $o<k>. A generated
 * loop then computes the partials in registers, where a call of `d` stores
 * them into the shared buffer P and loads them back (measured: that traffic
 * was more than half a fused reverse loop's time).
 *
 * The rule stays written once. Only a body that is plainly self-contained is
 * taken: every name in it is a parameter, a name it declares, or Math, NaN,
 * Infinity; no return, closure, loop jump, string or `$`; the out array is
 * only indexed by a literal. The inlined form is then compiled alone and
 * compared with `d`, bit for bit, at sample points on both sides of 0 and
 * far out; any difference, or any refusal, keeps the call. What the text
 * says an output always is (a literal, a copy of a parameter) is kept only
 * where d agrees at every sample too.
 */
import { BINARY, NU, UNARY, type BinaryRule, type UnaryRule } from '../../rules/index.js';
import { fnText, namesIn } from './compile.js';

/**
 * A rule's derivative as source: `body` assigns $o1 … $o<n>, reading the
 * rule's parameters, which `bind` declares from $x, $z, $y, $p. `fixed[k]`
 * says what $o<k> always is, when the body says so plainly: '0' (only ever
 * set to 0, so a loop drops its terms: V8 cannot, x + 0 is not x at
 * x = −0), another numeric literal, or one of $x, $z, $y, $p (a copy of a
 * parameter the body never reassigns); null when it is computed.
 */
export interface Inlined { readonly bind: string; readonly body: string; readonly n: number; readonly fixed: readonly (string | null)[] }

/** per rule (unary ops by code, binary ones by NU + index), once decided */
const decided = new Map<number, Inlined | null>();

/**
 * Rule `code`'s (an op code of lib/rules: unary < NU, else binary) `d`
 * inlined, or null where it cannot be (see the file comment). In the
 * enclosing code, $x is the argument (binary: $x = a, $z = b), $y the value
 * and $p the parameter; $o0 … $o<n> are declared by the caller
 * ({@link declareOutputs}).
 */
export function inlinedRule(code: number): Inlined | null {
  let r = decided.get(code);
  if (r === undefined) {
    r = inline(code);
    decided.set(code, r);
  }
  return r;
}

/** The declarations of $o0 … $o<n> for an inlined rule ($o0 = the value, as out[0] holds it). */
export const declareOutputs = (n: number): string =>
  `let $o0 = y${Array.from({ length: n }, (_, k) => `, $o${k + 1} = 0`).join('')};`;

const ALLOWED = new Set(['const', 'let', 'if', 'else', 'Math', 'NaN', 'Infinity']);

function inline(code: number): Inlined | null {
  const unary = code < NU, made = pasted(unary ? UNARY[code]!.d : BINARY[code - NU]!.d, unary);
  return made && agrees(code, made);
}

/**
 * A unary (d(x, fx, out, p)) or binary (d(a, b, fab, out)) rule's `d` as
 * source to paste, or null when its text is not plainly self-contained (see
 * the file comment). Not yet checked against d ({@link agrees} does).
 */
export function pasted(d: UnaryRule['d'] | BinaryRule['d'], unary: boolean): Inlined | null {
  const n = unary ? 3 : 9;
  const m = /^\s*\(([^()]*)\)\s*=>\s*([\s\S]*)$/.exec(fnText.call(d));
  if (!m) return null;
  const params = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  // unary d(x, fx, out, p); binary d(a, b, fab, out)
  const outAt = unary ? 2 : 3, from = unary ? ['$x', '$y', null, '$p'] : ['$x', '$z', '$y', null];
  if (params.length <= outAt || params.length > from.length || !params.every((p) => /^[A-Za-z_]\w*$/.test(p))) return null;
  let body = m[2]!.trim();
  body = body.startsWith('{') && body.endsWith('}') ? body.slice(1, -1) : `(${body});`;
  if (/[$'"`\\]|\/\/|\/\*|=>|\b(?:return|function|this|arguments|break|continue|yield|await|eval|new)\b/.test(body)) return null;
  const out = params[outAt]!;
  body = body.replace(new RegExp(`(?<![\\w$.])${out}\\s*\\[\\s*(\\d)\\s*\\]`, 'g'), (_, k: string) => `$o${k}`);
  // (the body had no $ before: only the outputs $o<k> have one now)
  const names = namesIn(body).filter((t) => !/^\$o\d$/.test(t));
  const declared = new Set([...body.matchAll(/(?<![\w$.])([A-Za-z_]\w*)\s*=(?![=>])/g)].map((t) => t[1]!));
  const own = new Set(params.filter((_, k) => k !== outAt));
  if (names.some((t) => !(own.has(t) || declared.has(t) || ALLOWED.has(t)))) return null;
  if ([...body.matchAll(/\$o(\d)/g)].some((t) => Number(t[1]) > n)) return null;
  const bind = params.flatMap((p, k) => (k === outAt || from[k] === null ? [] : [`${p} = ${from[k]}`]));
  // a parameter the body never assigns or redeclares, by name: what it was bound from
  const copies = new Map(params.flatMap((p, k) => (k === outAt || from[k] === null || declared.has(p) ? [] : [[p, from[k]!] as const])));
  return { bind: bind.length ? `let ${bind.join(', ')};` : '', body, n, fixed: fixedOutputs(body, n, copies) };
}

/**
 * What each output $o<k> always is, when plain ({@link Inlined}): '0' if the
 * body only ever sets it to 0 (it starts at 0, {@link declareOutputs}, so it
 * is 0 wherever the body goes); a literal or a parameter copy if the body
 * sets it exactly once, by a statement at its top level (not under an if),
 * to a numeric literal or to a parameter in `copies`.
 */
function fixedOutputs(body: string, n: number, copies: ReadonlyMap<string, string>): (string | null)[] {
  // where each character is: inside braces or not
  const depth: number[] = [];
  for (let i = 0, d = 0; i < body.length; i++) { if (body[i] === '}') d--; depth.push(d); if (body[i] === '{') d++; }
  const fixed: (string | null)[] = [null];
  for (let k = 1; k <= n; k++) {
    // (any assignment operator, ** and logical ones included; a comparison such as <= counts too, which only errs on the safe side)
    const writes = [...body.matchAll(new RegExp(`\\$o${k}\\s*(?:[-+*/%&|^<>?]*=(?!=)|\\+\\+|--)|(?:\\+\\+|--)\\s*\\$o${k}`, 'g'))];
    const plain = [...body.matchAll(new RegExp(`\\$o${k}\\s*=\\s*([^;=]+?)\\s*;`, 'g'))];
    let f: string | null = null;
    if (writes.length > 0 && writes.length === plain.length && plain.every((w) => w[1] === '0')) f = '0';
    else if (writes.length === 1 && plain.length === 1) {
      const w = plain[0]!, rhs = w[1]!, before = body.slice(0, w.index).trimEnd();
      const top = depth[w.index!] === 0 && (before === '' || before.endsWith(';') || before.endsWith('}'));
      if (top && /^-?\d+(?:\.\d+)?$/.test(rhs)) f = rhs;
      else if (top && copies.has(rhs)) f = copies.get(rhs)!;
    }
    fixed.push(f);
  }
  return fixed;
}

const SAMPLES = [-1e6, -50, -3, -1, -0.7, -0.5, -0.1, 0, 0.1, 0.3, 0.5, 0.9, 1, 1.7, 2, 3, 50, 1e6];
const PARAMS = [0, 1, -1, 2, 3, 0.5, -2.5, 1.7319];

/**
 * r if its pasted form gives d's numbers, bit for bit, at every sample (NaN
 * where d gives NaN), with only the fixed outputs that d agrees with at
 * every sample; else null.
 */
function agrees(code: number, r: Inlined): Inlined | null {
  let test: (x: number, z: number, y: number, p: number) => number[];
  try {
    test = new Function('$x', '$z', 'y', '$p', `'use strict'; const $y = y; ${declareOutputs(r.n)} { ${r.bind} ${r.body} }
      return [${Array.from({ length: r.n }, (_, k) => `$o${k + 1}`).join(', ')}];`) as typeof test;
  } catch {
    return null;
  }
  const fixed = [...r.fixed], out = new Float64Array(r.n + 1);
  const value = (f: string, x: number, z: number, y: number, p: number) => (f === '$x' ? x : f === '$z' ? z : f === '$y' ? y : f === '$p' ? p : Number(f));
  try {
    for (const p of code < NU ? PARAMS : [0]) {
      for (const x of SAMPLES) {
        for (const z of code < NU ? [0] : SAMPLES) {
          const y = code < NU ? UNARY[code]!.f(x, p) : BINARY[code - NU]!.f(x, z);
          out.fill(NaN);
          out[0] = y;
          if (code < NU) UNARY[code]!.d(x, y, out, p);
          else BINARY[code - NU]!.d(x, z, y, out);
          const got = test(x, z, y, p);
          for (let k = 1; k <= r.n; k++) {
            if (!Object.is(got[k - 1], out[k])) return null;
            const f = fixed[k];
            if (f != null && !Object.is(out[k], value(f, x, z, y, p))) fixed[k] = null;
          }
        }
      }
    }
  } catch {
    return null;
  }
  return { ...r, fixed };
}

/**
 * The fuzzer's search at singular points (issue 17): random programs with
 * sqrt, log and pow among smooth ops, at points where some inputs are exactly
 * 0, so that infinite partials (sqrt′(0), log′(0), x^p with p < 2) meet
 * derivatives that are 0 there. Each is compared, along every coordinate
 * direction, with a reference evaluator written for this check alone: order-2
 * Taylor numbers that know which of their components are structural zeros
 * (this value does not depend on the seeded input; no nonlinear op lies
 * between the seed and this second coefficient) and follow the rule
 * "a structural zero wins; a computed 0·∞ is NaN" with IEEE arithmetic
 * everywhere else. Where the reference says NaN, every path of the library
 * must say NaN (no finite value at a singular point); elsewhere the same
 * number.
 */
import {
  directional, grad, hessian, hessianDiagonal, hvp, hyperdual, jvp, laplacian, mul, prepare, valueAndGrad, type Num,
} from '../../lib/index.js';
import * as hyperad from '../../lib/index.js';
import { mulberry32 } from './random.js';

/** One binding: an op over earlier values (inputs are 0 … n−1, bindings follow). */
export type ZLet =
  | { k: 'unary'; op: 'sqrt' | 'log' | 'exp' | 'sin' | 'relu' | 'neg'; a: number }
  | { k: 'powc'; p: number; a: number }
  | { k: 'binary'; op: 'add' | 'sub' | 'mul' | 'max'; a: number; b: number }
  | { k: 'scale'; c: number; a: number };

export interface ZProgram { n: number; lets: ZLet[] }

const UNARY = ['sqrt', 'log', 'exp', 'sin', 'relu', 'neg'] as const;
const BINARY = ['add', 'sub', 'mul', 'max'] as const;
const POWERS = [0.5, 1.5, 2, 3, 0, 1, -1];

/** A random program of n inputs and m bindings (sqrt, log and pow twice as likely as the others). */
export function zeroProgram(rnd: () => number, n: number, m: number): ZProgram {
  const lets: ZLet[] = [], pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // operands lean on recent values, so the output depends on most of the program
  const arg = (): number => { const top = n + lets.length; return rnd() < 0.6 ? top - 1 - Math.floor(rnd() * Math.min(3, top)) : Math.floor(rnd() * top); };
  for (let j = 0; j < m; j++) {
    const r = rnd();
    if (r < 0.2) lets.push({ k: 'unary', op: pick(['sqrt', 'log'] as const), a: arg() });
    else if (r < 0.35) lets.push({ k: 'powc', p: pick(POWERS), a: arg() });
    else if (r < 0.5) lets.push({ k: 'unary', op: pick(UNARY), a: arg() });
    else if (r < 0.6) lets.push({ k: 'scale', c: pick([0, 2, -1]), a: arg() });
    else lets.push({ k: 'binary', op: pick(BINARY), a: arg(), b: arg() });
  }
  return { n, lets };
}

/** The program as a function of hyperad values. */
export function zeroFunction(p: ZProgram): (x: Num[]) => Num {
  const h = hyperad;
  return (x) => {
    const v: Num[] = [...x];
    for (const l of p.lets) {
      if (l.k === 'unary') v.push(h[l.op](v[l.a]!));
      else if (l.k === 'powc') v.push(h.pow(v[l.a]!, l.p));
      else if (l.k === 'scale') v.push(h.mul(l.c, v[l.a]!));
      else v.push(h[l.op](v[l.a]!, v[l.b]!));
    }
    return v[v.length - 1]!;
  };
}

/** The program as TypeScript, for a failure message. */
export function zeroSource(p: ZProgram): string {
  const name = (i: number) => (i < p.n ? `x[${i}]` : `t${i - p.n}`);
  return p.lets.map((l, j) => {
    const rhs = l.k === 'unary' ? `${l.op}(${name(l.a)})` : l.k === 'powc' ? `pow(${name(l.a)}, ${l.p})`
      : l.k === 'scale' ? `mul(${l.c}, ${name(l.a)})` : `${l.op}(${name(l.a)}, ${name(l.b)})`;
    return `const ${name(p.n + j)} = ${rhs};`;
  }).join(' ');
}

// ---------------------------------------------------------------- the reference

/** An order-2 Taylor number; s1, s2: the first, second coefficient is a structural zero. */
interface T2 { v: number; d1: number; d2: number; s1: boolean; s2: boolean }

/** f, f′, f″ of a unary op, and whether f′, f″ vanish identically; NaN derivatives outside the domain and at ±∞. */
function unaryRule(l: Extract<ZLet, { k: 'unary' | 'powc' | 'scale' }>, x: number): { f: number; f1: number; f2: number; z1: boolean; z2: boolean } {
  let f: number, f1: number, f2: number, z1 = false, z2 = false;
  if (l.k === 'powc') {
    const p = l.p;
    f = p === 2 ? x * x : Math.pow(x, p);
    f1 = p === 0 ? 0 : p * Math.pow(x, p - 1);
    f2 = p * (p - 1) === 0 ? 0 : p * (p - 1) * Math.pow(x, p - 2);
    z1 = p === 0; z2 = p === 0 || p === 1;
  } else if (l.k === 'scale') {
    f = l.c * x; f1 = l.c; f2 = 0; z1 = l.c === 0; z2 = true;
  } else {
    switch (l.op) {
      case 'sqrt': f = Math.sqrt(x); f1 = 0.5 / f; f2 = -0.25 / (f * x); if (x === 0) f2 = -Infinity; break;
      case 'log': f = Math.log(x); f1 = 1 / x; f2 = -1 / (x * x); break;
      case 'exp': f = Math.exp(x); f1 = f; f2 = f; break;
      case 'sin': f = Math.sin(x); f1 = Math.cos(x); f2 = -f; break;
      case 'relu': f = x > 0 ? x : x !== x ? x : 0; f1 = x > 0 ? 1 : 0; f2 = 0; z2 = true; break;
      case 'neg': f = -x; f1 = -1; f2 = 0; z2 = true; break;
    }
  }
  if (f !== f || x - x !== 0) { f1 = NaN; f2 = NaN; z1 = z2 = false; }
  return { f, f1, f2, z1, z2 };
}

/** p·q unless a structural zero is among the factors (then 0). */
const prod = (zero: boolean, ...xs: number[]): number => (zero ? 0 : xs.reduce((a, b) => a * b, 1));

/** The reference's (value, first, second derivative) of p at x along coordinate j. */
export function zeroReference(p: ZProgram, x: readonly number[], j: number): { value: number; first: number; second: number } {
  const v: T2[] = x.map((xi, i) => ({ v: xi, d1: i === j ? 1 : 0, d2: 0, s1: i !== j, s2: true }));
  for (const l of p.lets) {
    if (l.k !== 'binary') {
      const a = v[l.a]!, r = unaryRule(l, a.v);
      // y′ = f′a′, y″ = f′a″ + f″a′²
      v.push({
        v: r.f, d1: prod(a.s1 || r.z1, r.f1, a.d1), d2: prod(a.s2 || r.z1, r.f1, a.d2) + prod(a.s1 || r.z2, r.f2, a.d1, a.d1),
        s1: a.s1 || r.z1, s2: (a.s2 || r.z1) && (a.s1 || r.z2),
      });
      continue;
    }
    const a = v[l.a]!, b = v[l.b]!;
    let f: number, ga: number, gb: number, hab = 0;
    switch (l.op) {
      case 'add': f = a.v + b.v; ga = 1; gb = 1; break;
      case 'sub': f = a.v - b.v; ga = 1; gb = -1; break;
      case 'mul': f = a.v * b.v; ga = b.v; gb = a.v; hab = 1; break;
      case 'max': f = a.v >= b.v ? a.v : b.v !== b.v ? b.v : a.v < b.v ? b.v : a.v; ga = a.v >= b.v ? 1 : 0; gb = 1 - ga; break;
    }
    if (f !== f) { ga = gb = hab = NaN; }
    // only mul has a second partial (h_ab = 1); h_aa = h_bb = 0 identically for all four
    const hasH = l.op === 'mul' || f !== f;
    v.push({
      v: f,
      d1: prod(a.s1, ga, a.d1) + prod(b.s1, gb, b.d1),
      d2: prod(a.s2, ga, a.d2) + prod(b.s2, gb, b.d2) + prod(!hasH || a.s1 || b.s1, 2 * hab, a.d1, b.d1)
        + (f !== f && !(a.s1 && b.s1) ? NaN : 0),
      s1: a.s1 && b.s1, s2: a.s2 && b.s2 && (!hasH || a.s1 || b.s1),
    });
  }
  const y = v[v.length - 1]!;
  return { value: y.v, first: y.d1, second: y.d2 };
}

/** The point: each coordinate 0 with probability 1/2, else a small positive or negative value. */
export function zeroPoint(rnd: () => number, n: number): number[] {
  return Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : Number((rnd() < 0.7 ? 0.2 + 2 * rnd() : -0.2 - 2 * rnd()).toFixed(3))));
}

// ---------------------------------------------------------------- the search

/**
 * Same derivative: equal, or finite and close; where the reference is not
 * finite, any non-finite value. Above all, where the reference gives NaN no
 * mode may give a finite number. (±∞ and NaN may differ between modes: they
 * associate the chain rule's products differently, and at max(u, u) — a tie,
 * ∂/∂b = 0 computed — forward mode multiplies that 0 by u's tangent while
 * reverse mode multiplies it by an adjoint; with u = log x at 0 one of them
 * forms 0·∞ and the other does not.)
 */
export function same(got: number, want: number): boolean {
  if (!Number.isFinite(want)) return !Number.isFinite(got) && (Number.isNaN(want) || Number.isNaN(got) || got === want);
  return got === want || (Number.isFinite(got) && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)));
}

/** What a search found: programs run, rows (program × direction), rows where the reference is NaN, and the disagreements. */
export interface ZeroReport { programs: number; rows: number; nanRows: number; wrong: string[] }

/**
 * Runs `count` programs from `seed` (or until `seconds` pass) through every
 * mode, stopping after `maxWrong` disagreements.
 */
export function zeroFuzz(o: { seed: number; count?: number; seconds?: number; maxWrong?: number }): ZeroReport {
  const rnd = mulberry32(o.seed), wrong: string[] = [], end = performance.now() + 1000 * (o.seconds ?? Infinity);
  let programs = 0, rows = 0, nanRows = 0;
  for (let i = 0; (o.count === undefined || i < o.count) && performance.now() < end && wrong.length < (o.maxWrong ?? 5); i++) {
    programs++;
    const n = 1 + Math.floor(rnd() * 3), prog = zeroProgram(rnd, n, 3 + Math.floor(rnd() * 6)), x = zeroPoint(rnd, n);
    const f = zeroFunction(prog), e = (j: number) => x.map((_, k) => (k === j ? 1 : 0));
    const ref = x.map((_, j) => zeroReference(prog, x, j));
    const outer = (inner: () => Num): number => grad((z) => mul(z[0]!, inner()), [1])[0]!;
    const P = prepare(f, x), Q = prepare(f, x.map((v) => v + 0.75)).at(x);
    const got: Record<string, (j: number) => [first: number | null, second: number | null]> = {
      Dual: (j) => [jvp(f, x, e(j)).tangent, null],
      Taylor2: (j) => { const d = directional(f, x, e(j)); return [d.first, d.second]; },
      HyperDual: (j) => { const h = hyperdual(f, x, e(j), e(j)); return [h.da, h.dab]; },
      jet: (j) => [outer(() => jvp(f, x, e(j)).tangent as Num), outer(() => directional(f, x, e(j)).second as Num)],
      'tape grad, hessian': (j) => [valueAndGrad(f, x).grad[j]!, hessian(f, x)[j]![j]!],
      'tape hvp': (j) => [null, hvp(f, x, e(j))[j]!],
      "tape diagonal ('hyperdual', one lane)": (j) => [null, hessianDiagonal(f, x, { method: 'hyperdual', lanes: 1 })[j]!],
      "tape diagonal ('hvp')": (j) => [null, hessianDiagonal(f, x, { method: 'hvp' })[j]!],
      'tape diagonal (sparse)': (j) => [null, hessianDiagonal(f, x, { method: 'sparse' })[j]!],
      prepared: (j) => { P.grad(); P.grad(); P.grad(); return [P.grad()[j]!, P.hessian()[j]![j]!]; },
      'prepared, moved here': (j) => [Q.grad()[j]!, Q.hessianDiagonal()[j]!],
    };
    const before = wrong.length;
    for (let j = 0; j < n && wrong.length === before; j++) {
      const r = ref[j]!;
      rows++;
      if (Number.isNaN(r.second) || Number.isNaN(r.first)) nanRows++;
      for (const [mode, read] of Object.entries(got)) {
        const [first, second] = read(j);
        if (first !== null && !same(first, r.first)) wrong.push(`${mode} first ${first}, reference ${r.first}`);
        if (second !== null && !same(second, r.second)) wrong.push(`${mode} second ${second}, reference ${r.second}`);
      }
      if (wrong.length > before) wrong.splice(before, 0, `program ${i}: ${zeroSource(prog)} at x = [${x}], direction e${j}:`);
    }
    // the trace: NaN as soon as one diagonal entry is
    const tr = ref.reduce((s, r) => s + r.second, 0), lap = laplacian(f, x);
    if (wrong.length === before && !same(lap, tr)) wrong.push(`program ${i}: ${zeroSource(prog)} at x = [${x}]: laplacian ${lap}, reference ${tr}`);
  }
  return { programs, rows, nanRows, wrong };
}

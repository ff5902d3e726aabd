/**
 * The fuzz loop (shared by spec/fuzz.spec.ts and scripts/fuzz.ts): generate
 * programs from a seed, run each through every path (differential.ts), and
 * turn each new disagreement into a minimal reproducer — the program shrunk
 * (bindings dropped or replaced by one of their operands, an input or a
 * constant; inputs and list entries removed; constants rounded) while the
 * same pair of paths still disagrees, printed as TypeScript with its point,
 * directions and the pair of paths.
 */
import { bindingValues as valuesAt, sizeOf } from './interpret.js';
import { directions, runSample, signature, type Failure, type Outcome, type RunOptions } from './differential.js';
import {
  generate, inputSize, pointSource, programSource, refsOf, type GenOptions, type Program, type Ref, type Sample, type ScalarLet, type ScalarProgram,
  type TensorLet, type TensorProgram,
} from './programs.js';
import { mulberry32 } from './random.js';

type Let = ScalarLet | TensorLet;

// ---------------------------------------------------------------- program surgery

/** l with every operand mapped by g. */
function mapRefs<L extends Let>(l: L, g: (r: Ref) => Ref): L {
  const o = { ...l } as Record<string, unknown>;
  for (const k of ['a', 'b', 'W', 'then', 'else']) if (o[k] !== undefined) o[k] = g(o[k] as Ref);
  for (const k of ['xs', 'ys']) if (o[k]) o[k] = (o[k] as Ref[]).map(g);
  return o as L;
}

function withLets(p: Program, lets: Let[], out: Ref): Program {
  return { ...p, lets, out } as Program;
}

/** Drops the bindings the output does not use, renumbering the rest. */
function dce(p: Program): Program {
  const live = new Set<number>(), mark = (r: Ref) => { if ('let' in r) live.add(r.let); };
  mark(p.out);
  for (let j = p.lets.length - 1; j >= 0; j--) if (live.has(j)) refsOf(p.lets[j]!).forEach(mark);
  const to = new Map<number, number>(), lets: Let[] = [];
  p.lets.forEach((l, j) => { if (live.has(j)) { to.set(j, lets.length); lets.push(l); } });
  const g = (r: Ref): Ref => ('let' in r ? { let: to.get(r.let)! } : r);
  return withLets(p, lets.map((l) => mapRefs(l, g)), g(p.out));
}

/** Every use of binding j replaced by r (an input, a constant, or an earlier binding); binding j removed. */
function substitute(p: Program, j: number, r: Ref): Program {
  const g = (x: Ref): Ref => ('let' in x ? (x.let === j ? r : x.let > j ? { let: x.let - 1 } : x) : x);
  const lets = p.lets.filter((_, k) => k !== j).map((l) => mapRefs(l as Let, g));
  return dce(withLets(p, lets, g(p.out)));
}

const round = (v: number, digits: number): number => Number(v.toPrecision(digits));

/** Simpler programs than s, roughly largest cuts first. */
function* candidates(s: Sample): Generator<Sample> {
  const p = s.program, L = p.lets.length, same = (q: Program): Sample => ({ ...s, program: q });
  // 1. an earlier binding as the output
  for (let j = 0; j < L - 1; j++) yield same(dce(withLets(p, [...p.lets], { let: j })));
  // 2. a binding replaced by one of its operands, an input, or its value at x0
  const vals = (() => { try { return valuesAt(p, s.x0); } catch { return []; } })();
  for (let j = L - 1; j >= 0; j--) {
    const seen = new Set<string>();
    for (const r of refsOf(p.lets[j]!)) {
      const key = JSON.stringify(r);
      if (seen.has(key) || 'c' in r || 'data' in r) continue;
      seen.add(key);
      yield same(substitute(p, j, r));
    }
    if (p.kind === 'scalar') for (let i = 0; i < p.n; i++) yield same(substitute(p, j, { in: i }));
    const v = vals[j];
    if (v) {
      const c: Ref = v.data.length === 1 && v.shape.length === 0 ? { c: round(v.data[0] as number, 3) } : { data: v.data.map((u) => round(u as number, 3)), shape: v.shape };
      yield same(substitute(p, j, c));
    }
  }
  // 3. one entry fewer in a list (sum, logsumexp, dot, stack, concat)
  for (let j = 0; j < L; j++) {
    const l = p.lets[j]! as Record<string, unknown>;
    for (const k of ['xs', 'ys']) {
      const xs = l[k] as Ref[] | undefined;
      if (!xs || xs.length < 2) continue;
      for (let i = 0; i < xs.length; i++) {
        const o = { ...l, [k]: xs.filter((_, m) => m !== i) };
        if (l.k === 'dot') { o.xs = (l.xs as Ref[]).filter((_, m) => m !== i); o.ys = (l.ys as Ref[]).filter((_, m) => m !== i); }
        const lets = [...p.lets]; lets[j] = o as unknown as Let;
        yield same(dce(withLets(p, lets, p.out)));
      }
    }
  }
  // 4. an input replaced by its value at x0 (the point loses that coordinate)
  if (p.kind === 'scalar' && p.n > 1) {
    for (let i = 0; i < p.n; i++) {
      const g = (r: Ref): Ref => ('in' in r ? (r.in === i ? { c: s.x0[i]! } : r.in > i ? { in: r.in - 1 } : r) : r);
      const q: ScalarProgram = { ...p, n: p.n - 1, lets: p.lets.map((l) => mapRefs(l, g)), out: g(p.out) };
      const drop = (x: readonly number[]) => x.filter((_, k) => k !== i);
      yield { program: dce(q), x0: drop(s.x0), x1: drop(s.x1) };
    }
  }
  if (p.kind === 'tensor' && p.inputs.length > 1) {
    let off = 0;
    for (let i = 0; i < p.inputs.length; i++) {
      const t = p.inputs[i]!, sz = sizeOf(t.shape), o = off;
      off += sz;
      const c: Ref = { data: s.x0.slice(o, o + sz), shape: t.shape };
      const g = (r: Ref): Ref => ('in' in r ? (r.in === i ? c : r.in > i ? { in: r.in - 1 } : r) : r);
      const q: TensorProgram = { ...p, form: 'record', inputs: p.inputs.filter((_, k) => k !== i), lets: p.lets.map((l) => mapRefs(l, g)), out: g(p.out) };
      const drop = (x: readonly number[]) => [...x.slice(0, o), ...x.slice(o + sz)];
      yield { program: dce(q), x0: drop(s.x0), x1: drop(s.x1) };
    }
  }
  // 5. shorter constants and points
  for (let j = 0; j < L; j++) {
    for (const digits of [1, 2]) {
      let changed = false;
      const g = (r: Ref): Ref => {
        if ('c' in r && round(r.c, digits) !== r.c) { changed = true; return { c: round(r.c, digits) }; }
        if ('data' in r && r.data.some((u) => round(u, digits) !== u)) { changed = true; return { data: r.data.map((u) => round(u, digits)), shape: r.shape }; }
        return r;
      };
      const lets = [...p.lets]; lets[j] = mapRefs(p.lets[j]! as Let, g);
      if (changed) yield same(withLets(p, lets, p.out));
    }
  }
  for (const digits of [1, 2, 3]) {
    const x0 = s.x0.map((v) => round(v, digits)), x1 = s.x1.map((v) => round(v, digits));
    if (x0.some((v, i) => v !== s.x0[i]) || x1.some((v, i) => v !== s.x1[i])) yield { ...s, x0, x1 };
  }
}

const size = (s: Sample): number => s.program.lets.length * 1000 + inputSize(s.program) * 10 + JSON.stringify(s).length / 1e4;

/**
 * s made smaller while `failure`'s pair of paths still disagrees on it (a
 * thrown error must keep its kind and the start of its message).
 */
export function shrink(s: Sample, failure: Failure, opts: RunOptions, budget = { tries: 400, ms: 20000 }): { sample: Sample; tries: number } {
  const sig = signature(failure), t0 = Date.now(), head = (f: Failure) => f.detail.slice(0, 40);
  const fails = (c: Sample): boolean => {
    if (c.program.lets.length === 0 && !('in' in c.program.out)) return false;
    const o = runSample(c, { ...opts, redraw: false }, sig);
    return !o.invalid && o.failures.some((f) => signature(f) === sig && (f.kind !== 'throw' || head(f) === head(failure)));
  };
  let cur = s, tries = 0, progress = true;
  while (progress && tries < budget.tries && Date.now() - t0 < budget.ms) {
    progress = false;
    for (const c of candidates(cur)) {
      if (tries >= budget.tries || Date.now() - t0 >= budget.ms) break;
      if (size(c) >= size(cur)) continue;
      tries++;
      if (fails(c)) { cur = c; progress = true; break; }
    }
  }
  return { sample: cur, tries };
}

// ---------------------------------------------------------------- reproducers

/** A failure as runnable TypeScript: the program, its point, the directions, and the two paths. */
export function reproducer(s: Sample, f: Failure, seed: number, from?: number): string {
  const p = s.program, d = directions(seed, inputSize(p)), list = (v: readonly number[]) => `[${v.join(', ')}]`;
  const lines = [
    `${f.kind === 'throw' ? 'exception' : `${f.kind} disagreement`}: ${f.a}  vs  ${f.b}:${f.detail}`,
    `${p.kind} program${from !== undefined ? ` (shrunk from ${from} to ${p.lets.length} bindings)` : ''}, directions from seed ${seed}:`,
    '```ts',
    programSource(p, s.x0),
    `const x1 = ${pointSource(p, s.x1)}; // where prepare(f, x).at(x1) moves to`,
    `const a = ${list(d.a)}, b = ${list(d.b)}, v = ${list(d.v)}, c = ${list(d.c)}; // directions (flat)`,
    '```',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------- the loop

export interface FuzzOptions {
  seed: number;
  /** stop after this many programs */
  count?: number;
  /** or after this many seconds */
  seconds?: number;
  /** share of tensor programs (default 0.5) */
  tensorShare?: number;
  /** shrink failures (default true) */
  shrink?: boolean;
  /** compare with finite differences (default true) */
  fd?: boolean;
  gen?: GenOptions;
  /** progress lines */
  log?: (line: string) => void;
}

export interface FoundFailure {
  readonly signature: string;
  readonly program: number;
  readonly reproducer: string;
  /** how many programs showed this signature */
  count: number;
}

export interface FuzzReport {
  programs: number;
  scalar: number;
  tensor: number;
  bindings: number;
  comparisons: number;
  /** finite-difference comparisons made / skipped (unreliable estimate); programs whose point was redrawn; programs without FD */
  fd: { made: number; skipped: number; redraws: number; without: number };
  /** generated samples that could not run (should stay 0) */
  invalid: string[];
  failures: FoundFailure[];
  worst: Outcome['worst'];
  /** how often each op and binding kind was generated */
  coverage: Record<string, number>;
  ms: number;
}

/** A per-program seed from the run's seed (so program i can be re-run alone). */
export const programSeed = (seed: number, i: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;

/** The i-th sample of a run. */
export function sampleOf(seed: number, i: number, share = 0.5, gen: GenOptions = {}): Sample {
  return generate(mulberry32(programSeed(seed, i)), share, gen);
}

function cover(p: Program, c: Record<string, number>): void {
  for (const l of p.lets) {
    const key = l.k === 'unary' || l.k === 'binary' ? l.op : l.k === 'powc' ? `pow(·, ${l.p})` : `${p.kind}:${l.k}`;
    c[key] = (c[key] ?? 0) + 1;
    if ((l.k === 'unary' || l.k === 'binary') && p.kind === 'tensor') c[`tensor:${l.k}`] = (c[`tensor:${l.k}`] ?? 0) + 1;
    for (const r of refsOf(l)) if ('c' in r && l.k === 'binary') c['binary with a number operand'] = (c['binary with a number operand'] ?? 0) + 1;
  }
  c[`${p.kind} programs`] = (c[`${p.kind} programs`] ?? 0) + 1;
  if (p.kind === 'tensor') c[`${p.form} form`] = (c[`${p.form} form`] ?? 0) + 1;
}

/** Runs programs until count or seconds is reached; shrinks and records each new failure signature. */
export function fuzz(o: FuzzOptions): FuzzReport {
  const t0 = Date.now(), share = o.tensorShare ?? 0.5, log = o.log ?? (() => {});
  const rep: FuzzReport = {
    programs: 0, scalar: 0, tensor: 0, bindings: 0, comparisons: 0, fd: { made: 0, skipped: 0, redraws: 0, without: 0 }, invalid: [], failures: [],
    worst: { path: { err: 0, where: '' }, replay: { err: 0, where: '' }, fd: { err: 0, where: '' } }, coverage: {}, ms: 0,
  };
  const known = new Map<string, FoundFailure>();
  for (let i = 0; ; i++) {
    if (o.count !== undefined && i >= o.count) break;
    if (o.seconds !== undefined && Date.now() - t0 >= o.seconds * 1000) break;
    const s = sampleOf(o.seed, i, share, o.gen), seed = programSeed(o.seed, i);
    const out = runSample(s, { seed, fd: o.fd ?? true });
    rep.programs++; rep[s.program.kind]++; rep.bindings += s.program.lets.length;
    cover(s.program, rep.coverage);
    if (out.invalid) { rep.invalid.push(`program ${i}: ${out.invalid}`); continue; }
    rep.comparisons += out.comparisons;
    rep.fd.made += out.fd.made; rep.fd.skipped += out.fd.skipped; rep.fd.redraws += out.fd.redraws;
    if (!out.fd.ran) rep.fd.without++;
    for (const k of ['path', 'replay', 'fd'] as const) {
      if (out.worst[k].err > rep.worst[k].err) rep.worst[k] = { err: out.worst[k].err, where: `program ${i}: ${out.worst[k].where}` };
    }
    // each new signature is shrunk, unless a reproducer already shrunk from this program shows it too
    const shrunk: Sample[] = [];
    for (const f of out.failures) {
      const sig = signature(f), seen = known.get(sig);
      if (seen) { seen.count++; continue; }
      const at = { ...s, x0: f.kind === 'fd' ? out.fdX0 : out.x0 }, opts = { seed, fd: o.fd ?? true };
      const showsIt = (c: Sample) => runSample(c, { ...opts, redraw: false }, sig).failures.find((g) => signature(g) === sig);
      let small = shrunk.find((c) => showsIt(c));
      if (!small) {
        small = o.shrink === false ? at : shrink(at, f, opts).sample;
        shrunk.push(small);
      }
      const again = showsIt(small) ?? f;
      const found: FoundFailure = { signature: sig, program: i, reproducer: reproducer(small, again, seed, s.program.lets.length), count: 1 };
      known.set(sig, found);
      rep.failures.push(found);
      log(`program ${i}: ${sig}\n${found.reproducer}`);
    }
    if (i % 100 === 99) log(`${i + 1} programs, ${rep.failures.length} distinct failures, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  rep.ms = Date.now() - t0;
  return rep;
}

/**
 * The structured Hessian diagonal's rows for docs/comparison.md (issue 15),
 * measured here, reported by scripts/compare/structured-report.ts, run by
 * scripts/compare.ts: on three networks, as functions of their weights, the
 * lanes and the time of
 *   structured   hessianDiagonal(f, θ, { method: 'structured' })
 *   hyperdual    the dense one-hot hyper-dual lanes, one per parameter
 *   hvp          the dense one-hot HVP lanes (forward-over-reverse), one per parameter
 *   hutchinson   hessianDiagonalEstimate(f, θ, { samples }), with as many
 *                probes as fit in the structured call's time
 * Every time is one call, recording included (prepare, or the one-shot
 * function), median of interleaved repeats; "× f" divides it by the median of
 * the workload's plain-JS f (hand-written loops over Float64Arrays) timed in
 * the same rounds. A dense call whose estimate exceeds the budget is not run:
 * its time is the recording plus n × the time per lane of a subset of
 * one-hot lanes on a prepared recording (`quadraticForms` for hyper-dual
 * lanes, `hvps` for HVP lanes), and the table marks it "≈". The subset's
 * entries, exact by construction, also check the structured diagonal where
 * the full dense one is not run.
 */
import {
  crossEntropy, hessianDiagonal, hessianDiagonalEstimate, linear, mlp as network, pow, prepare, randn, sub, sum, tanh, tensor,
  type DiagonalInfo, type Num, type TensorRecord,
} from '../../lib/index.js';
import { RECORDING_SWEEPS } from '../../lib/transforms/policy.js';
import { batchMlp, mlp } from '../workloads/index.js';

/** A network's loss as a function of its weights (a record), with its plain-JS twin. */
interface NetCase {
  name: string;
  /** parameters, all entries of the record */
  n: number;
  f: (p: TensorRecord) => Num;
  params: TensorRecord;
  plain: () => number;
}

/** The seed MLP 5 → 100 (tanh) → 10, cross-entropy of class 0 at the seed input, as a function of its 1610 weights. */
function seedMlp(): NetCase {
  const w = mlp(), x = tensor(w.x);
  const params: TensorRecord = { W1: tensor(w.W1, [100, 5]), b1: tensor(w.b1), W2: tensor(w.W2, [10, 100]), b2: tensor(w.b2) };
  return {
    name: 'seed MLP 5→100→10', n: 1610, params, plain: () => w.plain(w.x),
    f: (p) => crossEntropy(linear(tanh(linear(x, p.W1!, p.b1)), p.W2!, p.b2), 0),
  };
}

/** A deeper tanh MLP 32 → 64 → 64 → 1 (mlp(…, { seed: 2 })), batch 8, squared error: 6337 weights. */
function deepMlp(): NetCase {
  const sizes = [32, 64, 64, 1], B = 8, net = network(sizes, { seed: 2 });
  const X = randn([B, 32], 4), Y = randn([B, 1], 5), Xd = X.values(), Yd = Y.values();
  const P = Object.fromEntries(Object.entries(net.params).map(([k, t]) => [k, t.values()]));
  // plain JS: the same layers by hand, scratch preallocated
  const h1 = new Float64Array(64), h2 = new Float64Array(64);
  const layer = (W: Float64Array, b: Float64Array, x: Float64Array, xo: number, nIn: number, out: Float64Array, act: boolean) => {
    for (let j = 0; j < out.length; j++) {
      let a = b[j]!;
      for (let i = 0; i < nIn; i++) a += W[j * nIn + i]! * x[xo + i]!;
      out[j] = act ? Math.tanh(a) : a;
    }
  };
  const o = new Float64Array(1);
  const plain = () => {
    let s = 0;
    for (let r = 0; r < B; r++) {
      layer(P.W1!, P.b1!, Xd, r * 32, 32, h1, true);
      layer(P.W2!, P.b2!, h1, 0, 64, h2, true);
      layer(P.W3!, P.b3!, h2, 0, 64, o, false);
      s += (o[0]! - Yd[r]!) ** 2;
    }
    return s;
  };
  return { name: 'deep MLP 32→64→64→1', n: 6337, params: net.params, plain, f: (p) => sum(pow(sub(net.apply(p, X), Y), 2)) };
}

/** W6 of scripts/workloads/tensors.ts: 784 → 128 (tanh) → 10, batch 32, mean cross-entropy: 101 770 weights. */
function batch(): NetCase {
  const w = batchMlp();
  return { name: 'batch MLP 784→128→10', n: w.n, params: w.x, plain: w.plain, f: (p) => w.f(p as never) };
}

// ---------------------------------------------------------------- measuring

const now = () => Number(process.hrtime.bigint()) / 1e6;
let sink = 0;
const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;

/** Median ms of each of fns over `repeats` rounds (one call of each in turn), after one warm-up round. */
function interleaved(fns: readonly (() => unknown)[], repeats: number): number[] {
  const run = (fn: () => unknown) => { const t0 = now(); const r = fn(); sink += typeof r === 'number' ? r : 0; return now() - t0; };
  fns.forEach(run);
  const samples = fns.map((): number[] => []);
  for (let r = 0; r < repeats; r++) fns.forEach((fn, k) => samples[k]!.push(run(fn)));
  return samples.map(median);
}

/**
 * fn repeated r times, r such that one call of the whole takes about 2 ms (a
 * plain f of a few microseconds is not timed one call at a time), and r.
 */
function batched(fn: () => number): { fn: () => number; r: number } {
  let r = 1;
  for (;;) {
    const t0 = now();
    for (let k = 0; k < r; k++) sink += fn();
    if (now() - t0 >= 2 || r >= 1 << 20) return { fn: () => { let s = 0; for (let k = 0; k < r; k++) s += fn(); return s; }, r };
    r *= 2;
  }
}

/** One flattened record, in key order. */
function flat(d: TensorRecord): Float64Array {
  const parts = Object.values(d).map((t) => t.data), out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** max |gᵢ − rᵢ| / max(|rᵢ|, 1e-4‖r‖∞): entries far below the largest compared against that floor */
function maxRel(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let norm = 0, worst = 0;
  for (let i = 0; i < ref.length; i++) norm = Math.max(norm, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!) / Math.max(Math.abs(ref[i]!), 1e-4 * norm));
  return worst;
}

/** ‖g − r‖₂ / ‖r‖₂ */
function normRel(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let e = 0, r = 0;
  for (let i = 0; i < ref.length; i++) { e += (got[i]! - ref[i]!) ** 2; r += ref[i]! ** 2; }
  return Math.sqrt(e / r);
}

export type StructuredMethod = 'structured' | 'hyperdual' | 'hvp' | 'hutchinson';

export interface StructuredRow {
  workload: string;
  n: number;
  method: StructuredMethod;
  /** lanes swept (probes for Hutchinson) */
  lanes: number;
  /** one call, recording included, median ms */
  ms: number;
  /** ms ÷ the plain-JS f's median ms */
  ratio: number;
  /** the time is recording + n × a subset's time per lane, not a full call */
  estimated?: boolean;
  /** 'structured': max relative difference from the dense lanes (all entries, or the subset's); 'hutchinson': ‖d̂ − d‖₂/‖d‖₂ */
  error?: number;
  /** what `error` was measured against */
  against?: string;
  /** why there is no time */
  skipped?: string;
  /** 'structured': the per-parameter methods, e.g. W1 structured, … */
  parameters?: string;
}

/** Budget of a dense full call (--quick: QUICK_DENSE_BUDGET_MS): above it, its time is estimated from a subset. */
export const DENSE_BUDGET_MS = 6000, QUICK_DENSE_BUDGET_MS = 300;
/** One-hot lanes of the subset that times a dense lane (and checks the structured entries); fewer with --quick. */
export const SUBSET = 64, QUICK_SUBSET = 16;
/** With --quick, no dense estimate where one subset call takes longer than this. */
const QUICK_SUBSET_MS = 50;
/** Rounds of the interleaved timing, and of the full dense calls (seconds each). */
export const REPEATS = 9, DENSE_REPEATS = 3, QUICK_REPEATS = 3;

function measureNet(c: NetCase, quick: boolean): StructuredRow[] {
  const { f, params, n } = c, m = quick ? QUICK_SUBSET : SUBSET, plain = batched(c.plain);
  const structured = () => hessianDiagonal(f, params, { method: 'structured' }) as TensorRecord & DiagonalInfo;
  // the subset: m one-hot directions spread over every parameter tensor
  const idx = Array.from({ length: m }, (_, k) => Math.floor(((k + 0.5) * n) / m));
  const dirs = idx.map((i) => { const e = new Float64Array(n); e[i] = 1; return e; });
  const P = prepare(f, params), record = () => prepare(f, params);
  const subH = () => P.quadraticForms(dirs), subV = () => P.hvps(dirs);
  // first calls: the structured plan is found (then cached for f's structure), the subset's exact entries
  const s0 = structured(), exact = subH();
  // (a prepared recording's first sweeps run over the recording itself, then it compacts: past that first)
  for (let k = 0; k < RECORDING_SWEEPS + 1; k++) { subH(); subV(); }
  const [vMs] = interleaved([subV], 1) as [number];
  // timed: plain f, structured, the recording and the subset's lanes, interleaved
  // (--quick leaves the dense estimates out where one subset call is slow)
  const estimate = !quick || vMs < QUICK_SUBSET_MS;
  const ms = interleaved([plain.fn, structured, ...(estimate ? [record, subH, subV] : [])], quick ? QUICK_REPEATS : REPEATS);
  const [plainMs, structMs] = [ms[0]! / plain.r, ms[1]!];
  const [rec, perH, perV] = estimate ? [ms[2]!, ms[3]! / m, ms[4]! / m] : [NaN, NaN, NaN];
  // Hutchinson: as many probes (HVP lanes) as the structured call's time pays for beyond a recording, timed
  // against plain f and the structured call again
  const [recMs, laneMs] = estimate ? [rec, perV] : [interleaved([record], 1)[0]!, vMs / m];
  const samples = Math.max(1, Math.floor((structMs - recMs) / laneMs));
  const hutch = () => hessianDiagonalEstimate(f, params, { samples }).estimate as TensorRecord;
  const [plain2, , hutchMs] = interleaved([plain.fn, structured, hutch], quick ? QUICK_REPEATS : REPEATS) as [number, number, number];
  // the dense calls: in full when they fit the budget (fewer rounds, against plain f in the same rounds)
  const dense = (method: 'hyperdual' | 'hvp') => () => hessianDiagonal(f, params, { method }) as TensorRecord;
  const budget = quick ? QUICK_DENSE_BUDGET_MS : DENSE_BUDGET_MS;
  const fullH = estimate && rec + n * perH < budget, fullV = estimate && rec + n * perV < budget;
  const denseFns = [...(fullH ? [dense('hyperdual')] : []), ...(fullV ? [dense('hvp')] : [])];
  const denseMs = denseFns.length ? interleaved([plain.fn, ...denseFns], quick ? QUICK_REPEATS : DENSE_REPEATS) : [];
  const denseRow = (method: 'hyperdual' | 'hvp', full: boolean, at: number, per: number): StructuredRow => full
    ? { workload: c.name, n, method, lanes: n, ms: denseMs[at]!, ratio: (denseMs[at]! * plain.r) / denseMs[0]! }
    : estimate ? { workload: c.name, n, method, lanes: n, ms: rec + n * per, ratio: (rec + n * per) / plainMs, estimated: true }
      : { workload: c.name, n, method, lanes: n, ms: NaN, ratio: NaN, skipped: 'not estimated with --quick' };

  // checks: the structured diagonal against the full dense one, or against the subset's exact entries
  const d = flat(s0);
  const [error, against] = fullH
    ? [maxRel(d, flat(dense('hyperdual')())), `all ${n.toLocaleString('en-US')} hyper-dual lanes`]
    : [maxRel(idx.map((i) => d[i]!), exact), `${m} one-hot hyper-dual lanes`];
  const per = Object.entries(s0.parameters!).map(([k, r]) => `${k} ${r.method}`).join(', ');
  return [
    { workload: c.name, n, method: 'structured', lanes: s0.directions, ms: structMs, ratio: structMs / plainMs, error, against, parameters: per },
    denseRow('hyperdual', fullH, 1, perH),
    denseRow('hvp', fullV, fullH ? 2 : 1, perV),
    { workload: c.name, n, method: 'hutchinson', lanes: samples, ms: hutchMs, ratio: (hutchMs * plain.r) / plain2, error: normRel(flat(hutch()), d), against: 'the exact diagonal' },
  ];
}

/** Every row of the section (the seed, deep and batch MLPs). */
export function measureStructured(quick: boolean, progress: (s: string) => void = () => {}): StructuredRow[] {
  const rows: StructuredRow[] = [];
  for (const make of [seedMlp, deepMlp, batch]) {
    const c = make();
    progress(`structured: ${c.name}`);
    rows.push(...measureNet(c, quick));
  }
  if (Number.isNaN(sink)) console.log('(NaN seen)');
  return rows;
}

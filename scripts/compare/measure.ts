/**
 * Timing the comparison's methods (scripts/compare/cases.ts) on each case:
 * one row per (case, method) with times, node visits, memory and error.
 *
 * Timing: process.hrtime.bigint(). "sweep" times the method on a Prepared
 * made beforehand; "total" includes the recording (prepare(f, x) inside the
 * timed region); "at" is p.at(x′) then the method, the recording moved
 * between two points on every call (an optimiser's step). The three are
 * interleaved (one sample of each in turn, after three warm-up calls of each,
 * so generated code is built and optimised before timing) and repeated until
 * the medians are stable (7 … 41 samples; 1 when one call is over a second).
 * Rows that contradict each other are measured again (up to 3 times; the row
 * keeps the count): a total below its sweep, or a hyper-dual ÷ HVP per-lane
 * time more than 3× off what their node visits allow. A method whose estimated time (from
 * one HVP or one directional call, × n; or, once the method has run at a
 * smaller size of the workload, its time per lane × node × n × nodes × 1.5)
 * exceeds the budget is skipped and the reason kept in its row.
 *
 * "dirs" is the number of directions swept (n for the dense methods, the
 * colours for 'sparse') and "sweeps" the sweeps over the recording, from the
 * result's DiagonalInfo. For 'sparse' and 'auto', "sweep" times the compressed
 * sweeps alone (pattern and colouring are cached on the Prepared by the first
 * call); "total" also detects and colours.
 *
 * Node visits: `counters` of lib/tape/derivatives.ts (lanes × tape nodes),
 * reset before one call and read after, forward and reverse separately. Memory:
 * Prepared#tapeBytes + Prepared#laneBytes of a fresh recording after one call.
 */
import { SPARSE_RATIO, type Prepared } from '../../lib/index.js';
import { counters } from '../../lib/tape/derivatives.js';
import { colour } from '../../lib/sparsity/colouring.js';
import { applicable, relError, runMethod, runMethodInfo, type Case, type MethodId, type WorkloadId } from './cases.js';

export const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
/** results are added here so that no timed call is optimised away; NaN here means a NaN result */
export let sink = 0;

/**
 * Median ms of each of fns, interleaved: a warm-up of each (three calls, so a
 * recording's generated code is built and optimised), then one sample of each
 * in turn, so load that drifts during the run falls on all of them alike;
 * repeated until the medians are stable (the median of the second half of the
 * samples within 10% of the median of all) or maxR samples each.
 */
function timeInterleaved(fns: readonly (() => unknown)[], quick: boolean): { ms: number[]; repeats: number } {
  const run = (fn: () => unknown) => { const t0 = now(); sink += (fn() as Float64Array)[0] ?? 0; return now() - t0; };
  const first = fns.map(run);
  if (Math.max(...first) > 1000) return { ms: first, repeats: 1 };
  for (let w = 0; w < (quick ? 1 : 2); w++) fns.forEach(run);
  const target = quick ? 40 : 300, minR = quick ? 3 : 7, maxR = quick ? 7 : 41;
  const samples: number[][] = fns.map(() => []);
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
  const stable = () => samples.every((v) => { const m = median(v), h = median(v.slice(v.length >> 1)); return Math.abs(h - m) <= 0.1 * m; });
  const start = now();
  while (samples[0]!.length < maxR && (samples[0]!.length < minR || now() - start < target || !stable())) {
    fns.forEach((fn, k) => samples[k]!.push(run(fn)));
  }
  return { ms: samples.map(median), repeats: samples[0]!.length };
}

/**
 * (time of a) ÷ (time of b), a and b run back to back in both orders: the
 * geometric mean of the median ratio with a first and the median with b
 * first. Whichever runs second in a pair can be much faster (35% on a fresh
 * W5 call, measured: the first leaves the heap and caches warm), so a median
 * over alternating pairs would take one order's side; the two medians cancel
 * the order, and drifting load too.
 */
function pairedRatio(a: () => unknown, b: () => unknown, quick: boolean): number {
  const run = (fn: () => unknown) => { const t0 = now(); sink += (fn() as Float64Array)[0] ?? 0; return now() - t0; };
  // warm-up: a few of each first (V8 optimises new code, generated sweeps included, only after it has run a while)
  for (let w = 0; w < (quick ? 1 : 4); w++) { run(a); run(b); }
  const aFirst: number[] = [], bFirst: number[] = [], pairs = quick ? 6 : 32;
  for (let i = 0; i < pairs; i++) {
    if (i % 2) { const ta = run(a); aFirst.push(ta / run(b)); } else { const tb = run(b); bFirst.push(run(a) / tb); }
  }
  const median = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1]!;
  return Math.sqrt(median(aFirst) * median(bFirst));
}

export interface Row {
  workload: WorkloadId;
  name: string;
  n: number;
  method: MethodId;
  /** median ms, sweeps only (recording made beforehand) */
  sweepMs?: number;
  /** median ms including the recording */
  totalMs?: number;
  /** median ms of p.at(x′) then the method, on a recording moved between two points on every call */
  atMs?: number;
  /** measurements retried because the rows contradicted each other (sweep > total, a per-lane ratio the visits cannot explain) */
  retries?: number;
  repeats?: number;
  /** node visits (lanes × tape nodes) */
  forward?: number;
  reverse?: number;
  tapeBytes?: number;
  laneBytes?: number;
  /** tape nodes of the recording */
  nodes?: number;
  /** directions swept (n, or the colours for 'sparse'), and sweeps over the recording */
  directions?: number;
  sweeps?: number;
  /** for 'auto': the method that ran; when not 'sparse', its fresh call ÷ hyperdual-K's fresh call − 1 (paired) */
  ran?: string;
  autoOverhead?: number;
  error?: number;
  skipped?: string;
}


/** A progress line on stderr, when it is a terminal. */
export const progress = process.stderr.isTTY ? (s: string) => process.stderr.write(`\r\x1b[K${s}`) : () => {};

/** ms per (lane × tape node) of each workload|method measured so far, for the skip estimates */
const perVisit = new Map<string, number>();

/** The rows of one case: every applicable method timed, or skipped with the reason. */
export function measureCase(c: Case, budgetMs: number, quick: boolean): Row[] {
  const rows: Row[] = [];
  const base = { workload: c.workload, name: c.name, n: c.n };
  const { methods, skipped } = applicable(c);
  for (const s of skipped) rows.push({ ...base, method: s.method, skipped: s.why });
  // estimates: one HVP (tape methods) and one directional call, × n
  const P0 = c.prepare();
  const g = P0.grad();
  let t0 = now();
  P0.hvp(g);
  const oneHvp = Math.max(now() - t0, 1e-3);
  t0 = now();
  if (c.directionalAt) c.directionalAt(0);
  const oneDir = Math.max(now() - t0, 1e-3);
  // the sparse methods: detection and colouring once, then one compressed HVP per colour, K colours a
  // sweep: the sweeps of hvp-K ('auto' takes this path when the colours are ≤ n/4, else the hyper-dual lanes)
  t0 = now();
  const colours = colour(P0.hessianSparsity(), 1).count;
  const detectMs = now() - t0, autoSparse = colours <= c.n * SPARSE_RATIO;
  const sparsePath = (m: MethodId) => m === 'sparse' || (m === 'auto' && autoSparse);
  const first: Record<MethodId, number> = {
    'hessian': oneHvp * c.n, 'hvp-1': oneHvp * c.n, 'hvp-K': oneHvp * c.n / 2,
    'hyperdual-1': oneHvp * c.n / 2, 'hyperdual-K': oneHvp * c.n / 4, 'directional': oneDir * c.n,
    'sparse': detectMs + oneHvp * colours / 2, 'auto': autoSparse ? detectMs + oneHvp * colours / 2 : oneHvp * c.n / 4,
  };
  // better: the time per (direction × node) of the same method at the previous size of this workload, or for
  // the sparse path of hvp-K (measured just before, same sweeps), × 1.5 for cache effects
  const estimateOf = (m: MethodId): number => {
    const dirs = sparsePath(m) ? colours : c.n, extra = sparsePath(m) ? detectMs : 0;
    const per = perVisit.get(`${c.workload}|${m}`) ?? (sparsePath(m) ? perVisit.get(`${c.workload}|hvp-K`) : undefined);
    return per === undefined ? first[m] : 1.5 * per * dirs * P0.nodes + extra;
  };
  for (const m of methods) {
    const estimate = estimateOf(m);
    if (estimate > budgetMs) {
      const detection = sparsePath(m) ? `, detection and colouring ${(detectMs / 1000).toFixed(1)} s` : '';
      rows.push({ ...base, method: m, skipped: `estimated ${(estimate / 1000).toFixed(1)} s per call${detection} > budget ${(budgetMs / 1000).toFixed(1)} s` });
      continue;
    }
    progress(`${c.name} n=${c.n} ${m}`);
    // one call on a fresh recording: counters, memory, error
    const P = c.prepare();
    counters.forward = 0; counters.reverse = 0;
    const { d, info } = runMethodInfo(c, m, P);
    const forward = counters.forward, reverse = counters.reverse;
    const tape = m === 'directional' ? 0 : P.tapeBytes, lane = m === 'directional' ? 0 : P.laneBytes;
    const error = relError(d, c.reference);
    const { sweep, total, at, retries } = measureTimes(c, m, P, quick);
    // 'auto' on a dense f: what the detection adds to a fresh call, paired against hyperdual-K
    const autoOverhead = m === 'auto' && info.method === 'hyperdual'
      ? pairedRatio(() => runMethod(c, 'auto', c.prepare()), () => runMethod(c, 'hyperdual-K', c.prepare()), quick) - 1 : undefined;
    perVisit.set(`${c.workload}|${m}`, sweep.ms / (info.directions * P0.nodes));
    rows.push({
      ...base, method: m, sweepMs: sweep.ms, totalMs: total.ms, atMs: at?.ms, retries, repeats: sweep.repeats,
      forward, reverse, tapeBytes: tape, laneBytes: lane, nodes: m === 'directional' ? 0 : P.nodes,
      directions: info.directions, sweeps: info.sweeps, ...(m === 'auto' ? { ran: info.method } : {}), autoOverhead, error,
    });
  }
  remeasureContradictions(c, rows, quick);
  return rows;
}

/** allowed slack between rows before a measurement counts as contradicted */
const SLACK = 1.1;
/** how often a contradicted measurement is retried before the row is published as it stands */
const RETRIES = 3;

/**
 * Sweep, total and at(x′) times of method m, interleaved. A total (records,
 * then sweeps) below its sweep contradicts itself: the measurement is
 * retried (up to RETRIES times) and the number of retries is kept in the row.
 */
function measureTimes(c: Case, m: MethodId, P: Prepared<any>, quick: boolean) {
  const sweepFn = () => runMethod(c, m, P);
  if (m === 'directional') { const t = timeInterleaved([sweepFn], quick); const one = { ms: t.ms[0]!, repeats: t.repeats }; return { sweep: one, total: one, at: undefined, retries: 0 }; }
  const M = c.prepare();
  let k = 0;
  const atFn = () => runMethod(c, m, M.at(c.points[k++ & 1] as never));
  let retries = 0;
  for (;;) {
    const t = timeInterleaved([sweepFn, () => runMethod(c, m, c.prepare()), atFn], quick);
    const [sweep, total, at] = t.ms as [number, number, number];
    if (sweep <= SLACK * total || retries >= RETRIES) return { sweep: { ms: sweep, repeats: t.repeats }, total: { ms: total }, at: { ms: at }, retries };
    retries++;
  }
}

/**
 * A hyper-dual lane does one forward visit per node where an HVP lane does a
 * forward and a reverse one, so per visit their times are alike: a per-lane
 * time ratio more than 3× off the visit ratio (either way) is a disturbed
 * measurement, and both rows are measured again (up to RETRIES times).
 */
function remeasureContradictions(c: Case, rows: Row[], quick: boolean): void {
  for (const [h, v] of [['hyperdual-1', 'hvp-1'], ['hyperdual-K', 'hvp-K']] as const) {
    const rh = rows.find((r) => r.method === h && r.sweepMs !== undefined), rv = rows.find((r) => r.method === v && r.sweepMs !== undefined);
    if (!rh || !rv) continue;
    const visits = (rh.forward! + rh.reverse!) / (rv.forward! + rv.reverse!);
    const off = () => { const q = rh.sweepMs! / rv.sweepMs! / visits; return q > 3 || q < 1 / 3; };
    for (let k = 0; k < RETRIES && off(); k++) {
      const P = c.prepare(), t = timeInterleaved([() => runMethod(c, h, P), () => runMethod(c, v, P)], quick);
      rh.sweepMs = t.ms[0]; rv.sweepMs = t.ms[1];
      rh.retries = (rh.retries ?? 0) + 1; rv.retries = (rv.retries ?? 0) + 1;
    }
  }
}

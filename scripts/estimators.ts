/**
 * npm run estimators (issue 8): Hutchinson's trace estimate by its two paths,
 * at equal samples, on one recording per call:
 *   forward  zᵀHz as the second-order coefficient of forward Taylor-2 lanes
 *            (no reverse sweep, no adjoint arrays);
 *   hvp      z·(Hz), Hz by forward-over-reverse lanes.
 * Workloads: W1 (seed MLP, n = 5), W3 Rosenbrock n = 1000, W4 trigonometric
 * n = 100. Both paths draw the same probes, so their estimates agree to
 * rounding (checked below, with the exact trace for reference).
 *
 * Timing: process.hrtime.bigint(); a warm-up, then REPEATS rounds, each
 * timing forward calls, hvp calls and recordings (prepare(f, x)) back to
 * back (≥ 20 ms each), so load that drifts hits all three alike. The
 * estimators record f once per call and the sweeps are what differ, so
 * time per probe = (median call − median recording) / samples, and the
 * ratio is the median over rounds of (hvp − recording) ÷ (forward − recording).
 */
import { hessianTraceEstimate, prepare, type Num } from '../lib/index.js';
import { mlp, rosenbrock, trigonometric, type Workload } from './workloads/index.js';

const SAMPLES = 256;
const REPEATS = process.argv.includes('--quick') ? 5 : 21;

const now = () => process.hrtime.bigint();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** ns per call: enough calls to fill ≥ 20 ms */
function timed(fn: () => unknown, reps: number): number {
  const t0 = now();
  for (let r = 0; r < reps; r++) fn();
  return Number(now() - t0) / reps;
}
const repsFor = (fn: () => unknown) => Math.max(1, Math.ceil(20e6 / Math.max(timed(fn, 1), 1)));

interface Row { name: string; n: number; nodes: number; recordUs: number; forwardUs: number; hvpUs: number; ratio: number; estimate: number; se: number; exact: number; agree: number }

function measure(w: Workload): Row {
  const f = w.f as (x: Num[]) => Num, x = w.x;
  const run = (path: 'forward' | 'hvp') => () => hessianTraceEstimate(f, x, { samples: SAMPLES, seed: 1, path });
  const fwd = run('forward'), hvp = run('hvp'), rec = () => prepare(f, x);
  for (let i = 0; i < 3; i++) { fwd(); hvp(); rec(); } // warm-up
  const reps = { fwd: repsFor(fwd), hvp: repsFor(hvp), rec: repsFor(rec) };
  const tf: number[] = [], th: number[] = [], tr: number[] = [], ratios: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const a = timed(fwd, reps.fwd), b = timed(hvp, reps.hvp), c = timed(rec, reps.rec);
    tf.push(a); th.push(b); tr.push(c); ratios.push((b - c) / (a - c));
  }
  const P = prepare(f, x), a = fwd(), b = hvp(), record = median(tr);
  const exact = Array.from(P.hessianDiagonal() as Float64Array).reduce((s, v) => s + v, 0);
  return {
    name: w.name, n: w.n, nodes: P.nodes, recordUs: record / 1e3,
    forwardUs: (median(tf) - record) / SAMPLES / 1e3, hvpUs: (median(th) - record) / SAMPLES / 1e3,
    ratio: median(ratios), estimate: a.estimate, se: a.standardError, exact,
    agree: Math.abs(a.estimate - b.estimate) / Math.max(1, Math.abs(b.estimate)),
  };
}

const rows = [mlp(), rosenbrock(1000), trigonometric(100)].map(measure);
const fmt = (v: number, d = 2) => (Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(d));
const table = [
  ['workload', 'n', 'nodes', 'record µs', 'forward µs/probe', 'hvp µs/probe', 'hvp ÷ forward', 'estimate ± SE', 'exact tr H', '|fwd − hvp|'],
  ...rows.map((r) => [
    r.name, String(r.n), String(r.nodes), fmt(r.recordUs, 1), fmt(r.forwardUs, 3), fmt(r.hvpUs, 3), fmt(r.ratio) + '×',
    `${fmt(r.estimate, 3)} ± ${fmt(r.se, 3)}`, fmt(r.exact, 3), r.agree.toExponential(1),
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
console.log(`Hutchinson trace estimate, ${SAMPLES} probes (seed 1, default lanes), medians of ${REPEATS} rounds; µs/probe excludes the recording`);
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}

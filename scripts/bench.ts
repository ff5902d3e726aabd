/**
 * npm run bench: what each derivative costs, as a ratio to the hand-written
 * plain-JS f measured in the same run (issue 4): every sample of a quantity is
 * paired with a sample of plain f taken just before it, and the ratio is the
 * median of the pairs' ratios (this machine is shared; load drifts).
 *
 * For every workload (scripts/workloads/): plain f, hyperad's f on numbers,
 * the recording alone, valueAndGrad, hvp, hessian (n ≤ 1000) and
 * hessianDiagonal by each method (n ≤ 1000). Each is timed two ways:
 *   transform — the public call (records f, then sweeps);
 *   prepared  — the method of a prepare(f, x) made beforehand: sweeps only,
 *               over one recording;
 *   at        — an optimiser's step: p.at(x′) then the method, p moved
 *               between two points on every call (issue 13).
 * Then the cost of one one-hot lane ('hyperdual' vs 'hvp', lanes = 1 and the
 * default), and a sweep over lanes K for the Hessian of W1 and W3 n = 1000
 * and the diagonals of W3 n = 1000, to choose the default K from data.
 *
 * Under issue 13's targets, the floor (scripts/bench/floor.ts): a lean
 * recorder written for W3 alone, at n = 1000 and 100000: what recording its
 * nodes costs with an object per op and nothing else, in the same run.
 *
 * Sparsity (issue 7): the diagonal by method 'sparse' for W2 and W3 at
 * n = 1000 and 100000 — prepared: pattern and colouring cached by the first
 * call, the timed call is the compressed sweeps (one HVP per colour, K
 * colours per sweep); transform: a fresh call (records, detects, colours,
 * sweeps) — with the colours. And the detection overhead of 'auto' on the
 * dense W4 (n = 100 and 1000): fresh hessianDiagonal(f, x) (auto, which falls
 * back to 'hyperdual') against fresh hessianDiagonal(f, x, { method:
 * 'hyperdual' }), each sample paired with one of the other taken just before
 * it, in both orders; the ratio is the geometric mean of the two orders'
 * medians.
 *
 * Tensor programs (issue 14; scripts/workloads/tensors.ts), each against its
 * hand-written plain-JS loop: W2 and W3 in tensor form (x a Tensor;
 * sum(sin(x)), and Rosenbrock from two slices) at n = 1000 and 100000 —
 * plain f, the recording (with its bytes per element per tensor op),
 * valueAndGrad, hvp and the exact diagonal (method 'auto'); the seed MLP in
 * tensor form w.r.t. its input (valueAndGrad, hvp); and W6, a batch MLP
 * 784 → 128 (tanh) → 10, batch 32, mean cross-entropy, w.r.t. its weights
 * (a record of Tensors; valueAndGrad, hvp). Each as transform, prepared and
 * at+sweep, as above (the slowest one-shots at n = 100000 with fewer
 * samples); err against the closed forms (W6: its hand-written
 * backpropagation, and finite differences of it for the hvp). The issues'
 * targets are checked at the end and printed.
 *
 * Timing: process.hrtime.bigint(); a warm-up, then samples of as many calls
 * as make ≥ 5 ms; the median sample per call. Memory: the recording's bytes
 * (Prepared#tapeBytes, i.e. Tape#bytes) and the sweep arrays' bytes
 * (Prepared#laneBytes, i.e. Workspace#bytes), per quantity.
 *
 * Prints one table on stdout; writes every row and the machine to
 * docs/bench.json (a full run only; `--quick`, ~40 s, writes nothing unless
 * given `--out FILE`). A progress line goes to stderr when it is a terminal.
 *
 * The pieces, each in scripts/bench/: settings.ts (samples, sizes),
 * timing.ts (the harness: warm-up, paired samples, medians), rows.ts (a
 * row, shared helpers), scalar.ts and tensor.ts (the rows of each workload),
 * report.ts (the printed table), targets.ts (the issues' targets), floor.ts
 * (issue 13's floor). This file
 * runs them in order and writes the results.
 */
import { platform, release, cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_LANES } from '../lib/index.js';
import {
  batchMlp, logistic, mlp, rosenbrock, sines, tensorMlpInput, tensorMlpWeights, tensorRosenbrock, tensorSines, trigonometric,
  type Workload,
} from './workloads/index.js';
import { table } from './bench/report.js';
import type { Row } from './bench/rows.js';
import { autoOverhead, benchWorkload, laneSweep } from './bench/scalar.js';
import { leanFloor } from './bench/floor.js';
import {
  AUTO_SIZES, DENSE_MAX, FLOOR_SIZES, LANE_SWEEP, SETTINGS, SIZES, SLOW, SPARSE_SIZES, TENSOR_SIZES, quick,
} from './bench/settings.js';
import { issueTargets, targetLines } from './bench/targets.js';
import { benchGaussNewton, benchTensor, tensorModel } from './bench/tensor.js';
import { elapsed, progressOn, sink } from './bench/timing.js';

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const outFile = outArg >= 0 ? args[outArg + 1] : quick ? undefined : join(new URL('..', import.meta.url).pathname, '..', 'docs', 'bench.json');

// ---------------------------------------------------------------- run

const rows: Row[] = [];
const workloads: [() => Workload, { sparse?: boolean }][] = [
  [mlp, {}],
  ...SIZES.map((n) => [() => sines(n), { sparse: true }] as [() => Workload, { sparse: boolean }]),
  ...SIZES.map((n) => [() => rosenbrock(n), { sparse: true }] as [() => Workload, { sparse: boolean }]),
  [() => trigonometric(100), {}],
  [logistic, {}],
];
for (const [make, opts] of workloads) {
  const w = make();
  rows.push(...benchWorkload(w, opts));
  // issue 13's floor, timed right after the rows it stands under
  if (w.name === 'W3 rosenbrock' && FLOOR_SIZES.includes(w.n)) rows.push(...leanFloor(w));
}
for (const n of AUTO_SIZES) rows.push(...autoOverhead(trigonometric(n)));
for (const make of [tensorSines, tensorRosenbrock]) for (const n of TENSOR_SIZES) rows.push(...benchTensor(make(n), { diagonal: true }));
rows.push(...benchTensor(tensorMlpInput()));
rows.push(...tensorModel());
rows.push(...benchTensor(tensorMlpWeights(), { diagonal: true }));
const batch = batchMlp();
rows.push(...benchTensor(batch, { diagonal: true }));
rows.push(...benchGaussNewton(batch));
rows.push(...laneSweep(mlp(), ['hessian']));
rows.push(...laneSweep(rosenbrock(1000), ['hessian', 'hyperdual', 'hvp']));
if (progressOn) process.stderr.write('\r\x1b[K');
const seconds = elapsed();

// ---------------------------------------------------------------- the table, the targets, the JSON

const targets = issueTargets(rows);
console.log([...table(rows, quick, seconds), ...targetLines(targets)].join('\n'));

if (outFile) {
  const cpu = cpus();
  const json = {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, os: `${platform()} ${release()}` },
    date: new Date().toISOString(),
    quick,
    seconds,
    defaultLanes: DEFAULT_LANES,
    settings: { ...SETTINGS, sizes: SIZES, floorSizes: FLOOR_SIZES, denseMax: DENSE_MAX, laneSweep: LANE_SWEEP, sparseSizes: SPARSE_SIZES, autoSizes: AUTO_SIZES, tensorSizes: TENSOR_SIZES, slow: SLOW },
    targets,
    rows,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(json, null, 1)}\n`);
  console.error(`wrote ${outFile}`);
}
if (sink === 0.123456789) console.log(''); // keeps the results alive

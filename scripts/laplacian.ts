/**
 * npm run laplacian (issue 8): the exact Laplacian tr ∇²f by forward Laplacian
 * sweeps — first-order lanes and one summed second-order value per node —
 * against "n HVPs, sum the diagonal" and against summing the one-hot
 * hyper-dual diagonal, on one recording each (prepared: the recording is
 * made once, outside the timed region).
 * Workloads: the seed MLP's input Laplacian (n = 5, scalar ops) and a 3-layer
 * tanh network 32 → 64 → 64 → 1 (tensor ops), the shape physics-informed and
 * variational Monte Carlo work differentiates. Medians of repeats.
 */
import { mlp as makeMlp, prepare, randn, sum, Tensor, type Num, type Prepared } from '../lib/index.js';
import { mlp } from './workloads/index.js';

const REPEATS = process.argv.includes('--quick') ? 5 : 21;
const now = () => process.hrtime.bigint();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** µs per call: a warm-up, then REPEATS samples of enough calls to fill ≥ 10 ms */
function time(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  let reps = 1;
  for (;;) { const t0 = now(); for (let r = 0; r < reps; r++) fn(); if (Number(now() - t0) > 10e6) break; reps *= 2; }
  const s: number[] = [];
  for (let k = 0; k < REPEATS; k++) { const t0 = now(); for (let r = 0; r < reps; r++) fn(); s.push(Number(now() - t0) / reps / 1e3); }
  return median(s);
}
const total = (d: unknown) => Array.from(d instanceof Tensor ? d.data : (d as Float64Array)).reduce((s, v) => s + v, 0);

function row(name: string, P: Prepared<never>, n: number): void {
  const lap = P.laplacian({ method: 'dense' }).laplacian;
  const byHvp = total(P.hessianDiagonal({ method: 'hvp' }));
  const byHyper = total(P.hessianDiagonal({ method: 'hyperdual' }));
  const tLap = time(() => P.laplacian({ method: 'dense', lanes: n }));
  const tHvp = time(() => P.hessianDiagonal({ method: 'hvp' }));
  const tHyper = time(() => P.hessianDiagonal({ method: 'hyperdual' }));
  const err = Math.max(Math.abs(lap - byHvp), Math.abs(lap - byHyper)) / Math.max(1, Math.abs(byHvp));
  console.log(
    `${name.padEnd(28)} ${String(n).padStart(4)} ${String(P.nodes).padStart(7)}` +
      `  ${tLap.toFixed(1).padStart(9)}  ${tHvp.toFixed(1).padStart(9)}  ${tHyper.toFixed(1).padStart(9)}` +
      `  ${(tHvp / tLap).toFixed(2).padStart(6)}  ${(tHyper / tLap).toFixed(2).padStart(6)}  ${err.toExponential(1)}`,
  );
}

console.log(`Laplacian tr ∇²f, prepared recordings, medians of ${REPEATS} (µs per call)`);
console.log(`${'workload'.padEnd(28)} ${'n'.padStart(4)} ${'nodes'.padStart(7)}  ${'laplacian'.padStart(9)}  ${'n HVPs'.padStart(9)}  ${'hyperdual'.padStart(9)}  ${'hvp ÷'.padStart(6)}  ${'hyper ÷'.padStart(6)}  rel diff`);
const w1 = mlp();
row('W1 seed MLP (scalar ops)', prepare(w1.f as (x: Num[]) => Num, w1.x) as unknown as Prepared<never>, w1.n);
const net = makeMlp([32, 64, 64, 1], { seed: 11 }), x = randn([32], 12);
const f = (z: Tensor) => sum(net.apply(net.params, z));
row('tanh MLP 32→64→64→1 (tensors)', prepare(f, x) as unknown as Prepared<never>, 32);

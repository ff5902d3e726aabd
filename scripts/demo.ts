/**
 * npm start: the seed problem. An MLP 5 → 100 (tanh) → 10, the negative
 * log-likelihood of class 0, and its derivatives with respect to the 5
 * inputs by every path hyperad has; then how far the paths disagree.
 */
import {
  directional, grad, hessian, hessianDiagonal, hvp, hyperdual, jvp, prepare, valueAndGrad, DEFAULT_LANES,
} from '../lib/index.js';
import { mlp, rel, SEED_VALUE } from './workloads/index.js';

const started = process.hrtime.bigint();
const w = mlp(), { f, x, n } = w;

const num = (v: number) => (v < 0 ? '' : ' ') + v.toFixed(8);
const pad = (s: string, k: number) => s.padEnd(k);
const oneHot = (i: number) => Float64Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));

const flat = (rows: readonly Float64Array[]) => Float64Array.from(rows.flatMap((r) => Array.from(r)));

// every path
const { value, grad: g } = valueAndGrad(f, x);
const H = hessian(f, x);
const columns = Array.from({ length: n }, (_, j) => hvp(f, x, oneHot(j)));
const byHyperdual = hessianDiagonal(f, x, { method: 'hyperdual' });
const byHvp = hessianDiagonal(f, x, { method: 'hvp' });
const byHyperdualK1 = hessianDiagonal(f, x, { method: 'hyperdual', lanes: 1 });
const byHvpK1 = hessianDiagonal(f, x, { method: 'hvp', lanes: 1 });
const along = Array.from({ length: n }, (_, i) => directional(f, x, oneHot(i)));
const hyper = Array.from({ length: n }, (_, i) => hyperdual(f, x, oneHot(i), oneHot(i)));
const tangents = Float64Array.from({ length: n }, (_, i) => jvp(f, x, oneHot(i)).tangent);
const diagH = Float64Array.from(H, (row, i) => row[i]!);
// the same quantities as sweeps over one recording (prepare), not as numbers
const p = prepare(f, x);
const pAlong = Float64Array.from({ length: n }, (_, i) => p.directional(oneHot(i)).second);
const pHyper = Float64Array.from({ length: n }, (_, i) => p.hyperdual(oneHot(i), oneHot(i)).dab);
const pColumns = Array.from({ length: n }, (_, j) => p.hvp(oneHot(j)));
const Hc = w.hessian!(x), gc = w.grad!(x);

const out: string[] = [];
out.push('hyperad · the seed problem: MLP 5 → 100 (tanh) → 10, f = −log softmax(h)[0], derivatives in the 5 inputs');
out.push('');
out.push(`f(x) = ${value}   (expected ${SEED_VALUE}: ${value === SEED_VALUE ? 'equal' : `DIFFERS by ${value - SEED_VALUE}`})`);
out.push('');
out.push(`    ${pad(' x', 13)}${pad(' ∂f/∂x', 13)} ∇²f(x)`);
for (let i = 0; i < n; i++) {
  out.push(`x${i + 1}  ${num(x[i]!)}  ${num(g[i]!)}  ${Array.from(H[i]!, num).join(' ')}`);
}
out.push('');
out.push(`The diagonal, five ways (hessianDiagonal with its default ${DEFAULT_LANES} lanes)`);
const heads = ['hessian', "'hyperdual'", "'hvp'", 'directional eᵢ', 'hyperdual eᵢ,eᵢ'];
out.push(`    ${heads.map((h) => pad(` ${h}`, 17)).join('')}`.trimEnd());
for (let i = 0; i < n; i++) {
  const row = [diagH[i]!, byHyperdual[i]!, byHvp[i]!, along[i]!.second, hyper[i]!.dab];
  out.push(`H${i + 1}${i + 1} ${row.map((v) => pad(num(v), 17)).join('')}`.trimEnd());
}

const checks: [string, number][] = [
  ['gradient: grad vs valueAndGrad', rel(grad(f, x), g)],
  ['gradient: jvp along eᵢ', rel(tangents, g)],
  ['gradient: directional, hyperdual first coefficients', Math.max(
    rel(along.map((d) => d.first), g), rel(hyper.map((d) => d.da), g), rel(hyper.map((d) => d.db), g))],
  ['gradient: closed form (backpropagation by hand)', rel(g, gc)],
  ['Hessian: symmetry before averaging, H·eⱼ vs H·eᵢ', rel(flat(columns), flat(columns.map((_, i) => Float64Array.from(columns, (c) => c[i]!))))],
  ['Hessian: hessian vs hvp columns H·eⱼ', rel(flat(columns), flat(columns.map((_, j) => Float64Array.from(H, (row) => row[j]!))))],
  ["diagonal: hessianDiagonal 'hyperdual' vs hessian", rel(byHyperdual, diagH)],
  ["diagonal: hessianDiagonal 'hvp' vs hessian", rel(byHvp, diagH)],
  ['diagonal: both methods with lanes = 1', Math.max(rel(byHyperdualK1, diagH), rel(byHvpK1, diagH))],
  ['diagonal: directional eᵢ (order-2 Taylor)', rel(along.map((d) => d.second), diagH)],
  ['diagonal: hyperdual eᵢ, eᵢ', rel(hyper.map((d) => d.dab), diagH)],
  ['prepare(f, x): hessian, hvp eⱼ, directional, hyperdual', Math.max(
    rel(flat(p.hessian()), flat(H)), rel(flat(pColumns), flat(columns)), rel(pAlong, diagH), rel(pHyper, diagH))],
  ['Hessian: closed form (by hand)', rel(flat(H), flat(Hc))],
];
const worst = Math.max(...checks.map(([, r]) => r));
out.push('');
out.push('Largest relative disagreement (max |a − b| / max |b|)');
for (const [what, r] of checks) out.push(`  ${pad(what, 56)}${r.toExponential(1)}`);
out.push(`  ${pad('all paths', 56)}${worst.toExponential(1)}`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
out.push('');
out.push(`(${ms.toFixed(0)} ms; npm run bench for the costs)`);
console.log(out.join('\n'));
if (value !== SEED_VALUE || !(worst < 1e-12)) process.exitCode = 1;

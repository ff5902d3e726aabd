/**
 * The structured diagonal's section of docs/comparison.md (issue 15) and its
 * console table, from the rows of scripts/compare/structured.ts.
 */
import {
  DENSE_BUDGET_MS, DENSE_REPEATS, QUICK_DENSE_BUDGET_MS, QUICK_REPEATS, QUICK_SUBSET, REPEATS, SUBSET,
  type StructuredMethod, type StructuredRow,
} from './structured.js';

const fmtMs = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : Math.round(ms).toLocaleString('en-US'));
const fmtX = (x: number) => (x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US'));
const fmtErr = (e?: number) => (e === undefined ? '' : e === 0 ? '0' : e.toExponential(1));
const cells = (r: StructuredRow) => [
  r.workload, r.n.toLocaleString('en-US'), r.method, r.lanes.toLocaleString('en-US'),
  r.skipped ?? `${r.estimated ? '≈ ' : ''}${fmtMs(r.ms)}`, r.skipped ? '' : `${r.estimated ? '≈ ' : ''}${fmtX(r.ratio)}`,
  r.error === undefined ? '' : `${fmtErr(r.error)} vs ${r.against}`,
];

/** The rows as a console table. */
export function structuredTable(rows: readonly StructuredRow[]): string {
  const all = [['network', 'n', 'method', 'lanes', 'ms', '× f', 'error'], ...rows.map(cells)];
  const wd = all[0]!.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  return all.map((r) => r.map((s, j) => (j === 0 || j === 2 || j === 6 ? s.padEnd(wd[j]!) : s.padStart(wd[j]!))).join('  ').trimEnd()).join('\n');
}

/** The section of docs/comparison.md. */
export function structuredSection(rows: readonly StructuredRow[], quick: boolean): string {
  const body = rows.map((r) => `| ${cells(r).join(' | ')} |`).join('\n');
  const get = (w: string, m: StructuredMethod) => rows.find((r) => r.workload.startsWith(w) && r.method === m);
  const speed = (w: string) => {
    const s = get(w, 'structured'), h = get(w, 'hyperdual');
    return s && h && !h.skipped ? `${h.estimated ? '≈ ' : ''}${fmtX(h.ms / s.ms)}× (${s.lanes.toLocaleString('en-US')} lanes against ${h.lanes.toLocaleString('en-US')})` : '—';
  };
  const hutch = rows.filter((r) => r.method === 'hutchinson');
  const described = rows.filter((r) => r.parameters);
  const allStructured = described.every((r) => !/\bdense\b/.test(r.parameters!));
  const params = described.map((r) => `${r.workload}: ${r.parameters}`);
  return `## Seeding where it is cheap: the structured diagonal (issue 15)

For a network's weights, every method above is one lane per parameter.
\`hessianDiagonal(f, θ, { method: 'structured' })\` (and \`'auto'\`, when it
pays) needs one lane per *output* of the maps the weights enter, and fewer
where those outputs do not interact.

**The derivation.** Let a parameter tensor θ enter f only through maps
linear in it, y = W·u (matmul, linear), y = u + b or y = θ ⊙ u, and write
f = G(y, …) with J = ∂y/∂θ. Since y is linear in θ, ∂²y/∂θᵢ² = 0, so

  ∂²f/∂θᵢ² = Σ_{c,c′ ∈ S(i)} J_ci J_c′i (H_y)_cc′,

S(i) the outputs that θᵢ touches (for y = W·u, Wⱼₖ touches yⱼ of every sample).
When no two outputs in one S(i) interact in H_y (two samples of a summed
loss do not; the detected Hessian pattern says which), the cross terms
vanish:

  ∂²f/∂θᵢ² = Σ_c J_ci² (H_y)_cc.

(H_y)_cc comes from forward-over-reverse lanes seeded at y itself (probes)
and swept only over the recording downstream of y; outputs that do not
interact share a lane (a distance-1 colouring of H_y's pattern, so
(H_y·s)_c = (H_y)_cc), and a probe moves to the end of a chain of linear
single-consumer nodes (y → y + b), so W and b of one layer share the
pre-activation's lanes. The contraction Σ_c J_ci² (H_y)_cc is one "squared
reverse" step through each use: square the primals, square the cotangents
(for y = W·u: ∂²f/∂Wⱼₖ² = Σ_samples u_k² (H_y)_jj). Parameters whose uses are
not of this form (an L2 penalty θ², W·Wᵀ, weights tied across interacting
outputs) take the dense hyper-dual lanes, and the result says so per
parameter (\`result.parameters\`). ${allStructured ? 'Here every parameter of the three networks was structured.' : `Here: ${params.join('; ')}.`}

The lanes are the width of the network, not its parameter count: the hidden
pre-activation and the logits (100 + 10) for the seed MLP, 64 + 64 + 1 for the
deep one, 128 + 10 for the batch MLP — the samples of a batch (8 and 32)
share them.

**Measured.** Times are one call, recording included, median of interleaved
repeats (${quick ? `${QUICK_REPEATS} rounds, --quick` : `${REPEATS} rounds; ${DENSE_REPEATS} for a full dense call`}); "× f" is that ÷ the plain-JS f (hand-written
loops over Float64Arrays) timed in the same rounds. "≈" marks a dense time
estimated as the recording + n × the time per lane of ${quick ? QUICK_SUBSET : SUBSET} one-hot lanes on
a prepared recording (\`prepare(f, θ).quadraticForms(e)\` for hyper-dual lanes,
\`.hvps(e)\` for HVP lanes), where the full call would take more than
${((quick ? QUICK_DENSE_BUDGET_MS : DENSE_BUDGET_MS) / 1000).toFixed(1)} s${quick ? ' (--quick)' : ''}. Hutchinson (\`hessianDiagonalEstimate(f, θ, { samples })\`,
Rademacher probes, HVP lanes) gets as many probes as the structured call's
time pays for; its error is ‖d̂ − d‖₂ / ‖d‖₂ against the exact diagonal. The
structured error is the largest relative difference from the dense lanes
(entries below 10⁻⁴ of the largest compared against that).

| network | n | method | lanes | ms | × f | error |
|---|--:|---|--:|--:|--:|---|
${body}

Structured against the dense hyper-dual lanes, time ratio: seed MLP ${speed('seed')}, deep
MLP ${speed('deep')}, batch MLP ${speed('batch')}. In the structured call's time,
Hutchinson affords ${hutch.map((r) => r.lanes).join(', ')} probes and its estimate is off by
${hutch.map((r) => fmtErr(r.error)).join(', ')} (‖d̂ − d‖₂ / ‖d‖₂). Its error falls only like
1/√probes, with a constant set by the off-diagonal entries (the variance of
zᵢ(Hz)ᵢ is Σ_{j≠i} H_ij²): at equal time it is no substitute for the exact
diagonal.
`;
}

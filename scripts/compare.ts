/**
 * npm run compare (issue 5): the exact Hessian diagonal by every method the
 * library has, on every benchmark workload, with time, node visits, memory and
 * error against a reference. The pieces, each in scripts/compare/:
 *
 *   cases.ts              the workloads at their sizes and the methods (ids, what each runs), the error
 *   measure.ts            the timing: interleaved repeats, medians, budgets, re-measuring contradictions
 *   report.ts             the console table and docs/comparison.md (the page's prose is its template)
 *   svg.ts                docs/comparison.svg, time against n
 *   structured.ts         the structured diagonal (issue 15) on three networks' weights, against the
 *                         dense lanes and Hutchinson at equal time: its own rows …
 *   structured-report.ts  … and its section and table
 *
 * This file plans the run (which case at which size, the budget per call:
 * 3 s; 1.5 s with --quick) and writes the files.
 *
 *   node build/scripts/compare.js            the full run; writes docs/comparison.{json,svg,md}
 *   node build/scripts/compare.js --quick    small sizes (< 30 s); writes nothing unless given --docs
 *   node build/scripts/compare.js --render   rewrites docs/comparison.{svg,md} from docs/comparison.json, measuring nothing
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LANES } from '../lib/index.js';
import { makeCase, type WorkloadId } from './compare/cases.js';
import { measureCase, now, progress, sink, type Row } from './compare/measure.js';
import { markdown, table } from './compare/report.js';
import { measureStructured, type StructuredRow } from './compare/structured.js';
import { structuredTable } from './compare/structured-report.js';
import { svg } from './compare/svg.js';

function main(): void {
  const args = process.argv.slice(2), quick = args.includes('--quick'), writeDocs = !quick || args.includes('--docs');
  const docs = join(new URL('..', import.meta.url).pathname, '..', 'docs');
  if (args.includes('--render')) {
    // the page again from docs/comparison.json, without measuring (after editing the template)
    const saved = JSON.parse(readFileSync(join(docs, 'comparison.json'), 'utf8')) as { meta: Record<string, unknown>; rows: Row[]; structured: StructuredRow[] };
    writeFileSync(join(docs, 'comparison.svg'), svg(saved.rows, ['sines', 'rosenbrock']));
    writeFileSync(join(docs, 'comparison.md'), markdown(saved.rows, saved.meta, saved.structured));
    console.log(`wrote ${join(docs, 'comparison.{svg,md}')} from comparison.json`);
    return;
  }
  const sizes = quick ? [10, 100] : [10, 100, 1000, 10_000];
  // the sparse methods go on to n = 100000 (the dense ones are over budget there and skipped with the reason)
  const chainSizes = [...sizes, 100_000];
  const budgetMs = quick ? 1500 : 3000;
  const plan: [WorkloadId, number][] = [
    ['mlp-input', 5],
    ...(quick ? [] : [['mlp-weights', 1610] as [WorkloadId, number]]),
    ...chainSizes.map((n) => ['sines', n] as [WorkloadId, number]),
    ...chainSizes.map((n) => ['rosenbrock', n] as [WorkloadId, number]),
    ['trigonometric', 100],
    ['logistic', 20],
  ];
  const t0 = now(), rows: Row[] = [];
  for (const [id, n] of plan) rows.push(...measureCase(makeCase(id, n), budgetMs, quick));
  // the structured diagonal on networks' weights (issue 15): its own section and table
  const structured = measureStructured(quick, progress);
  progress('');
  console.log(table(rows));
  console.log(`\n${structuredTable(structured)}`);
  console.log(`\n${rows.length + structured.length} rows in ${((now() - t0) / 1000).toFixed(1)} s${Number.isNaN(sink) ? ' (NaN seen)' : ''}`);
  if (quick) console.log('quick run: the 1610-weight MLP diagonal and n = 1000, 10000 are left to the full run');
  if (!writeDocs) return;
  mkdirSync(docs, { recursive: true });
  const meta = {
    date: new Date().toISOString().slice(0, 10), cpu: `${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}`, node: process.version, lanes: DEFAULT_LANES, quick, budgetMs,
  };
  writeFileSync(join(docs, 'comparison.json'), JSON.stringify({ meta, rows, structured }, null, 1) + '\n');
  writeFileSync(join(docs, 'comparison.svg'), svg(rows, ['sines', 'rosenbrock']));
  writeFileSync(join(docs, 'comparison.md'), markdown(rows, meta, structured));
  console.log(`wrote ${join(docs, 'comparison.{json,svg,md}')}`);
}

main();

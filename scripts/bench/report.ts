/**
 * The bench's printed table: a legend, then one line per row, a blank line
 * between workloads.
 */
import { cpus } from 'node:os';
import { DEFAULT_LANES } from '../../lib/index.js';
import type { Row } from './rows.js';

export function fmtTime(ns: number | undefined): string {
  if (ns === undefined) return '';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}
export function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '';
  return r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0);
}
function fmtBytes(b: number | undefined): string {
  if (!b) return '';
  if (b < 1e6) return `${(b / 1e3).toPrecision(3)} kB`;
  return `${(b / 1e6).toPrecision(3)} MB`;
}
const fmtErr = (e: number | undefined) => (e === undefined ? '' : e.toExponential(0));

const columns: [string, 'l' | 'r', (r: Row) => string][] = [
  ['workload', 'l', (r) => r.workload],
  ['n', 'r', (r) => String(r.n)],
  ['quantity', 'l', (r) => r.quantity],
  ['K', 'r', (r) => (r.lanes === undefined ? '' : String(r.lanes))],
  ['transform', 'r', (r) => fmtTime(r.transformNs)],
  ['×f', 'r', (r) => fmtRatio(r.transformRatio)],
  ['prepared', 'r', (r) => fmtTime(r.preparedNs)],
  ['×f ', 'r', (r) => fmtRatio(r.preparedRatio)],
  ['new f', 'r', (r) => fmtTime(r.firstNs)],
  ['×f   ', 'r', (r) => fmtRatio(r.firstRatio)],
  ['at+sweep', 'r', (r) => fmtTime(r.atNs)],
  ['×f  ', 'r', (r) => fmtRatio(r.atRatio)],
  ['tape', 'r', (r) => fmtBytes(r.tapeBytes)],
  ['lanes', 'r', (r) => fmtBytes(r.laneBytes)],
  ['col', 'r', (r) => (r.colours === undefined ? '' : String(r.colours))],
  ['err', 'r', (r) => fmtErr(r.err)],
  ['', 'l', (r) => r.note ?? ''],
];

/** The table as lines: the legend, the header, the rows. */
export function table(rows: readonly Row[], quick: boolean, seconds: number): string[] {
  const cells = rows.map((r) => columns.map(([, , get]) => get(r)));
  const widths = columns.map(([h], c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (vals: string[]) =>
    vals.map((s, c) => (columns[c]![1] === 'l' ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  const out: string[] = [];
  const cpu = cpus();
  out.push(`hyperad bench${quick ? ' (quick)' : ''} · ${cpu[0]?.model ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · ${seconds.toFixed(0)} s`);
  out.push('transform = the public call (records f, then sweeps); prepared = the method of a prepare(f, x) made beforehand (sweeps only);');
  out.push("new f = the transform on an f it has not seen (a fresh wrapper per call: no remembered start size or sparsity);");
  out.push("at+sweep = p.at(x') then the method, p moved between two points on every call (an optimiser's step);");
  out.push('×f = time ÷ the hand-written plain-JS f (median of samples, each paired with a plain-f sample taken just before it);');
  out.push(`K = lanes per sweep (default ${DEFAULT_LANES}); tape, lanes = bytes of the recording and of the sweep arrays; col = colours ('sparse');`);
  out.push('err = max |a − b| / max |b| vs the closed form (the \'auto\' overhead rows: vs \'hyperdual\')');
  out.push('');
  out.push(line(columns.map(([h]) => h)));
  out.push(line(widths.map((w) => '─'.repeat(w))));
  let last = '';
  for (let i = 0; i < rows.length; i++) {
    const key = `${rows[i]!.workload} ${rows[i]!.n} ${rows[i]!.quantity.startsWith('lanes:')} ${rows[i]!.quantity.includes('overhead')}`;
    if (last && key !== last) out.push('');
    last = key;
    out.push(line(cells[i]!));
  }

  return out;
}

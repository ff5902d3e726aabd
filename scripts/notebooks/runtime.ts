/**
 * What a notebook's cells see while they run (inside a worker, one per
 * notebook): `console` captured per cell, `display(x)` for rich outputs,
 * `table(rows)` for HTML tables, and a DOM (linkedom) so that Observable
 * Plot's `Plot.plot(...)` works as in a browser. Numbers in text outputs are
 * rounded to 12 significant digits, SVG coordinates to 2 decimals, so the
 * rendered notebooks are the same on every run and machine.
 */
import { inspect } from 'node:util';
import { parseHTML } from 'linkedom';

/** One output of a cell, as the worker reports it. */
export type Output =
  | { readonly type: 'stream'; readonly name: 'stdout' | 'stderr'; text: string }
  | { readonly type: 'display'; readonly kind: 'plot' | 'table' | 'text'; readonly data: Readonly<Record<string, string>> };

/** A value `display()` knows how to show: a MIME bundle. */
export interface Displayable {
  readonly [DISPLAY]: () => { kind: 'plot' | 'table' | 'text'; data: Record<string, string> };
}
export const DISPLAY = Symbol.for('hyperad.notebook.display');

// ------------------------------------------------------------------ rounding

/** x rounded to 12 significant digits (what text outputs show). */
export function roundNumber(x: number): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(12)) : x;
}

/** Rounds every decimal literal with more than 12 significant digits in a text. */
export function roundText(s: string): string {
  return s.replace(/-?\b\d+\.\d+(?:e[-+]?\d+)?\b/gi, (m) => {
    const digits = m.replace(/^-?0*\.?0*|[eE].*$|\./g, '');
    return digits.length > 12 ? String(roundNumber(Number(m))) : m;
  });
}

/** Rounds the numbers in an SVG's attributes to 2 decimals (sub-pixel, invisible). */
export function roundSvg(svg: string): string {
  return svg.replace(/(\s[\w:-]+=")([^"]*)"/g, (_, name: string, value: string) =>
    name + value.replace(/-?\d*\.\d{3,}(?:e-?\d+)?/g, (m) => String(Math.round(Number(m) * 100) / 100)) + '"');
}

// ------------------------------------------------------------------ helpers for cells

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Formats a table cell: numbers to `digits` significant digits, the rest as text. */
function cellText(v: unknown, digits: number): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e9) ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
  }
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : inspect(v);
}

/**
 * An HTML table of `rows` (objects; the keys of the first row are the
 * columns unless `columns` names them). Numbers are shown to `digits`
 * significant digits (default 6).
 */
export function table(rows: readonly Record<string, unknown>[], opts: { columns?: readonly string[]; digits?: number; caption?: string } = {}): Displayable {
  if (!Array.isArray(rows) || rows.length === 0) throw new TypeError('table: rows must be a non-empty array of objects');
  const columns = opts.columns ?? Object.keys(rows[0]!), digits = opts.digits ?? 6;
  const cells = rows.map((r) => columns.map((c) => cellText(r[c], digits)));
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === undefined) && rows.some((r) => r[c] !== undefined));
  const align = (k: number) => (numeric[k] ? ' class="num"' : '');
  const html = [
    '<table>',
    ...(opts.caption ? [`<caption>${escapeHtml(opts.caption)}</caption>`] : []),
    `<thead><tr>${columns.map((c, k) => `<th${align(k)}>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...cells.map((r) => `<tr>${r.map((v, k) => `<td${align(k)}>${escapeHtml(v)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
  const width = columns.map((c, k) => Math.max(c.length, ...cells.map((r) => r[k]!.length)));
  const line = (r: readonly string[]) => r.map((v, k) => (numeric[k] ? v.padStart(width[k]!) : v.padEnd(width[k]!))).join('  ').trimEnd();
  const text = [line(columns), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
  return { [DISPLAY]: () => ({ kind: 'table', data: { 'text/html': html, 'text/plain': text } }) };
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The MIME bundle of a plot (an <svg>, or Plot's <figure> around one). */
function plotBundle(el: { tagName: string; outerHTML: string; querySelector(s: string): { outerHTML: string } | null }): Record<string, string> {
  const withNs = (svg: string) => roundSvg(svg.startsWith('<svg xmlns') ? svg : svg.replace(/^<svg/, `<svg xmlns="${SVG_NS}"`));
  const isSvg = el.tagName.toLowerCase() === 'svg';
  // the main plot: Plot's own class (legend swatches are small svgs without it)
  const main = isSvg ? el.outerHTML : (el.querySelector(':scope > svg[class^="plot-"]') ?? el.querySelector('svg[viewBox]') ?? el.querySelector('svg'))?.outerHTML;
  if (!main) throw new TypeError('display: this figure holds no <svg>');
  const svg = withNs(main);
  const img = `<img alt="plot" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`;
  const whole = isSvg ? svg : roundSvg(el.outerHTML);
  const html = isSvg ? img : whole.replace(roundSvg(main), img);
  if (html === whole) throw new Error('display: could not find the plot inside its figure');
  return {
    'image/svg+xml': svg,
    // some converters strip inline SVG: the HTML form shows the same picture as an <img>
    'text/html': html,
    // the renderer's own pages inline the SVG (not written to the .ipynb)
    'text/x-inline-html': whole,
    'text/plain': '[plot]',
  };
}

// ------------------------------------------------------------------ the capture

export interface Session {
  /** outputs per run cell, in cell order */
  readonly outputs: Output[][];
  /** index of the running cell (-1 before the first) */
  current: number;
}

/** Installs console capture, `display`, `table` and a DOM into the worker's globals. */
export function install(cells: number): Session {
  const session: Session = { outputs: Array.from({ length: cells }, () => []), current: -1 };
  const out = (): Output[] => {
    if (session.current < 0) throw new Error('a notebook wrote output before its first cell');
    return session.outputs[session.current]!;
  };
  const write = (name: 'stdout' | 'stderr', args: unknown[]) => {
    const text = roundText(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, breakLength: 100 }))).join(' ')) + '\n';
    const o = out(), last = o[o.length - 1];
    if (last && last.type === 'stream' && last.name === name) last.text += text;
    else o.push({ type: 'stream', name, text });
  };
  for (const m of ['log', 'info', 'debug'] as const) console[m] = (...a: unknown[]) => write('stdout', a);
  for (const m of ['warn', 'error'] as const) console[m] = (...a: unknown[]) => write('stderr', a);
  console.table = (rows: unknown) => display(table(rows as Record<string, unknown>[]));

  const display = (x: unknown): void => {
    const o = out();
    if (x && typeof x === 'object' && DISPLAY in x) {
      const { kind, data } = (x as Displayable)[DISPLAY]();
      o.push({ type: 'display', kind, data });
    } else if (x && typeof x === 'object' && 'outerHTML' in x && 'tagName' in x) {
      o.push({ type: 'display', kind: 'plot', data: plotBundle(x as Parameters<typeof plotBundle>[0]) });
    } else {
      o.push({ type: 'display', kind: 'text', data: { 'text/plain': roundText(typeof x === 'string' ? x : inspect(x, { depth: 4 })) } });
    }
  };

  const dom = parseHTML('<!doctype html><html><head></head><body></body></html>') as unknown as { window: unknown };
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window; // Observable Plot takes its document from window.document
  g.display = display;
  g.table = table;
  return session;
}

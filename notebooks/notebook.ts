/**
 * The notebooks' helpers: `display(x)` shows a table, a plot or a value;
 * `table(rows)` makes an HTML table of an array of objects. Every notebook
 * imports them from this file (`import { display, table } from './notebook'`);
 * `npm run docs` writes a copy beside the notebooks (notebooks/notebook.ts).
 *
 * The same file serves two hosts:
 * - in a Jupyter kernel (tslab), a display goes out as one `display_data`
 *   message through tslab's display channel;
 * - under the renderer (`npm run docs`), a display goes to the sink the
 *   renderer installs under `Symbol.for('hyperad.notebook.sink')`.
 * Observable Plot draws into the DOM of `window.document`; a kernel has none,
 * so importing this file gives it one (linkedom, a server-side DOM).
 *
 * Printed numbers are rounded to 12 significant digits (console.log as well,
 * once this file is imported) and SVG coordinates to 2 decimals, so a
 * notebook shows the same text on every run and machine: the last bits of
 * Math.sin differ between platforms.
 */
import { parseHTML } from 'linkedom';
import { inspect } from 'node:util';

/** A MIME bundle: what one display shows, in every form a front end may pick from. */
export type Bundle = Record<string, string>;
/** What a display is: a plot, a table or plain text (the renderer styles each). */
export type DisplayKind = 'plot' | 'table' | 'text';

/** A value `display()` knows how to show. */
export interface Displayable {
  readonly [DISPLAY]: () => { kind: DisplayKind; data: Bundle };
}
export const DISPLAY = Symbol.for('hyperad.notebook.display');

/** Where the renderer collects displays (absent in a kernel). */
export const SINK = Symbol.for('hyperad.notebook.sink');
export type Sink = (kind: DisplayKind, data: Bundle) => void;

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

/** console.log's text for `args`: strings as they are, other values inspected, numbers rounded. */
export function formatArgs(args: readonly unknown[]): string {
  return roundText(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, breakLength: 100 }))).join(' ')) + '\n';
}

// ------------------------------------------------------------------ tables

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

// ------------------------------------------------------------------ plots

const SVG_NS = 'http://www.w3.org/2000/svg';

interface Element { tagName: string; outerHTML: string; querySelector(s: string): { outerHTML: string } | null }

/** The MIME bundle of a plot (an <svg>, or Plot's <figure> around one). */
function plotBundle(el: Element): Bundle {
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
    // the HTML form shows the same picture as an <img> (some converters strip inline SVG)
    'text/html': html,
    // the renderer's own pages inline the SVG (not written to the .ipynb)
    'text/x-inline-html': whole,
    'text/plain': '[plot]',
  };
}

// ------------------------------------------------------------------ display

/** Shows a table, a plot (Plot's figure or svg) or any value, as one display output. */
export function display(x: unknown): void {
  let kind: DisplayKind, data: Bundle;
  if (x && typeof x === 'object' && DISPLAY in x) ({ kind, data } = (x as Displayable)[DISPLAY]());
  else if (x && typeof x === 'object' && 'outerHTML' in x && 'tagName' in x) [kind, data] = ['plot', plotBundle(x as Element)];
  else [kind, data] = ['text', { 'text/plain': roundText(typeof x === 'string' ? x : inspect(x, { depth: 4 })) }];
  const sink = (globalThis as { [SINK]?: Sink })[SINK];
  if (sink) sink(kind, data);
  else kernelDisplay(data);
}

/** tslab's channel for display_data: its `jupyter` module's `lastWriteDisplayData`, set for the running cell. */
type WriteDisplayData = (content: { data: Bundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * Sends a bundle from a tslab kernel. tslab's public `display.raw` sends one
 * MIME type per message, and Jupyter shows each message as an output of its
 * own; so the bundle goes, as one message, through the function that
 * `display.raw` itself calls, found among the kernel's loaded modules.
 */
function kernelDisplay(data: Bundle): void {
  const kept: Bundle = {};
  for (const [mime, v] of Object.entries(data)) if (!mime.startsWith('text/x-')) kept[mime] = v;
  const write = (tslabJupyter()?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined)?.lastWriteDisplayData;
  if (!write) throw new Error('display: neither the renderer nor a tslab kernel is running this notebook');
  write({ data: kept, metadata: {}, transient: {} }, false);
}

/** tslab's `jupyter` module, loaded when this runs in a tslab kernel (which compiles cells to CommonJS). */
function tslabJupyter(): { exports: unknown } | undefined {
  if (typeof require !== 'function' || typeof require.cache !== 'object') return undefined; // ESM, or a browser bundle
  return Object.values(require.cache).find((m) => m !== undefined && /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(m.filename));
}

// ------------------------------------------------------------------ on import

// a DOM for Observable Plot (which reads window.document), unless there is one
const g = globalThis as { window?: unknown };
if (g.window === undefined) g.window = (parseHTML('<!doctype html><html><head></head><body></body></html>') as unknown as { window: unknown }).window;

// in a kernel, console output is formatted and rounded as the renderer does it (the renderer captures console itself)
const ROUNDED = Symbol.for('hyperad.notebook.console');
const con = console as unknown as Record<string | symbol, unknown>;
if (tslabJupyter() && !con[ROUNDED]) {
  con[ROUNDED] = true;
  for (const [m, stream] of [['log', 'stdout'], ['info', 'stdout'], ['debug', 'stdout'], ['warn', 'stderr'], ['error', 'stderr']] as const) {
    con[m] = (...args: unknown[]) => { process[stream].write(formatArgs(args)); };
  }
}

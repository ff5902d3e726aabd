/**
 * npm run docs: renders every notebook source docs/notebooks/*.md into
 * notebooks/NAME.ipynb and notebooks/NAME.html (and notebooks/index.html),
 * and copies the notebooks' helpers (scripts/notebooks/notebook.ts) beside
 * them as notebooks/notebook.ts, which the notebooks import in a kernel.
 *
 *   node build/scripts/notebooks/render.js            render into notebooks/
 *   node build/scripts/notebooks/render.js --check    render into the build folder and compare with notebooks/
 *   node build/scripts/notebooks/render.js --out DIR  render into DIR
 *   … NAME …                                          only the named notebooks
 *
 * Each notebook runs in its own worker (all its cells in one module scope, in
 * order); notebooks with volatile (timed) cells run alone, after the others,
 * so their timings are not shared with another notebook's work. A committed
 * file is rewritten only when something other than a volatile output changed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildPageScript } from './bundle.js';
import { indexHtml, toHtml } from './html.js';
import { toIpynb } from './ipynb.js';
import { normalize } from './normalize.js';
import { parseNotebook, type NotebookSource } from './parse.js';
import { NotebookError, runNotebook } from './run.js';

/** The build folder this script was compiled into, and the project root above it. */
export const BUILD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ROOT = (() => {
  for (let d = BUILD_DIR; d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'hyperad') return d;
  }
  throw new Error(`no hyperad package.json above ${BUILD_DIR}`);
})();
export const SOURCES = 'docs/notebooks';
export const COMMITTED = join(ROOT, 'notebooks');
/** The helpers' source, and the name of its copy beside the notebooks. */
export const HELPER_SOURCE = join(ROOT, 'scripts/notebooks/notebook.ts');
export const HELPER_FILE = 'notebook.ts';

export interface RenderOptions {
  /** where the .ipynb and .html go (default notebooks/) */
  readonly out?: string;
  /** notebook names (file names without .md) to render; default all */
  readonly only?: readonly string[];
  /** .md sources relative to the root, instead of docs/notebooks/*.md */
  readonly sources?: readonly string[];
  /** progress lines (default: none) */
  readonly log?: (line: string) => void;
}

export interface Rendered {
  readonly name: string;
  readonly title: string;
  readonly ipynb: string;
  readonly html: string;
  /** false when the files on disk were kept (equal up to volatile outputs) */
  readonly written: boolean;
  readonly ms: number;
}

/** The notebook sources: docs/notebooks/*.md, in name order. */
export function notebookSources(): string[] {
  const dir = join(ROOT, SOURCES);
  return readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => `${SOURCES}/${f}`);
}

/** Runs `task` on each item, at most `width` at a time; results in item order. */
async function pool<T, R>(items: readonly T[], width: number, task: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

const sameUpToVolatile = (file: string, text: string) =>
  existsSync(file) && normalize(file, readFileSync(file, 'utf8')) === normalize(file, text);

/** Renders the notebooks; rejects with a NotebookError naming the .md line when a cell throws. */
export async function render(opts: RenderOptions = {}): Promise<Rendered[]> {
  const out = opts.out ?? COMMITTED, log = opts.log ?? (() => {});
  const all = (opts.sources ?? notebookSources()).map((p) => parseNotebook(ROOT, p));
  const nbs = opts.only ? all.filter((nb) => opts.only!.includes(nb.name)) : all;
  if (opts.only) {
    const missing = opts.only.filter((n) => !all.some((nb) => nb.name === n));
    if (missing.length) throw new Error(`no notebook named ${missing.join(', ')} in ${SOURCES}/`);
  }
  const run = {
    root: ROOT,
    libUrl: pathToFileURL(join(BUILD_DIR, 'lib/index.js')).href,
    helperUrl: pathToFileURL(join(BUILD_DIR, 'scripts/notebooks/notebook.js')).href,
    workDir: join(BUILD_DIR, 'notebooks-run'),
  };

  const one = async (nb: NotebookSource): Promise<Rendered> => {
    const t0 = performance.now();
    const outputs = await runNotebook(nb, run);
    const ms = performance.now() - t0;
    log(`  ${nb.name}  ${(ms / 1000).toFixed(1)} s`);
    return { name: nb.name, title: nb.title, ipynb: toIpynb(nb, outputs), html: toHtml(nb, outputs), written: false, ms };
  };
  const timed = (nb: NotebookSource) => nb.cells.some((c) => c.kind === 'code' && c.volatile);
  const quiet = await pool(nbs.filter((nb) => !timed(nb)), availableParallelism(), one);
  const alone = await pool(nbs.filter(timed), 1, one);
  const rendered = nbs.map((nb) => [...quiet, ...alone].find((r) => r.name === nb.name)!);

  mkdirSync(out, { recursive: true });
  const result = rendered.map((r) => {
    const ipynb = join(out, `${r.name}.ipynb`), html = join(out, `${r.name}.html`);
    if (sameUpToVolatile(ipynb, r.ipynb) && sameUpToVolatile(html, r.html)) return r;
    writeFileSync(ipynb, r.ipynb);
    writeFileSync(html, r.html);
    return { ...r, written: true };
  });
  await buildPageScript(ROOT, out);
  const helper = join(out, HELPER_FILE), helperText = readFileSync(HELPER_SOURCE, 'utf8');
  if (!existsSync(helper) || readFileSync(helper, 'utf8') !== helperText) writeFileSync(helper, helperText);
  if (!opts.only && !opts.sources) {
    const index = indexHtml(all);
    const file = join(out, 'index.html');
    if (!existsSync(file) || readFileSync(file, 'utf8') !== index) writeFileSync(file, index);
    // outputs of notebooks whose source is gone
    const names = new Set([...all.map((nb) => nb.name), 'index']);
    for (const f of readdirSync(out)) {
      const m = /^(.*)\.(ipynb|html)$/.exec(f);
      if (m && !names.has(m[1]!)) rmSync(join(out, f));
    }
  }
  return result;
}

/** Files of `fresh` (a render folder) that differ from `committed` beyond volatile outputs, and files missing on either side. */
export function staleFiles(fresh: string, committed: string = COMMITTED): string[] {
  const list = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => /\.(ipynb|html)$/.test(f) || f === HELPER_FILE).sort() : []);
  const a = list(fresh), b = list(committed), stale: string[] = [];
  for (const f of new Set([...a, ...b])) {
    if (!a.includes(f)) stale.push(`${f}: committed but not rendered`);
    else if (!b.includes(f)) stale.push(`${f}: rendered but not committed`);
    else if (normalize(f, readFileSync(join(fresh, f), 'utf8')) !== normalize(f, readFileSync(join(committed, f), 'utf8'))) {
      stale.push(`${f}: differs from a fresh render`);
    }
  }
  return stale;
}

async function main(argv: string[]): Promise<void> {
  const check = argv.includes('--check');
  const k = argv.indexOf('--out');
  const out = check ? join(BUILD_DIR, 'notebooks-check') : k >= 0 ? resolve(argv[k + 1]!) : COMMITTED;
  const only = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out');
  if (check) rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  console.log(`rendering ${SOURCES}/*.md into ${relative(ROOT, out) || '.'}/`);
  const rendered = await render({ out, ...(only.length ? { only } : {}), log: console.log });
  const written = rendered.filter((r) => r.written).map((r) => r.name);
  console.log(`${rendered.length} notebooks in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
    (written.length ? `written: ${written.join(', ')}` : 'nothing changed beyond volatile outputs'));
  if (check) {
    const stale = staleFiles(out);
    if (stale.length) {
      console.error(`notebooks/ is not a fresh render (run npm run docs):\n  ${stale.join('\n  ')}`);
      process.exitCode = 1;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof NotebookError ? e.message : e);
    process.exitCode = 1;
  });
}

/**
 * The teaching notebooks (issue 6): docs/notebooks/*.md render (every cell
 * runs), every .ipynb is valid nbformat 4.5, the committed notebooks/ equal a
 * fresh render, a throwing cell fails the render at its .md line, and every
 * page opens in headless Chromium (spec/support/chromium.ts finds one) with no errors, drawn plots and filled
 * tables, nothing wider than its box (a screenshot of each is kept under the build folder).
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import { BUILD_DIR, ROOT, notebookSources, render, staleFiles, type Rendered } from '../scripts/notebooks/render.js';
import { NotebookError } from '../scripts/notebooks/run.js';
import { quote } from '../scripts/notebooks/quote.js';
import { launchChromium } from './support/chromium.js';

const OUT = join(BUILD_DIR, 'notebooks-check');
const SHOTS = join(OUT, 'screenshots');

/** The little of the DOM the in-page checks use (the specs compile without the DOM library). */
interface PageElement {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  getBBox(): { width: number; height: number };
  closest(selector: string): PageElement | null;
  readonly dataset: Record<string, string | undefined>;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly className: string;
  readonly textContent: string | null;
  cloneNode(deep: boolean): PageElement;
  remove(): void;
  readonly naturalWidth: number;
  decode(): Promise<void>;
}
type PageGlobals = { document: PageElement & { title: string } };

interface PageReport {
  title: string;
  plots: { marks: number; drawn: number; labels: string[] }[];
  tables: number[];
  /** code, outputs and formulas wider than their box (so cut at its edge or scrolled) */
  overflowing: string[];
  /** prose (outside code and typeset math) that still reads as TeX: `Σ_{i≠j}`, `e^{3x}`, `k^−1.5`, a `$…$` */
  rawTex: string[];
}

describe('notebooks', function () {
  this.timeout(180_000);
  let rendered: Rendered[] = [];

  before(async function () {
    rmSync(OUT, { recursive: true, force: true });
    rendered = await render({ out: OUT });
  });

  it('renders every source in docs/notebooks into a .ipynb and an .html page', () => {
    const sources = notebookSources();
    expect(sources.length, 'notebook sources').to.be.at.least(6);
    expect(rendered.map((r) => r.name)).to.deep.equal(sources.map((s) => s.replace(/^.*\/|\.md$/g, '')));
    for (const r of rendered) {
      expect(existsSync(join(OUT, `${r.name}.ipynb`)), `${r.name}.ipynb`).to.equal(true);
      expect(existsSync(join(OUT, `${r.name}.html`)), `${r.name}.html`).to.equal(true);
    }
  });

  it("the package imports itself by name, as a learner's cells do (the renderer maps the name to its build's lib/)", async () => {
    expect(import.meta.resolve('hyperad')).to.equal(pathToFileURL(join(ROOT, 'dist/index.js')).href);
    const specifier: string = 'hyperad'; // not resolved by tsc: dist/ exists only after the build
    const self = (await import(specifier)) as Record<string, unknown>;
    for (const name of ['Dual', 'HyperDual', 'grad', 'hvp', 'hessianDiagonal']) expect(self[name], name).to.be.a('function');
  });

  it('writes nbformat 4.5: every .ipynb validates against the schema, with unique cell ids and counted executions', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'spec/fixtures/nbformat.v4.5.schema.json'), 'utf8')) as object;
    const validate = new AjvDraft04.default({ strict: false, allErrors: true }).compile(schema);
    for (const r of rendered) {
      const nb = JSON.parse(r.ipynb) as {
        nbformat: number; nbformat_minor: number; metadata: { kernelspec: { language: string } };
        cells: { id: string; cell_type: string; execution_count?: number | null; outputs?: unknown[]; metadata: { tags?: string[] } }[];
      };
      const ok = validate(nb);
      expect(ok, `${r.name}.ipynb: ${JSON.stringify(validate.errors?.slice(0, 3))}`).to.equal(true);
      expect([nb.nbformat, nb.nbformat_minor]).to.deep.equal([4, 5]);
      expect(nb.metadata.kernelspec.language).to.equal('typescript');
      expect(new Set(nb.cells.map((c) => c.id)).size, `${r.name}: cell ids are unique`).to.equal(nb.cells.length);
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      const run = code.filter((c) => !c.metadata.tags?.includes('no-run'));
      expect(run.map((c) => c.execution_count), `${r.name}: execution counts`).to.deep.equal(run.map((_, i) => i + 1));
      expect(run.some((c) => c.outputs!.length > 0), `${r.name}: some cell has outputs`).to.equal(true);
    }
  });

  it('every notebook but the last ends with a Next link to the one after it', () => {
    const sources = notebookSources().map((p) => readFileSync(join(ROOT, p), 'utf8').trimEnd().split('\n\n').pop()!);
    const names = notebookSources().map((p) => p.replace(/^.*\//, ''));
    sources.slice(0, -1).forEach((last, i) => expect(last, names[i]).to.match(new RegExp(`^Next: \\[[^\\]]+\\]\\(${names[i + 1]!.replace('.', '\\.')}\\)`)));
  });

  it('the committed notebooks/ equal a fresh render (run `npm run docs` after changing docs/notebooks or a quoted lib/ file)', () => {
    expect(staleFiles(OUT)).to.deep.equal([]);
  });

  it('fails the render when a cell throws, naming the .md line of the throw', async () => {
    const dir = join(OUT, 'failing');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'failing.md'), [
      '# A failing notebook', '', '```ts', "import { grad } from 'hyperad';", 'console.log(1);', '```', '',
      'Then:', '', '```ts', 'const f = () => {', "  throw new RangeError('deliberately');", '};', 'f();', '```', '',
    ].join('\n'));
    const path = `${relative(ROOT, dir)}/failing.md`;
    let error: unknown = null;
    try {
      await render({ out: join(dir, 'out'), sources: [path] });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(NotebookError);
    expect((error as Error).message).to.match(new RegExp(`^${path.replace(/[.]/g, '\\.')}:12:\\d+: cell 2 \\(line 11\\) threw RangeError: deliberately`));
  });

  it('opens every page in headless Chromium: no page errors, every plot drawn, every table filled', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const browser = await launchChromium();
    try {
      for (const name of [...rendered.map((r) => r.name), 'index']) {
        const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
        page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push(`fetches ${r.url()} (pages must be self-contained)`); });
        await page.goto(pathToFileURL(join(OUT, `${name}.html`)).href, { waitUntil: 'load' });
        const report = await page.evaluate(pageReport);
        // (Chromium captures at most 16384 pixels' height: the longest pages are cut at 16000)
        const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
        await page.setViewportSize({ width: 1000, height: Math.min(height, 16000) });
        // the screenshot is kept for people to look at; Chromium sometimes refuses a tall capture under load
        await page.screenshot({ path: join(SHOTS, `${name}.png`) }).catch((e: Error) => console.warn(`  (no screenshot of ${name}.html: ${e.message.split('\n')[0]})`));
        await page.close();

        expect(problems, `${name}.html`).to.deep.equal([]);
        expect(report.title, `${name}.html: title`).to.match(/hyperad notebooks/);
        expect(report.tables.length + report.plots.length, `${name}.html: tables and plots`).to.be.above(0);
        report.tables.forEach((rows, k) => expect(rows, `${name}.html: table ${k + 1} rows`).to.be.above(0));
        expect(report.rawTex, `${name}.html: TeX printed raw`).to.deep.equal([]);
        expect(report.overflowing, `${name}.html: boxes whose content is wider than they are`).to.deep.equal([]);
        report.plots.forEach((p, k) => {
          expect(p.marks, `${name}.html: plot ${k + 1} has marks`).to.be.above(0);
          expect(p.drawn, `${name}.html: plot ${k + 1}: marks drawn (${p.labels.join(', ')})`).to.equal(p.marks);
        });
      }

      // the .ipynb's HTML form of each plot is an <img> of the SVG (for converters that strip inline SVG): decode them all
      const fallbacks = rendered.flatMap((r) => ipynbPlotHtml(r.ipynb).map((html) => ({ name: r.name, html })));
      writeFileSync(join(SHOTS, 'fallbacks.html'), `<!doctype html><meta charset="utf-8"><title>fallbacks</title>\n${
        fallbacks.map((f) => `<div data-notebook="${f.name}">${f.html}</div>`).join('\n')}`);
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(SHOTS, 'fallbacks.html')).href, { waitUntil: 'load' });
      const decoded = await page.evaluate(async () => Promise.all([...(globalThis as unknown as PageGlobals).document.querySelectorAll('img')].map(async (img) => {
        try { await img.decode(); } catch { /* counted below */ }
        return { notebook: img.closest('div')!.dataset.notebook!, width: img.naturalWidth };
      })));
      await page.close();
      expect(decoded.length, 'plot <img> fallbacks in the .ipynb files').to.equal(fallbacks.length).and.to.be.above(0);
      expect(decoded.filter((d) => d.width === 0), 'fallbacks that fail to decode').to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });

  it('every run cell of a page can be edited and run again in the page (Chromium): new outputs, plots drawn, errors shown', async () => {
    const { add, exp, mul, sin } = await import('../lib/index.js');
    const { roundText } = await import('../scripts/notebooks/notebook.js');
    const g = (x: number) => add(mul(x, sin(x)), exp(x)) as number;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(pathToFileURL(join(OUT, '01-dual-numbers.html')).href, { waitUntil: 'load' });
      await page.waitForSelector('body.editable');
      const cells = page.locator('.cell[data-run]');
      const runs = async (n: number) => page.waitForSelector(`body[data-runs="${n}"]`);

      // cell 2 evaluates g(0.5): make it g(1.5) and run it (cells 1 and 2 run, in one scope)
      const second = cells.nth(1), code = second.locator('pre code');
      const text = await code.innerText();
      expect(text).to.include("console.log('g(0.5)     =', g(0.5));");
      await code.fill(text.replace("console.log('g(0.5)     =', g(0.5));", "console.log('g(1.5)     =', g(1.5));"));
      await second.locator('button.run').click();
      await runs(1);
      expect((await second.locator('.out pre.stream').first().innerText()).split('\n')[0]).to.equal(`g(1.5)     = ${roundText(String(g(1.5)))}`);
      expect(await cells.nth(0).locator('.out').innerText(), 'cell 1 ran again').to.include('difference: 0');

      // cell 3 draws a plot with Observable Plot in the page
      await cells.nth(2).locator('.out').evaluate((el) => { el.textContent = ''; });
      await cells.nth(2).locator('button.run').click();
      await runs(2);
      expect(await cells.nth(2).locator('.out svg[class^="plot-"]').count(), 'a plot').to.equal(1);

      // a cell that throws shows the error under it
      await cells.nth(1).locator('pre code').fill("import { grad } from 'hyperad';\ngrad((x) => x[0], [NaN]);");
      await cells.nth(1).locator('button.run').click();
      await runs(3);
      expect(await cells.nth(1).locator('.out pre.stderr').innerText()).to.match(/^RangeError: grad: x\[0\] is NaN/);
      await page.close();
      expect(problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });
});

describe('notebook quotes: a file and a symbol, never lines', () => {
  const where = 'docs/notebooks/x.md:7';
  const q = (file: string, what?: string) => quote(ROOT, file, what, where);

  it('finds a member by its qualified name or, when it names one thing, its bare name; the caption names the symbol', () => {
    const text = q('lib/numbers/dual.ts', 'Dual.unaryOp');
    expect(text.split('\n')[0]).to.equal('*`lib/numbers/dual.ts`, `Dual.unaryOp`:*');
    expect(text).to.include('\nunaryOp(code: number, p: number): Dual {\n');
    expect(text).to.not.match(/\blines? \d/);
    expect(q('lib/numbers/dual.ts', 'unaryOp')).to.equal(text);
  });

  it('quotes an exported const whole, with its doc comment', () => {
    const text = q('lib/rules/unary.ts', 'UNARY_NAMES');
    expect(text).to.match(/```ts\n(\/\*\*[^]*\*\/\n)?export const UNARY_NAMES = \[/);
    expect(text).to.match(/\] as const;\n```$/);
  });

  it('says which file and symbol are wrong, and what the file declares', () => {
    expect(() => q('lib/tape/kernels.ts', 'noSuchSweep')).to.throw(`${where}: quote lib/tape/kernels.ts noSuchSweep: the file declares no 'noSuchSweep' (moved or renamed? its top-level declarations: `);
    expect(() => q('lib/tape/no-such-file.ts', 'runReverse')).to.throw(`${where}: quote: lib/tape/no-such-file.ts does not exist`);
    expect(() => q('lib/rules/unary.ts', 'd')).to.throw(/'d' is ambiguous here; name one of unaryRules\.\w+\.d, /);
    expect(() => q('lib/tape/kernels.ts', '#L1-L14')).to.throw(/name a declaration/);
  });
});

/** The text/html form of every plot output (an SVG's image/svg+xml) in a notebook's JSON. */
function ipynbPlotHtml(ipynb: string): string[] {
  const nb = JSON.parse(ipynb) as { cells: { outputs?: { data?: Record<string, string[]> }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data?.['image/svg+xml'])
    .map((o) => (o.data!['text/html'] ?? []).join(''));
}

/**
 * Runs in the page: per plot, its mark groups (Plot's `g[aria-label]` other
 * than axes, grids and frames) and how many have an element with a non-empty
 * bounding box; rows per table.
 */
function pageReport(): PageReport {
  // (runs in the page: only what is written inside this function exists there)
  const document = (globalThis as unknown as PageGlobals).document;
  const plots = [...document.querySelectorAll('.display.plot')].map((el) => {
    const svgs = [...el.querySelectorAll('svg')];
    const main = svgs.reduce((a, b) => (b.getBoundingClientRect().width * b.getBoundingClientRect().height > a.getBoundingClientRect().width * a.getBoundingClientRect().height ? b : a));
    const marks = [...main.querySelectorAll('g[aria-label]')].filter((g) => !/axis|grid|frame/.test(g.getAttribute('aria-label') ?? ''));
    const drawn = marks.filter((g) => [...g.querySelectorAll('path, circle, rect, line, text, polyline, polygon')].some((e) => {
      const b = e.getBBox();
      return b.width > 0 || b.height > 0;
    }));
    return { marks: marks.length, drawn: drawn.length, labels: marks.map((g) => g.getAttribute('aria-label') ?? '') };
  });
  const tables = [...document.querySelectorAll('table')].map((t) => t.querySelectorAll('tbody tr td').length && t.querySelectorAll('tbody tr').length);
  const overflowing = [...document.querySelectorAll('pre, .display, p.math')].filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => `${e.className} (${e.scrollWidth} > ${e.clientWidth} px): ${(e.textContent ?? '').slice(0, 60)}`);
  const rawTex = [...document.querySelectorAll('section.md p, section.md li')]
    .map((e) => {
      const prose = e.cloneNode(true);
      for (const c of [...prose.querySelectorAll('code, math')]) c.remove();
      return prose.textContent ?? '';
    })
    .flatMap((t) => t.match(/\S[_^]\{[^}]*\}|\S\^[−-]?\d[\d.]*|\$[^$\s][^$]*\$/g) ?? []);
  return { title: document.title, plots, tables, overflowing, rawTex };
}

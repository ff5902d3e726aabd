/**
 * The package in a browser (issue 16): dist/index.js and the cases of
 * spec/support/browser-cases.ts (the README's examples; grad, hvp, hessian,
 * the diagonal methods, forward modes, the Laplacian, prepare and `.at`,
 * tensors) bundled by esbuild for the browser, loaded in headless Chromium
 * (spec/support/chromium.ts) from pages that playwright-core serves itself
 * (no server, no network), and compared with Node's results bit for bit
 * (Object.is on every number):
 *  - an ordinary page, codegen 'always': the same generated loops as Node,
 *    the same bits as Node under 'always';
 *  - a page under `Content-Security-Policy: script-src 'self'` (no
 *    'unsafe-eval'): `new Function` is refused, no loop is generated, no
 *    error escapes, and the bits equal Node's under codegen 'off'.
 */
import { expect } from 'chai';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { runCases, type CaseRun } from './support/browser-cases.js';
import { launchChromium, locateChromium } from './support/chromium.js';
import { recordLibm, type LibmTable } from './support/libm.js';

const PACKAGE = fileURLToPath(import.meta.resolve('hyperad')); // the package's ESM entry, dist/index.js
const CASES = fileURLToPath(new URL('./support/browser-cases.js', import.meta.url));
const LIBM_MODULE = fileURLToPath(new URL('./support/libm.js', import.meta.url));
const ORIGIN = 'http://hyperad.test';
const CSP = "script-src 'self'";

/** What the page leaves in `globalThis.hyperadRun`: per case, its numbers' bytes in hex (bit-exact, -0 and NaN included). */
interface PageRun {
  results: Record<string, string>; generatedLoops: number; canEval: boolean;
  libm: { calls: number; misses: number; differing: number };
}

/**
 * The page's two scripts, each one IIFE for the browser: /libm.js pins the
 * engine's Math functions to Node's results (spec/support/libm.ts), then
 * /hyperad.js (the package and the cases) runs the cases named by the page's
 * #fragment (`mode,readmeMlp`) in the page's own task (not under
 * page.evaluate, which DevTools exempts from the CSP's ban on eval) and leaves
 * a PageRun in `globalThis.hyperadRun`.
 */
async function bundles(table: LibmTable): Promise<{ libm: string; cases: string }> {
  const iife = async (contents: string): Promise<string> => (await build({
    stdin: { contents, resolveDir: dirname(CASES), sourcefile: 'page-entry.js' },
    bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning',
  })).outputFiles[0]!.text;
  const libm = await iife([
    `import { replayLibm } from ${JSON.stringify(LIBM_MODULE)};`,
    `globalThis.hyperadLibm = replayLibm(${JSON.stringify(table)});`,
  ].join('\n'));
  const cases = await iife([
    `import * as h from ${JSON.stringify(PACKAGE)};`,
    `import { runCases } from ${JSON.stringify(CASES)};`,
    'const hex = (xs) => Array.from(new Uint8Array(new Float64Array(xs).buffer), (b) => b.toString(16).padStart(2, "0")).join("");',
    'let canEval = true;',
    'try { new Function("return 0"); } catch { canEval = false; }',
    'const [mode, mlp] = location.hash.slice(1).split(",");',
    'const r = runCases(h, mode, { readmeMlp: mlp === "1" });',
    'globalThis.hyperadRun = {',
    '  results: Object.fromEntries(Object.entries(r.results).map(([k, v]) => [k, hex(v)])),',
    '  generatedLoops: r.generatedLoops, canEval, libm: { ...globalThis.hyperadLibm },',
    '};',
  ].join('\n'));
  return { libm, cases };
}

const unhex = (s: string): number[] => {
  const b = Buffer.from(s, 'hex');
  return Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
};

/** Every case whose numbers differ from ref's anywhere (Object.is), with the first difference. */
function differences(got: Record<string, number[]>, ref: Record<string, number[]>): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(ref), ...Object.keys(got)])) {
    const g = got[name], r = ref[name];
    if (!g || !r) { out.push(`${name}: only in ${g ? 'the page' : 'Node'}`); continue; }
    if (g.length !== r.length) { out.push(`${name}: ${g.length} numbers in the page, ${r.length} in Node`); continue; }
    const i = g.findIndex((v, k) => !Object.is(v, r[k]));
    if (i >= 0) out.push(`${name}: [${i}] is ${g[i]} in the page, ${r[i]} in Node (${g.filter((v, k) => !Object.is(v, r[k])).length} differ)`);
  }
  return out;
}

describe('browser: the package in headless Chromium, bit for bit with Node', function () {
  this.timeout(120_000);
  let browser: Browser;
  let scripts: { libm: string; cases: string };
  let node: { always: CaseRun; off: CaseRun };

  before(async () => {
    // a copy of the package of its own, loaded while Math's functions record their calls, so its rule table holds the recorders
    const libm = recordLibm();
    try {
      const h = (await import(`${pathToFileURL(PACKAGE).href}?pinned-libm`)) as Parameters<typeof runCases>[0];
      node = { always: runCases(h, 'always', { readmeMlp: true }), off: runCases(h, 'off', { readmeMlp: false }) };
    } finally {
      libm.restore();
    }
    scripts = await bundles(libm.table);
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); });

  /** A fresh page at ORIGIN serving the bundle, under `csp` if given; what goes wrong in it lands in `problems`. */
  async function open(csp: string | null, hash: string, problems: string[]): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    await page.route(`${ORIGIN}/**`, (route) => {
      const url = route.request().url();
      if (url === `${ORIGIN}/libm.js`) return route.fulfill({ contentType: 'text/javascript', body: scripts.libm });
      if (url === `${ORIGIN}/hyperad.js`) return route.fulfill({ contentType: 'text/javascript', body: scripts.cases });
      if (url === `${ORIGIN}/`) { // (the #fragment stays in the page)
        return route.fulfill({
          contentType: 'text/html', headers: csp ? { 'Content-Security-Policy': csp } : {},
          body: '<!doctype html><meta charset="utf-8"><title>hyperad in a browser</title>' +
            '<script src="/libm.js"></script><script src="/hyperad.js"></script>',
        });
      }
      problems.push(`unexpected request ${url}`);
      return route.abort();
    });
    await page.goto(`${ORIGIN}/#${hash}`, { waitUntil: 'load' });
    return page;
  }

  /** The cases run by a page under `csp` (codegen 'always'; the README's MLP or not), and what went wrong in it. */
  async function inPage(csp: string | null, readmeMlp: boolean): Promise<Omit<PageRun, 'results'> & { results: Record<string, number[]>; problems: string[] }> {
    const problems: string[] = [];
    const page = await open(csp, `always,${readmeMlp ? 1 : 0}`, problems);
    const r = await page.evaluate(() => (globalThis as unknown as { hyperadRun?: PageRun }).hyperadRun);
    await page.close();
    expect(r, `the cases ran in the page (${problems.join('; ')})`).to.not.equal(undefined);
    return { ...r!, problems, results: Object.fromEntries(Object.entries(r!.results).map(([k, v]) => [k, unhex(v)])) };
  }

  /** Every Math call of the page's cases was answered from Node's record; how many the engine would have answered otherwise is printed. */
  function note(libm: PageRun['libm']): void {
    expect(libm.misses, 'Math calls in the page that Node never made').to.equal(0);
    expect(libm.calls, 'Math calls pinned').to.be.above(0);
    if (!noted) console.log(`  browser: ${browser.version()}'s own Math functions answer ${libm.differing} of the cases' ${libm.calls} calls otherwise than Node ${process.versions.node}'s (pinned to Node's for the bit-for-bit comparison)`);
    noted = true;
  }
  let noted = false;

  it('runs in Chromium found by spec/support/chromium.ts (system, or the npm package)', async () => {
    const c = await locateChromium();
    expect(c.executablePath).to.be.a('string');
    expect(browser.version()).to.match(/^\d+\./);
  });

  it("an ordinary page: generated code as in Node, every number identical to Node's (codegen 'always')", async () => {
    const r = await inPage(null, true);
    expect(r.problems).to.deep.equal([]);
    note(r.libm);
    expect(r.canEval, 'new Function allowed').to.equal(true);
    expect(node.always.generatedLoops, 'Node generates loops for the prepared chain').to.be.above(0);
    expect(r.generatedLoops, 'generated loops in the page').to.equal(node.always.generatedLoops);
    expect(Object.keys(r.results).length).to.be.at.least(60);
    expect(differences(r.results, node.always.results)).to.deep.equal([]);
  });

  it(`under a strict CSP (${CSP}, no 'unsafe-eval'): nothing generated, no error, every number identical to Node's with codegen 'off'`, async () => {
    const r = await inPage(CSP, false);
    // Chromium reports each refused `new Function` on the console; nothing else may go wrong
    expect(r.problems.filter((p) => !/unsafe-eval/.test(p))).to.deep.equal([]);
    note(r.libm);
    expect(r.canEval, 'new Function refused').to.equal(false);
    expect(r.generatedLoops, 'generated loops under the CSP').to.equal(0);
    expect(differences(r.results, node.off.results)).to.deep.equal([]);
  });
});

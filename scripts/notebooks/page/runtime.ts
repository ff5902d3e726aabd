/**
 * The script of the notebook pages (bundled by the renderer into
 * notebooks/assets/page.js): every run cell's code can be edited in place
 * and run again. Running cell k runs cells 1…k, as they now read, in one
 * fresh scope (as the renderer runs a notebook: one module, in order) and
 * replaces their outputs. TypeScript is stripped in the page by sucrase; the
 * imports `hyperad`, `@observablehq/plot` and `./notebook` are the bundled
 * library, Plot and the notebooks' helper module, which sends its displays
 * here through the sink the renderer uses too.
 */
import * as Plot from '@observablehq/plot';
import { transform } from 'sucrase';
import * as hyperad from '../../../lib/index.js';
import * as notebook from '../notebook.js';
import { SINK, formatArgs, type Sink } from '../notebook.js';

const MODULES: Record<string, unknown> = { hyperad, '@observablehq/plot': Plot, './notebook': notebook, './notebook.js': notebook, './notebook.ts': notebook };

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;

interface Cell { code: HTMLElement; out: HTMLElement; button: HTMLButtonElement }

function cells(): Cell[] {
  return [...document.querySelectorAll<HTMLElement>('.cell.code[data-run]')].map((el) => ({
    code: el.querySelector<HTMLElement>('pre code')!,
    out: el.querySelector<HTMLElement>('.out')!,
    button: el.querySelector<HTMLButtonElement>('button.run')!,
  }));
}

function append(out: HTMLElement, html: string, cls: string): void {
  const div = document.createElement('div');
  div.className = cls;
  div.innerHTML = html;
  out.appendChild(div.firstElementChild && cls === '' ? div.firstElementChild : div);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Runs cells 0…last as they read now; outputs replace theirs. */
async function runThrough(all: Cell[], last: number): Promise<void> {
  const ran = all.slice(0, last + 1);
  for (const c of ran) { c.out.innerHTML = ''; c.out.classList.add('stale'); }
  let current = -1;
  const outOf = () => ran[Math.max(current, 0)]!.out;
  const write = (name: 'stdout' | 'stderr', args: unknown[]) => {
    const o = outOf(), lastEl = o.lastElementChild as HTMLElement | null, text = formatArgs(args).replace(/\n$/, '');
    if (lastEl?.matches(`pre.stream.${name}`)) lastEl.textContent += '\n' + text;
    else append(o, `<pre class="stream ${name}">${escapeHtml(text)}</pre>`, '');
  };
  const pageConsole = { ...console, log: (...a: unknown[]) => write('stdout', a), info: (...a: unknown[]) => write('stdout', a), warn: (...a: unknown[]) => write('stderr', a), error: (...a: unknown[]) => write('stderr', a) };
  const sink: Sink = (kind, data) => {
    const html = kind === 'plot' ? data['text/x-inline-html'] ?? data['image/svg+xml']! : kind === 'table' ? data['text/html']! : `<pre>${escapeHtml(data['text/plain'] ?? '')}</pre>`;
    append(outOf(), html, `display ${kind}`);
  };
  (globalThis as { [SINK]?: Sink })[SINK] = sink;
  const source = ran.map((c, k) => `await __cell(${k});\n${c.code.innerText}\n`).join('');
  try {
    const js = transform(source, { transforms: ['typescript', 'imports'], disableESTransforms: true }).code;
    const require = (name: string) => {
      if (!(name in MODULES)) throw new Error(`the page knows the imports hyperad, @observablehq/plot and ./notebook, not '${name}'`);
      return MODULES[name];
    };
    await new AsyncFunction('require', '__cell', 'console', js)(require, async (k: number) => {
      current = k;
      ran[k]!.out.classList.remove('stale');
      await new Promise((r) => setTimeout(r, 0)); // let the page draw what came before
    }, pageConsole);
  } catch (e) {
    const err = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    append(outOf(), `<pre class="stream stderr">${escapeHtml(err)}</pre>`, '');
    outOf().classList.remove('stale');
  }
}

function setUp(): void {
  const all = cells();
  let busy = false;
  all.forEach((c, k) => {
    c.code.contentEditable = 'plaintext-only';
    c.code.spellcheck = false;
    c.button.hidden = false;
    c.button.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      document.body.classList.add('running');
      try {
        await runThrough(all, k);
      } finally {
        busy = false;
        document.body.classList.remove('running');
        document.body.dataset.runs = String(Number(document.body.dataset.runs ?? 0) + 1);
      }
    });
  });
  document.body.classList.add('editable');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setUp);
else setUp();

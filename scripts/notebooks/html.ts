/**
 * A rendered notebook as an HTML page (nothing fetched from the network):
 * prose by markdown-it (math as MathML, math.ts), code cells with their outputs, plots as inline SVG,
 * tables as <table>. Outputs of volatile cells sit between <!--volatile-->
 * markers so the freshness check can set them aside. One script,
 * assets/page.js (page/runtime.ts, bundled by the renderer), makes the run
 * cells editable; without it the page is the same, static.
 */
import MarkdownIt from 'markdown-it';
import { mathPlugin } from './math.js';
import type { NotebookSource } from './parse.js';
import type { Output } from './runtime.js';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false }).use(mathPlugin);
// links between notebooks point at the rendered pages
const defaultLink = md.renderer.rules.link_open ?? ((t, i, o, _e, self) => self.renderToken(t, i, o));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  const href = tokens[i]!.attrGet('href');
  if (typeof href === 'string' && !/^[a-z]+:/i.test(href)) tokens[i]!.attrSet('href', href.replace(/\.md(#|$)/, '.html$1'));
  return defaultLink(tokens, i, options, env, self);
};

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const STYLE = `
:root { color-scheme: light; --fg: #1d1f23; --muted: #5f6570; --rule: #d9dce1; --code: #f5f6f8; --accent: #3056a8; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 880px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
nav { font-size: 0.9rem; color: var(--muted); margin-bottom: 1.5rem; }
a { color: var(--accent); }
h1 { font-size: 1.9rem; line-height: 1.2; } h2 { font-size: 1.35rem; margin-top: 2rem; }
code { font: 0.88em/1.45 ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
pre { background: var(--code); padding: 0.7rem 0.9rem; border-radius: 4px; margin: 0.5rem 0; font: 0.88rem/1.45 ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
pre code { font: inherit; }
/* nothing is cut at the box's edge: a line too long for it wraps (the notebooks keep code lines short) */
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
math { font-size: 1.05em; }
p.math { overflow-x: auto; }
p code, li code, td code { background: var(--code); padding: 0.05em 0.25em; border-radius: 3px; }
.cell { margin: 1rem 0; }
.cell .in { display: grid; grid-template-columns: 3.2rem 1fr; align-items: start; }
.prompt { font: 0.78rem ui-monospace, monospace; color: var(--muted); padding-top: 0.85rem; }
.cell.no-run pre { border-left: 3px solid var(--rule); }
.out { margin-left: 3.2rem; }
.out pre.stream { background: none; border-left: 3px solid var(--rule); border-radius: 0; padding: 0.2rem 0.9rem; }
.out pre.stderr { border-left-color: #c0392b; }
.display { margin: 0.5rem 0; overflow-x: auto; }
.display.plot svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.7rem; text-align: left; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 0.3rem; }
.note { color: var(--muted); font-size: 0.85rem; }
.out pre { font: 0.85rem/1.45 ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
.prompt button.run { display: block; margin-top: 0.3rem; font: 0.72rem system-ui, sans-serif; padding: 0.1rem 0.4rem; cursor: pointer; }
.editable .cell[data-run] pre code { display: block; outline: none; }
.editable .cell[data-run] pre:focus-within { box-shadow: 0 0 0 2px var(--accent); }
.running button.run { cursor: progress; }
.out.stale { opacity: 0.35; }
`;

function page(title: string, body: string, script = false): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · hyperad notebooks</title>`,
    `<style>${STYLE}</style>`,
    ...(script ? ['<script src="assets/page.js" defer></script>'] : []),
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function outputHtml(o: Output): string {
  if (o.type === 'stream') return `<pre class="stream ${o.name}">${escapeHtml(o.text.replace(/\n$/, ''))}</pre>`;
  if (o.kind === 'plot') return `<div class="display plot">${o.data['text/x-inline-html'] ?? o.data['image/svg+xml']}</div>`;
  if (o.kind === 'table') return `<div class="display table">${o.data['text/html']}</div>`;
  return `<pre class="display text">${escapeHtml(o.data['text/plain'] ?? '')}</pre>`;
}

/** The page for `nb` with `outputs` (one list per run cell). */
export function toHtml(nb: NotebookSource, outputs: readonly Output[][]): string {
  let run = 0, count = 0;
  const parts = [
    `<nav><a href="index.html">hyperad notebooks</a> · <a href="${nb.name}.ipynb">${nb.name}.ipynb</a> · source <code>${escapeHtml(nb.path)}</code></nav>`,
  ];
  for (const c of nb.cells) {
    if (c.kind === 'markdown') {
      parts.push(`<section class="md">\n${md.render(c.source)}</section>`);
      continue;
    }
    const prompt = c.run ? `[${++count}]` : '[ ]';
    const outs = c.run ? outputs[run++]! : [];
    const body = outs.map(outputHtml).join('\n');
    const wrapped = c.volatile ? `<!--volatile-->\n${body}\n<!--/volatile-->` : body;
    const button = c.run ? '<button class="run" type="button" hidden title="run the cells up to this one, as they read now">Run</button>' : '';
    parts.push([
      `<div class="cell code${c.run ? '' : ' no-run'}"${c.run ? ' data-run' : ''}>`,
      `<div class="in"><span class="prompt">${prompt}${button}</span><pre><code class="language-ts">${escapeHtml(c.source)}</code></pre></div>`,
      ...(c.run ? [`<div class="out">\n${wrapped}\n</div>`] : []),
      '</div>',
    ].join('\n'));
  }
  return page(nb.title, parts.join('\n'), true);
}

/** The index page listing every notebook. */
export function indexHtml(nbs: readonly NotebookSource[]): string {
  const rows = nbs.map((nb) => `<tr><td><a href="${nb.name}.html">${escapeHtml(nb.title)}</a></td><td><a href="${nb.name}.ipynb">${nb.name}.ipynb</a></td></tr>`);
  const body = [
    '<h1>hyperad notebooks</h1>',
    '<p>Teaching notebooks for hyperad, rendered by <code>npm run docs</code> from <code>docs/notebooks/</code>: every cell was run and every output is its own.</p>',
    '<table>',
    '<thead><tr><th>notebook</th><th>for Jupyter</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
  return page('Index', body);
}

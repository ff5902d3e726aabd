/**
 * Notebook sources: a Markdown file whose ```ts fences are code cells.
 *
 *   ```ts               a code cell, run in order with the others
 *   ```ts no-run        shown, never run (no outputs)
 *   ```ts volatile      run; its outputs change from run to run (timings),
 *                       so the freshness check compares their kinds, not their text
 *   ```ts quote lib/tape/kernels.ts runReverseTangent
 *   ```                 replaced at render time by that declaration of the
 *                       file, inside the prose (a file and a symbol such as
 *                       `Dual.unaryOp`, `#header`, or a file alone: see quote.ts)
 *
 * Any other fence (```sh, ```text) stays part of the prose. Everything
 * between code cells is one Markdown cell. Each cell remembers the .md line
 * it starts on, so errors point into the source.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { quote } from './quote.js';

export interface MarkdownCell {
  readonly kind: 'markdown';
  readonly source: string;
  /** 1-based .md line of the cell's first line */
  readonly line: number;
}

export interface CodeCell {
  readonly kind: 'code';
  readonly source: string;
  /** 1-based .md line of the cell's first code line (the line after the fence) */
  readonly line: number;
  readonly run: boolean;
  readonly volatile: boolean;
}

export type Cell = MarkdownCell | CodeCell;

export interface NotebookSource {
  /** file name without .md: the name of the rendered files */
  readonly name: string;
  /** path of the .md, relative to the project root */
  readonly path: string;
  /** the first `# ` heading */
  readonly title: string;
  readonly cells: readonly Cell[];
  /** the .md's lines (what the cell runner keeps line for line) */
  readonly lines: readonly string[];
}

const FENCE = /^(`{3,})\s*([\w-]*)\s*(.*?)\s*$/;
const CODE_LANGS = new Set(['ts', 'typescript']);
const FLAGS = new Set(['no-run', 'volatile']);

/** Parses the notebook at `root/path`; quotes are read relative to root. */
export function parseNotebook(root: string, path: string): NotebookSource {
  const text = readFileSync(`${root}/${path}`, 'utf8').replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const cells: Cell[] = [];
  const where = (i: number) => `${path}:${i + 1}`;
  let prose: string[] = [], proseLine = 1;

  const flushProse = () => {
    // trim blank lines at both ends, keep the line number of the first kept line
    let lo = 0, hi = prose.length;
    while (lo < hi && prose[lo]!.trim() === '') lo++;
    while (hi > lo && prose[hi - 1]!.trim() === '') hi--;
    if (hi > lo) cells.push({ kind: 'markdown', source: prose.slice(lo, hi).join('\n'), line: proseLine + lo });
    prose = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]!);
    if (!m) {
      if (prose.length === 0) proseLine = i + 1;
      prose.push(lines[i]!);
      continue;
    }
    // find the closing fence (same or longer run of backticks, nothing else)
    const ticks = m[1]!, lang = m[2]!.toLowerCase(), rest = m[3]!;
    let j = i + 1;
    while (j < lines.length && !(lines[j]!.startsWith(ticks) && lines[j]!.trim() === lines[j]!.trim().replace(/[^`]/g, ''))) j++;
    if (j === lines.length) throw new Error(`${where(i)}: this code fence is never closed`);
    const body = lines.slice(i + 1, j);

    if (CODE_LANGS.has(lang) && rest.startsWith('quote')) {
      if (prose.length === 0) proseLine = i + 1;
      if (body.some((l) => l.trim() !== '')) throw new Error(`${where(i)}: a quote fence must be empty (its text is read from the file)`);
      const [, file, what] = rest.split(/\s+/);
      if (!file) throw new Error(`${where(i)}: quote needs a file, as in \`\`\`ts quote lib/tape/kernels.ts runReverse`);
      prose.push(...quote(root, file, what, where(i)).split('\n'));
      // keep the prose's line count in step with the source for the lines that follow
    } else if (CODE_LANGS.has(lang)) {
      const flags = rest === '' ? [] : rest.split(/\s+/);
      for (const f of flags) if (!FLAGS.has(f)) throw new Error(`${where(i)}: unknown cell flag '${f}' (known: ${[...FLAGS].join(', ')})`);
      flushProse();
      cells.push({
        kind: 'code',
        source: body.join('\n').replace(/\s+$/, ''),
        line: i + 2,
        run: !flags.includes('no-run'),
        volatile: flags.includes('volatile'),
      });
    } else {
      if (prose.length === 0) proseLine = i + 1;
      prose.push(...lines.slice(i, j + 1));
    }
    i = j;
  }
  flushProse();

  const heading = lines.find((l) => /^#\s/.test(l));
  if (!heading) throw new Error(`${path}: a notebook starts with a '# Title' heading`);
  return { name: basename(path, '.md'), path, title: heading.replace(/^#\s+/, '').trim(), cells, lines };
}

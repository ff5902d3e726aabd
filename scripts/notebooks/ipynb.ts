/**
 * A rendered notebook as nbformat 4.5 JSON: cell ids, execution counts,
 * stored outputs, and a TypeScript kernelspec (tslab: a Node.js kernel, so
 * `import … from 'hyperad'` resolves as in this project once it is installed).
 */
import type { NotebookSource } from './parse.js';
import type { Output } from './runtime.js';

/** nbformat's multiline string: lines, each but the last ending in "\n". */
export function multiline(s: string): string[] {
  if (s === '') return [];
  const parts = s.split('\n');
  return parts.map((l, i) => (i < parts.length - 1 ? l + '\n' : l)).filter((l) => l !== '');
}

/** MIME types written to the .ipynb (the renderer's private ones, text/x-…, are not). */
const keep = (mime: string) => !mime.startsWith('text/x-');

function outputJson(o: Output): object {
  if (o.type === 'stream') return { output_type: 'stream', name: o.name, text: multiline(o.text) };
  const data: Record<string, string[]> = {};
  for (const [mime, v] of Object.entries(o.data)) if (keep(mime)) data[mime] = multiline(v);
  return { output_type: 'display_data', data, metadata: {} };
}

/** The notebook JSON for `nb` with `outputs` (one list per run cell), as written to disk. */
export function toIpynb(nb: NotebookSource, outputs: readonly Output[][]): string {
  let run = 0, count = 0;
  const cells = nb.cells.map((c, i) => {
    const id = `${c.kind === 'code' ? 'code' : 'md'}-${String(i + 1).padStart(2, '0')}`;
    if (c.kind === 'markdown') return { cell_type: 'markdown', id, metadata: {}, source: multiline(c.source) };
    const tags = [...(c.run ? [] : ['no-run']), ...(c.volatile ? ['volatile'] : [])];
    const outs = c.run ? outputs[run++]! : [];
    return {
      cell_type: 'code',
      execution_count: c.run ? ++count : null,
      id,
      metadata: tags.length ? { tags } : {},
      outputs: outs.map(outputJson),
      source: multiline(c.source),
    };
  });
  const json = {
    cells,
    metadata: {
      kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
      language_info: {
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
        file_extension: '.ts',
        mimetype: 'text/typescript',
        name: 'typescript',
      },
      hyperad: { source: nb.path, rendered_by: 'npm run docs' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(json, null, 1) + '\n';
}

/**
 * A notebook's run cells as one ES module ("Run All" in one scope): the .md
 * with every line outside a run cell blanked, so module line N is .md line N,
 * and each cell's opening fence replaced by `await __notebook.cell(k)`, which
 * tells the runtime whose output follows. esbuild strips the types and keeps
 * a source map naming the .md, so a stack trace points into the source.
 *
 * Imports: `hyperad` resolves to the library the renderer was built with
 * (its build folder's lib/index.js, the same code as the package's dist/);
 * `./notebook`, the helpers beside the .ipynb files, to the renderer's own
 * copy of them (notebook.ts); every other import is left to Node. As in a notebook kernel, a cell may
 * import a name an earlier cell imported: the repeat is dropped (one module
 * cannot declare a binding twice).
 */
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import type { NotebookSource } from './parse.js';

const IMPORT = /^import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+([\w$]+)|([\w$]+))\s+from\s+(['"])([^'"]+)\5\s*;?[ \t]*$/gm;

/**
 * A cell's text with the import bindings already made by earlier cells
 * (`seen`: local name → module) left out; the line count is kept.
 */
export function dedupeImports(text: string, seen: Map<string, string>): string {
  return text.replace(IMPORT, (whole, typeOnly: string | undefined, named: string | undefined, star: string | undefined, def: string | undefined, q: string, from: string) => {
    const blank = whole.replace(/[^\n]/g, '');
    if (typeOnly) return whole;
    const fresh = (local: string) => {
      if (seen.get(local) === from) return false;
      seen.set(local, from);
      return true;
    };
    if (star !== undefined || def !== undefined) return fresh((star ?? def)!) ? whole : blank;
    const specs = named!.split(',').map((p) => p.trim()).filter(Boolean);
    const kept = specs.filter((p) => fresh(p.replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim()));
    if (kept.length === specs.length) return whole;
    return kept.length ? `import { ${kept.join(', ')} } from ${q}${from}${q};${blank}` : blank;
  });
}

/** The module text: .md lines kept in run cells, blank elsewhere, a cell marker on each opening fence. */
export function moduleSource(nb: NotebookSource): string {
  const lines: string[] = nb.lines.map(() => '');
  const seen = new Map<string, string>();
  let k = 0;
  for (const c of nb.cells) {
    if (c.kind !== 'code' || !c.run) continue;
    const first = c.line - 1, n = c.source === '' ? 0 : c.source.split('\n').length;
    lines[first - 1] = `await __notebook.cell(${k++});`;
    const text = dedupeImports(nb.lines.slice(first, first + n).join('\n'), seen).split('\n');
    for (let i = 0; i < n; i++) lines[first + i] = text[i]!;
  }
  lines.push('await __notebook.cell(-1);');
  return lines.join('\n');
}

/** The helpers' import in a notebook: `./notebook`, with or without an extension. */
export const HELPER_IMPORT = /^\.\/notebook(\.js|\.ts)?$/;

/** Compiles the notebook's module; `hyperad` becomes an import of `libUrl`, `./notebook` one of `helperUrl`. */
export async function compileNotebook(root: string, nb: NotebookSource, libUrl: string, helperUrl: string): Promise<string> {
  const result = await build({
    stdin: { contents: moduleSource(nb), loader: 'ts', sourcefile: `${root}/${nb.path}`, resolveDir: root },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [{
      name: 'notebook-imports',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          if (args.path === 'hyperad') return { path: libUrl, external: true };
          if (HELPER_IMPORT.test(args.path)) return { path: helperUrl, external: true };
          if (args.path.startsWith('.')) return { errors: [{ text: `notebooks import packages and './notebook', no other file: '${args.path}'` }] };
          return { path: args.path, external: true };
        });
      },
    }],
  }).catch((e: { errors?: { text: string; location?: { line: number; column: number } | null }[] }) => {
    const first = e.errors?.[0];
    if (!first) throw e;
    const at = first.location ? `${nb.path}:${first.location.line}:${first.location.column + 1}` : nb.path;
    throw new Error(`${at}: ${first.text}`);
  });
  return pointSourceMapAt(result.outputFiles[0]!.text, pathToFileURL(`${root}/${nb.path}`).href);
}

/** Rewrites the inline source map so that its one source is the .md, by absolute URL (stack traces then name it). */
function pointSourceMapAt(code: string, url: string): string {
  const marker = '//# sourceMappingURL=data:application/json;base64,';
  const at = code.lastIndexOf(marker);
  if (at < 0) throw new Error('esbuild wrote no inline source map');
  const map = JSON.parse(Buffer.from(code.slice(at + marker.length).trim(), 'base64').toString('utf8')) as { sources: string[] };
  map.sources = [url];
  return code.slice(0, at) + marker + Buffer.from(JSON.stringify(map)).toString('base64') + '\n';
}

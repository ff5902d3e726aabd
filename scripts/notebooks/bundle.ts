/**
 * The notebook pages' script, assets/page.js: page/runtime.ts bundled for
 * the browser with the library (lib/, as the pages' outputs were computed),
 * Observable Plot, sucrase (strips TypeScript in the page) and the
 * notebooks' helper module, whose few Node imports page/shims.ts stands in
 * for. Built from the checkout by every render; not committed (.gitignore),
 * so a change to lib/ does not make the committed pages stale.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

/** Writes `out`/assets/page.js; resolves to its size in bytes. */
export async function buildPageScript(root: string, out: string): Promise<number> {
  const shims = join(root, 'scripts/notebooks/page/shims.ts');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'scripts/notebooks/page/runtime.ts')],
    outfile: join(out, 'assets/page.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    alias: { linkedom: shims, 'node:util': shims },
    inject: [shims],
    define: { __HYPERAD_FORMAT__: '"notebook page (assets/page.js)"' },
    logLevel: 'error',
    metafile: true,
  });
  return Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
}

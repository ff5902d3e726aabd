/**
 * What an import of the package costs a browser bundle: esbuild bundles
 * `import { grad } from 'hyperad'`, `import * as h from 'hyperad'` and a
 * bare `import 'hyperad'` the way an application's bundler would (through
 * the package's exports and `sideEffects`, from dist/index.js), minified;
 * printed in bytes and gzip bytes (node:zlib, level 9).
 * Run: `npm run size` (builds first).
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** the package root: two levels above dist/index.js, which 'hyperad' resolves to from here */
const ROOT = join(dirname(fileURLToPath(import.meta.resolve('hyperad'))), '..');

export const ENTRIES = {
  grad: "export { grad } from 'hyperad';",
  all: "import * as h from 'hyperad';\nglobalThis.hyperad = h;",
  bare: "import 'hyperad';",
} as const;

export interface Size { minified: number; gzip: number }

/** Bundles `entry` as an application would, for the browser (minified unless told otherwise): the code. */
export async function bundle(entry: string, minify = true): Promise<Uint8Array> {
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'app.js' },
    bundle: true, minify, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning',
    logOverride: { 'ignored-bare-import': 'silent' }, // the bare import: dropped, as declared
  });
  return out.outputFiles[0]!.contents;
}

/** The minified and gzipped size of `entry`'s bundle. */
export async function bundleSize(entry: string): Promise<Size> {
  const code = await bundle(entry);
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

export async function sizes(): Promise<Record<keyof typeof ENTRIES, Size>> {
  const [grad, all, bare] = await Promise.all([bundleSize(ENTRIES.grad), bundleSize(ENTRIES.all), bundleSize(ENTRIES.bare)]);
  return { grad: grad!, all: all!, bare: bare! };
}

async function main(): Promise<void> {
  const s = await sizes();
  const kb = (n: number) => `${n} B`;
  const row = (label: string, x: Size) => `${label.padEnd(34)} ${kb(x.minified).padStart(10)} ${kb(x.gzip).padStart(10)}`;
  console.log(`${'esbuild bundle of'.padEnd(34)} ${'minified'.padStart(10)} ${'gzip'.padStart(10)}`);
  console.log(row("import { grad } from 'hyperad'", s.grad));
  console.log(row("import * as h from 'hyperad'", s.all));
  console.log(row("import 'hyperad' (nothing used)", s.bare));
  console.log(`grad alone: ${(100 * s.grad.minified / s.all.minified).toFixed(0)}% of the whole (${(100 * s.grad.gzip / s.all.gzip).toFixed(0)}% gzipped)`);
}

if (process.argv[1] && /size\.[jt]s$/.test(process.argv[1])) await main();

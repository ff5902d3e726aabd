/**
 * Packaging (issue 16): what an application's bundler takes from the package.
 *  - `import { grad } from 'hyperad'` bundles smaller than `import * as h`
 *    (scripts/size.ts, minified and gzipped) and without Prepared (a
 *    one-shot gradient needs one recording and one reverse sweep), and a bare
 *    `import 'hyperad'` bundles to nothing: the package declares its side
 *    effects;
 *  - that declaration is truthful: `sideEffects` lists exactly the lib/
 *    files imported for their effect alone (`import './x.js'`, which install
 *    the op methods), and no file of dist/;
 *  - a `prepare` script builds dist/ only (`npm install <git url or folder>`),
 *    and dist/ ships with the package.
 * Sizes only, never times.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRIES, bundle, sizes } from '../scripts/size.js';

const ROOT = join(dirname(fileURLToPath(import.meta.resolve('hyperad'))), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  sideEffects: string[]; scripts: Record<string, string>; files: string[];
};

const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
});

describe('packaging: tree-shaking, side effects, prepare', function () {
  this.timeout(60_000);

  it("import { grad } bundles smaller than import * (minified and gzipped); a bare import bundles to nothing", async () => {
    const s = await sizes();
    expect(s.grad.minified).to.be.above(0);
    expect(s.grad.minified, 'minified').to.be.below(s.all.minified);
    expect(s.grad.gzip, 'gzip').to.be.below(s.all.gzip);
    expect(s.bare.minified, "import 'hyperad' with nothing used").to.equal(0);
  });

  it('import { grad } leaves out Prepared and what only it uses (sparsity, compaction, estimators)', async () => {
    const text = async (entry: string) => new TextDecoder().decode(await bundle(entry, false));
    const [code, all] = await Promise.all([text(ENTRIES.grad), text(ENTRIES.all)]);
    expect(code).to.match(/function grad\(/);
    for (const absent of ['Prepared = class', 'function compact(', 'function colour(', 'function traceEstimate(']) {
      expect(all.includes(absent), `${absent} in the whole`).to.equal(true);
      expect(code.includes(absent), `${absent} with grad alone`).to.equal(false);
    }
  });

  it('sideEffects lists exactly the lib/ files imported for their effect alone, and nothing in dist/', () => {
    const effectOnly = new Set<string>();
    for (const file of walk(join(ROOT, 'lib'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^import '(\.[^']+)\.js';/gm)) {
        effectOnly.add(`./${relative(ROOT, join(dirname(file), m[1]!))}.ts`);
      }
    }
    expect(effectOnly.size).to.be.above(0);
    expect([...pkg.sideEffects].sort()).to.deep.equal([...effectOnly].sort());
    expect(pkg.sideEffects.filter((p) => p.includes('dist/'))).to.deep.equal([]);
  });

  it('prepare builds the package (dist/) alone, and dist/ ships', () => {
    expect(pkg.scripts.prepare).to.equal('node scripts/build.mjs --package');
    expect(pkg.files).to.include('dist');
  });
});

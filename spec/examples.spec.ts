/**
 * The README's examples as plain JavaScript (examples/*.mjs, for Node 20,
 * which cannot run the README's TypeScript as it is): one twin per ```ts
 * block, each run by node as a user would (importing 'hyperad'), printing the
 * README's numbers.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.resolve('hyperad'))), '..');
const run = (file: string): string => execFileSync(process.execPath, [join(ROOT, 'examples', file)], { cwd: ROOT, encoding: 'utf8' });

describe('README examples as .mjs twins (examples/)', function () {
  this.timeout(60_000);

  it('one twin per ```ts block of the README', () => {
    const blocks = readFileSync(join(ROOT, 'README.md'), 'utf8').match(/^```ts$/gm) ?? [];
    expect(readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.mjs')).length).to.equal(blocks.length);
  });

  it('examples/rosenbrock.mjs prints the diagonal the README promises, [422, -170, 200]', () => {
    expect(run('rosenbrock.mjs')).to.match(/hessianDiagonal Float64Array\(3\) \[ 422, -170, 200 \]/);
  });

  it("examples/mlp.mjs prints a diagonal shaped like each parameter, computed 'structured' with 110 lanes", () => {
    const out = run('mlp.mjs');
    for (const [name, shape] of [['W1', '100, 5'], ['b1', '100'], ['W2', '10, 100'], ['b2', '10']]) {
      expect(out).to.match(new RegExp(`^${name} \\[ ${shape} \\] Float64Array`, 'm'));
    }
    expect(out).to.match(/^method structured directions 110$/m);
  });
});

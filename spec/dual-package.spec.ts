/**
 * The dual-package hazard (issue 16): a program that both imports hyperad
 * (dist/index.js) and requires it (dist/index.cjs) holds two copies, and a
 * value of one is not a value to the other. The error names the cause —
 * two copies, which formats — instead of calling the value foreign; values
 * of one copy keep working with that copy.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Hyperad = typeof import('../lib/index.js');

describe('two copies of hyperad in one process (ESM and CommonJS)', () => {
  let esm: Hyperad, cjs: Hyperad;
  before(async () => {
    const entry = fileURLToPath(import.meta.resolve('hyperad')); // dist/index.js
    esm = (await import(entry)) as Hyperad;
    cjs = createRequire(import.meta.url)(entry.replace(/\.js$/, '.cjs')) as Hyperad;
    expect(esm.Value).to.not.equal(cjs.Value);
  });

  const cause = /two copies of hyperad are loaded \(ESM and CommonJS\? this one is ESM \(dist\/index\.js\), the value's CommonJS \(dist\/index\.cjs\)\): .*all `import` or all `require`/;

  it("an op of one copy given the other's tape value names both copies and their formats", () => {
    expect(() => cjs.grad((x) => esm.sin(x[0]!), [2])).to.throw(TypeError, /sin: x must be a number or a hyperad value, got a tape value from another copy of hyperad: /)
      .with.property('message').that.matches(cause);
  });

  it("a reduction of one copy given the other's tensor says the same", () => {
    expect(() => esm.sum([1, cjs.tensor([1, 2])])).to.throw(TypeError, /xs\[1\] must be .* got a Tensor from another copy of hyperad: /)
      .with.property('message').that.matches(cause);
  });

  it('each copy alone is unaffected, and both give the same numbers', () => {
    const f = (h: Hyperad) => (x: import('../lib/index.js').Num[]) => h.mul(h.sin(x[0]!), h.exp(x[1]!));
    const a = Array.from(esm.hessianDiagonal(f(esm), [0.3, 0.7])), b = Array.from(cjs.hessianDiagonal(f(cjs), [0.3, 0.7]));
    expect(a).to.deep.equal(b);
  });

  it('a plain foreign object is still described as such (no false alarm)', () => {
    expect(() => esm.sin({ value: 1 } as never)).to.throw(TypeError, /got an object$/);
  });
});

/**
 * Every method of the comparison (scripts/compare/cases.ts, issues 5 and 7) agrees
 * with the reference diagonal (closed form) to 1e-10 relative on every
 * workload it reports, at small n; the sparse methods also at n = 100000,
 * where the comparison runs them alone.
 */
import { expect } from 'chai';
import { DEFAULT_LANES } from '../lib/index.js';
import { METHODS, WORKLOADS, applicable, diagonals, makeCase, relError, runMethodInfo, type WorkloadId } from '../scripts/compare/cases.js';

const SIZES: Record<WorkloadId, number[]> = {
  'mlp-input': [5], 'mlp-weights': [1610], 'sines': [10, 37], 'rosenbrock': [10, 37], 'trigonometric': [12], 'logistic': [20],
};

describe('compare: every Hessian-diagonal method agrees with the reference', () => {
  for (const id of WORKLOADS) {
    for (const n of SIZES[id]) {
      it(`${id} n = ${n}`, () => {
        const { case: c, results } = diagonals(id, n);
        const { methods } = applicable(c);
        expect(methods.length, 'methods run').to.be.greaterThan(3);
        for (const m of methods) {
          const d = results[m]!;
          expect(d, m).to.be.instanceOf(Float64Array);
          expect(d.length, m).to.equal(c.n);
          expect(relError(d, c.reference), `${m} vs ${c.referenceKind}`).to.be.below(1e-10);
        }
      });
    }
  }

  it('covers every method on a scalar workload with n ≤ 1000', () => {
    expect(applicable(makeCase('sines', 10)).methods).to.deep.equal([...METHODS]);
  });

  // colours: Σ sin is diagonal (1), the Rosenbrock chain tridiagonal (2); W4 is dense (n, and 'auto' falls back)
  const expected: [WorkloadId, number, number, string][] = [
    ['sines', 100_000, 1, 'sparse'], ['rosenbrock', 100_000, 2, 'sparse'], ['trigonometric', 12, 12, 'hyperdual'],
  ];
  for (const [id, n, colours, auto] of expected) {
    it(`${id} n = ${n}: 'sparse' sweeps ${colours} direction${colours > 1 ? 's' : ''}, 'auto' runs '${auto}'`, () => {
      const c = makeCase(id, n), P = c.prepare();
      const sparse = runMethodInfo(c, 'sparse', P), a = runMethodInfo(c, 'auto', P);
      expect(sparse.info).to.deep.equal({ method: 'sparse', directions: colours, sweeps: Math.ceil(colours / DEFAULT_LANES) });
      expect(a.info.method).to.equal(auto);
      expect(relError(sparse.d, c.reference), `sparse vs ${c.referenceKind}`).to.be.below(1e-10);
      expect(relError(a.d, c.reference), `auto vs ${c.referenceKind}`).to.be.below(1e-10);
    });
  }
});

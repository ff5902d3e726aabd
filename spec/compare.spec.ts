/**
 * Every method of the comparison (scripts/compare.ts, issue 5) agrees with the
 * reference diagonal (closed form) to 1e-10 relative on every workload it
 * reports, at small n.
 */
import { expect } from 'chai';
import { METHODS, WORKLOADS, applicable, diagonals, makeCase, relError, type WorkloadId } from '../scripts/compare.js';

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
});

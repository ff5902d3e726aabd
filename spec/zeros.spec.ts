/**
 * lib/tape/zeros.ts: the slots whose order-2 Taylor coefficient is exactly
 * zero along every direction (inputs, and linear nodes fed only by such
 * slots), which the Taylor-2 sweeps skip. Checked against an unmasked
 * sweep, and for staleness: the mask follows the partials through `.at()`.
 */
import { expect } from 'chai';
import { add, hessianDiagonal, prepare, setCodegen, sin, type Num } from '../lib/index.js';
import { runSecond } from '../lib/tape/kernels.js';
import { secondOrderZeros } from '../lib/tape/zeros.js';
import type { SweepTape } from '../lib/tape/block.js';
import { mulberry32, randomVector } from './support/random.js';
import { logisticChain } from './support/chains.js';

type F = (x: Num[]) => Num;

/** Σᵢ softplus(±Σⱼ cᵢⱼ wⱼ) over 5 samples: a linear layer (zero second coefficients) under a nonlinear one. */
const logistic: F = logisticChain(5);

/** The tapes a prepared recording sweeps: the recording itself and its compacted recording. */
function tapes(f: F, x: number[]): SweepTape[] {
  const P = prepare(f, x) as unknown as { rec: { tape: SweepTape }; compactedSweeps(): { w: { tape: SweepTape } } };
  return [P.rec.tape, P.compactedSweeps().w.tape];
}

describe('second-order zeros (lib/tape/zeros.ts)', () => {
  it('marks slot 0, the inputs and the linear layer; every marked slot has T2 exactly 0 in an unmasked sweep (1 and 3 lanes)', () => {
    const rand = mulberry32(3), x = randomVector(rand, 12);
    for (const t of tapes(logistic, x)) {
      const mask = secondOrderZeros(t)!;
      expect(mask, 'a mask (computed nodes are marked)').to.be.instanceOf(Uint8Array);
      expect(mask.length).to.equal(t.n);
      for (let i = 0; i <= t.nIn; i++) expect(mask[i], `slot ${i}`).to.equal(1);
      const computedZeros = mask.subarray(t.nIn + 1).reduce((s, m) => s + m, 0);
      expect(computedZeros, 'some computed nodes are marked').to.be.above(10);
      expect(mask[t.n - 1], 'the output (after softplus) is not').to.equal(0);
      for (const K of [1, 3]) {
        const T1 = new Float64Array(t.n * K), T2 = new Float64Array(t.n * K);
        for (let k = 0; k < K; k++) randomVector(rand, t.nIn).forEach((v, i) => { T1[(i + 1) * K + k] = v; });
        runSecond(t, t.nIn + 1, t.n, K, T1, T2); // no mask: every node computed
        for (let i = 0; i < t.n; i++) {
          if (!mask[i]) continue;
          for (let k = 0; k < K; k++) expect(T2[i * K + k], `T2 at marked slot ${i}, lane ${k}`).to.equal(0);
        }
      }
    }
  });

  it('is cached per recording and recomputed when a replay changes the partials (sin″(0) = 0, sin″(1) ≠ 0)', () => {
    // f = Σ sin xᵢ: at x = 0 every sin node has zero second partial, so its second coefficient is 0 there
    const f: F = (x) => x.reduce<Num>((s, xi, i) => (i === 0 ? sin(xi) : add(s, sin(xi))), 0);
    const zero = [0, 0, 0, 0, 0], one = [1, 1.5, -0.5, 2, 0.25];
    for (const mode of ['off', 'always'] as const) {
      const old = setCodegen(mode);
      try {
        const P = prepare(f, zero);
        const raw = (P as unknown as { rec: { tape: SweepTape } }).rec.tape, m0 = secondOrderZeros(raw)!;
        expect(secondOrderZeros(raw), 'cached').to.equal(m0);
        expect([...m0.subarray(raw.nIn + 1)].every((m) => m === 1), 'all zero at x = 0').to.equal(true);
        expect([...P.hessianDiagonal({ method: 'hyperdual', lanes: 1 })].every((d) => d === 0), 'H_ii = −sin 0 = 0').to.equal(true);
        P.at(one);
        expect(secondOrderZeros(raw), 'recomputed after the replay: no computed node is zero at x1').to.equal(null);
        for (const lanes of [1, 3]) {
          const d = P.hessianDiagonal({ method: 'hyperdual', lanes });
          one.forEach((xi, i) => expect(d[i], `${mode}, lanes ${lanes}: H[${i}][${i}]`).to.be.closeTo(-Math.sin(xi), 1e-15));
        }
        expect([...P.quadraticForms([Float64Array.from(one)])][0]).to.be.closeTo(one.reduce((s, xi) => s - Math.sin(xi) * xi * xi, 0), 1e-14);
        // and the one-shot transform agrees
        expect([...hessianDiagonal(f, one, { method: 'hyperdual' })]).to.deep.equal([...P.hessianDiagonal({ method: 'hyperdual' })]);
      } finally {
        setCodegen(old);
      }
    }
  });
});

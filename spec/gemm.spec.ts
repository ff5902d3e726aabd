/**
 * The matrix-product kernel (lib/tensor/gemm.ts) against the definition,
 * Z += α·X·Y summed in p order, for every layout of its operands (row-major
 * or transposed views at an offset), lanes or primals, one lane and several:
 * each loop order it picks must give the same numbers.
 */
import { expect } from 'chai';
import { gemm, type Operand } from '../lib/tensor/gemm.js';

/** a deterministic fill in (−1, 1) */
const fill = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.9);

describe('gemm: every loop order is the definition', () => {
  it('for row-major and transposed operands, lanes or primals, K = 1 and K = 3, α = 1 and 2 (to 1e-14)', () => {
    let cases = 0;
    for (const [m, q, n] of [[3, 5, 4], [1, 7, 2], [6, 1, 3], [4, 4, 1]] as const) {
      for (let layout = 0; layout < 8; layout++) {
        for (const K of [1, 3]) {
          for (let lanes = 0; lanes < 8; lanes++) {
            const tx = (layout & 1) !== 0, ty = (layout & 2) !== 0, tz = (layout & 4) !== 0;
            const xl = (lanes & 1) !== 0, yl = (lanes & 2) !== 0, zl = (lanes & 4) !== 0 || K === 1;
            // operand (i, j) at base + i·rs + j·cs; a transposed view swaps the strides
            const view = (r: number, c: number, t: boolean, base: number) => (t ? { base, rs: 1, cs: r } : { base, rs: c, cs: 1 });
            const X = view(m, q, tx, 2), Y = view(q, n, ty, 1), Z = view(m, n, tz, 3);
            const size = (r: number, c: number, base: number, lane: boolean) => (base + r * c) * (lane ? K : 1);
            const xa = fill(size(m, q, 2, xl), 1 + layout), ya = fill(size(q, n, 1, yl), 2 + lanes), za = fill(size(m, n, 3, zl), 3 + K);
            const ref = za.slice();
            for (const alpha of [1, 2]) {
              const L = zl ? K : 1;
              for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < L; k++) {
                const zi = (Z.base + i * Z.rs + j * Z.cs) * (zl ? K : 1) + (zl ? k : 0);
                for (let p = 0; p < q; p++) {
                  const x = xa[(X.base + i * X.rs + p * X.cs) * (xl ? K : 1) + (xl ? k : 0)]!, y = ya[(Y.base + p * Y.rs + j * Y.cs) * (yl ? K : 1) + (yl ? k : 0)]!;
                  ref[zi] += alpha * x * y;
                }
              }
              const op = (arr: Float64Array, l: { base: number; rs: number; cs: number }, lane: boolean): Operand => ({ arr, ...l, lane });
              gemm(m, q, n, K, alpha, op(xa, X, xl), op(ya, Y, yl), op(za, Z, zl));
              za.forEach((v, i) => expect(Math.abs(v - ref[i]!), `m ${m} q ${q} n ${n} layout ${layout} K ${K} lanes ${lanes} α ${alpha}: z[${i}]`).to.be.at.most(1e-14 * Math.max(1, Math.abs(ref[i]!))));
              cases++;
            }
          }
        }
      }
    }
    expect(cases).to.equal(4 * 8 * 2 * 8 * 2);
  });
});

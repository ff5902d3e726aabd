/**
 * What one-shot calls and moved recordings reuse (issue 13): pooled tape and
 * work arrays, the capacity remembered per f, and the compaction plan that
 * `.at()` reruns in place. Each must be invisible in the results: pooled
 * arrays are poisoned with NaN between uses, and every reused structure is
 * compared with a fresh one, bit for bit where the arithmetic is the same.
 */
import { expect } from 'chai';
import { add, grad, hessian, hessianDiagonal, hvp, mul, prepare, sin, sub, sum, tanh, type Num } from '../lib/index.js';
import { drainPool, poisonPool } from '../lib/tape/pool.js';
import { fuse, type Fused } from '../lib/tape/fuse.js';
import type { Tape } from '../lib/tape/tape.js';
import { fuzz, sampleOf } from './support/fuzzer.js';
import { scalarFunction } from './support/interpret.js';
import type { ScalarProgram } from './support/programs.js';

const rosen = (x: Num[]): Num => {
  const t: Num[] = [];
  for (let i = 0; i + 1 < x.length; i++) {
    const d = sub(x[i + 1]!, mul(x[i]!, x[i]!)), e = sub(1, x[i]!);
    t.push(add(mul(100, mul(d, d)), mul(e, e)));
  }
  return sum(t);
};
const sines = (x: Num[]): Num => sum(x.map((v, i) => mul(i + 1, sin(v))));
const point = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(s * (i + 1)) * 0.9);
const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => expect(Array.from(a), what).to.deep.equal(Array.from(b));

/** The compacted copy a prepared recording sweeps (built on first use). */
function compacted(P: object): Fused {
  (P as { grad(): unknown }).grad();
  const f = (P as unknown as { fused: { copy: Fused } | null }).fused;
  expect(f, 'the recording compacts').to.not.equal(null);
  return f!.copy;
}
const recording = (P: object): { tape: Tape; outputs: Int32Array } => (P as unknown as { rec: { tape: Tape; outputs: Int32Array } }).rec;

describe('reuse: pooled arrays never carry values from one call into another', function () {
  this.timeout(120000);
  afterEach(() => { poisonPool(false); });

  it('one-shot results are bit-identical with an empty pool and with a pool of NaN-poisoned arrays from larger calls', () => {
    const x = point(40, 0.7), v = point(40, 1.3);
    drainPool();
    const ref = { g: grad(rosen, x), h: hvp(rosen, x, v), d: hessianDiagonal(rosen, x), dh: hessianDiagonal(rosen, x, { method: 'hyperdual' }), H: hessian(sines, point(20, 0.4)) };
    poisonPool(true);
    // larger recordings first: their arrays (poisoned on return) serve the smaller ones below
    hessianDiagonal(rosen, point(300, 0.2), { method: 'hvp' });
    grad(sines, point(500, 0.3));
    same(grad(rosen, x), ref.g, 'grad');
    same(hvp(rosen, x, v), ref.h, 'hvp');
    same(hessianDiagonal(rosen, x), ref.d, "hessianDiagonal 'auto'");
    same(hessianDiagonal(rosen, x, { method: 'hyperdual' }), ref.dh, "hessianDiagonal 'hyperdual'");
    hessian(sines, point(20, 0.4)).forEach((r, i) => same(r, ref.H[i]!, `hessian row ${i}`));
  });

  it('the fuzzer\'s programs agree on every path with the pool poisoned between uses (120 programs)', () => {
    poisonPool(true);
    const rep = fuzz({ seed: 20261202, count: 120 });
    expect(rep.programs, 'programs run').to.equal(120);
    expect(rep.invalid, 'generated programs that could not run').to.deep.equal([]);
    expect(rep.failures.map((f) => f.reproducer), rep.failures.map((f) => `${f.signature}\n${f.reproducer}`).join('\n\n')).to.deep.equal([]);
  });

  it('a prepared recording keeps its own arrays: one-shot calls in between (poisoning what they return) change nothing', () => {
    poisonPool(true);
    const x = point(60, 0.5), P = prepare(rosen, x), g0 = P.grad(), d0 = P.hessianDiagonal();
    for (let k = 0; k < 3; k++) { grad(rosen, point(60, 0.9 + k)); hessianDiagonal(sines, point(80, 0.1 + k)); }
    same(P.grad(), g0, 'grad after one-shot calls');
    same(P.hessianDiagonal(), d0, 'diagonal after one-shot calls');
  });
});

describe('reuse: interleaved recordings of two functions stay independent', () => {
  it('two prepared recordings moved in turn, with one-shot calls of both in between, equal fresh recordings', () => {
    const P = prepare(rosen, point(30, 0.3)), Q = prepare(sines, point(30, 0.6));
    for (let k = 0; k < 4; k++) {
      const x = point(30, 0.2 + 0.37 * k), y = point(30, 0.5 + 0.21 * k);
      P.at(x);
      grad(sines, y);
      Q.at(y);
      hessianDiagonal(rosen, x);
      same(P.grad(), prepare(rosen, x).grad(), `rosen grad, step ${k}`);
      same(Q.hessianDiagonal(), prepare(sines, y).hessianDiagonal(), `sines diagonal, step ${k}`);
      same(P.hvp(y), prepare(rosen, x).hvp(y), `rosen hvp, step ${k}`);
    }
  });

  it('the capacity remembered for f does not confuse recordings of f at other sizes', () => {
    const sizes = [200, 5, 80, 2, 300], ref = new Map<number, Float64Array>();
    for (const n of sizes) { drainPool(); ref.set(n, grad(rosen, point(n, 0.4))); }
    for (const n of [...sizes, ...sizes.reverse()]) same(grad(rosen, point(n, 0.4)), ref.get(n)!, `n = ${n}`);
  });
});

describe('reuse: .at() reruns the compaction plan, and branches still re-record', () => {
  it('on the fuzzer\'s scalar programs, the moved compacted copy equals a fresh compaction at the new point, bit for bit', () => {
    let checked = 0;
    for (let i = 0; checked < 60 && i < 400; i++) {
      const s = sampleOf(7, i, 0);
      if (s.program.kind !== 'scalar') continue;
      const f = scalarFunction(s.program as ScalarProgram);
      const P = prepare(f, [...s.x0]);
      if ((P as unknown as { fused?: unknown }).fused === null) continue;
      P.grad();
      if ((P as unknown as { fused: unknown }).fused === null) continue;
      P.at([...s.x1]);
      if (P.rerecords) continue; // (programs that read a primal are recorded afresh instead)
      const moved = compacted(P), fresh = prepare(f, [...s.x1]), rec = recording(fresh), ref = fuse(rec.tape, rec.outputs)!;
      expect(moved.tape.n, `program ${i}: nodes`).to.equal(ref.tape.n);
      same(moved.tape.a.subarray(0, ref.tape.n), ref.tape.a.subarray(0, ref.tape.n), `program ${i}: first arguments`);
      same(moved.tape.b.subarray(0, ref.tape.n), ref.tape.b.subarray(0, ref.tape.n), `program ${i}: second arguments`);
      same(moved.tape.par.subarray(0, ref.tape.n * 5), ref.tape.par.subarray(0, ref.tape.n * 5), `program ${i}: partials`);
      expect(moved.tape.nonFinite, `program ${i}: non-finite flag`).to.equal(ref.tape.nonFinite);
      checked++;
    }
    expect(checked, 'programs that compact').to.be.at.least(30);
  });

  it('a branch on a primal flips between points: .at() re-records (and the answers are the new branch\'s)', () => {
    let calls = 0;
    const f = (x: Num[]): Num => {
      calls++;
      const u = mul(x[0]!, x[1]!);
      return (u as { value: number }).value > 0 ? tanh(u) : mul(u, u);
    };
    const P = prepare(f, [1, 2]);
    expect(P.grad()[0]).to.be.closeTo(2 * (1 - Math.tanh(2) ** 2), 1e-15);
    P.at([-1, 2]);
    expect(P.rerecords).to.equal(1);
    same(P.grad(), [2 * -2 * 2, 2 * -2 * -1], 'the squared branch');
    P.at([1, 3]);
    same(P.grad(), grad(f, [1, 3]), 'back on the tanh branch');
    expect(calls).to.be.at.least(4);
  });
});

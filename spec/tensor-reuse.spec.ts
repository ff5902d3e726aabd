/**
 * What tensor programs reuse (issue 14): an elementwise op's nodes written in
 * the tape's own arrays and evaluated by one generated loop per op, index
 * maps remembered by shape (lib/tensor/index-maps.ts), and sparsity
 * remembered across recordings that hold blocks (lib/sparsity/memo.ts). Each
 * must be invisible in the results: compared with the interpreter, or with a
 * function never seen before, bit for bit, with pooled arrays poisoned.
 */
import { expect } from 'chai';
import * as hy from '../lib/index.js';
import {
  hessianDiagonal, mul, prepare, setCodegen, slice, sparseHessian, sum, tensor, transpose, reshape, type Num, type Tensor,
} from '../lib/index.js';
import { BINARY_NAMES, UNARY_NAMES } from '../lib/rules/index.js';
import type { Tape } from '../lib/tape/tape.js';
import { BLOCK } from '../lib/tape/node.js';
import { poisonPool } from '../lib/tape/pool.js';
import { forgetRecent } from '../lib/sparsity/memo.js';
import { nodesOnly } from '../lib/tape/block.js';
import { keptMaps } from '../lib/tensor/index-maps.js';
import { flatten, type TensorPoint } from './support/interpret.js';
import { tensorCases } from './support/tensor-programs.js';

type Op = (...a: unknown[]) => Num;
const opNamed = (name: string): Op => (hy as unknown as Record<string, Op>)[name]!;
const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => expect(Array.from(a), what).to.deep.equal(Array.from(b));
const tapeOf = (P: object): Tape => (P as unknown as { rec: { tape: Tape } }).rec.tape;
const spread = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/** Every op of the rule table as a tensor function of x (n elements), in each form an elementwise block records. */
function everyOp(n: number): { name: string; f: (x: Tensor) => Num }[] {
  const out: { name: string; f: (x: Tensor) => Num }[] = [];
  const lo = (x: Tensor) => slice(x, [[0, n - 1]]), hi = (x: Tensor) => slice(x, [[1, n]]);
  for (const u of UNARY_NAMES) {
    if (u === 'powc') {
      for (const p of [2, 2.5, -1, 0]) out.push({ name: `pow(x, ${p})`, f: (x) => sum(hy.pow(x, p) as Tensor) });
      continue;
    }
    out.push({ name: u, f: (x) => sum(opNamed(u)(mul(x, 1.5)) as Tensor) });
  }
  for (const b of BINARY_NAMES) {
    out.push({ name: `${b}(x, y)`, f: (x) => sum(opNamed(b)(lo(x), hi(x)) as Tensor) });
    out.push({ name: `${b}(x, 1.7)`, f: (x) => sum(opNamed(b)(x, 1.7) as Tensor) });
    out.push({ name: `${b}(-0.6, x)`, f: (x) => sum(opNamed(b)(-0.6, x) as Tensor) });
    out.push({ name: `${b}(column, row)`, f: (x) => sum(opNamed(b)(reshape(lo(x), [n - 1, 1]), reshape(hi(x), [1, n - 1])) as Tensor) });
  }
  return out;
}

/** Values, the elementwise nodes' partials and the non-finite flag of f recorded at points[0] and moved to the others, under codegen mode m. */
function states(f: (x: Tensor) => Num, points: Float64Array[], m: 'always' | 'off') {
  const old = setCodegen(m);
  poisonPool(true);
  try {
    const P = prepare(f, tensor(points[0]!));
    const read = () => {
      const t = tapeOf(P), par: number[] = [];
      for (let i = t.nIn + 1; i < t.n; i++) if (t.op[i] !== BLOCK) par.push(...t.par.subarray(i * 5, i * 5 + 5));
      return { val: Array.from(t.val.subarray(0, t.n)), par, nonFinite: t.nonFinite };
    };
    return [read(), ...points.slice(1).map((x) => { P.at(tensor(x)); return read(); })];
  } finally {
    poisonPool(false);
    setCodegen(old);
  }
}

describe('tensor reuse: the generated elementwise loops are evalNode', () => {
  it('for every op of the rule table on tensors (poles, domain edges, overflow, broadcasts), recorded and moved: values, partials and the non-finite flag agree bit for bit', () => {
    const n = 12, points = [spread(n, 0.1, 0.9), spread(n, -2, 2), spread(n, -1, 1), spread(n, 300, 800)];
    let cases = 0;
    for (const { name, f } of everyOp(n)) {
      const gen = states(f, points, 'always'), ref = states(f, points, 'off');
      gen.forEach((g, k) => {
        same(g.val, ref[k]!.val, `${name} at point ${k}: values`);
        same(g.par, ref[k]!.par, `${name} at point ${k}: partials`);
        expect(g.nonFinite, `${name} at point ${k}: non-finite flag`).to.equal(ref[k]!.nonFinite);
      });
      cases++;
    }
    expect(cases).to.be.above(70);
  });
});

describe('tensor reuse: sparsity remembered across recordings with blocks', () => {
  // what the prepared recording's analysis finds remembered for its structure (lib/transforms/analysis.ts)
  const patternOf = (P: object) => (P as unknown as { analysis: { found: { pattern?: unknown } } }).analysis.found.pattern;
  const n = 30, x = tensor(spread(n, -0.8, 1.1)), x2 = tensor(spread(n, 0.3, -1.4));
  const rosen = (x: Tensor): Num => {
    const a = slice(x, [[0, n - 1]]), b = slice(x, [[1, n]]), d = b.sub(a.mul(a)), e = a.neg().add(1);
    return sum(d.mul(d).mul(100).add(e.mul(e)));
  };

  it('a structurally identical recording takes the pattern found before; the answers equal a never-seen f\'s, bit for bit', () => {
    const f = (x: Tensor) => rosen(x);
    const P = prepare(f, x);
    P.hessianDiagonal();
    expect(patternOf(P), 'found by the first recording').to.not.equal(undefined);
    const Q = prepare(f, x2);
    expect(patternOf(Q), 'taken from the first recording').to.equal(patternOf(P));
    const mine = Q.hessianDiagonal().data, once = hessianDiagonal(f, x2).data;
    forgetRecent(); // the references detect from scratch
    same(mine, prepare((x: Tensor) => rosen(x), x2).hessianDiagonal().data, 'diagonal');
    forgetRecent();
    same(once, hessianDiagonal((x: Tensor) => rosen(x), x2).data, 'one-shot diagonal');
  });

  it('another slice, another broadcast, a transpose, a matrix product or another shape is detected again', () => {
    let variant = 0;
    const f = (x: Tensor): Num => {
      const m = reshape(x, [5, 6]);
      switch (variant) {
        case 0: return sum(mul(slice(x, [[0, n - 1]]), slice(x, [[1, n]])));
        case 1: return sum(mul(slice(x, [[0, n - 2]]), slice(x, [[2, n]])));
        case 2: return sum(mul(slice(m, [null, [0, 1]]), m));
        case 3: return sum(mul(slice(m, [[0, 1], null]), m));
        case 4: return sum(mul(transpose(reshape(slice(x, [[0, 25]]), [5, 5])), reshape(slice(x, [[5, 30]]), [5, 5])));
        default: return sum(hy.matmul(transpose(m), m).sin());
      }
    };
    const g = (x: Tensor): Num => f(x); // the same function under another identity: nothing remembered for it
    for (const v of [0, 1, 2, 3, 4, 5, 0, 4]) {
      variant = v;
      g(x); // (keeps the variant's shapes in the index maps warm)
      const fresh = (x: Tensor) => f(x), mine = hessianDiagonal(f, x2).data;
      forgetRecent(); // the references detect from scratch
      same(mine, hessianDiagonal(fresh, x2).data, `variant ${v}: diagonal`);
      const S = sparseHessian(f, x2);
      forgetRecent();
      const R = sparseHessian((x: Tensor) => f(x), x2);
      same(S.rowPtr, R.rowPtr, `variant ${v}: sparse Hessian rows`);
      same(S.colIdx, R.colIdx, `variant ${v}: sparse Hessian columns`);
      same(S.values, R.values, `variant ${v}: sparse Hessian values`);
    }
  });
});

describe('tensor reuse: recordings of elementary nodes only are compacted and compiled like scalar ones', () => {
  const close = (a: Float64Array, b: Float64Array, what: string) => {
    const scale = Math.max(1, ...Array.from(b, Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) <= 1e-12 * scale || (Number.isNaN(v) && Number.isNaN(b[i]!)), `${what}[${i}]: ${v} vs ${b[i]}`).to.equal(true));
  };

  it('elementwise ops, constants, contiguous slices and full sums record no other block; a gather or an axis sum does', () => {
    const x = tensor(spread(12, -1, 1)), kinds = (f: (x: Tensor) => Num) => nodesOnly(tapeOf(prepare(f, x)));
    expect(kinds((x) => sum(mul(slice(x, [[0, 11]]), slice(x, [[1, 12]])).add(tensor(spread(11, 0, 1))).mul(2)))).to.equal(true);
    expect(kinds((x) => sum(slice(reshape(x, [3, 4]), [[1, 2], null]).sin()))).to.equal(true);
    expect(kinds((x) => sum(slice(reshape(x, [3, 4]), [null, [1, 2]])))).to.equal(false);
    expect(kinds((x) => sum(sum(reshape(x, [3, 4]), 0)))).to.equal(false);
  });

  it("on the fuzzer's tensor programs, prepared sweeps moved by .at() (compacted; generated under 'always'; pool poisoned) agree with one-shot sweeps of a fresh recording under 'off'", () => {
    const cases = tensorCases(21, 100, 900);
    let nodes = 0;
    for (const { i, f, x0, x1, shaped } of cases) {
      const v = shaped(Array.from(flatten(x0), (_, k) => Math.cos(3 * k + 1)));
      const old = setCodegen('always');
      poisonPool(true);
      let got: Float64Array[];
      try {
        const P = prepare(f, x0);
        P.at(x1);
        for (let k = 0; k < 4; k++) { P.grad(); P.hvp(v); } // past the recording's own sweeps: the compacted, generated ones
        if (nodesOnly(tapeOf(P)) && (P as unknown as { compacted: unknown }).compacted) nodes++;
        got = [flatten(P.grad()), flatten(P.hvp(v)), flatten(P.hessianDiagonal())];
      } finally {
        poisonPool(false);
        setCodegen(old);
      }
      setCodegen('off');
      try {
        const ref = [flatten(hy.grad(f, x1 as TensorPoint)), flatten(hy.hvp(f, x1 as TensorPoint, v)), flatten(hessianDiagonal(f, x1 as TensorPoint, { method: 'hyperdual' }))];
        ['gradient', 'hvp', 'diagonal'].forEach((what, k) => close(got[k]!, ref[k]!, `program ${i}: ${what}`));
      } finally {
        setCodegen(old);
      }
    }
    expect(cases.length).to.equal(100);
    expect(nodes, 'programs made of elementary nodes only, swept compacted').to.be.at.least(12);
  });
});

describe('tensor reuse: recordings keep what f saw', () => {
  it('a constant tensor changed after recording: .at() keeps the recorded values under the interpreter and generated code alike', () => {
    const n = 80, target = tensor(new Float64Array(n).fill(1)), f = (x: Tensor) => sum(x.sub(target).mul(x.sub(target)));
    const x0 = tensor(spread(n, -1, 1)), x1 = tensor(spread(n, 0.5, -0.5));
    const run = (m: 'always' | 'off') => {
      const old = setCodegen(m);
      try {
        target.data.fill(1);
        const P = prepare(f, x0), out: number[] = [];
        for (let k = 0; k < 4; k++) { target.data.fill(k + 2); P.at(k % 2 ? x0 : x1); out.push(P.value as number); P.grad(); }
        return out;
      } finally {
        setCodegen(old);
      }
    };
    const fresh = (x: Tensor) => { target.data.fill(1); return hy.valueAndGrad(f, x).value; };
    const want = [fresh(x1), fresh(x0), fresh(x1), fresh(x0)];
    same(run('always'), want, "generated replay: the recorded constant");
    same(run('off'), want, 'interpreted replay: the recorded constant');
  });

  it('a traced full sum is 0 + x₀ + x₁ + … like the constant path, signed zeros included', () => {
    const z = (x: Tensor) => sum(mul(x, -0) as Tensor);
    const P = prepare(z, tensor([1, 2, 3]));
    const traced = (P as unknown as { value: number }).value, constant = (sum(mul(tensor([1, 2, 3]), -0) as Tensor) as Tensor).item();
    expect(Object.is(traced, constant), `${traced} vs ${constant}`).to.equal(true);
  });

  it("the index maps kept by shape are never written: unchanged after the fuzzer's tensor programs", () => {
    for (const { f, x0 } of tensorCases(5, 40, 40)) hy.grad(f, x0);
    const before = keptMaps().map((m) => ({ m, copy: m.slice() }));
    expect(before.length, 'maps kept').to.be.above(5);
    for (const { f, x0, x1 } of tensorCases(5, 200, 200)) {
      hy.hvp(f, x0, x1);
      hessianDiagonal(f, x1);
    }
    before.forEach(({ m, copy }, k) => same(m, copy, `map ${k}`));
  });
});

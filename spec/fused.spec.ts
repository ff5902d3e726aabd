/**
 * Fused elementwise chains (lib/tensor/fused.ts): a one-shot transform on a
 * long tensor records a chain of elementwise ops (and its full sum) as one
 * block swept by generated loops. Every derivative of a fused recording
 * equals the same derivative of the recording made of nodes (fusion off),
 * in every mode; a chain past the limits is cut; a partial that is not
 * finite records nodes at recording time and records afresh at a replay;
 * broadcast and materialised operands read the right slots. (The second run
 * of `npm test`, .mocharc.fused.json, fuses every tensor op of the tensor
 * specs, the fuzzer and the conventions.)
 */
import { expect } from 'chai';
import {
  add, cos, directional, exp, grad, mulberry32, gradHyperdual, hessianDiagonal, hvp, hyperdual, laplacian, matmul, mul, prepare, setCodegen, sin,
  slice, sqrt, sub, sum, tanh, tensor, type Num, type Tensor, type TensorRecord,
} from '../lib/index.js';
import { fusion, MAX_INSTRS } from '../lib/tensor/fused.js';
import { constantPartials } from '../lib/tape/codegen/evaluate.js';
import { CONST_LEFT, NOPS, NPAR, evalNode, evalThird } from '../lib/tape/node.js';
import { BINARY, NU, OP_NAMES, UNARY } from '../lib/rules/index.js';
import { entryErr, expectErr, normErr } from './support/agreement.js';
import { uniformTensor } from './support/points.js';

/** Runs body with fusion set as given (restored after). */
function withFusion<R>(set: Partial<typeof fusion>, body: () => R): R {
  const old = { ...fusion };
  Object.assign(fusion, set);
  try {
    return body();
  } finally {
    Object.assign(fusion, old);
  }
}
const nodesOnly = <R>(body: () => R): R => withFusion({ from: Infinity, prepared: false }, body);
const fusedEverywhere = <R>(body: () => R): R => withFusion({ from: 1, prepared: true }, body);

const n = 3000;
const rosen = (x: Tensor): Num => {
  const a = slice(x, [[0, n - 1]]), b = slice(x, [[1, n]]);
  const d = sub(b, mul(a, a)), e = sub(1, a);
  return sum(add(mul(100, mul(d, d)), mul(e, e)));
};
const x = uniformTensor(3, [n]), v = uniformTensor(4, [n]), w = uniformTensor(5, [n]);

/** every derivative the transforms give, as flat arrays */
function derivatives(f: (x: Tensor) => Num, at: Tensor): Record<string, Float64Array> {
  const dir = directional(f, at, v), hd = hyperdual(f, at, v, w);
  return {
    grad: (grad(f, at) as Tensor).data,
    hvp: (hvp(f, at, v) as Tensor).data,
    'hessianDiagonal (auto)': (hessianDiagonal(f, at) as Tensor).data,
    'hessianDiagonal (hvp lanes)': (hessianDiagonal(f, at, { method: 'hvp' }) as Tensor).data,
    'hessianDiagonal (hyperdual lanes)': (hessianDiagonal(f, at, { method: 'hyperdual' }) as Tensor).data,
    laplacian: Float64Array.of(laplacian(f, at)),
    directional: Float64Array.of(dir.first, dir.second),
    hyperdual: Float64Array.of(hd.da, hd.db, hd.dab),
    'gradHyperdual (third order)': (gradHyperdual(f, at, v, w).grad as Tensor).data,
  };
}

function expectSameDerivatives(label: string, got: Record<string, Float64Array>, ref: Record<string, Float64Array>, tol = 1e-12): void {
  for (const k of Object.keys(ref)) expectErr('path', `${label}: ${k}`, entryErr(got[k]!, ref[k]!), tol);
}

describe('fused elementwise chains', () => {
  it('an op\'s partials are taken as constants only where they are: at random points of its domain (and at 0, ±7) evalNode and evalThird give them', () => {
    const rand = mulberry32(77), par = new Float64Array(NPAR), t4 = new Float64Array(4), found: string[] = [];
    const pick = (dom: readonly (readonly [number, number])[]) => { const [lo, hi] = dom[Math.floor(rand() * dom.length)]!; return lo + rand() * (hi - lo); };
    for (let code = 0; code < NOPS * (CONST_LEFT + 1); code++) {
      const base = code % NOPS;
      if (code >= NOPS && base < NU) continue; // (constant-operand forms are of binary ops)
      const left = code >= CONST_LEFT * NOPS, pair = base >= NU && code < NOPS;
      // the traced operands' sample domains
      const [da, db] = base < NU ? [UNARY[base]!.domain, []] : [[BINARY[base - NU]!.domain[left ? 1 : 0]], [BINARY[base - NU]!.domain[1]]];
      for (const p of [0, 1, -1, 2, 2.5, 100]) {
        const c = constantPartials(code, p);
        if (!c) continue;
        const name = `${OP_NAMES[base]}${code >= NOPS ? (left ? ' (constant left)' : ' (constant right)') : ''}, p = ${p}`;
        found.push(name);
        for (let k = 0; k < 200; k++) {
          const x = k < 3 ? [0, 7, -7][k]! : pick(da), y = !pair ? 0 : k < 3 ? [0, -7, 7][k]! : pick(db);
          evalNode(code, x, y, p, par, 0);
          evalThird(code, x, y, p, t4);
          expect([...par, ...t4], `${name} at (${x}, ${y})`).to.deep.equal(Array.from(c));
        }
      }
    }
    // the affine ops and forms, and nothing with a kink
    for (const op of ['add', 'sub', 'neg', 'mul (constant']) expect(found.some((s) => s.startsWith(op)), op).to.equal(true);
    expect(found.filter((s) => /^(max|min|abs|relu)/.test(s))).to.deep.equal([]);
  });

  it('a one-shot transform on a long tensor records the chain and its sum as one block: every derivative equals the nodes\' (every mode, third order included)', () => {
    // the block itself: one output slot after the inputs
    expect(fusedEverywhere(() => prepare(rosen, x).nodes), 'fused: zero node, inputs, one sum').to.equal(n + 2);
    expect(nodesOnly(() => prepare(rosen, x).nodes), 'nodes: a slot per element per op').to.be.above(8 * n);
    // the one-shot calls (fused at this size by default) against a recording of nodes
    expectSameDerivatives('Rosenbrock n = 3000', derivatives(rosen, x), nodesOnly(() => derivatives(rosen, x)));
  });

  it('a prepared recording keeps nodes by default; fused everywhere, its sweeps and replays equal the nodes\' too', () => {
    expect(prepare(rosen, x).nodes, 'prepare keeps partials').to.be.above(8 * n);
    const P = fusedEverywhere(() => prepare(rosen, x)), Q = nodesOnly(() => prepare(rosen, x)), x2 = uniformTensor(9, [n]);
    for (const [p, q] of [[P, Q], [P.at(x2), Q.at(x2)]] as const) {
      expectErr('path', 'prepared grad', normErr((p.grad() as Tensor).data, (q.grad() as Tensor).data), 1e-12);
      expectErr('path', 'prepared hvp', normErr((p.hvp(v) as Tensor).data, (q.hvp(v) as Tensor).data), 1e-12);
      expectErr('path', 'prepared diagonal', normErr((p.hessianDiagonal() as Tensor).data, (q.hessianDiagonal() as Tensor).data), 1e-12);
    }
    expect(P.rerecords).to.equal(0);
  });

  it(`a chain longer than ${MAX_INSTRS} ops is cut into blocks, and still exact`, () => {
    const deep = (t: Tensor): Num => {
      let y: Tensor = t;
      for (let k = 0; k < 40; k++) y = k % 2 ? sin(y) : add(mul(y, 0.9), 0.1);
      return sum(mul(y, y));
    };
    const m = 2500, at = uniformTensor(6, [m]);
    const nodes = fusedEverywhere(() => prepare(deep, at).nodes);
    expect(nodes, 'more than one block').to.be.above(m + 2);
    expect(nodes, 'far fewer slots than nodes').to.be.below(5 * m);
    const dv = uniformTensor(7, [m]);
    expectErr('path', 'deep chain: grad', normErr((grad(deep, at) as Tensor).data, nodesOnly(() => (grad(deep, at) as Tensor).data)), 1e-12);
    expectErr('path', 'deep chain: hvp', normErr((hvp(deep, at, dv) as Tensor).data, nodesOnly(() => (hvp(deep, at, dv) as Tensor).data)), 1e-12);
  });

  it('a partial that is not finite at the recording point records nodes (careful sweeps, the conventions hold); at a replay, the recording is made afresh', () => {
    const f = (t: Tensor): Num => sum(add(mul(sqrt(t), 0), mul(t, t)));
    const m = 2100, pos = tensor(Float64Array.from({ length: m }, (_, i) => 0.5 + i / m));
    const withZero = tensor(Float64Array.from(pos.data, (u, i) => (i === 7 ? 0 : u)));
    // at a zero, sqrt′ = ∞ meets the structural zero of ·0: the gradient is 2x, not NaN
    const g = (grad(f, withZero) as Tensor).data;
    expect(Array.from(g)).to.deep.equal(Array.from(withZero.data, (u) => 2 * u));
    expect(fusedEverywhere(() => prepare(f, withZero).nodes), 'recorded as nodes').to.be.above(2 * m);
    // fused at a positive point; moved to the zero, it records afresh (as nodes) and agrees with a fresh recording
    const P = fusedEverywhere(() => prepare(f, pos));
    expect(P.nodes).to.equal(m + 2);
    fusedEverywhere(() => P.at(withZero));
    expect(P.rerecords, 'recorded afresh').to.equal(1);
    expect(Array.from((P.grad() as Tensor).data)).to.deep.equal(Array.from(g));
  });

  it('broadcast operands (a column, a row constant, a scalar element) and materialised chains (an element, a matmul, the values) read the right slots', () => {
    const r = 48, c = 50;
    const f = (p: TensorRecord): Num => {
      const a = p.a!, col = p.col!;
      const row = tensor(Float64Array.from({ length: c }, (_, j) => 1 + j / c), [1, c]);
      const u = tanh(add(mul(a, row), col)); // [r, c] from [r, c], [1, c] and [r, 1]
      const s = mul(exp(mul(u, 0.3)), a.index(2, 3)) as Tensor; // a scalar element, broadcast
      const first = s.index(0, 0); // materialises the chain
      const m = matmul(s, p.vec!); // so does a matmul
      return add(sum(mul(cos(m), m)), mul(first, first));
    };
    const p = { a: uniformTensor(10, [r, c]), col: uniformTensor(11, [r, 1]), vec: uniformTensor(12, [c]) };
    const dirs = { a: uniformTensor(13, [r, c]), col: uniformTensor(14, [r, 1]), vec: uniformTensor(15, [c]) };
    const flat = (t: unknown) => Float64Array.from(Object.values(t as Record<string, Tensor>).flatMap((u) => Array.from(u.data)));
    const run = () => ({ g: flat(grad(f, p)), h: flat(hvp(f, p, dirs)) });
    const fused = fusedEverywhere(run), nodes = nodesOnly(run);
    expectErr('path', 'broadcasts: grad', normErr(fused.g, nodes.g), 1e-12);
    expectErr('path', 'broadcasts: hvp', normErr(fused.h, nodes.h), 1e-12);
  });

  it('a lazy tensor kept from f keeps its values after the call (an unused one, and a fused chain\'s intermediate), and is refused as an operand', () => {
    let unused: Tensor | undefined, inner: Tensor | undefined;
    const f = (t: Tensor): Num => {
      unused = mul(sin(t), 2) as Tensor;
      inner = mul(cos(t), 3) as Tensor;
      return sum(mul(inner, t));
    };
    grad(f, x);
    expect(unused!.data[5]).to.equal(2 * Math.sin(x.data[5]!));
    expect(inner!.data[7]).to.equal(3 * Math.cos(x.data[7]!));
    expect(() => add(inner!, 1)).to.throw(/used after that evaluation ended/);
  });

  it('with generated code off nothing is fused (the interpreted kernels are the reference)', () => {
    const old = setCodegen('off');
    try {
      expect(fusedEverywhere(() => prepare(rosen, x).nodes)).to.be.above(8 * n);
    } finally {
      setCodegen(old);
    }
  });
});

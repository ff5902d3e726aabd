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
  add, cos, directional, div, exp, grad, mulberry32, reshape, gradHyperdual, hessianDiagonal, hvp, hyperdual, laplacian, matmul, mul, prepare, setCodegen, sin,
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
const nodesOnly = <R>(body: () => R): R => withFusion({ from: Infinity, everywhere: false }, body);
const fusedEverywhere = <R>(body: () => R): R => withFusion({ from: 1, everywhere: true }, body);

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

  it('a recording prepare keeps is fused with its partials folded into the leaves: every sweep, and every replay, equals the nodes\' (a record of parameters keeps nodes)', () => {
    const P = prepare(rosen, x), Q = nodesOnly(() => prepare(rosen, x)), x2 = uniformTensor(9, [n]);
    expect(P.nodes, 'fused').to.equal(n + 2);
    expect(P.tapeBytes, 'the folded partials: 2 first and 3 second per element').to.be.at.least(5 * 8 * (n - 1));
    expect(prepare((r: TensorRecord) => rosen(r.x!), { x }).nodes, 'a record keeps nodes').to.be.above(8 * n);
    const all = (p: typeof P): Record<string, Float64Array> => {
      const dir = p.directional(v), hd = p.hyperdual(v, w);
      return {
        grad: (p.grad() as Tensor).data, hvp: (p.hvp(v) as Tensor).data, hessianDiagonal: (p.hessianDiagonal() as Tensor).data,
        'hessianDiagonal (hvp lanes)': (p.hessianDiagonal({ method: 'hvp' }) as Tensor).data,
        'hessianDiagonal (hyperdual lanes)': (p.hessianDiagonal({ method: 'hyperdual' }) as Tensor).data,
        laplacian: Float64Array.of(p.laplacian().laplacian), directional: Float64Array.of(dir.first, dir.second),
        hyperdual: Float64Array.of(hd.da, hd.db, hd.dab), 'gradHyperdual (third order)': (p.gradHyperdual(v, w).grad as Tensor).data,
      };
    };
    expectSameDerivatives('prepared', all(P), all(Q));
    expectSameDerivatives('prepared, moved', all(P.at(x2)), all(Q.at(x2)));
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

  it('a folded partial that overflows (every partial finite, their product not) records nodes: a kept recording\'s derivatives equal the nodes\'', () => {
    // ∂y/∂x = 1e200 · 1e200 overflows where each factor is finite; the node sweeps multiply a lane by one factor at a time
    const f = (t: Tensor): Num => sum(sin(mul(1e200, mul(1e200, t))));
    const at = tensor([1e-300, 2e-300, 3e-300]), dir = tensor([1e-300, -1e-300, 2e-300]);
    const all = (p: ReturnType<typeof prepare>) => [p.jvp(dir).tangent, p.directional(dir).second, ...(p.hvp(dir) as Tensor).data, ...(p.grad() as Tensor).data];
    const ref = nodesOnly(() => all(prepare(f, at)));
    expect(ref.slice(0, 2).every(Number.isFinite), 'the reference is finite').to.equal(true);
    expect(fusedEverywhere(() => all(prepare(f, at)))).to.deep.equal(ref);
    // and a kept recording moved there from a point where it fused records afresh
    const P = fusedEverywhere(() => prepare(f, tensor([1e-310, 2e-310, 3e-310])));
    fusedEverywhere(() => P.at(at));
    expect(all(P)).to.deep.equal(ref);
  });

  it('an infinite value with finite partials stays fused, as nodes keep it (only evalNode\'s conditions refuse: a NaN value, an infinite argument of a unary op, a partial that is not finite)', () => {
    // x²/(−2.5) overflows to −∞ at 1e300, its partials (2x/(−2.5), 2/(−2.5)) are finite: a·H·b = Σ aᵢbᵢ·(−0.8) = −0.28
    const f = (t: Tensor): Num => sum(div(mul(t, t), -2.5));
    const at = tensor([1e300, 1e300]), a = [0.5, 0.4], b = [0.3, 0.5];
    expect(fusedEverywhere(() => hyperdual(f, at, a, b).dab)).to.be.closeTo(-0.28, 1e-15);
    expect(nodesOnly(() => hyperdual(f, at, a, b).dab)).to.be.closeTo(-0.28, 1e-15);
    // a NaN value inside the chain, and an infinite argument of a unary op, record nodes: NaN where the nodes give NaN
    const g = (t: Tensor): Num => sum(tanh(mul(t, 1e300)) as Tensor);
    const big = tensor([1e10, -1e10, 0.5]);
    expect(Array.from(fusedEverywhere(() => grad(g, big) as Tensor).data).map(String)).to.deep.equal(Array.from(nodesOnly(() => grad(g, big) as Tensor).data).map(String));
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

  it('an infinite tangent or adjoint coming into a block from nodes keeps the conventions: a recording with a partial that is not finite is made of nodes', () => {
    const m = 300, at = tensor(Float64Array.from({ length: m }, (_, i) => (i === 0 ? 0 : 0.5 + i / m)));
    const e1 = tensor(Float64Array.from({ length: m }, (_, i) => (i === 1 ? 1 : 0)));
    // √x at 0 (f′ = ∞) in a node, times the structural zero of ·0 in a block: ∂/∂x₀ = 2x₀ = 0, not NaN
    const f = (t: Tensor): Num => sum(add(mul(reshape(sqrt(t), [m]), 0), mul(t, t)));
    // 1/x² with x₀ = 0 upstream of a block: an infinite adjoint meets the zero tangent of an unseeded input
    const g = (t: Tensor): Num => sum(div(1, reshape(mul(t, t), [m])));
    for (const [name, fn, dir] of [['√x·0 + x²', f, v], ['1/x²', g, e1]] as const) {
      const dirT = tensor(dir.data.slice(0, m));
      const fused = fusedEverywhere(() => ({ g: (grad(fn, at) as Tensor).data, h: (hvp(fn, at, dirT) as Tensor).data, d: directional(fn, at, dirT) }));
      const nodes = nodesOnly(() => ({ g: (grad(fn, at) as Tensor).data, h: (hvp(fn, at, dirT) as Tensor).data, d: directional(fn, at, dirT) }));
      expect(Array.from(fused.g), `${name}: grad`).to.deep.equal(Array.from(nodes.g));
      expect(Array.from(fused.h), `${name}: hvp`).to.deep.equal(Array.from(nodes.h));
      expect([fused.d.first, fused.d.second], `${name}: directional`).to.deep.equal([nodes.d.first, nodes.d.second]);
    }
    expect(Number.isNaN((grad(f, at) as Tensor).data[0]!), 'the default settings').to.equal(false);
    // moved to such a point, a fused prepared recording is made afresh
    const P = prepare(f, tensor(Float64Array.from({ length: m }, (_, i) => 0.5 + i / m)));
    P.at(at);
    expect(P.rerecords).to.equal(1);
    expect(Array.from((P.grad() as Tensor).data)).to.deep.equal(Array.from(nodesOnly(() => (grad(f, at) as Tensor).data)));
  });

  it('reading the values of a lazy tensor that grows the tape reads the new values; the sum of one from an ended evaluation is refused by name; its views keep its values', () => {
    const m = 300, at = uniformTensor(21, [m]);
    let seen: Float64Array | undefined, kept: Tensor | undefined;
    grad((t: Tensor): Num => {
      const z = sin(mul(t, t)) as Tensor;
      seen = z.data; // records z here, growing the tape past its first capacity
      kept = cos(t) as Tensor;
      return sum(mul(z, t));
    }, at);
    expect(seen![3]).to.equal(Math.sin(at.data[3]! * at.data[3]!));
    expect(() => sum(kept!)).to.throw(/used after that evaluation ended/);
    expect(reshape(kept!, [m]).data[4]).to.equal(Math.cos(at.data[4]!));
    expect(slice(kept!, [[2, 5]]).data[1]).to.equal(Math.cos(at.data[3]!));
  });

  it('a chain reading more than 24 arrays is cut, and still fused', () => {
    const m = 300, cs = Array.from({ length: 30 }, (_, k) => uniformTensor(100 + k, [m]));
    const f = (t: Tensor): Num => { let y = mul(t, cs[0]!) as Tensor; for (let k = 1; k < 30; k++) y = add(y, mul(t, cs[k]!)) as Tensor; return sum(mul(y, y)); };
    // (the 30 constant tensors take 30·m slots either way)
    expect(fusedEverywhere(() => prepare(f, uniformTensor(5, [m])).nodes), 'a few blocks, not a node per element per op').to.be.below(30 * m + 6 * m);
    expect(nodesOnly(() => prepare(f, uniformTensor(5, [m])).nodes)).to.be.above(30 * m + 50 * m);
    expectErr('path', 'many leaves: grad', normErr((grad(f, uniformTensor(5, [m])) as Tensor).data, nodesOnly(() => (grad(f, uniformTensor(5, [m])) as Tensor).data)), 1e-12);
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

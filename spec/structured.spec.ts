/**
 * The structured Hessian diagonal (lib/transforms/structured.ts): for
 * parameters that enter f through maps linear in them, ∂²f/∂θᵢ² =
 * Σ_c J_ci² (H_y)_cc from lanes seeded at the maps' outputs. Every result
 * is checked against the dense one-hot hyper-dual lanes (the whole diagonal
 * where the model is small enough, single one-hot lanes on a random subset
 * where not) to 1e-12 relative, with the pool poisoned; the lane counts the
 * method claims are checked; and each reason to fall back is exercised,
 * with the fallback still exact. The Gauss–Newton diagonal diag(JᵀJ) is
 * checked against the dense Jacobian's columns squared.
 */
import { expect } from 'chai';
import {
  Tensor, add, concat, cos as hyCos, crossEntropy, exp, gaussNewtonDiagonal, hessianDiagonal, jacobian, log, matmul, mlp, mul, pow, prepare, randn,
  reshape, sigmoid, sin, slice, sqrt, sub, sum, tanh, tensor, transpose, type DiagonalInfo, type Num, type TensorRecord,
} from '../lib/index.js';
import { poisonPool } from '../lib/tape/pool.js';
import { forgetRecent } from '../lib/sparsity/memo.js';
import { SET_BUDGET } from '../lib/sparsity/pattern.js';
import { flat } from './support/points.js';
import { entryErr } from './support/agreement.js';
import { tensorCases } from './support/tensor-programs.js';

const TOL = 1e-12;

type F = (p: { [k: string]: Tensor }) => Num;

/** The structured diagonal (pool poisoned) next to the dense hyper-dual one. */
function both(f: F, P: TensorRecord): { s: Float64Array; d: Float64Array; info: DiagonalInfo } {
  poisonPool(true);
  try {
    const r = hessianDiagonal(f, P, { method: 'structured' });
    const d = hessianDiagonal(f, P, { method: 'hyperdual' });
    return { s: flat(r), d: flat(d), info: r };
  } finally {
    poisonPool(false);
  }
}

const methods = (info: DiagonalInfo) => Object.fromEntries(Object.entries(info.parameters!).map(([k, r]) => [k, r.method]));

describe('structured Hessian diagonal', () => {
  it('seed-size MLP 5 → 100 → 10 (one sample, cross-entropy): equals the dense lanes with 110 lanes instead of 1610', () => {
    const m = mlp([5, 100, 10], { seed: 1 }), x = randn([5], 3);
    const { s, d, info } = both((p) => crossEntropy(m.apply(p, x), 0), m.params);
    expect(entryErr(s, d)).to.be.below(TOL);
    expect(info.method).to.equal('structured');
    expect(info.directions).to.equal(110); // the hidden pre-activation (100) and the logits (10)
    expect(methods(info)).to.deep.equal({ W1: 'structured', b1: 'structured', W2: 'structured', b2: 'structured' });
  });

  it('batch MLP 20 → 16 → 5, batch 6, cross-entropy: samples share lanes (16 + 5 lanes for 421 parameters)', () => {
    const m = mlp([20, 16, 5], { seed: 3 }), X = randn([6, 20], 4);
    const { s, d, info } = both((p) => crossEntropy(m.apply(p, X), [0, 1, 2, 3, 4, 0]), m.params);
    expect(entryErr(s, d)).to.be.below(TOL);
    expect(info.directions).to.equal(21);
  });

  /** H_ii on a subset of parameters by single one-hot Taylor-2 lanes on a prepared recording. */
  function subsetCheck(f: F, P: TensorRecord, count: number, seed: number, floor?: number): { err: number; info: DiagonalInfo } {
    const n = flat(P).length, u = randn([count], seed).values();
    const idx = Array.from(u, (v, k) => Math.floor(((Math.abs(v) * 7919 + k * 104729) % 1) * n));
    const dirs = idx.map((i) => { const e = new Float64Array(n); e[i] = 1; return e; });
    poisonPool(true);
    try {
      const r = hessianDiagonal(f, P, { method: 'structured' }), s = flat(r);
      const q = prepare(f, P).quadraticForms(dirs);
      return { err: entryErr(idx.map((i) => s[i]!), q, floor), info: r };
    } finally {
      poisonPool(false);
    }
  }

  it('deeper tanh MLP 32 → 64 → 64 → 1 (batch 8, squared error): equals single one-hot lanes on 200 parameters', () => {
    const m = mlp([32, 64, 64, 1], { seed: 2 }), X = randn([8, 32], 4), Y = randn([8, 1], 5);
    const { err, info } = subsetCheck((p) => sum(pow(sub(m.apply(p, X), Y), 2)), m.params, 200, 11);
    expect(err).to.be.below(TOL);
    expect(info.directions).to.equal(129);
  });

  it('batch MLP 784 → 128 → 10, batch 32, cross-entropy: 138 lanes; equals single one-hot lanes on 200 random parameters', function () {
    this.timeout(120000);
    const m = mlp([784, 128, 10], { seed: 5 }), X = randn([32, 784], 6), labels = Array.from({ length: 32 }, (_, b) => b % 10);
    // W1's entries span six orders (x_bk² weights): relative to 1e-4 of the largest (measured: 2e-12 on an entry of 5e-7, 1e-3 below it)
    const { err, info } = subsetCheck((p) => crossEntropy(m.apply(p, X), labels), m.params, 200, 12, 1e-4);
    expect(err).to.be.below(TOL);
    expect(info.directions).to.equal(138);
    expect(Object.values(info.parameters!).every((r) => r.method === 'structured')).to.equal(true);
  });

  it('logistic regression: equals the closed form Σ_b x_bk² σ(1 − σ) and the dense lanes', () => {
    const X = randn([10, 4], 7), y = tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 1]);
    const f: F = (p) => {
      const z = add(matmul(X, p.w!), p.b!);
      return sum(sub(log(add(1, pow(2.718281828459045, z))), mul(y, z)));
    };
    const P = { w: randn([4], 1), b: tensor([0.1]) };
    const { s, d } = both(f, P);
    expect(entryErr(s, d)).to.be.below(TOL);
    const z = add(matmul(X, P.w), P.b).values(), xs = X.values(), closed = new Float64Array(5);
    for (let b = 0; b < 10; b++) {
      const sg = sigmoid(tensor([z[b]!])).values()[0]!, c = sg * (1 - sg);
      for (let k = 0; k < 4; k++) closed[k] += xs[b * 4 + k]! ** 2 * c;
      closed[4] += c;
    }
    expect(entryErr(s, closed)).to.be.below(1e-10);
  });

  it('an L2 penalty on W1 is a curved use of W1 alone: structured too, with the adjoint term Ḡ·∂²y/∂θ² (exact)', () => {
    const m = mlp([5, 8, 3], { seed: 1 }), x = randn([5], 3);
    const { s, d, info } = both((p) => add(crossEntropy(m.apply(p, x), 0), mul(0.1, sum(pow(p.W1!, 2)))), m.params);
    expect(entryErr(s, d)).to.be.below(TOL);
    expect(methods(info)).to.deep.equal({ W1: 'structured', b1: 'structured', W2: 'structured', b2: 'structured' });
    // the penalty's 40 terms end their chains at its sum, which enters f linearly: it interacts with nothing
    expect(info.directions).to.equal(11);
  });

  it('a parameter times a value that depends on it (θ ⊙ tanh(θ)) is not separable: dense, with the reason; exact', () => {
    const P = { w: randn([4], 21), v: randn([3], 22) };
    const r = both((p) => add(sum(mul(p.w!, tanh(p.w!))), sum(sin(p.v!))), P);
    expect(entryErr(r.s, r.d)).to.be.below(TOL);
    expect(r.info.parameters!.w!.method).to.equal('dense');
    expect(r.info.parameters!.w!.reason).to.match(/together with a value that depends on it/);
    expect(r.info.parameters!.v!.method).to.equal('structured');
  });

  it('weight tying: W shared by two samples that do not interact combines its uses; W and Wᵀ in one autoencoder falls back', () => {
    const W = randn([4, 3], 8), x1 = randn([3], 9), x2 = randn([3], 10);
    const tied = both((p) => add(sum(sin(matmul(p.W!, x1))), sum(tanh(matmul(p.W!, x2)))), { W });
    expect(entryErr(tied.s, tied.d)).to.be.below(TOL);
    expect(methods(tied.info)).to.deep.equal({ W: 'structured' });
    const ae = both((p) => sum(pow(sub(matmul(transpose(p.W!), tanh(matmul(p.W!, x1))), x1), 2)), { W });
    expect(entryErr(ae.s, ae.d)).to.be.below(TOL);
    expect(ae.info.parameters!.W!.method).to.equal('dense');
    expect(ae.info.parameters!.W!.reason).to.match(/interact/);
  });

  it('a weight used bilinearly with itself (W·Wᵀ) falls back; exact', () => {
    const W = randn([3, 3], 13);
    const r = both((p) => sum(sin(matmul(p.W!, transpose(p.W!)))), { W });
    expect(entryErr(r.s, r.d)).to.be.below(TOL);
    expect(r.info.parameters!.W!.method).to.equal('dense');
  });

  it('scalar ops over a flat weight array (an MLP 4 → 10 → 3 written with add/mul/tanh): separable entry by entry, 13 lanes for 83 weights', () => {
    const I = 4, H = 10, O = 3, x = [0.3, -0.5, 0.8, 0.1], n = H * I + H + O * H + O;
    const w = Array.from({ length: n }, (_, k) => Math.sin(1.7 * k + 0.3) * 0.6);
    const f = (p: Num[]) => {
      let at = 0;
      const W1 = p.slice(at, (at += H * I)), b1 = p.slice(at, (at += H)), W2 = p.slice(at, (at += O * H)), b2 = p.slice(at, (at += O));
      const h = Array.from({ length: H }, (_, j) => { let a: Num = b1[j]!; for (let i = 0; i < I; i++) a = add(a, mul(W1[j * I + i]!, x[i]!)); return tanh(a); });
      const o = Array.from({ length: O }, (_, k) => { let s: Num = b2[k]!; for (let j = 0; j < H; j++) s = add(s, mul(W2[k * H + j]!, h[j]!)); return s; });
      return sub(log(o.reduce((s: Num, ok) => add(s, pow(2.718281828459045, ok)), 0)), o[0]!);
    };
    const r = hessianDiagonal(f, w, { method: 'structured' }), d = hessianDiagonal(f, w, { method: 'hyperdual' });
    expect(entryErr(r, d)).to.be.below(TOL);
    expect(r.directions).to.equal(H + O);
    expect(r.parameters!.x!.denseEntries).to.equal(undefined);
  });

  it('an entry times a value that depends on it takes the dense lanes alone; the others stay structured', () => {
    const f = (x: Num[]) => add(add(mul(x[0]!, tanh(x[0]!)), mul(x[1]!, sin(x[0]!))), sin(add(mul(2, x[2]!), mul(3, x[3]!))));
    const x = [0.4, -0.3, 0.2, 0.7];
    const r = hessianDiagonal(f, x, { method: 'structured' }), d = hessianDiagonal(f, x, { method: 'hyperdual' });
    expect(entryErr(r, d)).to.be.below(TOL);
    // x₀ enters mul with tanh(x₀): dense; x₁·sin(x₀) is separable in x₁; x₂, x₃ are linear
    expect(r.parameters!.x).to.deep.include({ method: 'structured', denseEntries: 1 });
    expect(r.parameters!.x!.reason).to.match(/together with a value that depends on it/);
  });

  it('scalar ops: x entering through x·c terms summed into one value takes one lane (a chain of linear nodes to one probe)', () => {
    const c = [0.5, -1.5, 2, 3];
    const f = (x: Num[]) => { let s: Num = 0; x.forEach((xi, i) => { s = add(s, mul(c[i]!, xi)); }); return sin(s); };
    const x = [0.1, 0.2, -0.3, 0.4];
    const r = hessianDiagonal(f, x, { method: 'structured' }), d = hessianDiagonal(f, x, { method: 'hyperdual' });
    expect(entryErr(r, d)).to.be.below(TOL);
    expect(r.directions).to.equal(1);
  });

  it('a chain through a node that reads its argument twice (y + y) carries the factor 2', () => {
    const W = randn([3, 2], 14), x = randn([2], 15);
    const r = both((p) => { const y = matmul(p.W!, x); return sum(sin(add(y, y))); }, { W });
    expect(entryErr(r.s, r.d)).to.be.below(TOL);
    expect(methods(r.info)).to.deep.equal({ W: 'structured' });
  });

  it('a dense f (the trigonometric function): detection stops at the first node mixing more outputs than there are inputs; dense, exact', () => {
    const n = 30, x = Array.from({ length: n }, (_, i) => 0.1 + i / n);
    const f = (x: Num[]) => {
      const c = sum(x.map((v) => hyCos(v)));
      return sum(x.map((v, i) => pow(sub(add(n, mul(i + 1, sub(1, hyCos(v)))), add(c, sin(v))), 2)));
    };
    const r = hessianDiagonal(f, x, { method: 'structured' }), d = hessianDiagonal(f, x, { method: 'hyperdual' });
    expect(entryErr(r, d)).to.be.below(TOL);
    expect(r.parameters!.x!.method).to.equal('dense');
    expect(r.parameters!.x!.reason).to.match(/interact/);
    expect(hessianDiagonal(f, x).method, "'auto'").to.equal('hyperdual');
  });

  it("where a partial is infinite at the point, the dense (careful) lanes answer: the same numbers as 'hyperdual'", () => {
    const u = tensor([0, 1, 4]);
    const f: F = (p) => sum(sqrt(add(mul(p.a!, u), 0)));
    const P = { a: tensor([1, 2, 3]) };
    const r = hessianDiagonal(f, P, { method: 'structured' }), d = hessianDiagonal(f, P, { method: 'hyperdual' });
    expect(Array.from(flat(r as never))).to.deep.equal(Array.from(flat(d as never)));
    expect(r.parameters!.a!.reason).to.match(/non-finite/);
  });

  it("on the fuzzer's tensor programs (tensors and records): 'structured' equals 'hyperdual' to 1e-12 of the largest entry, moved by .at() too, pool poisoned", () => {
    const cases = tensorCases(33, 120);
    let structured = 0;
    for (const { i, f, x0, x1 } of cases) {
      poisonPool(true);
      try {
        const P = prepare(f, x0);
        P.hessianDiagonal({ method: 'structured' });
        const moved = P.at(x1).hessianDiagonal({ method: 'structured' }), fresh = hessianDiagonal(f, x1, { method: 'structured' });
        const ref = flat(hessianDiagonal(f, x1, { method: 'hyperdual' }) as never), scale = Math.max(1, ...Array.from(ref, Math.abs));
        for (const got of [flat(moved as never), flat(fresh as never)]) {
          got.forEach((v, k) => expect(Math.abs(v - ref[k]!) <= 1e-12 * scale || (Number.isNaN(v) && Number.isNaN(ref[k]!)), `program ${i}[${k}]: ${v} vs ${ref[k]}`).to.equal(true));
        }
        if (Object.values(moved.parameters!).some((r) => r.method === 'structured')) structured++;
      } finally {
        poisonPool(false);
      }
    }
    expect(cases.length).to.equal(120);
    expect(structured, 'programs with a parameter taken structured').to.be.at.least(10);
  });

  it('a plan is remembered with the parameters it was found for: the same recording under other parameters is analysed again', () => {
    const P = { a: tensor([0.3, -0.7]), b: tensor([1.1, 0.4]) };
    const byRecord: F = (p) => sum(sin(mul(p.a!, p.b!)));
    const byTensor = (x: Tensor) => sum(sin(mul(slice(x, [[0, 2]]), slice(x, [[2, 4]])))); // the same tape, one parameter
    const r = hessianDiagonal(byRecord, P, { method: 'structured' });
    expect(methods(r)).to.deep.equal({ a: 'structured', b: 'structured' });
    const x = tensor([0.3, -0.7, 1.1, 0.4]), t = hessianDiagonal(byTensor, x, { method: 'structured' });
    expect(t.parameters!.x!.method).to.equal('structured'); // xᵢ·xᵢ₊₂: bilinear in x, but separable entry by entry
    expect(entryErr(flat(t as never), flat(hessianDiagonal(byTensor, x, { method: 'hyperdual' }) as never))).to.be.below(TOL);
    expect(entryErr(flat(r as never), flat(t as never))).to.be.below(TOL);
  });

  it("'auto' takes it for a network's parameters and reports it; a prepared recording moved by .at() agrees with a fresh one", () => {
    const m = mlp([5, 30, 4], { seed: 4 }), x = randn([5], 3), f: F = (p) => crossEntropy(m.apply(p, x), 1);
    const r = hessianDiagonal(f, m.params);
    expect(r.method).to.equal('structured');
    const P2 = Object.fromEntries(Object.entries(m.params).map(([k, t]) => [k, Tensor.constant(t.values().map((v) => 0.9 * v + 0.01), t.shape)]));
    const p = prepare(f, m.params);
    p.hessianDiagonal({ method: 'structured' });
    poisonPool(true);
    try {
      const moved = flat(p.at(P2).hessianDiagonal({ method: 'structured' }));
      const fresh = flat(hessianDiagonal(f, P2, { method: 'hyperdual' }));
      expect(entryErr(moved, fresh)).to.be.below(TOL);
    } finally {
      poisonPool(false);
    }
  });
});

/** diag(JᵀJ) from the dense Jacobian: the independent reference. */
function jtjDiagonal(J: readonly Float64Array[]): Float64Array {
  const d = new Float64Array(J[0]!.length);
  for (const row of J) for (let j = 0; j < d.length; j++) d[j] += row[j]! ** 2;
  return d;
}

describe('gaussNewtonDiagonal: diag(JᵀJ) of residuals and per-sample losses', () => {
  type G = (p: { [k: string]: Tensor }) => Tensor;
  function check(F: G, P: TensorRecord, floor?: number) {
    poisonPool(true);
    try {
      const s = gaussNewtonDiagonal(F, P, { method: 'structured' }), d = gaussNewtonDiagonal(F, P, { method: 'dense' });
      const ref = jtjDiagonal(jacobian(F, P));
      expect(entryErr(flat(s as never), ref, floor), 'structured vs JᵀJ').to.be.below(TOL);
      expect(entryErr(flat(d as never), ref, floor), 'dense vs JᵀJ').to.be.below(TOL);
      return s;
    } finally {
      poisonPool(false);
    }
  }

  it('batch MLP 20 → 16 → 5 residuals (batch 6): the samples share adjoint lanes (5 lanes)', () => {
    const m = mlp([20, 16, 5], { seed: 3 }), X = randn([6, 20], 4), Y = randn([6, 5], 5);
    const s = check((p) => sub(m.apply(p, X), Y), m.params);
    expect(s.method).to.equal('structured');
    expect(s.directions).to.equal(5);
  });

  it('deeper tanh MLP 32 → 64 → 64 → 1, batch 8: one lane for 6337 parameters', () => {
    const m = mlp([32, 64, 64, 1], { seed: 2 }), X = randn([8, 32], 4), Y = randn([8, 1], 5);
    const s = check((p) => sub(m.apply(p, X), Y), m.params);
    expect(s.directions).to.equal(1);
  });

  it('logistic regression, per-sample log-losses: equals Σ_b x_bk² (σ_b − y_b)²', () => {
    const X = randn([10, 4], 7), y = tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 1]);
    const F: G = (p) => { const z = add(matmul(X, p.w!), p.b!); return sub(log(add(1, pow(2.718281828459045, z))), mul(y, z)) as Tensor; };
    const P = { w: randn([4], 1), b: tensor([0.1]) };
    const s = flat(check(F, P) as never);
    const z = add(matmul(X, P.w), P.b).values(), xs = X.values(), yv = y.values(), closed = new Float64Array(5);
    for (let b = 0; b < 10; b++) {
      const r = (sigmoid(tensor([z[b]!])).values()[0]! - yv[b]!) ** 2;
      for (let k = 0; k < 4; k++) closed[k] += xs[b * 4 + k]! ** 2 * r;
      closed[4] += r;
    }
    expect(entryErr(s, closed)).to.be.below(1e-10);
  });

  it('a parameter that enters a residual nonlinearly is fine (first order); W and Wᵀ in one autoencoder is dense (its outputs meet); exact', () => {
    const m = mlp([5, 8, 3], { seed: 1 }), X = randn([4, 5], 3);
    const s = check((p) => concat([reshape(m.apply(p, X), [12]), reshape(sin(p.W1!), [40])]), m.params);
    expect(Object.values(s.parameters!).every((r) => r.method === 'structured')).to.equal(true);
    const W = randn([4, 3], 8), x1 = randn([3], 9);
    const ae = check((p) => sub(matmul(transpose(p.W!), tanh(matmul(p.W!, x1))), x1), { W });
    expect(ae.parameters!.W!.method).to.equal('dense');
    expect(ae.parameters!.W!.reason).to.match(/interact/);
  });

  it('batch MLP 784 → 128 → 10, batch 32, logits minus one-hot targets: 10 lanes; equals the dense JᵀJ diagonal', function () {
    this.timeout(120000);
    const m = mlp([784, 128, 10], { seed: 5 }), X = randn([32, 784], 6);
    const T = tensor(Float64Array.from({ length: 320 }, (_, e) => (e % 10 === Math.floor(e / 10) % 10 ? 1 : 0)), [32, 10]);
    poisonPool(true);
    try {
      const F: G = (p) => sub(m.apply(p, X), T);
      const s = gaussNewtonDiagonal(F, m.params), d = gaussNewtonDiagonal(F, m.params, { method: 'dense' });
      expect(s.method).to.equal('structured');
      expect(s.directions).to.equal(10);
      expect(entryErr(flat(s as never), flat(d as never), 1e-4)).to.be.below(TOL);
    } finally {
      poisonPool(false);
    }
  });

  it('an F that returns a parameter entry itself (J = 1 there), or a constant: exact', () => {
    const W = randn([2, 2], 16), u = randn([2], 17);
    const s = check((p) => reshape(p.W!, [4]), { W, u }); // F's outputs are W's own slots
    expect(s.parameters!.W!.method).to.equal('structured');
    // through a gather (concat) the outputs are a use's outputs: structured, and exact
    const c = check((p) => concat([matmul(p.W!, u), reshape(p.W!, [4]), tensor([3])]), { W });
    expect(c.parameters!.W!.method).to.equal('structured');
    const d = gaussNewtonDiagonal((x: Num[]) => [x[0]!, 3], [1, 2]);
    expect(Array.from(d)).to.deep.equal([1, 0]);
  });

  it('an output that is also read further (F = [W·u, W·u + b]) keeps its own term: its probe is not moved past it', () => {
    const W = randn([3, 2], 18), u = randn([2], 19), b = randn([3], 20);
    const s = check((p) => { const y = matmul(p.W!, u); return concat([y, tanh(add(y, p.b!))]); }, { W, b });
    expect(s.parameters!.W!.method).to.equal('structured');
    // scalar ops: m = 2·x₀ is F₀ and also read once more, by a linear node
    const F = (x: Num[]) => { const m = mul(2, x[0]!); return [m, sin(add(m, 3))]; };
    const x = [0.3], d = gaussNewtonDiagonal(F, x, { method: 'structured' });
    expect(entryErr(d, jtjDiagonal(jacobian(F, x)))).to.be.below(TOL);
  });

  it('a prepared recording moved by .at() agrees with a fresh one; errors name the function and the problem', () => {
    const m = mlp([5, 6, 2], { seed: 4 }), X = randn([3, 5], 3), F: G = (p) => tanh(m.apply(p, X));
    const P2 = Object.fromEntries(Object.entries(m.params).map(([k, t]) => [k, Tensor.constant(t.values().map((v) => 0.9 * v + 0.01), t.shape)]));
    const p = prepare(F, m.params, { vector: true });
    p.gaussNewtonDiagonal();
    expect(entryErr(flat(p.at(P2).gaussNewtonDiagonal() as never), jtjDiagonal(jacobian(F, P2)))).to.be.below(TOL);
    expect(() => gaussNewtonDiagonal(F, m.params, { method: 'exact' as never })).to.throw(/gaussNewtonDiagonal.*method/);
    expect(() => hessianDiagonal((x: Num[]) => sum(gaussNewtonDiagonal((y: Num[]) => [mul(y[0]!, y[1]!)], x) as never), [1, 2])).to.throw(/gaussNewtonDiagonal: inside another transform/);
  });
});

describe('structured: review', () => {
  it('past the dependency-set budget every answer is the safe one (dense lanes), and exact', () => {
    const m = mlp([6, 8, 3], { seed: 2 }), X = randn([4, 6], 3), labels = [0, 1, 2, 0];
    const P = { ...m.params, g: randn([8], 4) };
    // g·h(W1): a question (does h depend on g?) and probes whose sets the budget cuts
    const f: F = (p) => add(crossEntropy(m.apply(p, X), labels), sum(mul(p.g!, tanh(mul(p.g!, 2)))));
    const saved = SET_BUDGET.entries;
    SET_BUDGET.entries = 8;
    try {
      forgetRecent();
      const r = both(f, P);
      expect(entryErr(r.s, r.d)).to.be.below(TOL);
      expect(Object.values(r.info.parameters!).every((q) => q.method === 'dense')).to.equal(true);
    } finally {
      SET_BUDGET.entries = saved;
      forgetRecent();
    }
  });

  it('outputs of one parameter that meet in a probe the loss is linear in (Σ of W·u, summed) do not interact: structured, 0', () => {
    const X = randn([2, 3], 23), P = { W: randn([3], 24), c: tensor([0.4]) }; // each W_k touches both outputs of X·W
    const r = both((p) => add(sum(matmul(X, p.W!)), sum(sin(p.c!))), P);
    expect(entryErr(r.s, r.d)).to.be.below(TOL);
    expect(methods(r.info)).to.deep.equal({ W: 'structured', c: 'structured' });
  });

  it('two functions with one recording structure but different parameter groups do not share a structured plan', () => {
    // the same tape 3·s1 + exp(s2) + s3; f1 groups {a: s1, b: s2 s3} (a separable), f2 groups {c: s1 s2, d: s3}
    const f1: F = (p) => add(add(mul(3, p.a!.index(0)), exp(p.b!.index(0))), p.b!.index(1));
    const f2: F = (p) => add(add(mul(3, p.c!.index(0)), exp(p.c!.index(1))), p.d!.index(0));
    forgetRecent();
    hessianDiagonal(f1, { a: tensor([0.5]), b: tensor([0.3, 0.7]) }, { method: 'structured' });
    const P2 = { c: tensor([0.5, 0.3]), d: tensor([0.7]) };
    const r = hessianDiagonal(f2, P2, { method: 'structured' }), d = hessianDiagonal(f2, P2, { method: 'hyperdual' });
    forgetRecent();
    expect(Array.from(flat(r as never))).to.deep.equal(Array.from(flat(d as never)));
  });

  it('gaussNewtonDiagonal: an output of F inside a chain of linear nodes (F = [y, y + 1]) keeps its own adjoint', () => {
    const F = (p: { [k: string]: Tensor }) => { const y = mul(3, p.w!.index(0)); return [y, add(y, 1), sin(p.v!.index(0))]; };
    const P = { w: tensor([0.2]), v: tensor([0.4]) };
    const s = gaussNewtonDiagonal(F, P, { method: 'structured' }), ref = jtjDiagonal(jacobian(F, P));
    expect(s.parameters!.w!.method).to.equal('structured');
    expect(Array.from(flat(s as never))).to.deep.equal(Array.from(ref));
  });

  it('gaussNewtonDiagonal: an output of F that is a parameter itself (F = [w, 2w, …]) counts its ∂F_m/∂w = 1', () => {
    const F = (p: { [k: string]: Tensor }) => [p.w!.index(0), mul(2, p.w!.index(0)), sin(p.v!.index(0))];
    const P = { w: tensor([0.3]), v: tensor([0.4]) };
    const s = gaussNewtonDiagonal(F, P, { method: 'structured' }), ref = jtjDiagonal(jacobian(F, P));
    expect(s.parameters!.w!.method).to.equal('structured');
    expect(Array.from(flat(s as never))).to.deep.equal(Array.from(ref));
  });
});

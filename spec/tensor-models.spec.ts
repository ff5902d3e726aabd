/**
 * Models written the way ML users write them, checked against closed forms
 * and against the same model written with scalar ops:
 *  (a) the seed MLP 5 → 100 (tanh) → 10, logSoftmax + nllLoss, as a function
 *      of its input: the value, the Hessian equal to the scalar form;
 *  (b) the same loss as a function of all 1610 weights and biases: both
 *      diagonal methods, the closed-form diagonal, and Hessian columns by hvp;
 *  (c) logistic regression on a seeded 1000 × 20 dataset: H = XᵀSX / N;
 *  (d) the `mlp` helper: its initialisation, its forward pass, and its
 *      parameter diagonal against hvp columns.
 */
import { expect } from 'chai';
import {
  Tensor, add, crossEntropy, grad, hessian, hessianDiagonal, hvp, log, logSoftmax, logsumexp, matmul, mean, mlp, mul,
  mulberry32, neg, nllLoss, prepare, randn, sigmoid, softplus, sub, tanh, tensor, valueAndGrad, type Num, type TensorRecord,
} from '../lib/index.js';
import { checkDerivatives } from './support/check.js';
import { entryErr, expectErr, normErr, numErr } from './support/agreement.js';
import { derivAlong } from './support/fd.js';
import { flat, oneHot, rowsFlat, shapedLike } from './support/points.js';

// ---------------------------------------------------------------- the seed MLP

const IN = 5, HIDDEN = 100, OUT = 10;
const SEED_VALUE = 2.4689136350470875;

/** W1 (100×5), b1, W2 (10×100), b2, x from mulberry32(42): 2u − 1, W1 and b1 scaled by 1/√5, W2 and b2 by 1/10. */
function seedData() {
  const u = mulberry32(42), draw = (n: number, s: number) => Float64Array.from({ length: n }, () => (2 * u() - 1) * s);
  const W1 = draw(HIDDEN * IN, 1 / Math.sqrt(IN)), b1 = draw(HIDDEN, 1 / Math.sqrt(IN));
  const W2 = draw(OUT * HIDDEN, 1 / 10), b2 = draw(OUT, 1 / 10), x = draw(IN, 1);
  return { W1, b1, W2, b2, x };
}
const D = seedData();
const params: TensorRecord = {
  W1: tensor(D.W1, [HIDDEN, IN]), b1: tensor(D.b1, [HIDDEN]), W2: tensor(D.W2, [OUT, HIDDEN]), b2: tensor(D.b2, [OUT]),
};
const x0 = tensor(D.x, [IN]);

/** The loss, tensor form: nllLoss(logSoftmax(W2·tanh(W1·x + b1) + b2), 0). */
const loss = (p: TensorRecord, x: Tensor): Tensor =>
  nllLoss(logSoftmax(add(matmul(p.W2!, tanh(add(matmul(p.W1!, x), p.b1!))), p.b2!)), 0);

/** The same loss (−logSoftmax(h)[target]) with scalar ops on arrays (any argument may hold numbers or tape values). */
function lossScalar(W1: ArrayLike<Num>, b1: ArrayLike<Num>, W2: ArrayLike<Num>, b2: ArrayLike<Num>, x: ArrayLike<Num>, target = 0): Num {
  const t: Num[] = [];
  for (let j = 0; j < HIDDEN; j++) {
    let a: Num = b1[j]!;
    for (let i = 0; i < IN; i++) a = add(a, mul(W1[j * IN + i]!, x[i]!));
    t.push(tanh(a));
  }
  const h: Num[] = [];
  for (let k = 0; k < OUT; k++) {
    let s: Num = b2[k]!;
    for (let j = 0; j < HIDDEN; j++) s = add(s, mul(W2[k * HIDDEN + j]!, t[j]!));
    h.push(s);
  }
  return sub(logsumexp(h), h[target]!);
}

/** Plain-JS forward pass: hidden t, softmax p, and g_t = W2ᵀ(p − e₀). */
function forward(x: ArrayLike<number>) {
  const a = new Float64Array(HIDDEN), t = new Float64Array(HIDDEN), h = new Float64Array(OUT);
  for (let j = 0; j < HIDDEN; j++) {
    let s = D.b1[j]!;
    for (let i = 0; i < IN; i++) s += D.W1[j * IN + i]! * x[i]!;
    a[j] = s; t[j] = Math.tanh(s);
  }
  for (let k = 0; k < OUT; k++) {
    let s = D.b2[k]!;
    for (let j = 0; j < HIDDEN; j++) s += D.W2[k * HIDDEN + j]! * t[j]!;
    h[k] = s;
  }
  const m = Math.max(...h), e = h.map((v) => Math.exp(v - m)), z = e.reduce((s, v) => s + v, 0), p = e.map((v) => v / z);
  const gt = new Float64Array(HIDDEN);
  for (let k = 0; k < OUT; k++) for (let j = 0; j < HIDDEN; j++) gt[j] += D.W2[k * HIDDEN + j]! * (p[k]! - (k === 0 ? 1 : 0));
  return { t, p, gt };
}

describe('tensor models: the seed MLP, Hessian with respect to the input', () => {
  const f = (x: Tensor) => loss(params, x);
  const fs = (xs: Num[]) => lossScalar(D.W1, D.b1, D.W2, D.b2, xs);

  it(`f(x) = ${SEED_VALUE} to 1e-14 relative, in every form`, () => {
    for (const [form, v] of [
      ['tensor, constants', (f(x0) as Tensor).item()],
      ['tensor, recorded', valueAndGrad(f, x0).value],
      ['prepared', prepare(f, x0).value as number],
      ['scalar ops, numbers', fs(Array.from(D.x)) as number],
      ['scalar ops, recorded', valueAndGrad(fs, Array.from(D.x)).value],
    ] as const) {
      expect(numErr(v, SEED_VALUE), form).to.be.at.most(1e-14);
    }
  });

  it('input Hessian: tensor form = scalar form to 1e-12 relative (and = the closed form)', () => {
    const H = rowsFlat(hessian(f, x0)), Hs = rowsFlat(hessian(fs, Array.from(D.x)));
    expectErr('path', 'seed MLP input Hessian, tensor vs scalar form (normwise)', normErr(H, Hs), 1e-12);
    expectErr('path', 'seed MLP input Hessian, tensor vs scalar form (entrywise)', entryErr(H, Hs, 1e-6), 1e-12);
    // closed form: H = Mᵀ(diag p − ppᵀ)M + W1ᵀ diag(g_t ⊙ tanh″(a)) W1, M = W2 diag(1 − t²) W1, tanh″ = −2t(1 − t²)
    const { t, p, gt } = forward(D.x), M = new Float64Array(OUT * IN), Hc = new Float64Array(IN * IN);
    for (let k = 0; k < OUT; k++) for (let j = 0; j < HIDDEN; j++) for (let i = 0; i < IN; i++) M[k * IN + i] += D.W2[k * HIDDEN + j]! * (1 - t[j]! ** 2) * D.W1[j * IN + i]!;
    for (let i = 0; i < IN; i++) {
      for (let l = 0; l < IN; l++) {
        let pm = 0, s = 0;
        for (let k = 0; k < OUT; k++) pm += p[k]! * M[k * IN + l]!;
        for (let k = 0; k < OUT; k++) s += M[k * IN + i]! * p[k]! * (M[k * IN + l]! - pm);
        for (let j = 0; j < HIDDEN; j++) s += D.W1[j * IN + i]! * D.W1[j * IN + l]! * gt[j]! * -2 * t[j]! * (1 - t[j]! ** 2);
        Hc[i * IN + l] = s;
      }
    }
    expectErr('path', 'seed MLP input Hessian vs closed form', normErr(H, Hc), 1e-12);
  });

  it('every transform agrees with the scalar form and with finite differences', () => {
    checkDerivatives(f, x0, { label: 'seed MLP (input)', reference: fs, pathTol: 1e-12 });
  });
});

// ---------------------------------------------------------------- the weight diagonal

describe('tensor models: the seed MLP, Hessian diagonal over all 1610 weights', () => {
  const f = (p: TensorRecord) => loss(p, x0);
  const N = 1610, keys = ['W1', 'b1', 'W2', 'b2'];
  const offsets = { W1: 0, b1: 500, W2: 600, b2: 1600 };
  let dHyper: Float64Array, dHvp: Float64Array;
  before(() => {
    const a = hessianDiagonal(f, params, { method: 'hyperdual' }), b = hessianDiagonal(f, params, { method: 'hvp' });
    expect(Object.keys(a)).to.deep.equal(keys);
    expect(Object.keys(b)).to.deep.equal(keys);
    for (const k of keys) expect(a[k]!.shape, k).to.deep.equal(params[k]!.shape);
    dHyper = flat(a); dHvp = flat(b);
  });

  it('has 1610 entries; both methods agree to 1e-10 relative, entry by entry', () => {
    expect(dHyper.length).to.equal(N);
    expectErr('path', 'weight diagonal, hyperdual vs hvp (entrywise)', entryErr(dHyper, dHvp, 1e-9), 1e-10);
    expectErr('path', 'weight diagonal, hyperdual vs hvp (normwise)', normErr(dHyper, dHvp), 1e-12);
  });

  it('equals the closed form for every weight and bias', () => {
    // With s = 1 − t², u = W2 diag(s), Σ = diag p − ppᵀ:
    //   ∂²/∂b2ₖ² = pₖ(1 − pₖ),  ∂²/∂W2ₖⱼ² = pₖ(1 − pₖ) tⱼ²,
    //   ∂²/∂b1ⱼ² = u₋ⱼᵀ Σ u₋ⱼ + g_tⱼ tanh″(aⱼ),  ∂²/∂W1ⱼᵢ² = xᵢ² ∂²/∂b1ⱼ²
    const { t, p, gt } = forward(D.x), c = new Float64Array(N);
    for (let k = 0; k < OUT; k++) {
      c[offsets.b2 + k] = p[k]! * (1 - p[k]!);
      for (let j = 0; j < HIDDEN; j++) c[offsets.W2 + k * HIDDEN + j] = p[k]! * (1 - p[k]!) * t[j]! ** 2;
    }
    for (let j = 0; j < HIDDEN; j++) {
      const s = 1 - t[j]! ** 2, u = Array.from({ length: OUT }, (_, k) => D.W2[k * HIDDEN + j]! * s);
      const pu = u.reduce((acc, v, k) => acc + p[k]! * v, 0);
      const db = u.reduce((acc, v, k) => acc + p[k]! * v * v, 0) - pu * pu + gt[j]! * -2 * t[j]! * s;
      c[offsets.b1 + j] = db;
      for (let i = 0; i < IN; i++) c[offsets.W1 + j * IN + i] = D.x[i]! ** 2 * db;
    }
    expectErr('path', 'weight diagonal (hyperdual) vs closed form', normErr(dHyper, c), 1e-12);
    expectErr('path', 'weight diagonal (hvp) vs closed form', normErr(dHvp, c), 1e-12);
    expectErr('path', 'weight diagonal (hyperdual) vs closed form (entrywise)', entryErr(dHyper, c, 1e-6), 1e-10);
  });

  const picks = [0, 4, 137, 499, 500, 573, 599, 600, 1234, 1599, 1600, 1609];
  it(`equals entries of Hessian columns by hvp with one-hot record directions (${picks.length} columns), which are symmetric`, () => {
    const P = prepare(f, params), cols = new Map<number, Float64Array>();
    for (const j of picks) {
      const col = flat(P.hvp(shapedLike(params, oneHot(N, j))));
      expect(col.length).to.equal(N);
      expectErr('path', `weight Hessian column ${j} by hvp vs diagonal`, numErr(col[j]!, dHyper[j]!), 1e-10);
      // the plain transform gives the same column
      expect(normErr(flat(hvp(f, params, shapedLike(params, oneHot(N, j)))), col), `hvp column ${j}`).to.be.at.most(1e-15);
      cols.set(j, col);
    }
    for (const i of picks) for (const j of picks) {
      const hij = cols.get(j)![i]!, hji = cols.get(i)![j]!;
      expect(Math.abs(hij - hji), `H[${i}][${j}] = H[${j}][${i}]`).to.be.at.most(1e-12 * Math.max(1, Math.abs(hij)));
    }
  });

  it('Hessian columns against finite differences of the gradient', () => {
    const gradAt = (v: ArrayLike<number>) => flat(grad(f, shapedLike(params, v)));
    const p0 = flat(params);
    for (const j of [3, 550, 777, 1605]) {
      const col = flat(hvp(f, params, shapedLike(params, oneHot(N, j)))), fd = derivAlong(gradAt, p0, oneHot(N, j), 0.02);
      expectErr('fd', `weight Hessian column ${j} vs FD`, normErr(col, fd), 1e-6);
    }
  });
});

// ---------------------------------------------------------------- logistic regression

describe('tensor models: logistic regression on 1000 × 20 seeded samples', () => {
  const N = 1000, d = 20;
  // features X ~ randn seed 7; true weights randn seed 8; labels yₖ = [u < σ(Xₖ·w*)] with u from mulberry32(9)
  const X = randn([N, d], 7), wTrue = randn([d], 8), u = mulberry32(9);
  const Xv = X.data, zt = matmul(X, wTrue).data;
  const y = Float64Array.from(zt, (z) => (u() < 1 / (1 + Math.exp(-z)) ? 1 : 0)), Y = tensor(y, [N]);
  const w = randn([d], 10).mul(0.3);
  // L(w) = (1/N) Σ softplus(zₖ) − yₖzₖ, z = Xw
  const L = (w: Tensor) => { const z = matmul(X, w); return mean(sub(softplus(z), mul(Y, z))); };
  // the same loss as binary cross-entropy: −(1/N) Σ yₖ log σ(zₖ) + (1 − yₖ) log σ(−zₖ)
  const BCE = (w: Tensor) => { const z = matmul(X, w); return neg(mean(add(mul(Y, log(sigmoid(z))), mul(sub(1, Y), log(sigmoid(neg(z))))))); };

  /** (XᵀSX)/N, S = diag(p(1 − p)), in plain JS. */
  const closedForm = () => {
    const z = matmul(X, w).data, H = new Float64Array(d * d);
    for (let k = 0; k < N; k++) {
      const p = 1 / (1 + Math.exp(-z[k]!)), s = p * (1 - p) / N;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) H[i * d + j] += Xv[k * d + i]! * s * Xv[k * d + j]!;
    }
    return H;
  };
  const Hc = closedForm();

  it('has both labels in the data', () => {
    const ones = y.reduce((s, v) => s + v, 0);
    expect(ones).to.be.within(200, 800);
  });
  for (const [name, fn] of [['softplus form', L], ['binary cross-entropy form', BCE]] as const) {
    it(`${name}: the full 20 × 20 Hessian equals XᵀSX/N to 1e-10 relative`, () => {
      const H = rowsFlat(hessian(fn, w));
      expectErr('path', `logistic ${name}: Hessian vs XᵀSX/N (normwise)`, normErr(H, Hc), 1e-10);
      expectErr('path', `logistic ${name}: Hessian vs XᵀSX/N (entrywise)`, entryErr(H, Hc, 1e-6), 1e-10);
      const diag = Float64Array.from({ length: d }, (_, i) => Hc[i * d + i]!);
      for (const method of ['hyperdual', 'hvp'] as const) {
        expectErr('path', `logistic ${name}: hessianDiagonal(${method}) vs closed form`, entryErr(hessianDiagonal(fn, w, { method }).data, diag, 1e-3), 1e-10);
      }
      const v = randn([d], 11), Hv = Float64Array.from({ length: d }, (_, i) => Array.from(v.data).reduce((s, vj, j) => s + Hc[i * d + j]! * vj, 0));
      expectErr('path', `logistic ${name}: hvp vs closed form`, normErr(hvp(fn, w, v).data, Hv), 1e-10);
    });
  }
  it('the gradient is Xᵀ(p − y)/N', () => {
    const z = matmul(X, w).data, g = new Float64Array(d);
    for (let k = 0; k < N; k++) { const r = 1 / (1 + Math.exp(-z[k]!)) - y[k]!; for (let j = 0; j < d; j++) g[j] += Xv[k * d + j]! * r / N; }
    expect(normErr(grad(L, w).data, g)).to.be.at.most(1e-12);
    expect(normErr(grad(BCE, w).data, g)).to.be.at.most(1e-12);
  });
});

// ---------------------------------------------------------------- the mlp helper

describe('tensor models: mlp([5, 100, 10], { seed })', () => {
  const model = mlp([5, 100, 10], { seed: 3 }), x = randn([5], 12);
  const f = (p: TensorRecord) => crossEntropy(model.apply(p, x), 3);

  it('has PyTorch-style parameters W1 [100, 5], b1, W2 [10, 100], b2, uniform in ±1/√fan_in, reproducible', () => {
    expect(Object.keys(model.params)).to.deep.equal(['W1', 'b1', 'W2', 'b2']);
    const shapes = { W1: [100, 5], b1: [100], W2: [10, 100], b2: [10] } as Record<string, number[]>;
    for (const [k, s] of Object.entries(shapes)) {
      const t = model.params[k]!, bound = 1 / Math.sqrt(k.endsWith('1') ? 5 : 100);
      expect(t.shape, k).to.deep.equal(s);
      expect(Math.max(...t.data.map(Math.abs)), k).to.be.at.most(bound);
      expect(Math.max(...t.data.map(Math.abs)), k).to.be.above(0.8 * bound);
    }
    const again = mlp([5, 100, 10], { seed: 3 }), other = mlp([5, 100, 10], { seed: 4 });
    expect(Array.from(again.params.W2!.data)).to.deep.equal(Array.from(model.params.W2!.data));
    expect(Array.from(other.params.W2!.data)).to.not.deep.equal(Array.from(model.params.W2!.data));
  });

  it('applies W2·tanh(W1·x + b1) + b2', () => {
    const p = model.params, out = model.apply(p, x) as Tensor;
    expect(out.shape).to.deep.equal([10]);
    const hdn = p.W1!.data, t = Array.from({ length: 100 }, (_, j) => Math.tanh(p.b1!.data[j]! + [0, 1, 2, 3, 4].reduce((s, i) => s + hdn[j * 5 + i]! * x.data[i]!, 0)));
    const ref = Array.from({ length: 10 }, (_, k) => p.b2!.data[k]! + t.reduce((s, tj, j) => s + p.W2!.data[k * 100 + j]! * tj, 0));
    expect(normErr(out.data, ref)).to.be.at.most(1e-14);
  });

  it('its parameter diagonal, by both methods, matches hvp columns', () => {
    const a = flat(hessianDiagonal(f, model.params)), b = flat(hessianDiagonal(f, model.params, { method: 'hvp' }));
    expect(a.length).to.equal(1610);
    expectErr('path', 'mlp() weight diagonal, hyperdual vs hvp (entrywise)', entryErr(a, b, 1e-9), 1e-10);
    const P = prepare(f, model.params);
    for (const j of [1, 250, 520, 640, 1111, 1603]) {
      const col = flat(P.hvp(shapedLike(model.params, oneHot(1610, j))));
      expectErr('path', `mlp() weight Hessian column ${j} vs diagonal`, numErr(col[j]!, a[j]!), 1e-10);
    }
  });

  it('takes a batch: crossEntropy over [4, 5] inputs, every transform against the scalar form', () => {
    const xb = randn([4, 5], 13), targets = [0, 3, 9, 1], q = model.params;
    const fb = (xs: Tensor) => crossEntropy(model.apply(model.params, xs), targets);
    const fs = (xs: Num[]) => {
      const rows = targets.map((c, r) => lossScalar(q.W1!.data, q.b1!.data, q.W2!.data, q.b2!.data, xs.slice(5 * r, 5 * r + 5), c));
      return mul(rows.reduce((s, v) => add(s, v)), 1 / 4);
    };
    checkDerivatives(fb, xb, { label: 'mlp batch (input)', reference: fs, pathTol: 1e-12 });
  });
});

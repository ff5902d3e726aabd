/**
 * The tensor-form workloads (issue 14): f written with tensor ops, x a Tensor
 * or a record of Tensors, against the same hand-written plain-JS loops.
 *   W2 and W3 in tensor form: Σ sin x = sum(sin(x)), and Rosenbrock as
 *     a = x[0:n−1], b = x[1:n], d = b − a², e = 1 − a, sum(100·d² + e²),
 *     on the data and closed forms of chains.ts;
 *   W1 in tensor form: the seed MLP of mlp.ts as a function of its input;
 *   W6: a batch MLP 784 → 128 (tanh) → 10, batch 32, mean cross-entropy, as a
 *     function of its weights W1[128, 784], b1[128], W2[10, 128], b2[10]
 *     (a record). Data: randn(shape, seed) with seeds 1 (W1), 2 (b1), 3 (W2),
 *     4 (b2), 5 (the inputs X[32, 784]), 6 (the direction), weights and
 *     biases scaled by 1/√fan_in; the labels are b mod 10.
 */
import {
  linear, logSoftmax, nllLoss, slice, sub, sum, tanh, tensor, randn,
  type Arg, type Num, type Tensor, type TensorRecord,
} from '../../lib/index.js';
import { mlp } from './mlp.js';
import { rosenbrock, sines } from './chains.js';
import { matVec } from './types.js';

export interface TensorWorkload<X extends Tensor | TensorRecord> {
  /** e.g. 'W3 rosenbrock (tensor)' */
  readonly name: string;
  /** number of inputs (all the record's entries) */
  readonly n: number;
  /** the point, a second point (the at column moves between them), the HVP direction */
  readonly x: X;
  readonly x2: X;
  readonly v: X;
  /** for the elementwise chains: the tensor ops f records (the tape's bytes per element per op) */
  readonly ops?: number;
  /** f written by hand in plain JavaScript over Float64Arrays, at x: the reference cost */
  plain(): number;
  /** the same f with hyperad's tensor ops */
  f(x: Arg<X>): Num;
  /** for the Gauss–Newton diagonal: per-sample residuals whose squares f's loss would sum (a vector-valued F) */
  residuals?(x: Arg<X>): Tensor;
  /** closed forms at x, flattened (a record in its keys' order) */
  grad?(): Float64Array;
  hvp?(): Float64Array;
  hessianDiagonal?(): Float64Array;
  /** what err is measured against, when it is not a closed form */
  readonly errNote?: string;
}

const vec = (a: Float64Array) => tensor(a);
const moved = (a: Float64Array) => a.map((u) => 0.9 * u + 0.01);

/** W2 in tensor form: sum(sin(x)); 2 tensor ops. */
export function tensorSines(n: number): TensorWorkload<Tensor> {
  const w = sines(n);
  return {
    name: 'W2 sines (tensor)', n, x: vec(w.x), x2: vec(moved(w.x)), v: vec(w.v), ops: 2,
    plain: () => w.plain(w.x),
    f: (x) => sum(x.sin()),
    grad: () => w.grad!(w.x),
    hvp: () => w.hvp!(w.x, w.v),
    hessianDiagonal: () => w.hessianDiagonal!(w.x),
  };
}

/** W3 in tensor form; 10 tensor ops (2 slices, 3 mul, 2 sub, 1 scale, 1 add, 1 sum). */
export function tensorRosenbrock(n: number): TensorWorkload<Tensor> {
  const w = rosenbrock(n);
  return {
    name: 'W3 rosenbrock (tensor)', n, x: vec(w.x), x2: vec(moved(w.x)), v: vec(w.v), ops: 10,
    plain: () => w.plain(w.x),
    f(x) {
      const a = slice(x, [[0, n - 1]]), b = slice(x, [[1, n]]);
      const d = b.sub(a.mul(a)), e = sub(1, a);
      return sum(d.mul(d).mul(100).add(e.mul(e)));
    },
    grad: () => w.grad!(w.x),
    hvp: () => w.hvp!(w.x, w.v),
    hessianDiagonal: () => w.hessianDiagonal!(w.x),
  };
}

/** W1 in tensor form: the seed MLP of its input x (a Tensor of 5). */
export function tensorMlpInput(): TensorWorkload<Tensor> {
  const w = mlp();
  const W1 = tensor(w.W1, [100, 5]), b1 = tensor(w.b1), W2 = tensor(w.W2, [10, 100]), b2 = tensor(w.b2);
  return {
    name: 'W1 mlp (tensors)', n: 5, x: vec(w.x), x2: vec(moved(w.x)), v: vec(w.v),
    plain: () => w.plain(w.x),
    f: (x) => nllLoss(logSoftmax(linear(tanh(linear(x, W1, b1)), W2, b2)), 0),
    grad: () => w.grad!(w.x),
    hvp: () => matVec(w.hessian!(w.x), w.v),
  };
}

/** W1 of its 1610 weights (a record W1, b1, W2, b2) at the seed input: issue 15's seed model for the structured diagonal. */
export function tensorMlpWeights(): TensorWorkload<{ W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }> {
  const w = mlp(), X = vec(w.x);
  const record = (g: (a: Float64Array) => Float64Array) =>
    ({ W1: tensor(g(w.W1), [100, 5]), b1: tensor(g(w.b1)), W2: tensor(g(w.W2), [10, 100]), b2: tensor(g(w.b2)) });
  const dir = randn([1610], 7).values();
  let o = 0;
  const v = record((a) => dir.slice(o, (o += a.length)));
  return {
    name: 'W1 mlp weights (tensors)', n: 1610, x: record((a) => a), x2: record(moved), v,
    plain: () => w.plain(w.x), // the same forward pass (its cost does not depend on which values are the inputs)
    f: (p) => nllLoss(logSoftmax(linear(tanh(linear(X, p.W1, p.b1)), p.W2, p.b2)), 0),
  };
}

export const BATCH = 32, BATCH_IN = 784, BATCH_HIDDEN = 128, BATCH_OUT = 10;

type BatchParams = { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor };

/** W6: a batch MLP of its weights (see the top of the file). */
export function batchMlp(): TensorWorkload<BatchParams> {
  const B = BATCH, I = BATCH_IN, H = BATCH_HIDDEN, O = BATCH_OUT;
  const scaled = (shape: number[], seed: number, s: number) => randn(shape, seed).values().map((u) => s * u);
  const raw = {
    W1: scaled([H, I], 1, 1 / Math.sqrt(I)), b1: scaled([H], 2, 1 / Math.sqrt(I)),
    W2: scaled([O, H], 3, 1 / Math.sqrt(H)), b2: scaled([O], 4, 1 / Math.sqrt(H)),
  };
  const shapes = { W1: [H, I], b1: [H], W2: [O, H], b2: [O] };
  const record = (make: (a: Float64Array, k: keyof typeof raw) => Float64Array): BatchParams =>
    ({ W1: tensor(make(raw.W1, 'W1'), shapes.W1), b1: tensor(make(raw.b1, 'b1'), shapes.b1), W2: tensor(make(raw.W2, 'W2'), shapes.W2), b2: tensor(make(raw.b2, 'b2'), shapes.b2) });
  const Xd = randn([B, I], 5).values(), X = tensor(Xd, [B, I]);
  const labels = Array.from({ length: B }, (_, b) => b % O);
  const oneHot = tensor(Float64Array.from({ length: B * O }, (_, e) => (e % O === labels[Math.floor(e / O)] ? 1 : 0)), [B, O]);
  const n = H * I + H + O * H + O;
  const vflat = randn([n], 6).values();
  const offs = { W1: 0, b1: H * I, W2: H * I + H, b2: H * I + H + O * H };
  const v = record((a, k) => vflat.slice(offs[k], offs[k] + a.length));

  // scratch preallocated, so the reference cost is the arithmetic alone
  const t = new Float64Array(B * H), o = new Float64Array(B * O);
  /** the forward pass into t (tanh activations) and o (logits); returns the mean loss */
  function forward(W1: Float64Array, b1: Float64Array, W2: Float64Array, b2: Float64Array): number {
    let loss = 0;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        let a = b1[j]!;
        for (let i = 0; i < I; i++) a += Xd[b * I + i]! * W1[j * I + i]!;
        t[b * H + j] = Math.tanh(a);
      }
      let m = -Infinity;
      for (let k = 0; k < O; k++) {
        let s = b2[k]!;
        for (let j = 0; j < H; j++) s += t[b * H + j]! * W2[k * H + j]!;
        o[b * O + k] = s;
        if (s > m) m = s;
      }
      let z = 0;
      for (let k = 0; k < O; k++) z += Math.exp(o[b * O + k]! - m);
      loss += m + Math.log(z) - o[b * O + labels[b]!]!;
    }
    return loss / B;
  }

  /** backpropagation by hand, flat in the record's key order */
  function gradAt(W1: Float64Array, b1: Float64Array, W2: Float64Array, b2: Float64Array): Float64Array {
    forward(W1, b1, W2, b2);
    const g = new Float64Array(n);
    const dT = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      // ∂loss/∂o = (softmax(o) − onehot(label)) / B
      let m = -Infinity, z = 0;
      for (let k = 0; k < O; k++) m = Math.max(m, o[b * O + k]!);
      for (let k = 0; k < O; k++) z += Math.exp(o[b * O + k]! - m);
      dT.fill(0);
      for (let k = 0; k < O; k++) {
        const dk = (Math.exp(o[b * O + k]! - m) / z - (k === labels[b] ? 1 : 0)) / B;
        g[offs.b2 + k] += dk;
        for (let j = 0; j < H; j++) {
          g[offs.W2 + k * H + j] += dk * t[b * H + j]!;
          dT[j] += dk * W2[k * H + j]!;
        }
      }
      // through tanh: × (1 − t²)
      for (let j = 0; j < H; j++) {
        const tj = t[b * H + j]!, da = dT[j]! * (1 - tj * tj);
        g[offs.b1 + j] += da;
        for (let i = 0; i < I; i++) g[offs.W1 + j * I + i] += da * Xd[b * I + i]!;
      }
    }
    return g;
  }

  return {
    name: 'W6 batch mlp (tensors)', n, x: record((a) => a), x2: record(moved), v,
    plain: () => forward(raw.W1, raw.b1, raw.W2, raw.b2),
    f: (p) => nllLoss(logSoftmax(linear(tanh(linear(X, p.W1, p.b1)), p.W2, p.b2)), labels),
    residuals: (p) => sub(linear(tanh(linear(X, p.W1, p.b1)), p.W2, p.b2), oneHot),
    grad: () => gradAt(raw.W1, raw.b1, raw.W2, raw.b2),
    // the hand-written gradient differenced along v, five-point stencil:
    // Hv ≈ (8(g(x + εv) − g(x − εv)) − (g(x + 2εv) − g(x − 2εv))) / 12ε, error O(ε⁴‖v‖⁴) (‖v‖ ≈ 320)
    hvp() {
      const eps = 1e-5;
      const at = (s: number) => {
        const q = record((a, k) => a.map((u, i) => u + s * eps * vflat[offs[k] + i]!));
        return gradAt(q.W1.values(), q.b1.values(), q.W2.values(), q.b2.values());
      };
      const g1 = at(1), gm1 = at(-1), g2 = at(2), gm2 = at(-2);
      return g1.map((u, i) => (8 * (u - gm1[i]!) - (g2[i]! - gm2[i]!)) / (12 * eps));
    },
    errNote: 'err: grad vs backpropagation by hand, hvp vs its finite differences',
  };
}

/**
 * Every tensor op, in every mode. Each case is an op y = op(x) with its
 * reference written with scalar ops on x flattened (indices computed here,
 * independently of lib/tensor/shape.ts), composed with a fixed head
 *   h(y) = Σ W ⊙ sin(y) + ½ (Σ V ⊙ y)²
 * (W, V seeded), so that f = h ∘ op has a dense Hessian in which the op's
 * first and second derivatives both appear: ∇²f = Jᵀ(diag(−W sin y) + VVᵀ)J
 * + Σ (W cos y + V·(Σ V y))ₖ ∇²yₖ. checkDerivatives compares every
 * transform with each other, with the scalar form, and each second-order
 * path (Hessian, both diagonals, hvp, directional, hyperdual) with finite
 * differences of the gradient, so a wrong tangent, second, hyper or
 * reverseTangent sweep of any block family fails here.
 */
import { expect } from 'chai';
import * as hy from '../lib/index.js';
import {
  Tensor, add, arange, concat, cos, crossEntropy, div, dot, exp, grad, hessian, hessianDiagonal, hvp, directional, hyperdual,
  linear, log, logSoftmax, logsumexp, matmul, mseLoss, mul, mulberry32, nllLoss, outer, pow, prepare, reshape, sigmoid, sin,
  slice, softmax, stack, sub, sum, take, tanh, tensor, transpose, where, type Num, type UnaryFn, type BinaryFn, type TensorRecord,
} from '../lib/index.js';
import { BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules, type Interval } from '../lib/rules/index.js';
import { checkDerivatives } from './support/check.js';
import { expectErr, normErr } from './support/agreement.js';
import { flat, oneHot, rowsFlat, shapedLike, uniformArray, uniformTensor, type TensorPoint } from './support/points.js';
import { opCases, seedOf, type OpCase as Case } from './support/op-cases.js';


// ---------------------------------------------------------------- shapes, by hand

const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
/** Row-major multi-index of flat index f. */
function unravel(shape: readonly number[], f: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = f % shape[d]!; f = Math.floor(f / shape[d]!); }
  return idx;
}
/** Flat index of a multi-index. */
const ravel = (shape: readonly number[], idx: readonly number[]) => idx.reduce((s, i, d) => s * shape[d]! + i, 0);
/** For each entry of `out`, the flat index of `src` broadcast to it (NumPy: align right, 1 stretches). */
function bcast(out: readonly number[], src: readonly number[]): number[] {
  const off = out.length - src.length;
  return Array.from({ length: sizeOf(out) }, (_, f) => {
    const i = unravel(out, f);
    return ravel(src, src.map((d, k) => (d === 1 ? 0 : i[k + off]!)));
  });
}
/** Flat indices of each slice along `axis` (all axes: one slice), in the order of the reduced output. */
function slices(shape: readonly number[], axis?: number): number[][] {
  if (axis === undefined) return [Array.from({ length: sizeOf(shape) }, (_, i) => i)];
  const ax = axis < 0 ? axis + shape.length : axis, out = shape.filter((_, d) => d !== ax);
  return Array.from({ length: sizeOf(out) }, (_, o) => {
    const i = unravel(out, o);
    return Array.from({ length: shape[ax]! }, (_, k) => ravel(shape, [...i.slice(0, ax), k, ...i.slice(ax)]));
  });
}
const addAll = (xs: readonly Num[]): Num => xs.reduce<Num>((s, x, i) => (i === 0 ? x : add(s, x)), 0);
/** Matrix product on flat scalar arrays; vectors as in matmul (left: row, right: column). */
function mm(a: readonly Num[], as: readonly number[], b: readonly Num[], bs: readonly number[]): Num[] {
  const [m, q] = as.length === 1 ? [1, as[0]!] : [as[0]!, as[1]!];
  const n = bs.length === 1 ? 1 : bs[1]!;
  const out: Num[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out.push(addAll(Array.from({ length: q }, (_, p) => mul(a[i * q + p]!, b[p * n + j]!))));
  return out;
}
/** Entries of x permuted: out[idx] = x[idx permuted by perm]. */
function permute(xs: readonly Num[], shape: readonly number[], perm: readonly number[]): Num[] {
  const out = perm.map((p) => shape[p]!);
  return Array.from({ length: sizeOf(out) }, (_, f) => {
    const i = unravel(out, f), src = new Array<number>(shape.length);
    perm.forEach((p, d) => { src[p] = i[d]!; });
    return xs[ravel(shape, src)]!;
  });
}
const lse = (xs: readonly Num[]): Num => log(addAll(xs.map((x) => exp(x))));

// ---------------------------------------------------------------- points and the head

/** A tensor with entries inside the domain intervals (10% of the width away from each end), and the smallest room to an end. */
function sample(seed: number, shape: readonly number[], domain: readonly Interval[]): { t: Tensor; room: number } {
  const u = mulberry32(seed), n = sizeOf(shape), v = new Float64Array(n);
  let room = Infinity;
  for (let i = 0; i < n; i++) {
    const [lo, hi] = domain[Math.floor(u() * domain.length)]!;
    v[i] = lo + (hi - lo) * (0.1 + 0.8 * u());
    room = Math.min(room, v[i]! - lo, hi - v[i]!);
  }
  return { t: tensor(v, shape), room };
}
const step = (room: number) => Math.min(0.05, room / 2);

const cases = (title: string, list: Case[]) => opCases(title, list, { valueTol: 1e-13, fdStep: 0.05 });

// ---------------------------------------------------------------- elementwise unary (from the rule table)

const unaryFns = hy as unknown as Record<string, UnaryFn>;
const unaryCases: Case[] = [];
for (const name of UNARY_NAMES) {
  const rule = unaryRules[name];
  const { t, room } = sample(seedOf(name), [2, 3], rule.domain);
  if (name === 'powc') {
    for (const p of rule.params ?? []) {
      unaryCases.push({ name: `pow(x, ${p}) on [2, 3]`, x: t, op: (x: Tensor) => pow(x, p), ref: (xs) => xs.map((v) => pow(v, p)), shape: [2, 3], fdStep: step(room) });
    }
    continue;
  }
  const fn = unaryFns[name]!;
  expect(fn, `lib exports ${name}`).to.be.a('function');
  unaryCases.push({ name: `${name} on [2, 3]`, x: t, op: (x: Tensor) => fn(x), ref: (xs) => xs.map((v) => fn(v)), shape: [2, 3], fdStep: step(room) });
}
cases('tensor ops: elementwise unary, every rule of the table', unaryCases);

// ---------------------------------------------------------------- elementwise binary with broadcasting

const binaryFns = hy as unknown as Record<string, BinaryFn>;
const binaryCases: Case[] = [];
for (const name of BINARY_NAMES) {
  const fn = binaryFns[name]!, [da, db] = binaryRules[name].domain, s = seedOf(name);
  const pair = (as: number[], bs: number[], out: number[]): Case => {
    const a = sample(s + as.length, as, [da]), b = sample(s + 50 + bs.length, bs, [db]);
    const na = sizeOf(as), ia = bcast(out, as), ib = bcast(out, bs);
    return {
      name: `${name}(a ${JSON.stringify(as)}, b ${JSON.stringify(bs)}) → ${JSON.stringify(out)}`,
      x: { a: a.t, b: b.t },
      op: (x: TensorRecord) => fn(x.a!, x.b!),
      ref: (xs) => ia.map((i, j) => fn(xs[i]!, xs[na + ib[j]!]!)),
      shape: out, fdStep: step(Math.min(a.room, b.room)),
    };
  };
  binaryCases.push(pair([3, 1], [1, 4], [3, 4]), pair([4], [3, 4], [3, 4]), pair([2, 1, 3], [4, 1], [2, 4, 3]), pair([3, 4], [], [3, 4]));
  // a number with a tensor, both sides
  const cb = sample(s + 7, [2, 3], [db]), ca = (da[0] + da[1]) / 2 + 0.1;
  binaryCases.push({ name: `${name}(number, tensor)`, x: cb.t, op: (x: Tensor) => fn(ca, x), ref: (xs) => xs.map((v) => fn(ca, v)), shape: [2, 3], fdStep: step(cb.room) });
  const ta = sample(s + 8, [2, 3], [da]), cbn = (db[0] + db[1]) / 2 + 0.1;
  binaryCases.push({ name: `${name}(tensor, number)`, x: ta.t, op: (x: Tensor) => fn(x, cbn), ref: (xs) => xs.map((v) => fn(v, cbn)), shape: [2, 3], fdStep: step(ta.room) });
  // a tape scalar (t.index(0)) with a traced tensor, both sides
  const mixed = (first: Interval, rest: Interval, seed: number) => {
    const h = sample(seed, [1], [first]), r = sample(seed + 1, [4], [rest]);
    return { t: tensor([...h.t.data, ...r.t.data]), room: Math.min(h.room, r.room) };
  };
  const m1 = mixed(da, db, s + 9);
  binaryCases.push({
    name: `${name}(x.index(0), x[1:5])`, x: m1.t, op: (x: Tensor) => fn(x.index(0), slice(x, [[1, 5]])),
    ref: (xs) => xs.slice(1).map((v) => fn(xs[0]!, v)), shape: [4], fdStep: step(m1.room),
  });
  const m2 = mixed(db, da, s + 11);
  binaryCases.push({
    name: `${name}(x[1:5], x.index(0))`, x: m2.t, op: (x: Tensor) => fn(slice(x, [[1, 5]]), x.index(0)),
    ref: (xs) => xs.slice(1).map((v) => fn(v, xs[0]!)), shape: [4], fdStep: step(m2.room),
  });
}
cases('tensor ops: elementwise binary with broadcasting', binaryCases);

// ---------------------------------------------------------------- matmul and friends

const mat = (seed: number, shape: number[]) => uniformTensor(seed, shape);
const C34 = mat(901, [3, 4]), C42 = mat(902, [4, 2]);
const pairOf = (as: number[], bs: number[], seed: number) => ({ a: mat(seed, as), b: mat(seed + 1, bs) });
const mmCase = (as: number[], bs: number[], out: number[], seed: number): Case => ({
  name: `matmul(${JSON.stringify(as)}, ${JSON.stringify(bs)}) → ${JSON.stringify(out)}`,
  x: pairOf(as, bs, seed), op: (x: TensorRecord) => matmul(x.a!, x.b!),
  ref: (xs) => mm(xs.slice(0, sizeOf(as)), as, xs.slice(sizeOf(as)), bs), shape: out,
});
cases('tensor ops: matmul, transpose, reshape, dot, outer', [
  mmCase([3, 4], [4, 2], [3, 2], 11),
  mmCase([4], [4, 2], [2], 12),
  mmCase([3, 4], [4], [3], 13),
  mmCase([4], [4], [], 14),
  { name: 'matmul(constant, x)', x: mat(15, [4, 2]), op: (x: Tensor) => matmul(C34, x), ref: (xs) => mm(Array.from(C34.data), [3, 4], xs, [4, 2]), shape: [3, 2] },
  { name: 'matmul(x, constant)', x: mat(16, [3, 4]), op: (x: Tensor) => matmul(x, C42), ref: (xs) => mm(xs, [3, 4], Array.from(C42.data), [4, 2]), shape: [3, 2] },
  { name: 'matmul(x, x) (square, one operand twice)', x: mat(17, [3, 3]), op: (x: Tensor) => matmul(x, x), ref: (xs) => mm(xs, [3, 3], xs, [3, 3]), shape: [3, 3] },
  {
    name: 'matmul(transpose(a), b)', x: pairOf([4, 3], [4, 2], 18), op: (x: TensorRecord) => matmul(transpose(x.a!), x.b!),
    ref: (xs) => mm(permute(xs.slice(0, 12), [4, 3], [1, 0]), [3, 4], xs.slice(12), [4, 2]), shape: [3, 2],
  },
  {
    name: 'matmul(a, transpose(a)) (a Gram matrix)', x: mat(19, [3, 4]), op: (x: Tensor) => x.matmul(x.transpose()),
    ref: (xs) => mm(xs, [3, 4], permute(xs, [3, 4], [1, 0]), [4, 3]), shape: [3, 3],
  },
  { name: 'transpose [3, 4]', x: mat(20, [3, 4]), op: (x: Tensor) => transpose(x), ref: (xs) => permute(xs, [3, 4], [1, 0]), shape: [4, 3] },
  { name: 'transpose [2, 3, 2] perm [1, 2, 0]', x: mat(21, [2, 3, 2]), op: (x: Tensor) => transpose(x, [1, 2, 0]), ref: (xs) => permute(xs, [2, 3, 2], [1, 2, 0]), shape: [3, 2, 2] },
  { name: 'transpose [2, 3, 2] perm [2, 0, 1]', x: mat(22, [2, 3, 2]), op: (x: Tensor) => x.transpose([2, 0, 1]), ref: (xs) => permute(xs, [2, 3, 2], [2, 0, 1]), shape: [2, 2, 3] },
  { name: 'reshape [3, 4] → [2, 6]', x: mat(23, [3, 4]), op: (x: Tensor) => reshape(x, [2, 6]), ref: (xs) => xs, shape: [2, 6] },
  {
    name: 'reshape [3, 4] → [-1, 3], then sum over axis 1', x: mat(24, [3, 4]), op: (x: Tensor) => sum(reshape(x, [-1, 3]), 1),
    ref: (xs) => [0, 1, 2, 3].map((r) => addAll(xs.slice(3 * r, 3 * r + 3))), shape: [4],
  },
  { name: 'dot(a, b)', x: pairOf([4], [4], 25), op: (x: TensorRecord) => dot(x.a!, x.b!), ref: (xs) => [addAll([0, 1, 2, 3].map((i) => mul(xs[i]!, xs[4 + i]!)))], shape: [] },
  { name: 'dot(x, x)', x: mat(26, [5]), op: (x: Tensor) => x.dot(x), ref: (xs) => [addAll(xs.map((v) => mul(v, v)))], shape: [] },
  {
    name: 'outer(a, b)', x: pairOf([3], [4], 27), op: (x: TensorRecord) => outer(x.a!, x.b!),
    ref: (xs) => Array.from({ length: 12 }, (_, f) => mul(xs[Math.floor(f / 4)]!, xs[3 + (f % 4)]!)), shape: [3, 4],
  },
  { name: 'outer(x, x)', x: mat(28, [3]), op: (x: Tensor) => x.outer(x), ref: (xs) => Array.from({ length: 9 }, (_, f) => mul(xs[Math.floor(f / 3)]!, xs[f % 3]!)), shape: [3, 3] },
]);

// ---------------------------------------------------------------- reductions and softmax

const X34 = mat(31, [3, 4]), X232 = mat(32, [2, 3, 2]);
const reduceCases: Case[] = [];
for (const [x, axes] of [[X34, [undefined, 0, 1, -1]], [X232, [undefined, 1]]] as const) {
  for (const axis of axes) {
    const sl = slices(x.shape, axis), out = axis === undefined ? [] : x.shape.filter((_, d) => d !== (axis < 0 ? axis + x.shape.length : axis));
    const tag = `${JSON.stringify(x.shape)}${axis === undefined ? '' : `, axis ${axis}`}`;
    reduceCases.push(
      { name: `sum(${tag})`, x, op: (t: Tensor) => sum(t, axis), ref: (xs) => sl.map((s) => addAll(s.map((i) => xs[i]!))), shape: out },
      { name: `mean(${tag})`, x, op: (t: Tensor) => t.mean(axis), ref: (xs) => sl.map((s) => div(addAll(s.map((i) => xs[i]!)), s.length)), shape: out },
      { name: `logsumexp(${tag})`, x, op: (t: Tensor) => logsumexp(t, axis), ref: (xs) => sl.map((s) => lse(s.map((i) => xs[i]!))), shape: out },
    );
    if (axis === undefined) continue;
    const softRef = (xs: Num[], logForm: boolean) => {
      const y = new Array<Num>(xs.length);
      for (const s of sl) {
        const l = lse(s.map((i) => xs[i]!));
        for (const i of s) y[i] = logForm ? sub(xs[i]!, l) : exp(sub(xs[i]!, l));
      }
      return y;
    };
    reduceCases.push(
      { name: `softmax(${tag})`, x, op: (t: Tensor) => softmax(t, axis), ref: (xs) => softRef(xs, false), shape: x.shape },
      { name: `logSoftmax(${tag})`, x, op: (t: Tensor) => logSoftmax(t, axis), ref: (xs) => softRef(xs, true), shape: x.shape },
    );
  }
}
reduceCases.push(
  { name: 'softmax([3, 4]) (default axis: the last)', x: X34, op: (t: Tensor) => t.softmax(), ref: (xs) => slices([3, 4], 1).flatMap((s) => s.map((i) => exp(sub(xs[i]!, lse(s.map((k) => xs[k]!)))))), shape: [3, 4] },
  { name: 'logSoftmax([5]) (a vector)', x: mat(33, [5]), op: (t: Tensor) => t.logSoftmax(), ref: (xs) => xs.map((v) => sub(v, lse(xs))), shape: [5] },
);
cases('tensor ops: sum, mean, logsumexp, softmax, logSoftmax over each axis', reduceCases);

// ---------------------------------------------------------------- joining and picking

const X45 = mat(41, [4, 5]), X234 = mat(42, [2, 3, 4]);
/** slice reference: the flat indices a spec picks, in output order */
function sliceIdx(shape: readonly number[], spec: readonly ([number, number] | number | null)[]): number[] {
  const ranges = shape.map((size, d) => {
    const s = spec[d] ?? null, norm = (i: number) => (i < 0 ? i + size : i);
    if (s === null) return Array.from({ length: size }, (_, i) => i);
    if (typeof s === 'number') return [norm(s)];
    return Array.from({ length: norm(s[1]) - norm(s[0]) }, (_, i) => norm(s[0]) + i);
  });
  const out: number[] = [];
  const walk = (d: number, idx: number[]) => { if (d === shape.length) out.push(ravel(shape, idx)); else for (const i of ranges[d]!) walk(d + 1, [...idx, i]); };
  walk(0, []);
  return out;
}
const sliceCase = (x: Tensor, spec: ([number, number] | number | null)[], shape: number[]): Case => {
  const idx = sliceIdx(x.shape, spec);
  return { name: `slice(${JSON.stringify(x.shape)}, ${JSON.stringify(spec)})`, x, op: (t: Tensor) => slice(t, spec), ref: (xs) => idx.map((i) => xs[i]!), shape };
};
const takeCase = (x: Tensor, indices: number[], axis: number, shape: number[]): Case => {
  const idx = Array.from({ length: sizeOf(shape) }, (_, f) => { const i = unravel(shape, f); i[axis] = indices[i[axis]!]!; return ravel(x.shape, i); });
  return { name: `take(${JSON.stringify(x.shape)}, ${JSON.stringify(indices)}, axis ${axis})`, x, op: (t: Tensor) => take(t, indices, axis), ref: (xs) => idx.map((i) => xs[i]!), shape };
};
const C23 = mat(43, [2, 3]);
const cond34 = Float64Array.from(uniformArray(44, 12), (u) => (u > 0 ? 1 : 0));
const mask4 = [true, false, false, true];
cases('tensor ops: concat, stack, slice, take, where', [
  {
    name: 'concat([a [2, 3], b [1, 3]], 0)', x: pairOf([2, 3], [1, 3], 45), op: (x: TensorRecord) => concat([x.a!, x.b!], 0),
    ref: (xs) => xs, shape: [3, 3],
  },
  {
    name: 'concat([a [2, 3], b [2, 2]], 1)', x: pairOf([2, 3], [2, 2], 46), op: (x: TensorRecord) => x.a!.concat([x.b!], 1),
    ref: (xs) => [...xs.slice(0, 3), ...xs.slice(6, 8), ...xs.slice(3, 6), ...xs.slice(8, 10)], shape: [2, 5],
  },
  {
    name: 'concat([x, constant, x], -1)', x: mat(47, [2, 3]), op: (x: Tensor) => concat([x, C23, x], -1),
    ref: (xs) => [0, 1].flatMap((r) => [...xs.slice(3 * r, 3 * r + 3), ...Array.from(C23.data.slice(3 * r, 3 * r + 3)), ...xs.slice(3 * r, 3 * r + 3)]), shape: [2, 9],
  },
  {
    name: 'stack of tape scalars, a number and a computed scalar', x: mat(48, [4]),
    op: (x: Tensor) => stack([x.index(2), mul(x.index(0), x.index(1)), 3, sin(x.index(3)), x.index(2)]),
    ref: (xs) => [xs[2]!, mul(xs[0]!, xs[1]!), 3, sin(xs[3]!), xs[2]!], shape: [5],
  },
  {
    name: 'stack of one-element tensors (sum(x), x[1])', x: mat(49, [4]), op: (x: Tensor) => stack([sum(x), x.slice([[1, 2]]), x.index(3)]),
    ref: (xs) => [addAll(xs), xs[1]!, xs[3]!], shape: [3],
  },
  sliceCase(X45, [[1, 3], 2], [2]),
  sliceCase(X45, [null, [1, 4]], [4, 3]),
  sliceCase(X45, [-1], [5]),
  sliceCase(X45, [[-3, -1], [0, 5]], [2, 5]),
  sliceCase(X45, [2, 3], []),
  sliceCase(X45, [[1, 4]], [3, 5]),
  sliceCase(X234, [1, null, [1, 3]], [3, 2]),
  sliceCase(X234, [[0, 2], 2, -1], [2]),
  takeCase(mat(50, [3, 4]), [2, 0, 2], 1, [3, 3]),
  takeCase(mat(51, [3, 4]), [1], 0, [1, 4]),
  takeCase(mat(52, [3, 4]), [2, 1, 0, 1], 0, [4, 4]),
  {
    name: 'where(cond [3, 4], x, x²)', x: mat(53, [3, 4]), op: (x: Tensor) => where(tensor(cond34, [3, 4]), x, mul(x, x)),
    ref: (xs) => xs.map((v, i) => (cond34[i] ? v : mul(v, v))), shape: [3, 4],
  },
  {
    name: 'where(mask [4], a [3, 4], b [3, 1]) (broadcast)', x: pairOf([3, 4], [3, 1], 54), op: (x: TensorRecord) => where(mask4, x.a!, x.b!),
    ref: (xs) => Array.from({ length: 12 }, (_, f) => (mask4[f % 4] ? xs[f]! : xs[12 + Math.floor(f / 4)]!)), shape: [3, 4],
  },
  {
    name: 'where(cond, x, 0.5)', x: mat(55, [3, 4]), op: (x: Tensor) => where(tensor(cond34, [3, 4]), x, 0.5),
    ref: (xs) => xs.map((v, i) => (cond34[i] ? v : 0.5)), shape: [3, 4],
  },
]);

// ---------------------------------------------------------------- layers and losses

const W23 = mat(61, [2, 3]), b2 = mat(62, [2]);
cases('tensor ops: losses and layers', [
  {
    name: 'nllLoss(logSoftmax(x [3, 4]), [1, 0, 3])', x: mat(63, [3, 4]), op: (x: Tensor) => nllLoss(logSoftmax(x), [1, 0, 3]),
    ref: (xs) => [div(addAll([1, 0, 3].map((c, r) => sub(lse(xs.slice(4 * r, 4 * r + 4)), xs[4 * r + c]!))), 3)], shape: [],
  },
  { name: 'crossEntropy(x [4], 2)', x: mat(64, [4]), op: (x: Tensor) => crossEntropy(x, 2), ref: (xs) => [sub(lse(xs), xs[2]!)], shape: [] },
  {
    name: 'mseLoss(x, constant)', x: mat(65, [2, 3]), op: (x: Tensor) => mseLoss(x, C23),
    ref: (xs) => [div(addAll(xs.map((v, i) => pow(sub(v, C23.data[i]!), 2))), 6)], shape: [],
  },
  {
    name: 'linear(x [3], W [2, 3], b [2]) all traced', x: { x: mat(66, [3]), W: mat(67, [2, 3]), b: mat(68, [2]) },
    op: (p: TensorRecord) => linear(p.x!, p.W!, p.b!),
    ref: (xs) => [0, 1].map((o) => add(addAll([0, 1, 2].map((i) => mul(xs[3 + 3 * o + i]!, xs[i]!))), xs[9 + o]!)), shape: [2],
  },
  {
    name: 'linear(x [4, 3] batch, W, b constants)', x: mat(69, [4, 3]), op: (x: Tensor) => linear(x, W23, b2),
    ref: (xs) => Array.from({ length: 8 }, (_, f) => {
      const r = Math.floor(f / 2), o = f % 2;
      return add(addAll([0, 1, 2].map((i) => mul(W23.data[3 * o + i]!, xs[3 * r + i]!))), b2.data[o]!);
    }), shape: [4, 2],
  },
]);

// ---------------------------------------------------------------- what peer libraries get wrong

/** Rows of a closed-form Hessian against every tensor path. */
function expectHessian(label: string, f: (x: Tensor) => Num, x: Tensor, Hc: Float64Array[], tol = 1e-12): void {
  const n = x.size, rand = mulberry32(5), a = Float64Array.from({ length: n }, () => 2 * rand() - 1), b = a.map((v, i) => v * (i % 2 ? -1 : 1) + 0.3);
  const Hcf = rowsFlat(Hc), diag = Float64Array.from(Hc, (r, i) => r[i]!);
  const errs: Record<string, number> = {
    hessian: normErr(rowsFlat(hessian(f, x)), Hcf),
    'hessianDiagonal(hyperdual)': normErr(hessianDiagonal(f, x, { method: 'hyperdual' }).data, diag),
    'hessianDiagonal(hvp)': normErr(hessianDiagonal(f, x, { method: 'hvp' }).data, diag),
    hvp: normErr(hvp(f, x, tensor(a, x.shape)).data, Float64Array.from(Hc, (r) => r.reduce((s, h, j) => s + h * a[j]!, 0))),
  };
  const aHa = Hc.reduce((s, r, i) => s + r.reduce((t, h, j) => t + a[i]! * h * a[j]!, 0), 0);
  const aHb = Hc.reduce((s, r, i) => s + r.reduce((t, h, j) => t + a[i]! * h * b[j]!, 0), 0);
  errs.directional = Math.abs(directional(f, x, tensor(a, x.shape)).second - aHa) / Math.max(1e-6, Math.abs(aHa));
  errs.hyperdual = Math.abs(hyperdual(f, x, tensor(a, x.shape), tensor(b, x.shape)).dab - aHb) / Math.max(1e-6, Math.abs(aHb));
  for (const [k, e] of Object.entries(errs)) expectErr('path', `${label}: ${k} vs closed form`, e, tol);
}

describe('tensor ops: second derivatives peer libraries get wrong', () => {
  const x = mat(71, [5]).mul(2);
  const p = (() => { const e = x.data.map(Math.exp), z = e.reduce((s, v) => s + v, 0); return e.map((v) => v / z); })();
  for (let k = 0; k < 5; k += 2) {
    it(`∇² logSoftmax(x)[${k}] = −(diag(p) − ppᵀ), every path`, () => {
      const Hc = Array.from({ length: 5 }, (_, i) => Float64Array.from({ length: 5 }, (_, j) => -((i === j ? p[i]! : 0) - p[i]! * p[j]!)));
      expectHessian(`logSoftmax[${k}]`, (t) => logSoftmax(t).index(k), x, Hc);
      // and nllLoss's route to it: −logSoftmax[k]
      expectHessian(`nllLoss(logSoftmax, ${k})`, (t) => nllLoss(logSoftmax(t), k), x, Hc.map((r) => r.map((v) => -v)));
    });
  }
  it('∇² logSoftmax(X, 0)[1, 2] of a matrix is −(diag(p) − ppᵀ) on column 2 and zero elsewhere', () => {
    const X = mat(72, [3, 4]), col = [2, 6, 10].map((i) => X.data[i]!), e = col.map(Math.exp), z = e.reduce((s, v) => s + v, 0), q = e.map((v) => v / z);
    const Hc = Array.from({ length: 12 }, () => new Float64Array(12));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) Hc[4 * i + 2]![4 * j + 2] = -((i === j ? q[i]! : 0) - q[i]! * q[j]!);
    expectHessian('logSoftmax(X, 0)[1, 2]', (t) => logSoftmax(t, 0).index(1, 2), X, Hc);
  });
  it('the gradient of logSoftmax(x)[k] is eₖ − p', () => {
    const g = grad((t: Tensor) => logSoftmax(t).index(1), x).data;
    expect(normErr(g, p.map((v, i) => (i === 1 ? 1 : 0) - v))).to.be.at.most(1e-14);
  });

  const second: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
    ['tanh', (t) => tanh(t), (v) => { const s = Math.tanh(v); return -2 * s * (1 - s * s); }],
    ['exp', (t) => exp(t), Math.exp],
    ['sigmoid', (t) => sigmoid(t), (v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s) * (1 - 2 * s); }],
  ];
  for (const [name, g, g2] of second) {
    it(`${name} on a tensor: ∇² Σ ${name}(x) = diag(${name}″(x)), every path`, () => {
      const x6 = mat(73, [6]).mul(1.5);
      expectHessian(`Σ ${name}(x)`, (t) => sum(g(t)), x6, Array.from({ length: 6 }, (_, i) => Float64Array.from({ length: 6 }, (_, j) => (i === j ? g2(x6.data[i]!) : 0))));
    });
    it(`${name} behind a matmul: ∇² Σ ${name}(Mx) = Mᵀ diag(${name}″(Mx)) M, every path`, () => {
      const M = mat(74, [4, 3]), x3 = mat(75, [3]), z = matmul(M, x3).data, m = M.data;
      const Hc = Array.from({ length: 3 }, (_, i) => Float64Array.from({ length: 3 }, (_, j) => [0, 1, 2, 3].reduce((s, k) => s + m[3 * k + i]! * g2(z[k]!) * m[3 * k + j]!, 0)));
      expectHessian(`Σ ${name}(Mx)`, (t) => sum(g(matmul(M, t))), x3, Hc);
    });
  }
});

describe('tensor ops: the derivative of slice scatters back', () => {
  const X = mat(81, [4, 5]), W = mat(82, [2, 3]);
  const spec = [[1, 3], [2, 5]] as const, picked = [[1, 2], [1, 3], [1, 4], [2, 2], [2, 3], [2, 4]];
  // f = Σ W ⊙ slice(X)²: ∂f/∂X[r, c] = 2 W[r−1, c−2] X[r, c] on the slice, 0 elsewhere; the diagonal 2W there
  const expected = (x: Float64Array, what: 'grad' | 'diag') => {
    const g = new Float64Array(20);
    picked.forEach(([r, c], k) => { g[5 * r! + c!] = 2 * W.data[k]! * (what === 'grad' ? x[5 * r! + c!]! : 1); });
    return g;
  };
  const f = (t: Tensor) => sum(mul(W, pow(slice(t, spec), 2)));
  it('grad and both diagonals land on the sliced entries, zeros elsewhere', () => {
    expect(Array.from(grad(f, X).data)).to.deep.equal(Array.from(expected(X.data, 'grad')));
    expect(Array.from(hessianDiagonal(f, X).data)).to.deep.equal(Array.from(expected(X.data, 'diag')));
    expect(Array.from(hessianDiagonal(f, X, { method: 'hvp' }).data)).to.deep.equal(Array.from(expected(X.data, 'diag')));
  });
  it('and so after prepare(...).at(x2), at the new point', () => {
    const X2 = mat(83, [4, 5]).mul(3), P = prepare(f, X);
    expect(Array.from(P.grad().data)).to.deep.equal(Array.from(expected(X.data, 'grad')));
    P.at(X2);
    expect(P.rerecords).to.equal(0);
    expect(Array.from(P.grad().data)).to.deep.equal(Array.from(expected(X2.data, 'grad')));
    expect(Array.from(P.hessianDiagonal({ method: 'hvp' }).data)).to.deep.equal(Array.from(expected(X2.data, 'diag')));
    const col = P.hvp(tensor(oneHot(20, 8), [4, 5])).data; // e at X[1, 3]: picked entry 1
    expect(Array.from(col)).to.deep.equal(Array.from(oneHot(20, 8).map((v) => v * 2 * W.data[1]!)));
  });
  it('picked indices and a repeated take accumulate their adjoints', () => {
    // x[2] taken twice and picked once: ∂/∂x₂ of (x₂ + x₂ + x₂)·x₀ = 3x₀
    const x = mat(84, [4]);
    const g = (t: Tensor) => mul(add(sum(take(t, [2, 2])), slice(t, [2])), t.index(0));
    const d = grad(g, x).data, v = x.data;
    expect(normErr(d, [3 * v[2]!, 0, 3 * v[0]!, 0])).to.be.at.most(1e-15);
    const H = hessian(g, x);
    expect(H[0]![2]).to.equal(3);
    expect(H[2]![0]).to.equal(3);
    expect(rowsFlat(H).reduce((s, h) => s + Math.abs(h), 0)).to.equal(6);
  });
  it('take with typed-array indices (Int32Array, Uint32Array, Float64Array of integers) is take with the plain array', () => {
    const x = mat(87, [4, 3]), idx = [3, 0, 3, 1];
    const g = (ix: hy.Indices, axis: number) => (t: Tensor) => sum(sin(mul(take(t, ix, axis), 1.5)));
    for (const axis of [0, 1]) {
      const plain = axis ? idx.map((i) => i % 3) : idx;
      const want = { g: grad(g(plain, axis), x).data, H: rowsFlat(hessian(g(plain, axis), x)) };
      for (const typed of [Int32Array.from(plain), Uint32Array.from(plain), Float64Array.from(plain)]) {
        expect(Array.from(grad(g(typed, axis), x).data), `${typed.constructor.name}, axis ${axis}`).to.deep.equal(Array.from(want.g));
        expect(Array.from(rowsFlat(hessian(g(typed, axis), x))), `${typed.constructor.name}, axis ${axis}`).to.deep.equal(Array.from(want.H));
      }
    }
    expect(Array.from(x.take(Int32Array.of(3, 0), 0).data), 'the method form').to.deep.equal(Array.from(take(x, [3, 0], 0).data));
  });
  it('a slice of a slice, and a slice feeding a matmul', () => {
    const x = mat(85, [4, 5]), M = mat(86, [3, 2]);
    const g = (t: Tensor) => sum(sin(matmul(slice(slice(t, [[1, 4]]), [null, [2, 4]]), transpose(M))));
    checkDerivatives(g, x, {
      label: 'slice(slice(x)) · Mᵀ',
      reference: (xs) => {
        const s = [1, 2, 3].flatMap((r) => [xs[5 * r + 2]!, xs[5 * r + 3]!]);
        return addAll(mm(s, [3, 2], permute(Array.from(M.data), [3, 2], [1, 0]), [2, 3]).map((v) => sin(v)));
      },
    });
  });
});

describe('tensor ops: shaped results', () => {
  it('a record direction with an entry of the wrong shape names that entry on both sides', () => {
    const rec = { a: tensor([1, 2]), b: tensor([[3, 4, 5]]) }, g = (p: TensorRecord) => mul(sum(p.a!), sum(p.b!));
    const bad = { a: tensor([1, 2]), b: tensor([3, 4, 5]) };
    expect(() => hvp(g, rec, bad)).to.throw(RangeError, /^hvp: v\.b has shape \[3\], x\.b has shape \[1, 3\]/);
    expect(() => hessianDiagonal(g, rec) && directional(g, rec, bad)).to.throw(RangeError, /^directional: a\.b has shape \[3\], x\.b has shape \[1, 3\]/);
  });
  it('reshape with −1 that cannot divide the size names both shapes', () => {
    expect(() => reshape(arange(12) as Tensor, [-1, 5])).to.throw(RangeError, /^hyperad: reshape: cannot reshape \[12\] \(12 values\) to \[-1, 5\]/);
    expect(reshape(arange(12) as Tensor, [-1, 4]).shape).to.deep.equal([3, 4]);
  });
  it('f that does not depend on x: zero derivatives of x\'s shape', () => {
    const x = mat(94, [2, 2]), c = (_t: Tensor) => sum(C23);
    expect(Array.from(grad(c, x).data)).to.deep.equal([0, 0, 0, 0]);
    expect(rowsFlat(hessian(c, x)).every((h) => h === 0)).to.equal(true);
    expect(Array.from(hessianDiagonal(c, x).data)).to.deep.equal([0, 0, 0, 0]);
    expect(directional(c, x, x).second).to.equal(0);
  });
  it('grad, hvp and hessianDiagonal of a Tensor point are Tensors of its shape; of a record, records', () => {
    const x = mat(91, [2, 3]), f = (t: Tensor) => sum(sin(t));
    for (const r of [grad(f, x), hvp(f, x, x), hessianDiagonal(f, x)]) {
      expect(r).to.be.instanceOf(Tensor);
      expect(r.shape).to.deep.equal([2, 3]);
    }
    const rec = { a: mat(92, [2]), b: mat(93, [3, 1]) }, g = (p: TensorRecord) => mul(sum(p.a!), sum(cos(p.b!)));
    for (const r of [grad(g, rec), hvp(g, rec, rec), hessianDiagonal(g, rec)]) {
      expect(Object.keys(r)).to.deep.equal(['a', 'b']);
      expect(r.a!.shape).to.deep.equal([2]);
      expect(r.b!.shape).to.deep.equal([3, 1]);
    }
    expect(hessian(g, rec).length).to.equal(5);
    const flatHvp = flat(hvp(g, rec, shapedLike(rec, [1, 0, 0, 0, 0])) as TensorPoint);
    expect(normErr(flatHvp, hessian(g, rec).map((r) => r[0]!))).to.equal(0);
  });
});

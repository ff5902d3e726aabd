/**
 * Interpreters for the fuzzer's programs (spec/support/programs.ts). One
 * program runs four ways:
 *  - on plain numbers through a Monitor, which also records which side of
 *    every kink (abs, relu, max, min, f's own branch) each evaluation took and
 *    whether any argument left its op's domain: the finite-difference
 *    reference, and the judge of whether a finite difference crossed a kink;
 *  - through the scalar API (`scalarFunction`, or for a tensor program the
 *    reference semantics `referenceFunction`: every tensor op written out
 *    with scalar ops on arrays), so it runs on Dual, Taylor2, HyperDual,
 *    jets and scalar tape nodes;
 *  - through the tensor API (`tensorFunction`: the library's tensor ops,
 *    block nodes on the tape);
 *  - a scalar program lifted onto rank-0 tensors (`liftedFunction`), so the
 *    same arithmetic runs through elementwise tensor blocks instead of scalar
 *    tape nodes.
 */
import * as hyperad from '../../lib/index.js';
import { Tensor, Value, concat, crossEntropy, linear, logSoftmax, matmul, mseLoss, nllLoss, outer, reshape, slice, softmax, stack, take, tensor, transpose, where, type Num, type TensorRecord } from '../../lib/index.js';
import type { BinaryName } from '../../lib/rules/index.js';
import {
  KINKED, binaryDomain, inside, unaryDomain, type Ref, type ScalarLet, type ScalarProgram, type TensorLet, type TensorProgram, type UnaryOp,
} from './programs.js';

/** The scalar operations a program is written with; an interpreter runs it on any implementation. */
export interface NumOps {
  unary(op: UnaryOp, x: Num): Num;
  powc(x: Num, p: number): Num;
  binary(op: BinaryName, a: Num, b: Num): Num;
  sum(xs: Num[]): Num;
  logsumexp(xs: Num[]): Num;
  dot(xs: Num[], ys: Num[]): Num;
  /** f's own branch: reads the primal of x (`.value`) */
  test(x: Num, at: number): boolean;
}

const api = hyperad as unknown as Record<string, (...a: Num[]) => Num>;

/** hyperad's own functions (on numbers they compute directly). */
export const libOps: NumOps = {
  unary: (op, x) => api[op]!(x),
  powc: (x, p) => hyperad.pow(x, p),
  binary: (op, a, b) => api[op]!(a, b),
  sum: (xs) => hyperad.sum(xs),
  logsumexp: (xs) => hyperad.logsumexp(xs),
  dot: (xs, ys) => hyperad.dot(xs, ys),
  test: (x, at) => (typeof x === 'number' ? x : x.value) > at,
};
/** What the generator evaluates with. */
export const numberOps = libOps;

/**
 * Plain numbers, watched: `sides` lists the sign of every kink's argument
 * (abs, relu: x; max, min: a − b; a branch: x − at) in evaluation order, and
 * `outside` names the first op whose argument left its domain.
 */
export class Monitor implements NumOps {
  readonly sides: number[] = [];
  outside: string | null = null;
  private check(op: string, v: Num, dom: ReturnType<typeof unaryDomain>): void {
    if (dom && !this.outside && !inside(v as number, dom)) this.outside = `${op}(${v})`;
  }
  unary(op: UnaryOp, x: Num): Num {
    if (KINKED.has(op)) this.sides.push(Math.sign(x as number));
    else this.check(op, x, unaryDomain(op));
    return libOps.unary(op, x);
  }
  powc(x: Num, p: number): Num {
    this.check(`pow(·, ${p})`, x, unaryDomain('powc', p));
    return libOps.powc(x, p);
  }
  binary(op: BinaryName, a: Num, b: Num): Num {
    if (KINKED.has(op)) this.sides.push(Math.sign((a as number) - (b as number)));
    else {
      const [da, db] = binaryDomain(op);
      this.check(`${op}(a = ${a}, ·)`, a, da);
      this.check(`${op}(·, b = ${b})`, b, db);
    }
    return libOps.binary(op, a, b);
  }
  sum(xs: Num[]): Num { return libOps.sum(xs); }
  logsumexp(xs: Num[]): Num { return libOps.logsumexp(xs); }
  dot(xs: Num[], ys: Num[]): Num { return libOps.dot(xs, ys); }
  test(x: Num, at: number): boolean {
    this.sides.push(Math.sign((x as number) - at));
    return (x as number) > at;
  }
}

// ---------------------------------------------------------------- scalar programs

/** One binding of a scalar program. */
export function evalScalarLet(l: ScalarLet, get: (r: Ref) => Num, ops: NumOps): Num {
  switch (l.k) {
    case 'unary': return ops.unary(l.op, get(l.a));
    case 'powc': return ops.powc(get(l.a), l.p);
    case 'binary': return ops.binary(l.op, get(l.a), get(l.b));
    case 'sum': return ops.sum(l.xs.map(get));
    case 'logsumexp': return ops.logsumexp(l.xs.map(get));
    case 'dot': return ops.dot(l.xs.map(get), l.ys.map(get));
    case 'branch': return ops.test(get(l.a), l.at) ? get(l.then) : get(l.else);
  }
}

/** A scalar program as f(x: Num[]) on the given ops. */
export function scalarFunction(p: ScalarProgram, ops: NumOps = libOps): (x: Num[]) => Num {
  return (x) => {
    const env: Num[] = [];
    const get = (r: Ref): Num => {
      if ('in' in r) return x[r.in]!;
      if ('let' in r) return env[r.let]!;
      if ('c' in r) return r.c;
      throw new Error('a scalar program has no tensor constants');
    };
    for (const l of p.lets) env.push(evalScalarLet(l, get, ops));
    return get(p.out);
  };
}

/** A scalar program on rank-0 tensors: input i is slice(x, [i]), every op an elementwise block. */
export function liftedFunction(p: ScalarProgram): (x: TensorPoint) => Num {
  const f = scalarFunction(p, libOps);
  return (x) => f(Array.from({ length: p.n }, (_, i) => slice(x as Tensor, [i])));
}

// ---------------------------------------------------------------- reference tensors on scalars

/** A tensor as the reference semantics sees it: a shape and row-major entries of any Num. */
export interface RT { readonly shape: readonly number[]; readonly data: readonly Num[] }

export const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Multi-index of flat index f in shape s. */
function unflat(s: readonly number[], f: number): number[] {
  const idx = new Array<number>(s.length);
  for (let d = s.length - 1; d >= 0; d--) { idx[d] = f % s[d]!; f = Math.floor(f / s[d]!); }
  return idx;
}

const flatOf = (s: readonly number[], idx: readonly number[]): number => idx.reduce((o, i, d) => o * s[d]! + i, 0);

function fail(msg: string): never { throw new RangeError(`reference: ${msg}`); }

function axisOf(axis: number, r: number): number {
  if (!Number.isInteger(axis) || axis < -r || axis >= r) fail(`axis ${axis} out of range for rank ${r}`);
  return axis < 0 ? axis + r : axis;
}

/** The NumPy broadcast of several shapes. */
function broadcast(...shapes: (readonly number[])[]): number[] {
  const n = Math.max(...shapes.map((s) => s.length)), out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - n + i] ?? 1;
      if (e !== 1 && d !== 1 && e !== d) fail(`shapes ${shapes.map((x) => `[${x}]`).join(', ')} do not broadcast`);
      if (e !== 1) d = e;
    }
    out.push(d);
  }
  return out;
}

/** The element of t broadcast to multi-index idx of the (larger) shape. */
function at(t: RT, idx: readonly number[]): Num {
  const off = idx.length - t.shape.length;
  let f = 0;
  for (let d = 0; d < t.shape.length; d++) f = f * t.shape[d]! + (t.shape[d] === 1 ? 0 : idx[off + d]!);
  return t.data[f]!;
}

function map(t: RT, g: (x: Num) => Num): RT { return { shape: t.shape, data: t.data.map(g) }; }

function zipWith(ts: readonly RT[], g: (xs: Num[]) => Num): RT {
  const shape = broadcast(...ts.map((t) => t.shape));
  return { shape, data: Array.from({ length: sizeOf(shape) }, (_, f) => { const idx = unflat(shape, f); return g(ts.map((t) => at(t, idx))); }) };
}

/** The entries of t grouped by their index with `axis` removed (all in one group when absent); groups in output order. */
function groups(t: RT, axis: number | undefined): { shape: number[]; groups: Num[][]; of: Int32Array } {
  const n = t.data.length, of = new Int32Array(n);
  if (axis === undefined) return { shape: [], groups: [[...t.data]], of };
  const ax = axisOf(axis, t.shape.length), shape = t.shape.filter((_, d) => d !== ax);
  const gs: Num[][] = Array.from({ length: sizeOf(shape) }, () => []);
  for (let f = 0; f < n; f++) {
    const idx = unflat(t.shape, f);
    idx.splice(ax, 1);
    const g = flatOf(shape, idx);
    of[f] = g;
    gs[g]!.push(t.data[f]!);
  }
  return { shape, groups: gs, of };
}

function logSoftmaxRef(t: RT, axis: number, ops: NumOps): RT {
  const { groups: gs, of } = groups(t, axis), lse = gs.map((g) => ops.logsumexp(g));
  return { shape: t.shape, data: t.data.map((x, f) => ops.binary('sub', x, lse[of[f]!]!)) };
}

/** [m, q] · [q, n] on the data of a and b (vectors as a row on the left, a column on the right). */
function matmulRef(a: RT, b: RT, ops: NumOps): RT {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 1 || ra > 2 || rb < 1 || rb > 2) fail('matmul needs vectors or matrices');
  const [m, q] = ra === 1 ? [1, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [q2, n] = rb === 1 ? [b.shape[0]!, 1] : [b.shape[0]!, b.shape[1]!];
  if (q !== q2) fail('matmul inner dimensions differ');
  const data: Num[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    data.push(ops.dot(Array.from({ length: q }, (_, p) => a.data[i * q + p]!), Array.from({ length: q }, (_, p) => b.data[p * n + j]!)));
  }
  return { shape: [...(ra === 2 ? [m] : []), ...(rb === 2 ? [n] : [])], data };
}

function gatherRef(t: RT, shape: readonly number[], src: (idx: number[]) => number[]): RT {
  return { shape, data: Array.from({ length: sizeOf(shape) }, (_, f) => t.data[flatOf(t.shape, src(unflat(shape, f)))]!) };
}

function nllRef(t: RT, target: number | readonly number[], ops: NumOps): RT {
  const r = t.shape.length, C = t.shape[r - 1]!, ts = typeof target === 'number' ? [target] : target;
  if (r < 1 || r > 2 || ts.length !== (r === 1 ? 1 : t.shape[0])) fail('nllLoss shapes');
  const picks = ts.map((c, i) => { if (!Number.isInteger(c) || c < 0 || c >= C) fail('nllLoss target'); return t.data[i * C + c]!; });
  return { shape: [], data: [ops.binary('mul', ops.sum(picks), -1 / ts.length)] };
}

/** One binding of a tensor program in the reference semantics (scalar ops on arrays). */
export function evalTensorLet(l: TensorLet, get: (r: Ref) => RT, ops: NumOps): RT {
  switch (l.k) {
    case 'unary': return map(get(l.a), (x) => ops.unary(l.op, x));
    case 'powc': return map(get(l.a), (x) => ops.powc(x, l.p));
    case 'binary': return zipWith([get(l.a), get(l.b)], ([x, y]) => ops.binary(l.op, x!, y!));
    case 'sum': case 'mean': case 'logsumexp': {
      const t = get(l.a), g = groups(t, l.axis);
      return {
        shape: g.shape,
        data: g.groups.map((xs) => (l.k === 'sum' ? ops.sum(xs) : l.k === 'mean' ? ops.binary('mul', ops.sum(xs), 1 / xs.length) : ops.logsumexp(xs))),
      };
    }
    case 'softmax': case 'logSoftmax': {
      const ls = logSoftmaxRef(get(l.a), l.axis, ops);
      return l.k === 'softmax' ? map(ls, (x) => ops.unary('exp', x)) : ls;
    }
    case 'matmul': return matmulRef(get(l.a), get(l.b), ops);
    case 'dot': {
      const a = get(l.a), b = get(l.b);
      if (a.shape.length !== 1 || b.shape.length !== 1 || a.shape[0] !== b.shape[0]) fail('dot needs two vectors of one length');
      return { shape: [], data: [ops.dot([...a.data], [...b.data])] };
    }
    case 'outer': {
      const a = get(l.a), b = get(l.b);
      if (a.shape.length !== 1 || b.shape.length !== 1) fail('outer needs two vectors');
      return { shape: [a.shape[0]!, b.shape[0]!], data: a.data.flatMap((x) => b.data.map((y) => ops.binary('mul', x, y))) };
    }
    case 'mseLoss': {
      const d = zipWith([get(l.a), get(l.b)], ([x, y]) => ops.powc(ops.binary('sub', x!, y!), 2));
      return { shape: [], data: [ops.binary('mul', ops.sum([...d.data]), 1 / d.data.length)] };
    }
    case 'transpose': {
      const t = get(l.a), r = t.shape.length, p = l.perm ? l.perm.map((a) => axisOf(a, r)) : [...Array(r).keys()].reverse();
      if (p.length !== r || new Set(p).size !== r) fail('transpose perm');
      const shape = p.map((a) => t.shape[a]!);
      return gatherRef(t, shape, (i) => { const src = new Array<number>(r); p.forEach((a, d) => { src[a] = i[d]!; }); return src; });
    }
    case 'reshape': {
      const t = get(l.a), s = [...l.shape], free = s.indexOf(-1);
      if (free >= 0) s[free] = t.data.length / Math.max(1, sizeOf(s.filter((d) => d !== -1)));
      if (!s.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(s) !== t.data.length) fail('reshape size');
      return { shape: s, data: t.data };
    }
    case 'slice': {
      const t = get(l.a), r = t.shape.length;
      if (l.spec.length > r) fail('slice spec longer than rank');
      const lo: number[] = [], len: number[] = [], keep: boolean[] = [];
      for (let d = 0; d < r; d++) {
        const s = l.spec[d] ?? null, size = t.shape[d]!;
        const norm = (i: number) => (i < 0 ? i + size : Math.min(i, size));
        if (s === null) { lo.push(0); len.push(size); keep.push(true); } else if (typeof s === 'number') {
          if (!Number.isInteger(s) || s < -size || s >= size) fail('slice index');
          lo.push(s < 0 ? s + size : s); len.push(1); keep.push(false);
        } else {
          const a = norm(s[0]), b = norm(s[1]);
          if (a < 0 || b < a) fail('slice range');
          lo.push(a); len.push(b - a); keep.push(true);
        }
      }
      const full = gatherRef(t, len, (i) => i.map((v, d) => v + lo[d]!));
      return { shape: len.filter((_, d) => keep[d]), data: full.data };
    }
    case 'take': {
      const t = get(l.a), ax = axisOf(l.axis, t.shape.length), shape = [...t.shape];
      l.indices.forEach((i) => { if (!Number.isInteger(i) || i < 0 || i >= t.shape[ax]!) fail('take index'); });
      shape[ax] = l.indices.length;
      return gatherRef(t, shape, (i) => i.map((v, d) => (d === ax ? l.indices[v]! : v)));
    }
    case 'index': {
      const t = get(l.a);
      if (l.idx.length !== t.shape.length) fail('index rank');
      return { shape: [], data: [t.data[flatOf(t.shape, l.idx.map((i, d) => (i < 0 ? i + t.shape[d]! : i)))]!] };
    }
    case 'stack': {
      const ts = l.xs.map(get);
      if (ts.some((t) => t.data.length !== 1)) fail('stack entries must be scalars');
      return { shape: [ts.length], data: ts.map((t) => t.data[0]!) };
    }
    case 'concat': {
      const ts = l.xs.map(get), r = ts[0]!.shape.length, ax = axisOf(l.axis, r);
      if (ts.some((t) => t.shape.length !== r || t.shape.some((d, i) => i !== ax && d !== ts[0]!.shape[i]))) fail('concat shapes');
      const shape = [...ts[0]!.shape];
      shape[ax] = ts.reduce((s, t) => s + t.shape[ax]!, 0);
      return gatherRefMany(ts, shape, ax);
    }
    case 'where': {
      const c: RT = { shape: l.condShape, data: l.cond };
      return zipWith([c, get(l.a), get(l.b)], ([k, x, y]) => (k !== 0 ? x! : y!));
    }
    case 'crossEntropy': return nllRef(logSoftmaxRef(get(l.a), -1, ops), l.target, ops);
    case 'nllLoss': return nllRef(get(l.a), l.target, ops);
    case 'linear': {
      const x = get(l.a), W = get(l.W), Wt = evalTensorLet({ k: 'transpose', a: { let: -1 } }, () => W, ops);
      const y = matmulRef(x, Wt, ops);
      return l.b ? zipWith([y, get(l.b)], ([u, v]) => ops.binary('add', u!, v!)) : y;
    }
  }
}

/** Concatenation along axis ax. */
function gatherRefMany(ts: readonly RT[], shape: readonly number[], ax: number): RT {
  return {
    shape,
    data: Array.from({ length: sizeOf(shape) }, (_, f) => {
      const idx = unflat(shape, f);
      let k = 0, i = idx[ax]!;
      while (i >= ts[k]!.shape[ax]!) { i -= ts[k]!.shape[ax]!; k++; }
      idx[ax] = i;
      return ts[k]!.data[flatOf(ts[k]!.shape, idx)]!;
    }),
  };
}

/** Splits a flat point into the program's inputs (a record's in order). */
export function splitInputs<T>(p: TensorProgram, x: readonly T[]): T[][] {
  let off = 0;
  return p.inputs.map((t) => { const s = sizeOf(t.shape), part = x.slice(off, off + s); off += s; return part; });
}

/** A tensor program in the reference semantics, as f(x: Num[]) of its flattened inputs. */
export function referenceFunction(p: TensorProgram, ops: NumOps = libOps): (x: Num[]) => Num {
  return (x) => {
    const ins: RT[] = splitInputs(p, x).map((data, i) => ({ shape: p.inputs[i]!.shape, data }));
    const env: RT[] = [];
    const get = (r: Ref): RT => {
      if ('in' in r) return ins[r.in]!;
      if ('let' in r) return env[r.let]!;
      if ('c' in r) return { shape: [], data: [r.c] };
      return { shape: r.shape, data: r.data };
    };
    for (const l of p.lets) env.push(evalTensorLet(l, get, ops));
    const y = get(p.out);
    if (y.data.length !== 1) fail(`the output has shape [${y.shape}], not one element`);
    return y.data[0]!;
  };
}

// ---------------------------------------------------------------- the tensor API

const T = (x: Num): Tensor => x as Tensor;

/** One binding of a tensor program through hyperad's tensor ops. */
export function applyTensorLet(l: TensorLet, get: (r: Ref) => Num): Num {
  switch (l.k) {
    case 'unary': return api[l.op]!(get(l.a));
    case 'powc': return hyperad.pow(get(l.a), l.p);
    case 'binary': return api[l.op]!(get(l.a), get(l.b));
    case 'sum': return hyperad.sum(T(get(l.a)), l.axis);
    case 'mean': return hyperad.mean(T(get(l.a)), l.axis);
    case 'logsumexp': return hyperad.logsumexp(T(get(l.a)), l.axis);
    case 'softmax': return softmax(T(get(l.a)), l.axis);
    case 'logSoftmax': return logSoftmax(T(get(l.a)), l.axis);
    case 'matmul': return matmul(T(get(l.a)), T(get(l.b)));
    case 'dot': return hyperad.dot(T(get(l.a)), T(get(l.b)));
    case 'outer': return outer(T(get(l.a)), T(get(l.b)));
    case 'mseLoss': return mseLoss(get(l.a), get(l.b));
    case 'transpose': return transpose(T(get(l.a)), l.perm);
    case 'reshape': return reshape(T(get(l.a)), l.shape);
    case 'slice': return slice(T(get(l.a)), l.spec);
    case 'take': return take(T(get(l.a)), l.indices, l.axis);
    case 'index': return T(get(l.a)).index(...l.idx);
    case 'stack': return stack(l.xs.map(get));
    case 'concat': return concat(l.xs.map((r) => T(get(r))), l.axis);
    case 'where': return where(tensor(Float64Array.from(l.cond), l.condShape), get(l.a), get(l.b));
    case 'crossEntropy': return crossEntropy(T(get(l.a)), l.target);
    case 'nllLoss': return nllLoss(T(get(l.a)), l.target);
    case 'linear': return linear(T(get(l.a)), T(get(l.W)), l.b ? T(get(l.b)) : undefined);
  }
}

/** The program's point form: one Tensor, or a record of Tensors in input order. */
export type TensorPoint = Tensor | TensorRecord;

/** A tensor program as f of its point (a Tensor or a record), through the tensor API. */
export function tensorFunction(p: TensorProgram): (x: TensorPoint) => Num {
  return (x) => {
    const ins: Num[] = p.form === 'tensor' ? [x as Tensor] : p.inputs.map((t) => (x as TensorRecord)[t.name]!);
    const env: Num[] = [];
    const get = (r: Ref): Num => {
      if ('in' in r) return ins[r.in]!;
      if ('let' in r) return env[r.let]!;
      if ('c' in r) return r.c;
      return tensor(Float64Array.from(r.data), r.shape);
    };
    for (const l of p.lets) env.push(applyTensorLet(l, get));
    return get(p.out);
  };
}

/** A flat vector in the program's point form. */
export function shapePoint(p: TensorProgram, x: ArrayLike<number>): TensorPoint {
  const parts = splitInputs(p, Array.from(x)).map((d, i) => tensor(Float64Array.from(d), p.inputs[i]!.shape));
  return p.form === 'tensor' ? parts[0]! : Object.fromEntries(p.inputs.map((t, i) => [t.name, parts[i]!]));
}

/** A result shaped like a point (a Tensor, a record of Tensors, or a flat array), flattened. */
export function flatten(x: unknown): Float64Array {
  if (x instanceof Tensor) return Float64Array.from(x.data);
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float64Array.from(x as ArrayLike<number>);
  if (x instanceof Value) return Float64Array.of(x.value);
  const parts = Object.values(x as TensorRecord).map((t) => t.data);
  const out = new Float64Array(parts.reduce((s, d) => s + d.length, 0));
  let o = 0;
  for (const d of parts) { out.set(d, o); o += d.length; }
  return out;
}

/** The value of every binding of p at the flat point x (plain numbers, the reference semantics). */
export function bindingValues(p: ScalarProgram | TensorProgram, x: readonly number[]): RT[] {
  const env: RT[] = [];
  if (p.kind === 'scalar') {
    const get = (r: Ref): number => ('in' in r ? x[r.in]! : 'let' in r ? (env[r.let]!.data[0] as number) : 'c' in r ? r.c : NaN);
    for (const l of p.lets) env.push({ shape: [], data: [evalScalarLet(l, get, numberOps)] });
    return env;
  }
  const ins: RT[] = splitInputs(p, [...x]).map((data, i) => ({ shape: p.inputs[i]!.shape, data }));
  const get = (r: Ref): RT => ('in' in r ? ins[r.in]! : 'let' in r ? env[r.let]! : 'c' in r ? { shape: [], data: [r.c] } : r);
  for (const l of p.lets) env.push(evalTensorLet(l, get, numberOps));
  return env;
}

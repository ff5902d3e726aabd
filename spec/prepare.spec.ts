/**
 * Prepared recordings: `prepare(f, x)` records once and sweeps on demand.
 *  - every method equals the plain transform, for arrays, tensors and records;
 *  - `.at(x2)` replays the recording: ops with kinks (abs, relu, max, min)
 *    take x2's branch exactly as a fresh recording would, without
 *    re-recording; f that branches in user code on a primal is re-recorded;
 *  - `.jacobian()` of a vector-valued F (both sweep directions);
 *  - a wrong `.at()` point is refused with a message naming it, and leaves
 *    the recording usable;
 *  - the sweep work arrays are reused across calls.
 */
import { expect } from 'chai';
import {
  DEFAULT_LANES, Prepared, Tensor, Value, abs, add, cos, directional, exp, grad, hessian, hessianDiagonal, hvp, hyperdual, jacobian, jvp,
  logSoftmax, logsumexp, matmul, max, min, mul, pow, prepare, relu, sin, softmax, stack, sub, sum, tanh, tensor, valueAndGrad, where,
  type Num, type TensorRecord,
} from '../lib/index.js';
import { expectErr, normErr } from './support/agreement.js';
import { flat, rowsFlat, shapedLike, uniformArray, uniformTensor, type TensorPoint } from './support/points.js';

type AnyPoint = TensorPoint | number[];
type AnyFn = (x: any) => Num;

/** Directions a, b, v shaped like x. */
function directions(x: AnyPoint, seed: number): [AnyPoint, AnyPoint, AnyPoint] {
  const n = flat(x as TensorPoint).length;
  const make = (s: number) => { const d = uniformArray(s, n); return Array.isArray(x) ? Array.from(d) : shapedLike(x as TensorPoint, d); };
  return [make(seed), make(seed + 1), make(seed + 2)];
}

/** Everything a recording can say at its point, flattened. */
type Readings = Record<string, Float64Array>;
const num = (...xs: number[]) => Float64Array.from(xs);

function readPrepared(P: Prepared<never>, [a, b, v]: AnyPoint[]): Readings {
  const Q = P as Prepared<any>, fl = (r: unknown) => flat(r as TensorPoint);
  const j = Q.jvp(v), d = Q.directional(a), h = Q.hyperdual(a, b);
  return {
    value: num(Q.value as number), grad: fl(Q.grad()), hvp: fl(Q.hvp(v)), hessian: rowsFlat(Q.hessian()),
    'hessian(lanes 1)': rowsFlat(Q.hessian({ lanes: 1 })), 'hessian(lanes 5)': rowsFlat(Q.hessian({ lanes: 5 })),
    'hessianDiagonal(hyperdual)': fl(Q.hessianDiagonal({ method: 'hyperdual' })), 'hessianDiagonal(hvp)': fl(Q.hessianDiagonal({ method: 'hvp', lanes: 3 })),
    jvp: num(j.value, j.tangent), directional: num(d.value, d.first, d.second), hyperdual: num(h.value, h.da, h.db, h.dab),
  };
}

function readFresh(f: AnyFn, x: AnyPoint, [a, b, v]: AnyPoint[]): Readings {
  const X = x as any, A = a as any, B = b as any, V = v as any, fl = (r: unknown) => flat(r as TensorPoint);
  const j = jvp(f, X, V), d = directional(f, X, A), h = hyperdual(f, X, A, B), H = rowsFlat(hessian(f, X));
  return {
    value: num(valueAndGrad(f, X).value), grad: fl(grad(f, X)), hvp: fl(hvp(f, X, V)), hessian: H,
    'hessian(lanes 1)': H, 'hessian(lanes 5)': H,
    'hessianDiagonal(hyperdual)': fl(hessianDiagonal(f, X, { method: 'hyperdual' })), 'hessianDiagonal(hvp)': fl(hessianDiagonal(f, X, { method: 'hvp' })),
    jvp: num(j.value, j.tangent), directional: num(d.value, d.first, d.second), hyperdual: num(h.value, h.da, h.db, h.dab),
  };
}

function expectSame(label: string, got: Readings, ref: Readings, tol = 1e-13): void {
  for (const k of Object.keys(ref)) expectErr('path', `${label}: ${k}`, normErr(got[k]!, ref[k]!), tol);
}

// ---------------------------------------------------------------- the functions

const W6 = uniformTensor(3, [2, 3]), C6 = uniformTensor(4, [2, 3], -0.2, 0.2);

interface Subject { name: string; f: AnyFn; x: AnyPoint; x2: AnyPoint }
const smooth: Subject[] = [
  {
    name: 'an array', f: (x: Num[]) => add(mul(sin(x[0]!), x[1]!), mul(exp(mul(0.3, x[2]!)), pow(x[1]!, 2))),
    x: [0.4, -1.2, 0.9], x2: [-0.3, 0.8, 1.7],
  },
  {
    name: 'a tensor', f: (t: Tensor) => add(sum(mul(W6, sin(t))), logsumexp(mul(t, t))),
    x: uniformTensor(5, [2, 3]), x2: uniformTensor(6, [2, 3]),
  },
  {
    name: 'a record', f: (p: TensorRecord) => add(sum(tanh(matmul(p.W!, p.x!))), mul(sum(p.x!), sum(cos(p.W!)))),
    x: { W: uniformTensor(7, [2, 3]), x: uniformTensor(8, [3]) }, x2: { W: uniformTensor(9, [2, 3]), x: uniformTensor(10, [3]) },
  },
];

// kinks: every abs/relu/max/min argument changes sign between x and x2
const kinky: Subject[] = [
  {
    name: 'an array with abs, relu, max, min',
    f: (x: Num[]) => {
      const [a, b, c, d] = x as [Num, Num, Num, Num];
      return add(add(mul(abs(a), sin(b)), mul(pow(relu(sub(b, c)), 2), a)),
        add(mul(max(c, d), cos(a)), add(mul(min(a, d), mul(b, b)), mul(abs(d), c))));
    },
    x: [0.7, -0.4, 0.2, -0.9], x2: [-0.6, 0.5, -0.3, 0.8],
  },
  {
    name: 'a tensor with abs, relu, max, min',
    f: (t: Tensor) => add(
      add(sum(mul(W6, mul(abs(t), cos(t)))), sum(mul(pow(relu(t), 2), W6))),
      add(sum(mul(max(t, C6), sin(t))), add(sum(mul(min(t, 0.05), t)), logsumexp(abs(t)))),
    ),
    x: uniformTensor(11, [2, 3], 0.3, 1), x2: uniformTensor(12, [2, 3], -1, -0.3),
  },
  {
    name: 'a record with max, min, abs',
    f: (p: TensorRecord) => add(sum(mul(max(p.a!, p.b!), sin(p.a!))), add(sum(mul(abs(sub(p.a!, p.b!)), cos(p.b!))), sum(mul(min(p.a!, p.b!), p.b!)))),
    x: { a: tensor([0.5, -0.2, 0.9]), b: tensor([0.1, 0.4, -0.3]) }, x2: { a: tensor([-0.1, 0.6, -0.5]), b: tensor([0.3, -0.2, 0.2]) },
  },
];

describe('prepare: every method equals the plain transform', () => {
  for (const s of [...smooth, ...kinky]) {
    it(`for ${s.name}`, () => {
      const dirs = directions(s.x, 21), P = prepare(s.f, s.x as never);
      expectSame(`prepare(${s.name})`, readPrepared(P, dirs), readFresh(s.f, s.x, dirs));
      expect(P.rerecords).to.equal(0);
    });
  }
});

describe('prepare: .at(x2) replays exactly as a fresh recording at x2', () => {
  for (const s of [...smooth, ...kinky]) {
    it(`for ${s.name}${kinky.includes(s) ? ' (branches flip; no re-recording)' : ''}`, () => {
      const dirs = directions(s.x, 31), P = prepare(s.f, s.x as never), nodes = P.nodes, bytes = P.tapeBytes;
      const at0 = readPrepared(P, dirs);
      expect(P.at(s.x2 as never)).to.equal(P);
      expectSame(`${s.name} at x2`, readPrepared(P, dirs), readFresh(s.f, s.x2, dirs));
      expect(P.rerecords, 'rerecords').to.equal(0);
      expect(P.nodes, 'the recording is kept').to.equal(nodes);
      expect(P.tapeBytes).to.equal(bytes);
      // and back again
      P.at(s.x as never);
      expectSame(`${s.name} back at x`, readPrepared(P, dirs), at0, 0);
    });
  }
  it('the kinks really flip: a recording left at x would give a different gradient at x2', () => {
    const s = kinky[0]!, P = prepare(s.f, s.x as never);
    const fresh = grad(s.f, s.x2 as number[]);
    P.at(s.x2 as never);
    expect(Array.from(P.grad() as Float64Array)).to.deep.equal(Array.from(fresh));
    // the same function with every kink frozen at x's branch
    const [a, b, c, d] = s.x as number[];
    const frozen = (x: Num[]) => {
      const [p, q, r, w] = x as [Num, Num, Num, Num];
      const sa = Math.sign(a!), sd = Math.sign(d!);
      return add(add(mul(mul(sa, p), sin(q)), mul(pow(b! - c! > 0 ? sub(q, r) : 0, 2), p)),
        add(mul(c! >= d! ? r : w, cos(p)), add(mul(a! <= d! ? p : w, mul(q, q)), mul(mul(sd, w), r))));
    };
    expect(normErr(grad(frozen, s.x as number[]), grad(s.f, s.x as number[]))).to.be.at.most(1e-15);
    expect(normErr(grad(frozen, s.x2 as number[]), fresh)).to.be.above(0.1);
  });
  it('where() with a traced condition (a leaky relu) picks the new point\'s entries, never the recorded choice', () => {
    const f = (t: Tensor) => sum(mul(W6, sin(where(relu(t), t, mul(t, 0.1)))));
    const x = uniformTensor(13, [2, 3]), x2 = x.mul(-1), dirs = directions(x, 33), P = prepare(f, x);
    P.at(x2);
    expectSame('where(relu(t), …) at x2', readPrepared(P as never, dirs), readFresh(f, x2, dirs));
  });
  it('a stable logsumexp / logSoftmax stays stable when moved far from where it was recorded', () => {
    const P = prepare((x: Num[]) => logsumexp(x), [0, 0.5, -1]);
    P.at([1000, 999, 1000]);
    expect(P.value).to.be.closeTo(1000 + Math.log(2 + Math.exp(-1)), 1e-12);
    expect(normErr(P.grad() as Float64Array, grad((x: Num[]) => logsumexp(x), [1000, 999, 1000]))).to.be.at.most(1e-15);
    const g = (t: Tensor) => logSoftmax(t).index(1), Q = prepare(g, tensor([0, 0.5, -1]));
    Q.at(tensor([-800, -801, -799]));
    const fresh = valueAndGrad(g, tensor([-800, -801, -799]));
    expect(Q.value).to.equal(fresh.value);
    expect(Number.isFinite(Q.value as number)).to.equal(true);
    expect(Array.from((Q.grad() as Tensor).data)).to.deep.equal(Array.from(fresh.grad.data));
    expect(Q.rerecords).to.equal(0);
  });
});

describe('prepare: f that branches on a primal is re-recorded by .at()', () => {
  const f = (x: Num[]) => ((x[0] as Value).value > 0 ? mul(sin(x[0]!), x[1]!) : mul(cos(x[1]!), pow(x[0]!, 3)));
  it('for an array (x[0].value): rerecords counts every move, answers are fresh', () => {
    const dirs = directions([0.5, 0.3], 41), P = prepare(f, [0.5, 0.3]);
    expect(P.rerecords).to.equal(0);
    P.at([-0.7, 1.1]);
    expect(P.rerecords).to.equal(1);
    expectSame('branching f at x2', readPrepared(P as never, dirs), readFresh(f, [-0.7, 1.1], dirs), 1e-13);
    P.at([-0.2, 0.4]);
    expect(P.rerecords).to.equal(2);
    expectSame('branching f at x3', readPrepared(P as never, dirs), readFresh(f, [-0.2, 0.4], dirs), 1e-13);
    P.at([0.5, 0.3]);
    expect(P.rerecords).to.equal(3);
    expect(P.value).to.equal(Math.sin(0.5) * 0.3);
  });
  const readers: [string, (t: Tensor) => number][] = [
    ['t.data', (t) => t.data[0]!],
    ['t.index(0).value', (t) => (t.index(0) as Value).value],
    ['sum(t).item()', (t) => sum(t).item()],
    ['t.toArray()', (t) => (t.toArray() as number[])[0]!],
  ];
  for (const [how, read] of readers) {
    it(`for a tensor (${how})`, () => {
      const g = (t: Tensor) => (read(t) > 0 ? sum(sin(t)) : sum(mul(t, t)));
      const x = tensor([0.4, 0.2, 0.1]), x2 = tensor([-0.9, -0.2, -0.1]), dirs = directions(x, 42), P = prepare(g, x);
      P.at(x2);
      expect(P.rerecords).to.equal(1);
      expectSame(`branching tensor f (${how})`, readPrepared(P as never, dirs), readFresh(g, x2, dirs), 0);
      expect(P.value).to.be.closeTo(0.81 + 0.04 + 0.01, 1e-15);
    });
  }
});

describe('prepare: .jacobian() of a vector-valued F', () => {
  const F1 = (x: Num[]) => [mul(x[0]!, sin(x[1]!)), add(exp(x[2]!), mul(x[0]!, x[2]!))]; // R³ → R²: adjoint lanes
  const J1 = ([a, b, c]: number[]) => [[Math.sin(b!), a! * Math.cos(b!), 0], [c!, 0, Math.exp(c!) + a!]];
  const F2 = (x: Num[]) => [mul(x[0]!, x[1]!), sin(x[0]!), pow(x[1]!, 3)]; // R² → R³: tangent lanes
  const J2 = ([a, b]: number[]) => [[b!, a!], [Math.cos(a!), 0], [0, 3 * b! * b!]];
  const cases: [string, (x: Num[]) => Num[], (x: number[]) => number[][], number[], number[]][] = [
    ['R³ → R² (adjoint lanes)', F1, J1, [0.3, -0.8, 0.5], [1.2, 0.4, -0.6]],
    ['R² → R³ (tangent lanes)', F2, J2, [0.3, -0.8], [-1.1, 0.6]],
  ];
  for (const [name, F, J, x, x2] of cases) {
    it(`for arrays, ${name}: equals jacobian() and the closed form, before and after .at()`, () => {
      const P = prepare(F, x, { vector: true });
      expect(Array.from(P.value as Float64Array)).to.deep.equal(F(x));
      for (const [pt, label] of [[x, 'x'], [x2, 'x2']] as const) {
        if (pt === x2) P.at(x2);
        const Jp = rowsFlat(P.jacobian()), Jt = rowsFlat(jacobian(F, pt));
        expectErr('path', `prepared jacobian ${name} at ${label} vs jacobian()`, normErr(Jp, Jt), 0);
        expectErr('path', `prepared jacobian ${name} at ${label} vs closed form`, normErr(Jp, J(pt).flat()), 1e-15);
        expect(normErr(rowsFlat(P.jacobian({ lanes: 1 })), Jp)).to.equal(0);
      }
      expect(P.rerecords).to.equal(0);
    });
  }
  it('for a tensor: softmax has Jacobian diag(p) − ppᵀ, also after .at()', () => {
    const x = uniformTensor(51, [4]), x2 = uniformTensor(52, [4], -3, 3), P = prepare((t: Tensor) => softmax(t), x, { vector: true });
    for (const pt of [x, x2]) {
      if (pt === x2) P.at(x2);
      const e = pt.data.map(Math.exp), z = e.reduce((s, v) => s + v, 0), p = e.map((v) => v / z);
      const Jc = Array.from({ length: 16 }, (_, k) => { const i = Math.floor(k / 4), j = k % 4; return (i === j ? p[i]! : 0) - p[i]! * p[j]!; });
      expectErr('path', 'prepared softmax Jacobian vs closed form', normErr(rowsFlat(P.jacobian()), Jc), 1e-14);
      expect(normErr(P.value as Float64Array, p)).to.be.at.most(1e-15);
    }
  });
  it('for a record, F returning a tensor with fewer outputs than inputs, and one returning stacked scalars', () => {
    const M = uniformTensor(53, [2, 4]), x = { a: uniformTensor(54, [4]), s: tensor([0.7]) };
    const F = (p: TensorRecord) => mul(matmul(M, tanh(p.a!)), p.s!);
    const P = prepare(F, x, { vector: true }), J = P.jacobian();
    const t = x.a.data.map(Math.tanh), s = 0.7, Mt = M.data;
    const Jc = [0, 1].flatMap((i) => [...[0, 1, 2, 3].map((j) => Mt[4 * i + j]! * (1 - t[j]! ** 2) * s), [0, 1, 2, 3].reduce((acc, j) => acc + Mt[4 * i + j]! * t[j]!, 0)]);
    expect(J.length).to.equal(2);
    expectErr('path', 'prepared record Jacobian vs closed form', normErr(rowsFlat(J), Jc), 1e-15);
    const G = (p: TensorRecord) => stack([sum(p.a!), mul(p.a!.index(0), p.s!.index(0)), 2]);
    const Jg = rowsFlat(prepare(G, x, { vector: true }).jacobian());
    expect(Array.from(Jg)).to.deep.equal([1, 1, 1, 1, 0, 0.7, 0, 0, 0, x.a.data[0]!, 0, 0, 0, 0, 0]);
  });
  it('refuses the scalar methods on a vector-valued recording, naming .jacobian()', () => {
    const P = prepare(F1, [0.3, -0.8, 0.5], { vector: true });
    expect(() => P.grad()).to.throw(TypeError, /jacobian/);
    expect(() => P.hessian()).to.throw(TypeError, /jacobian/);
    expect(() => P.hessianDiagonal()).to.throw(TypeError, /jacobian/);
  });
});

describe('prepare: a wrong .at() point is refused by name and leaves the recording usable', () => {
  const fa = (x: Num[]) => mul(sin(x[0]!), x[1]!);
  const ft = (t: Tensor) => sum(sin(t));
  const fr = (p: TensorRecord) => mul(sum(p.a!), sum(p.b!));
  const rec = { a: tensor([1, 2]), b: tensor([[3, 4, 5]]) };
  const cases: [string, () => Prepared<never>, unknown, ErrorConstructor, RegExp][] = [
    ['an array of the wrong length', () => prepare(fa, [1, 2]) as never, [1, 2, 3], RangeError, /^prepare\.at: .*\blength 3\b.*\blength 2\b/],
    ['a non-finite entry', () => prepare(fa, [1, 2]) as never, [1, NaN], RangeError, /^prepare\.at: .*\[1\] is NaN/],
    ['a tensor where an array was recorded', () => prepare(fa, [1, 2]) as never, tensor([1, 2]), TypeError, /^prepare\.at: .*\bmust be an array of numbers/],
    ['a tensor of the wrong shape', () => prepare(ft, tensor([[1, 2, 3], [4, 5, 6]])) as never, tensor([[1, 2], [3, 4], [5, 6]]), RangeError, /^prepare\.at: .*\bshape \[3, 2\].*\bshape \[2, 3\]/],
    ['a flat array of the wrong length for a tensor', () => prepare(ft, tensor([[1, 2, 3], [4, 5, 6]])) as never, [1, 2, 3, 4, 5], RangeError, /^prepare\.at: .*\blength 5\b.*\blength 6\b/],
    ['a record missing a key', () => prepare(fr, rec) as never, { a: tensor([1, 2]) }, RangeError, /^prepare\.at: .*\blacks key 'b'/],
    ['a record with an extra key', () => prepare(fr, rec) as never, { ...rec, c: tensor([1]) }, RangeError, /^prepare\.at: .*\bkeys? .*\bc\b/],
    ['a record entry of the wrong shape', () => prepare(fr, rec) as never, { a: tensor([1, 2]), b: tensor([3, 4, 5]) }, RangeError, /^prepare\.at: .*\bb has shape \[3\].*\bshape \[1, 3\]/],
    ['an array where a record was recorded', () => prepare(fr, rec) as never, [1, 2, 3, 4, 5], TypeError, /^prepare\.at: .*\brecord with the keys .*\(a, b\)/],
  ];
  for (const [what, make, bad, Err, msg] of cases) {
    it(`${what}`, () => {
      const P = make() as Prepared<never> & { at(x: unknown): unknown }, v0 = P.value, g0 = flat(P.grad() as TensorPoint);
      expect(() => P.at(bad)).to.throw(Err, msg);
      expect(P.value).to.deep.equal(v0);
      expect(Array.from(flat(P.grad() as TensorPoint))).to.deep.equal(Array.from(g0));
      expect(P.rerecords).to.equal(0);
    });
  }
  it('names the new point and the recorded one differently (no "x has shape [3, 2], x has shape [2, 3]")', () => {
    // Both the argument of .at() and the recorded point are called x, so the
    // messages contradict themselves; one of the two must be named otherwise.
    const msgs = cases.map(([, make, bad]) => { try { (make() as unknown as { at(x: unknown): unknown }).at(bad); return ''; } catch (e) { return (e as Error).message; } });
    const contradictions = msgs.filter((m) => /\bx(\.\w+)? has (length \d+|shape \[[^\]]*\]), x has (length|shape)/.test(m) || /\bx has keys x lacks\b/.test(m) || /\bx must be .* keys of x\b/.test(m));
    expect(contradictions, 'messages that call both points x').to.deep.equal([]);
  });
  it('a tensor recording also moves to a flat array of the right length', () => {
    const P = prepare(ft, tensor([[1, 2, 3], [4, 5, 6]]));
    P.at([0.1, 0.2, 0.3, 0.4, 0.5, 0.6] as never);
    expect(P.value).to.be.closeTo([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].reduce((s, v) => s + Math.sin(v), 0), 1e-15);
    expect((P.grad() as Tensor).shape).to.deep.equal([2, 3]);
  });
});

describe('prepare: the sweep work arrays are reused', () => {
  for (const s of [smooth[0]!, smooth[1]!, kinky[2]!]) {
    it(`for ${s.name}: laneBytes does not grow on a second identical call, nor after .at()`, () => {
      const P = prepare(s.f, s.x as never), [a, b, v] = directions(s.x, 61) as unknown as never[];
      const calls: [string, () => unknown][] = [
        ['grad()', () => P.grad()],
        ['hvp(v)', () => P.hvp(v!)],
        ['hessian()', () => P.hessian()],
        ['hessian({ lanes: 3 })', () => P.hessian({ lanes: 3 })],
        ["hessianDiagonal({ method: 'hyperdual' })", () => P.hessianDiagonal({ method: 'hyperdual' })],
        ["hessianDiagonal({ method: 'hvp' })", () => P.hessianDiagonal({ method: 'hvp' })],
        ['jvp(v)', () => P.jvp(v!)],
        ['directional(a)', () => P.directional(a!)],
        ['hyperdual(a, b)', () => P.hyperdual(a!, b!)],
      ];
      expect(P.laneBytes).to.equal(0);
      for (const [name, call] of calls) {
        call();
        const bytes = P.laneBytes;
        expect(bytes, `${name} allocates work arrays`).to.be.above(0);
        call();
        expect(P.laneBytes, `a second ${name}`).to.equal(bytes);
      }
      // after a move the first one-direction sweeps run over the recording itself (RECORDING_SWEEPS),
      // which may take its own arrays once; then every method, and moving again, allocates nothing
      P.at(s.x as never);
      for (const [, call] of calls) call();
      const steady = P.laneBytes;
      expect(steady, 'at most three work arrays of nodes × default lanes, for the recording and its compacted recording').to.be.at.most(2 * 3 * 8 * DEFAULT_LANES * P.nodes);
      for (const [, call] of calls) call();
      P.at(s.x2 as never);
      for (const [, call] of calls) call();
      expect(P.laneBytes, 'after .at() and every method again').to.equal(steady);
    });
  }
});

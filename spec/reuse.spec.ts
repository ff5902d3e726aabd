/**
 * What one-shot calls and moved recordings reuse (issue 13): pooled tape and
 * work arrays, the capacity remembered per f, and the compaction plan that
 * `.at()` reruns in place. Each must be invisible in the results: pooled
 * arrays are poisoned with NaN between uses, and every reused structure is
 * compared with a fresh one, bit for bit where the arithmetic is the same.
 */
import { expect } from 'chai';
import * as hy from '../lib/index.js';
import { add, grad, hessian, hessianDiagonal, hvp, mul, prepare, setCodegen, sin, sparseHessian, sub, sum, tanh, type Num } from '../lib/index.js';
import { BINARY_NAMES, NU, OP_NAMES, UNARY_NAMES } from '../lib/rules/index.js';
import { pointFree } from '../lib/tape/codegen/replay.js';
import { keptPartials } from '../lib/tape/codegen/evaluate.js';
import { generatedRefresh, generatedReplay } from '../lib/tape/codegen.js';
import { GENERATE_AFTER, recorder, replayer, resetRecorders } from '../lib/tape/codegen/record.js';
import { NOPS, evalNode } from '../lib/tape/node.js';
import { refreshPlan } from '../lib/tape/codegen/refresh.js';
import type { Segment } from '../lib/tape/codegen/loops.js';
import { finitePartials } from '../lib/tape/node.js';
import { drainPool, poisonPool } from '../lib/tape/pool.js';
import { ownCopy, selfContained } from '../lib/tape/codegen/compile.js';
import { forgetRecent } from '../lib/sparsity/memo.js';
import { compact, type Compacted } from '../lib/tape/compact.js';
import { Tape } from '../lib/tape/tape.js';
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

/** The compacted recording a prepared recording sweeps (built on first use, refreshed after a move). */
function compacted(P: object): Compacted {
  (P as unknown as { compactedSweeps(): unknown }).compactedSweeps();
  const f = (P as unknown as { compacted: { recording: Compacted } | null }).compacted;
  expect(f, 'the recording compacts').to.not.equal(null);
  return f!.recording;
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

  it('a new f starts from the size last recorded on as many inputs, and a smaller or larger f still records right', () => {
    // (interpreted sweeps: generated ones, from a structure's third sweep on, may round differently)
    const old = setCodegen('off');
    poisonPool(true);
    try {
      const x = point(300, 0.4), small = (x: Num[]) => mul(x[0]!, x[1]!), large = (y: Num[]) => add(rosen(y), sin(rosen(y)));
      const ref = grad(rosen, x), refSmall = grad(small, x), refLarge = grad(large, x);
      for (let k = 0; k < 3; k++) {
        same(grad((y) => rosen(y), x), ref, `rosen through a new closure, call ${k}`);
        same(grad((y) => small(y), x), refSmall, `a smaller f on as many inputs, call ${k}`);
        same(grad((y) => large(y), x), refLarge, `a larger f on as many inputs, call ${k}`);
        same(prepare((y) => rosen(y), x).grad(), ref, `prepared through a new closure, call ${k}`);
      }
    } finally {
      poisonPool(false);
      setCodegen(old);
    }
  });
});

describe('reuse: .at() reruns the compaction plan, and branches still re-record', () => {
  it('on the fuzzer\'s scalar programs, the moved compacted recording equals a fresh compaction at the new point, bit for bit', () => {
    let checked = 0;
    for (let i = 0; checked < 60 && i < 400; i++) {
      const s = sampleOf(7, i, 0);
      if (s.program.kind !== 'scalar') continue;
      const f = scalarFunction(s.program as ScalarProgram);
      const P = prepare(f, [...s.x0]);
      (P as unknown as { compactedSweeps(): unknown }).compactedSweeps();
      if ((P as unknown as { compacted: unknown }).compacted === null) continue;
      P.at([...s.x1]);
      if (P.rerecords) continue; // (programs that read a primal are recorded afresh instead)
      const moved = compacted(P), fresh = prepare(f, [...s.x1]), rec = recording(fresh), ref = compact(rec.tape, rec.outputs)!;
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

type Op = (...args: (Num | number)[]) => Num;
const opNamed = (name: string): Op => (hy as unknown as Record<string, Op>)[name]!;

/**
 * One loop-built function per op of the rule table, in every recorded form
 * (unary; binary with two traced arguments, a constant right, a constant
 * left): sum over i of op(xᵢ·s, …). Points below put arguments inside and
 * outside each op's domain, on poles and at overflow, so the NaN and ±∞
 * branches of the evaluation are replayed too.
 */
function everyOp(): { name: string; f: (x: Num[]) => Num }[] {
  const out: { name: string; f: (x: Num[]) => Num }[] = [];
  const loop = (term: (x: Num[], i: number) => Num) => (x: Num[]) => sum(x.slice(0, -1).map((_, i) => term(x, i)));
  for (const u of UNARY_NAMES) {
    if (u === 'powc') {
      for (const p of [2, 2.5, -1, 0]) out.push({ name: `pow(x, ${p})`, f: loop((x, i) => hy.pow(x[i]!, p)) });
      continue;
    }
    out.push({ name: u, f: loop((x, i) => opNamed(u)(mul(x[i]!, 1.5))) });
  }
  for (const b of BINARY_NAMES) {
    out.push({ name: `${b}(x, y)`, f: loop((x, i) => opNamed(b)(x[i]!, x[i + 1]!)) });
    out.push({ name: `${b}(x, 1.7)`, f: loop((x, i) => opNamed(b)(x[i]!, 1.7)) });
    out.push({ name: `${b}(-0.6, x)`, f: loop((x, i) => opNamed(b)(-0.6, x[i]!)) });
  }
  return out;
}

/** f's recording replayed at each point by `.at()` under codegen mode m: values, partials and the non-finite flag after each move. */
function replays(f: (x: Num[]) => Num, points: number[][], m: 'always' | 'off'): { val: number[]; par: number[]; nonFinite: boolean; generated: boolean }[] {
  const old = setCodegen(m);
  try {
    const P = prepare(f, points[0]!);
    return points.slice(1).map((x) => {
      P.at(x);
      const t = recording(P).tape;
      return { val: Array.from(t.val.subarray(0, t.n)), par: Array.from(t.par.subarray(0, t.n * 5)), nonFinite: t.nonFinite, generated: generatedReplay(t) !== null };
    });
  } finally {
    setCodegen(old);
  }
}

describe('reuse: the generated replay is the interpreted replay', () => {
  const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  // a generic point, ones spanning domains and poles (0, ±1, negatives), one that overflows
  const points = [spread(12, 0.1, 0.9), spread(12, 0.2, 0.95), spread(12, -2, 2), spread(12, -1, 1), spread(12, 300, 800)];

  it('for every op of the rule table in every recorded form, values, partials and the non-finite flag agree bit for bit', () => {
    let generatedMoves = 0;
    for (const { name, f } of everyOp()) {
      const gen = replays(f, points, 'always'), ref = replays(f, points, 'off');
      gen.forEach((g, k) => {
        same(g.val, ref[k]!.val, `${name} at point ${k + 1}: values`);
        same(g.par, ref[k]!.par, `${name} at point ${k + 1}: partials`);
        expect(g.nonFinite, `${name} at point ${k + 1}: non-finite flag`).to.equal(ref[k]!.nonFinite);
        if (g.generated) generatedMoves++;
      });
    }
    expect(generatedMoves, 'moves replayed by generated code').to.equal(everyOp().length * (points.length - 1));
  });

  it('point-free nodes keep their partials only while every partial is finite: through a NaN and back, bit for bit', () => {
    // exp overflows at 800: ∞ − ∞ is NaN in the point-free nodes (sub, 2·u, u + c), whose partials turn NaN, then finite again
    const f = (x: Num[]) => sum(x.slice(0, -1).map((_, i) => add(mul(2, sub(hy.exp(x[i]!), hy.exp(x[i + 1]!))), 0.5)));
    const pts = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [800, 800, 800, 800, 800, 800], [0.3, 0.1, 0.4, 0.1, 0.5, 0.9], [0.2, 0.7, 0.1, 0.8, 0.2, 0.8], [800, 1, 800, 1, 800, 1]];
    const gen = replays(f, pts, 'always'), ref = replays(f, pts, 'off');
    gen.forEach((g, k) => {
      expect(g.generated, `move ${k}: generated`).to.equal(true);
      same(g.val, ref[k]!.val, `move ${k}: values`);
      same(g.par, ref[k]!.par, `move ${k}: partials`);
      expect(g.nonFinite, `move ${k}: non-finite flag`).to.equal(ref[k]!.nonFinite);
    });
    expect(gen.map((g) => g.nonFinite)).to.deep.equal([true, false, false, true]);
  });

  it('the point-free node forms (every partial kept by the replay) are exactly the affine ones; others keep their constant partials', () => {
    const names: string[] = [];
    for (let c = 0; c < 3 * NOPS; c++) {
      if (c >= NOPS && c % NOPS < NU) continue; // a unary op has no constant-operand form
      if (pointFree(c)) names.push(c < NOPS ? OP_NAMES[c]! : c < 2 * NOPS ? `${OP_NAMES[c % NOPS]}(x, c)` : `${OP_NAMES[c % NOPS]}(c, x)`);
    }
    expect(names).to.deep.equal(['neg', 'add', 'sub', 'add(x, c)', 'sub(x, c)', 'mul(x, c)', 'div(x, c)', 'add(c, x)', 'sub(c, x)', 'mul(c, x)']);
    // x·y: h_aa = 0, h_ab = 1, h_bb = 0 wherever it has a value (bits 2, 3, 4); sin: the missing argument's slots only
    expect(keptPartials(OP_NAMES.indexOf('mul')), 'mul').to.equal(0b11100);
    expect(keptPartials(OP_NAMES.indexOf('sin')), 'sin').to.equal(0b11010);
  });

  it('on the fuzzer\'s scalar programs (loops where they have them), bit for bit', () => {
    let checked = 0;
    for (let i = 0; checked < 80 && i < 400; i++) {
      const s = sampleOf(11, i, 0);
      if (s.program.kind !== 'scalar') continue;
      const f = scalarFunction(s.program as ScalarProgram), pts = [[...s.x0], [...s.x1], [...s.x0]];
      const gen = replays(f, pts, 'always'), ref = replays(f, pts, 'off');
      gen.forEach((g, k) => {
        same(g.val, ref[k]!.val, `program ${i} move ${k}: values`);
        same(g.par, ref[k]!.par, `program ${i} move ${k}: partials`);
        expect(g.nonFinite, `program ${i} move ${k}: non-finite flag`).to.equal(ref[k]!.nonFinite);
      });
      checked++;
    }
    expect(checked).to.equal(80);
  });

  it("under 'auto' the first move is interpreted and later ones generated; a refused new Function keeps the interpreter", () => {
    const x = point(200, 0.3), P = prepare(rosen, x), t = recording(P).tape;
    P.at(point(200, 0.5));
    expect(generatedReplay(t), 'after one move, a second would be generated').to.not.equal(null);
    const Q = prepare(rosen, x), realFunction = globalThis.Function;
    globalThis.Function = function () { throw new EvalError('refused by a Content Security Policy'); } as unknown as FunctionConstructor;
    try {
      Q.at(point(200, 0.5)).at(point(200, 0.6));
      expect(generatedReplay(recording(Q).tape), 'no generated replay without new Function').to.equal(null);
    } finally {
      globalThis.Function = realFunction;
    }
    P.at(point(200, 0.6));
    same(P.grad(), Q.grad(), 'the same gradient either way');
  });

  it('a move leaves the compacted recording stale until it is needed: single sweeps over the recording, then a refresh', () => {
    const x = point(60, 0.3), x2 = point(60, 0.8), v = point(60, 1.1), P = prepare(rosen, x);
    P.hessian();
    P.at(x2);
    const fresh = prepare(rosen, x2);
    // answers equal a fresh recording's to rounding whichever copy serves them; several sweeps in a row
    for (let k = 0; k < 4; k++) {
      P.grad().forEach((g, i) => expect(g, `grad ${k}`).to.be.closeTo(fresh.grad()[i]!, 1e-12 * (1 + Math.abs(g))));
      P.hvp(v).forEach((g, i) => expect(g, `hvp ${k}`).to.be.closeTo(fresh.hvp(v)[i]!, 1e-12 * (1 + Math.abs(g))));
    }
    same(P.hessianDiagonal(), fresh.hessianDiagonal(), 'the diagonal (on the refreshed copy)');
  });
});

/** f recorded at each point under codegen mode m, the pool poisoned: everything a recording stores. */
function recordings(f: (x: Num[]) => Num, points: number[][], m: 'always' | 'off') {
  const old = setCodegen(m);
  poisonPool(true);
  try {
    return points.map((x) => {
      const t = recording(prepare(f, x)).tape, n = t.n;
      return {
        ints: [...t.op.subarray(0, n), ...t.a.subarray(0, n), ...t.b.subarray(0, n)],
        val: Array.from(t.val.subarray(0, n)), prm: Array.from(t.prm.subarray(0, n)), par: Array.from(t.par.subarray(0, n * 5)), nonFinite: t.nonFinite,
      };
    });
  } finally {
    poisonPool(false);
    setCodegen(old);
  }
}

describe('reuse: the generated recorders are the interpreted recorder', () => {
  const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  const points = [spread(12, 0.1, 0.9), spread(12, -2, 2), spread(12, -1, 1), spread(12, 300, 800)];
  const agree = (gen: ReturnType<typeof recordings>, ref: ReturnType<typeof recordings>, what: string) =>
    gen.forEach((g, k) => {
      same(g.ints, ref[k]!.ints, `${what} at point ${k}: op codes and arguments`);
      same(g.val, ref[k]!.val, `${what} at point ${k}: values`);
      same(g.prm, ref[k]!.prm, `${what} at point ${k}: parameters`);
      same(g.par, ref[k]!.par, `${what} at point ${k}: partials`);
      expect(g.nonFinite, `${what} at point ${k}: non-finite flag`).to.equal(ref[k]!.nonFinite);
    });

  it('for every op of the rule table in every recorded form (poles, domain edges, overflow), every stored number agrees bit for bit', () => {
    for (const { name, f } of everyOp()) agree(recordings(f, points, 'always'), recordings(f, points, 'off'), name);
  });

  it('on the fuzzer\'s scalar programs, bit for bit', () => {
    let checked = 0;
    for (let i = 0; checked < 80 && i < 400; i++) {
      const s = sampleOf(12, i, 0);
      if (s.program.kind !== 'scalar') continue;
      const f = scalarFunction(s.program as ScalarProgram), pts = [[...s.x0], [...s.x1]];
      agree(recordings(f, pts, 'always'), recordings(f, pts, 'off'), `program ${i}`);
      checked++;
    }
    expect(checked).to.equal(80);
  });

  it("a new codegen mode reaches the ops at their next node: 'off' records with the interpreter at once, and back again the generated recorder", () => {
    const g = (y: Num[]) => mul(y[0]!, y[1]!);
    const before = setCodegen('always');
    try { grad(g, [1, 2]); } finally { setCodegen(before); } // (mul's recorder generated, whatever ran before)
    const binary = Tape.prototype.binary;
    let calls = 0;
    Tape.prototype.binary = function (this: Tape, ...args: Parameters<Tape['binary']>) { calls++; return binary.apply(this, args); };
    try {
      const old = setCodegen('off');
      try { grad(g, [1, 2]); } finally { setCodegen(old); }
      expect(calls, "under 'off'").to.equal(1);
      calls = 0;
      grad(g, [1, 2]);
      expect(calls, "back under 'auto'").to.equal(0);
      // a reset (after a refused new Function) reaches them at once too
      const realFunction = globalThis.Function;
      globalThis.Function = function () { throw new EvalError('refused by a Content Security Policy'); } as unknown as FunctionConstructor;
      try {
        resetRecorders();
        grad(g, [1, 2]);
        expect(calls, 'after a reset under a refused new Function').to.equal(1);
      } finally {
        globalThis.Function = realFunction;
        resetRecorders();
      }
    } finally {
      Tape.prototype.binary = binary;
    }
  });

  it("under 'auto' an op is recorded by the interpreter at first, then by its generated recorder; a refused new Function keeps the interpreter", () => {
    // (node code 2: any op's recorder behaves alike)
    resetRecorders();
    const interpreted = recorder(2);
    for (let k = 1; k < GENERATE_AFTER; k++) expect(recorder(2), `node ${k}`).to.equal(interpreted);
    expect(recorder(2), 'after GENERATE_AFTER nodes').to.not.equal(interpreted);
    resetRecorders();
    const realFunction = globalThis.Function;
    globalThis.Function = function () { throw new EvalError('refused by a Content Security Policy'); } as unknown as FunctionConstructor;
    try {
      for (let k = 0; k <= GENERATE_AFTER + 1; k++) expect(recorder(2)).to.equal(interpreted);
      const x = point(300, 0.4);
      same(grad(rosen, x), (() => { resetRecorders(); globalThis.Function = realFunction; return grad(rosen, x); })(), 'the same gradient either way');
    } finally {
      globalThis.Function = realFunction;
      resetRecorders();
    }
  });
});

describe('reuse: each op is its own compiled copy of the lifted function (ownCopy)', () => {
  /** the stack of the error a call throws */
  const stackOf = (call: () => unknown): string => { try { call(); } catch (e) { return String((e as Error).stack); } throw new Error('no error'); };

  it('the exported ops and the method forms run from copies of their own (named per op in stack traces)', () => {
    expect(stackOf(() => mul({} as never, 1))).to.include('hyperad-generated/binaryLift/mul');
    expect(stackOf(() => sin('x' as never))).to.include('hyperad-generated/unaryLift/sin');
    const kept: Num[] = [];
    grad((x) => { kept.push(x[0]!); return x[0]!; }, [1]);
    expect(stackOf(() => (kept[0] as unknown as { mul(y: Num): Num }).mul(kept[0]!))).to.include('hyperad-generated/binaryMethod/mul');
  });

  it('a text is self-contained when it names only its parameters, its declarations and a few globals', () => {
    expect(selfContained('function f(a, b) { return (x, y) => { const r = a(x), t = b(y, x); return typeof r === "number" ? r + t : t; }; }')).to.equal(true);
    expect(selfContained('(a) => (x) => _instanceof(x, a)'), 'a compiler\'s helper').to.equal(false);
    expect(selfContained('function f(a) { cov_1().s[0]++; return (x) => a(x); }'), 'a coverage counter').to.equal(false);
    expect(selfContained('function f(a) { return (x) => { const r = a(x, _h(x)); return r; }; }'), 'a helper inside an initialiser\'s call').to.equal(false);
    expect(selfContained('(a) => (x) => `${a}`'), 'a template').to.equal(false);
  });

  it('a factory whose text is not self-contained, a copy that fails its check, or a refused new Function: the factory itself', () => {
    const offset = 3;
    const factory = (k: number) => (x: number) => x * k + offset; // (offset is not in the copy's scope: the copy throws)
    const made = ownCopy(factory, 'spec', [2], (g) => g(1) === 5);
    expect(made(1)).to.equal(5);
    expect(made.toString()).to.equal(factory(2).toString());
    const plain = (k: number) => (x: number) => x * k;
    expect(ownCopy(plain, 'spec', [2], () => false)(4), 'check refused').to.equal(8);
    const realFunction = globalThis.Function;
    globalThis.Function = function () { throw new EvalError('refused by a Content Security Policy'); } as unknown as FunctionConstructor;
    try {
      expect(ownCopy(plain, 'spec', [3], (g) => g(1) === 3)(2), 'refused').to.equal(6);
    } finally {
      globalThis.Function = realFunction;
    }
  });
});

describe('reuse: sparsity remembered for the next recording of the same f (sparsity/memo.ts)', () => {
  // what the prepared recording's analysis finds remembered for its structure (lib/transforms/analysis.ts)
  const patternOf = (P: object) => (P as unknown as { analysis: { found: { pattern?: unknown } } }).analysis.found.pattern;

  it('a structurally identical recording takes the pattern found before; the answers equal a never-seen f\'s, bit for bit', () => {
    const f = (x: Num[]) => rosen(x), x = point(40, 0.3), x2 = point(40, 0.7);
    const P = prepare(f, x);
    P.hessianDiagonal();
    expect(patternOf(P), 'found by the first recording').to.not.equal(undefined);
    const Q = prepare(f, x2);
    expect(patternOf(Q), 'taken from the first recording').to.equal(patternOf(P));
    const mine = Q.hessianDiagonal(), once = hessianDiagonal(f, x2);
    forgetRecent(); // the references detect from scratch
    same(mine, prepare((x: Num[]) => rosen(x), x2).hessianDiagonal(), 'diagonal');
    forgetRecent();
    same(once, hessianDiagonal((x: Num[]) => rosen(x), x2), 'one-shot diagonal');
  });

  it('a new closure with the same structure (a training loop\'s per-batch closure) takes the pattern too; another structure does not', () => {
    const x = point(40, 0.3), P = prepare((x: Num[]) => rosen(x), x);
    P.hessianDiagonal();
    const Q = prepare((x: Num[]) => rosen(x), point(40, 0.6));
    expect(patternOf(Q), 'a recent structure, whatever f').to.equal(patternOf(P));
    const R = prepare((x: Num[]) => rosen(x.slice(1)), point(40, 0.6));
    expect(patternOf(R), 'another structure').to.equal(undefined);
  });

  /** a sparse Hessian as dense rows */
  const dense = (S: { rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array }, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const row = new Float64Array(n);
      for (let k = S.rowPtr[i]!; k < S.rowPtr[i + 1]!; k++) row[S.colIdx[k]!] = S.values[k]!;
      return row;
    });
  const near = (got: Float64Array[], want: Float64Array[], what: string) =>
    want.forEach((row, i) => row.forEach((v, j) => expect(got[i]![j], `${what}: H_${i},${j}`).to.be.closeTo(v, 1e-12 * (1 + Math.abs(v)))));

  it('the sparse Hessian of a recording whose structure differs only by a parameter (x^1 → x^3) or a gather\'s indices is found again, right', () => {
    let exponent = 1;
    const f = (x: Num[]) => sum(x.map((v, i) => (i % 2 ? hy.pow(v, exponent) : mul(v, x[(i + 1) % x.length]!))));
    const x = point(40, 0.4);
    sparseHessian(f, x);
    exponent = 3;
    near(dense(sparseHessian(f, x), 40), hessian(f, x), 'x^3 after x^1');
    // a gather (take) whose indices change: the block's signature differs
    let idx = [3, 4, 5];
    const g = (t: hy.Tensor) => sum(mul(hy.take(t, [0, 1, 2]), hy.take(t, idx)));
    const t = hy.tensor(point(6, 0.2));
    sparseHessian(g, t);
    idx = [5, 3, 4];
    near(dense(sparseHessian(g, t), 6), hessian(g, t), 'other indices');
  });

  it('a branch to another structure, or a parameter turning an op linear, is detected again', () => {
    let exponent = 1;
    const f = (x: Num[]) => sum(x.map((v, i) => (i % 2 ? hy.pow(v, exponent) : mul(v, v))));
    const x = point(12, 0.4);
    // x^1 is linear: the odd inputs have no diagonal entry in the pattern; at x^3 they do
    hessianDiagonal(f, x);
    exponent = 3;
    const d = hessianDiagonal(f, x);
    d.forEach((h, i) => expect(h, `H_${i}${i}`).to.be.closeTo(i % 2 ? 6 * x[i]! : 2, 1e-12));
    // a branch on a primal: the structure (and the pattern) changes with the sign of x₀
    const g = (x: Num[]) => ((x[0] as hy.Value).value > 0 ? sum(x.map((v) => mul(v, v))) : mul(x[0]!, sum(x)));
    const pos = point(8, 0.4).map(Math.abs), neg = pos.map((v, i) => (i === 0 ? -v : v));
    same(hessianDiagonal(g, pos), pos.map(() => 2), 'x₀ > 0: 2 everywhere');
    same(hessianDiagonal(g, neg), neg.map((_, i) => (i === 0 ? 2 : 0)), 'x₀ < 0: x₀·Σx');
    same(hessianDiagonal(g, pos), pos.map(() => 2), 'and back');
  });
});

/** f prepared under codegen mode m and moved to each point: the compacted recording's partials and non-finite flag after each move. */
function refreshes(f: (x: Num[]) => Num, points: number[][], m: 'always' | 'off'): { par: number[]; nonFinite: boolean; generated: boolean }[] | null {
  const old = setCodegen(m);
  poisonPool(true);
  try {
    const P = prepare(f, points[0]!);
    (P as unknown as { compactedSweeps(): unknown }).compactedSweeps();
    if ((P as unknown as { compacted: unknown }).compacted === null) return null;
    const out = points.slice(1).map((x) => {
      P.at(x);
      const c = compacted(P), t = recording(P).tape;
      return { par: Array.from(c.tape.par.subarray(0, c.tape.n * 5)), nonFinite: c.tape.nonFinite, generated: generatedRefresh(t, (P as unknown as { compacted: { recording: Compacted } }).compacted.recording) !== null };
    });
    return P.rerecords ? null : out;
  } finally {
    poisonPool(false);
    setCodegen(old);
  }
}

describe('reuse: the generated refresh of the compacted recording is the interpreted refresh', () => {
  const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  // a generic point, ones spanning domains and poles (the careful fold where a partial is ±∞ or NaN), one that overflows
  const points = [spread(12, 0.1, 0.9), spread(12, 0.2, 0.95), spread(12, -2, 2), spread(12, -1, 1), spread(12, 300, 800), spread(12, 0.3, 0.7)];

  it('for every op of the rule table in every recorded form, the moved copy\'s partials and flag agree bit for bit', () => {
    let generated = 0, careful = 0;
    for (const { name, f } of [...everyOp(), { name: 'rosenbrock', f: rosen }]) {
      const gen = refreshes(f, points, 'always'), ref = refreshes(f, points, 'off');
      if (!gen || !ref) continue;
      gen.forEach((g, k) => {
        same(g.par, ref[k]!.par, `${name} at point ${k + 1}: partials`);
        expect(g.nonFinite, `${name} at point ${k + 1}: non-finite flag`).to.equal(ref[k]!.nonFinite);
        if (g.generated) generated++;
        if (g.generated && g.nonFinite) careful++;
      });
    }
    expect(generated, 'moves refreshed by generated code').to.be.at.least(20);
    expect(careful, 'generated moves through the careful fold').to.be.at.least(5);
  });

  it('on the fuzzer\'s scalar programs, bit for bit', () => {
    let checked = 0;
    for (let i = 0; checked < 60 && i < 600; i++) {
      const s = sampleOf(13, i, 0);
      if (s.program.kind !== 'scalar') continue;
      const f = scalarFunction(s.program as ScalarProgram), pts = [[...s.x0], [...s.x1], [...s.x0]];
      const gen = refreshes(f, pts, 'always'), ref = refreshes(f, pts, 'off');
      if (!gen || !ref) continue;
      gen.forEach((g, k) => {
        same(g.par, ref[k]!.par, `program ${i} move ${k}: partials`);
        expect(g.nonFinite, `program ${i} move ${k}: non-finite flag`).to.equal(ref[k]!.nonFinite);
      });
      checked++;
    }
    expect(checked, 'programs that compact').to.be.at.least(30);
  });

  it("under 'auto' the first refresh is interpreted and later ones generated; a refused new Function keeps the interpreter", () => {
    const x = point(200, 0.3), P = prepare(rosen, x);
    const copyOf = (Q: object) => (Q as unknown as { compacted: { recording: Compacted } }).compacted.recording;
    P.hessianDiagonal();
    P.at(point(200, 0.5)).hessianDiagonal();
    expect(generatedRefresh(recording(P).tape, copyOf(P)), 'after one refresh, the next is generated').to.not.equal(null);
    const Q = prepare(rosen, x), realFunction = globalThis.Function;
    Q.hessianDiagonal();
    globalThis.Function = function () { throw new EvalError('refused by a Content Security Policy'); } as unknown as FunctionConstructor;
    try {
      Q.at(point(200, 0.5)).hessianDiagonal();
      Q.at(point(200, 0.6)).hessianDiagonal();
      expect(generatedRefresh(recording(Q).tape, copyOf(Q)), 'no generated refresh without new Function').to.equal(null);
    } finally {
      globalThis.Function = realFunction;
    }
    P.at(point(200, 0.6));
    same(P.hessianDiagonal(), Q.hessianDiagonal(), 'the same diagonal either way');
  });
});

describe('reuse: sum and dot over tape values record what the add and mul loop records', () => {
  const tapeOf = (f: (x: Num[]) => Num, x: number[]) => {
    const t = recording(prepare(f, x)).tape, n = t.n;
    return [...t.op.subarray(0, n), ...t.a.subarray(0, n), ...t.b.subarray(0, n), ...t.val.subarray(0, n), ...t.prm.subarray(0, n), ...t.par.subarray(0, n * 5)];
  };
  const bySum = (xs: Num[]): Num => { let s: Num = 0; for (let i = 0; i < xs.length; i++) s = i === 0 ? xs[0]! : add(s, xs[i]!); return s; };
  const byDot = (xs: Num[], ys: Num[]): Num => { let s: Num = 0; for (let i = 0; i < xs.length; i++) s = i === 0 ? mul(xs[0]!, ys[0]!) : add(s, mul(xs[i]!, ys[i]!)); return s; };
  // entries: traced, numbers first, in the middle, last, alone; products of traced and numbers both ways
  const mixes: ((x: Num[]) => Num[])[] = [
    (x) => x, (x) => [2, 3, ...x], (x) => [x[0]!, 2.5, x[1]!, -1, x[2]!], (x) => [...x, 7], (x) => [x[1]!], (x) => [4, x[0]!],
    (x) => x.map((v, i) => (i % 2 ? mul(v, v) : v)),
  ];

  it('sum: the same nodes, values and partials, bit for bit, for numbers and tape values in any mix', () => {
    const x = [0.3, -1.2, 2.1];
    mixes.forEach((m, k) => same(tapeOf((v) => sum(m(v)), x), tapeOf((v) => bySum(m(v)), x), `mix ${k}`));
  });

  it('dot: the same, with numbers on either side', () => {
    const x = [0.3, -1.2, 2.1];
    mixes.forEach((m, k) => {
      const other = (v: Num[]) => m(v).map((_, i) => (i % 3 === 0 ? 1.5 + i : v[i % v.length]!));
      same(tapeOf((v) => hy.dot(m(v), other(v)), x), tapeOf((v) => byDot(m(v), other(v)), x), `mix ${k}, traced second`);
      same(tapeOf((v) => hy.dot(other(v), m(v)), x), tapeOf((v) => byDot(other(v), m(v)), x), `mix ${k}, traced first`);
    });
  });

  it('sums of numbers only stay numbers; values of an ended evaluation still get the error naming them', () => {
    expect(sum([1, 2, 3.5])).to.equal(6.5);
    expect(hy.dot([1, 2], [3, 4])).to.equal(11);
    let kept: Num[] = [];
    grad((x: Num[]) => { kept = x; return sum(x); }, [1, 2]);
    expect(() => grad((x: Num[]) => sum([...x, ...kept]), [1, 2])).to.throw(/earlier grad evaluation/);
  });
});

describe('reuse: the generated node replayers are evalNode', () => {
  it('for every op of the rule table in every recorded form (poles, domain edges, overflow), value, partials and the non-finite answer agree bit for bit', () => {
    const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    const points = [spread(12, 0.1, 0.9), spread(12, -2, 2), spread(12, -1, 1), spread(12, 300, 800)];
    const old = setCodegen('always');
    let nodes = 0;
    try {
      for (const { name, f } of everyOp()) {
        for (const x of points) {
          const t = recording(prepare(f, x)).tape, { op, a, b, prm } = t;
          // move the inputs, then replay each node both ways from the same arguments
          for (let j = 1; j <= t.nIn; j++) t.val[j] = t.val[j]! * 1.1 + 0.05;
          for (let i = t.nIn + 1; i < t.n; i++) {
            if (op[i]! < 0) continue;
            const ref = new Float64Array(5), v = evalNode(op[i]!, t.val[a[i]!]!, t.val[b[i]!]!, prm[i]!, ref, 0);
            const r = replayer(op[i]!)!, nonFinite = r(t, i);
            expect(r, `${name}: a replayer`).to.be.a('function');
            same([t.val[i]!], [v], `${name} node ${i}: value`);
            same(t.par.subarray(i * 5, i * 5 + 5), ref, `${name} node ${i}: partials`);
            expect(nonFinite, `${name} node ${i}: non-finite`).to.equal(!finitePartials(ref, 0));
            nodes++;
          }
        }
      }
    } finally {
      setCodegen(old);
    }
    expect(nodes).to.be.above(500);
  });
});

describe('reuse: what is remembered per f is never handed out', () => {
  const f = (x: Num[]) => sum(x.slice(0, -1).map((v, i) => sin(mul(v, x[i + 1]!))));
  const x = point(8, 0.6);

  it('editing a returned pattern or sparse Hessian changes nothing for later calls', () => {
    const fresh = () => (x: Num[]) => f(x);
    const p = hy.hessianSparsity(f, x);
    p.colIdx.fill(0); p.rowPtr.fill(0);
    const s = hy.sparseHessian(f, x);
    s.colIdx.fill(0);
    same(hy.hessianSparsity(f, x).colIdx, hy.hessianSparsity(fresh(), x).colIdx, 'pattern');
    same(hy.sparseHessian(f, x).colIdx, hy.sparseHessian(fresh(), x).colIdx, 'sparse Hessian');
    same(hessianDiagonal(f, x, { method: 'sparse', lanes: 2 }), hessianDiagonal(fresh(), x, { method: 'sparse', lanes: 2 }), 'sparse diagonal');
  });
});

describe('reuse: the generated refresh takes only loops whose plan truly repeats', () => {
  it('a repetition that folds a node repetition 0 keeps is refused (two repetitions, a hand-made loop)', () => {
    // n4 = x0·x1 is kept (used twice), n5 = x1·x2 folds into sin: a "loop" of one node over n4, n5
    const g = (x: Num[]) => { const n4 = mul(x[0]!, x[1]!), n6 = sin(mul(x[1]!, x[2]!)); return mul(n4, add(n4, n6)); };
    const P = prepare(g, [0.3, -0.7, 1.1]), t = recording(P).tape;
    (P as unknown as { compactedSweeps(): unknown }).compactedSweeps();
    const copy = (P as unknown as { compacted: { recording: Compacted } }).compacted.recording;
    const loop = { lo: t.nIn + 1, p: 1, R: 2, ops: [[{ kind: 'zero' }, { kind: 'zero' }]], nIn: t.nIn, read: [true] } as unknown as Segment;
    expect(refreshPlan(copy, t.n, [loop])).to.equal(null);
  });
});

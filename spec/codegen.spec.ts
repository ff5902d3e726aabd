/**
 * Generated sweeps (lib/tape/codegen.ts): the loops of a compacted recording
 * become small specialised functions.
 *  - loops: `findSegments` splits the Rosenbrock chain into one node and a
 *    loop of period 2 (a term of two strided inputs, then a link reading the
 *    previous link and this term), Σ sin xᵢ into one node and a loop of
 *    period 1; on regular and irregular recordings the segments tile the
 *    computed nodes in order, every loop has at least `minReps` repetitions,
 *    its operands name exactly the slots the recording reads, and every loop
 *    node read from memory is marked so;
 *  - sweeps: the generated tangent, Taylor-2, reverse and
 *    forward-over-reverse sweeps of the loops 'auto' compiles (minReps 3, 4)
 *    equal the interpreted ones, one lane and three;
 *  - agreement: under setCodegen('always') every transform (one lane and
 *    K lanes, forward and reverse) equals the interpreted sweeps
 *    (setCodegen('off')) on chains, a dense function, an irregular one, one
 *    with unary nodes inside a loop, one whose output is a middle node and
 *    one whose output is an input; after `.at(x1)` the generated code is
 *    carried over and the results equal a fresh recording at x1;
 *  - policy: 'auto' generates from CODEGEN_MIN_NODES computed nodes on, not
 *    on a recording's first sweep but on a later one; 'off' never;
 *    non-finite partials and a refused `new Function` fall back to the
 *    interpreted kernels with identical results; setCodegen refuses an
 *    unknown mode by name;
 *  - every kernel's source for the Rosenbrock loop compiles.
 *
 * Errors: max |got − ref| / max |ref| over one result (exact when ref is 0).
 */
import { expect } from 'chai';
import {
  CODEGEN_MIN_NODES, add, cos, exp, grad, hessianDiagonal, hvp, log, mul, prepare, setCodegen, sin, sqrt, tanh, type CodegenMode, type Num,
  type Prepared,
} from '../lib/index.js';
import { poisonPool } from '../lib/tape/pool.js';
import { Generated, codegenMode, forgetStructures, generated, samePrefix } from '../lib/tape/codegen.js';
import { findSegments, isLoop, type Loop, type Operand, type Segment } from '../lib/tape/codegen/loops.js';
import { PARAMS, loopSource, type Kernel } from '../lib/tape/codegen/emit.js';
import { compact } from '../lib/tape/compact.js';
import type { SweepTape } from '../lib/tape/block.js';
import { forwardSecond, forwardTangent, reverse, reverseTangent } from '../lib/tape/sweeps.js';
import { rosenbrock, trigonometric } from '../scripts/workloads/index.js';
import { mulberry32, randomVector } from './support/random.js';
import { logisticChain } from './support/chains.js';

/**
 * Generated against interpreted: the generated code evaluates the kernels'
 * formulas term for term, only summing some adjoints in a different order.
 */
const TOL = 1e-12;

type F = (x: Num[]) => Num;

/** Runs body under codegen mode m, restoring the previous mode whatever happens. */
function under<T>(m: CodegenMode, body: () => T): T {
  const old = setCodegen(m);
  try {
    return body();
  } finally {
    setCodegen(old);
  }
}

/** The compacted recording P's repeated sweeps run on (built, or brought to P's point, on demand) and its output slot. */
function compacted(P: Prepared<number[]>): { tape: SweepTape; out: number } {
  (P as any).compactedSweeps();
  const compacted = (P as any).compacted as { w: { tape: SweepTape }; outputs: Int32Array } | null;
  expect(compacted, 'the recording compacts').to.not.equal(null);
  return { tape: compacted!.w.tape, out: compacted!.outputs[0]! };
}

/** A fresh compacted recording of f's recording at x: a tape no sweep has seen yet. */
function freshTape(f: F, x: number[]): SweepTape {
  const rec = (prepare(f, x) as any).rec as { tape: Parameters<typeof compact>[0]; outputs: Int32Array };
  return compact(rec.tape, rec.outputs)!.tape;
}

const loopsOf = (segs: Segment[]): Loop[] => segs.filter(isLoop);
const end = (s: Segment): number => (isLoop(s) ? s.lo + s.p * s.R : s.hi);

// ---------------------------------------------------------------- the functions

/** The Rosenbrock chain of the benchmarks (scripts/workloads/chains.ts): s = i === 0 ? term : add(s, term). */
const chain: F = (x) => rosenbrock(x.length).f(x);
/** Σ sin xᵢ as a running sum. */
const sines: F = (x) => {
  let s: Num = 0;
  for (let i = 0; i < x.length; i++) s = i === 0 ? sin(x[i]!) : add(s, sin(x[i]!));
  return s;
};
/** The MGH trigonometric function (W4): a dense Hessian. */
const dense: F = (x) => trigonometric(x.length).f(x);
/** Products, exp and log mixing xᵢ with x_{7i mod n}: no period in its argument slots. */
const irregular: F = (x) => {
  const n = x.length;
  let s: Num = 0;
  for (let i = 0; i < n; i++) {
    const j = (7 * i) % n;
    const t = i % 3 === 0 ? mul(x[i]!, exp(x[j]!)) : i % 3 === 1 ? log(add(1.5, mul(x[i]!, x[j]!))) : mul(sin(x[i]!), mul(x[j]!, x[(i + 1) % n]!));
    s = i === 0 ? t : add(s, t);
  }
  return s;
};
/** s ← (tanh s + e^{−s²/2}) xᵢ + tanh s · e^{−s²/2}: tanh s and e^{−s²/2} stay unary nodes of the loop (s and each have two uses). */
const unary: F = (x) => {
  let s = x[0]!;
  for (let i = 1; i < x.length; i++) {
    const u = tanh(s), w = exp(mul(-0.5, mul(s, s)));
    s = add(mul(add(u, w), x[i]!), mul(u, w));
  }
  return s;
};
/** s ← s cos xᵢ + xᵢ, returning the tenth link: the output is in the middle of the loop, later nodes are dead. */
const middle: F = (x) => {
  let s: Num = 0, kept: Num = 0;
  for (let i = 0; i < x.length; i++) {
    s = i === 0 ? sin(x[i]!) : add(mul(s, cos(x[i]!)), x[i]!);
    if (i === 9) kept = s;
  }
  return kept;
};
/** A loop of dead nodes, returning the input x₃. */
const input: F = (x) => {
  let s: Num = 0;
  for (let i = 0; i < x.length; i++) s = i === 0 ? sin(x[i]!) : add(s, mul(x[i]!, x[i]!));
  void s;
  return x[3]!;
};
/**
 * Logistic regression over 6 samples of 26 features: each sample is a
 * repetition of about 28 nodes, so the loop's period runs past 22 (two-digit
 * offsets: generated names must not collide), and its first nodes are linear
 * in the inputs (second coefficients exactly 0).
 */
const logisticLong: F = logisticChain(6);
/** A random program of 80 nodes (seeded): arguments picked anywhere before, bounded ops. */
const program = (seed: number): F => (x) => {
  const rand = mulberry32(seed), vals: Num[] = [...x], pick = () => vals[Math.floor(rand() * vals.length)]!;
  for (let k = 0; k < 80; k++) {
    const a = pick(), b = pick(), c = Math.floor(rand() * 5);
    vals.push(c === 0 ? add(a, b) : c === 1 ? mul(a, b) : c === 2 ? sin(a) : c === 3 ? tanh(mul(a, b)) : exp(tanh(a)));
  }
  return vals.slice(-6).reduce((s, v) => add(s, v));
};

interface Subject { name: string; f: F; n: number }
const subjects: Subject[] = [
  { name: 'the Rosenbrock chain', f: chain, n: 50 },
  { name: 'Σ sin xᵢ', f: sines, n: 50 },
  { name: 'the MGH trigonometric function (dense)', f: dense, n: 20 },
  { name: 'an irregular function (x[i] with x[7i mod n])', f: irregular, n: 20 },
  { name: 'a loop with unary nodes (tanh, exp)', f: unary, n: 20 },
  { name: 'a function whose output is a middle node of a loop', f: middle, n: 20 },
  { name: 'a function whose output is an input', f: input, n: 20 },
  { name: 'logistic regression, 26 features (a period past 22, linear first nodes)', f: logisticLong, n: 26 },
];

// ---------------------------------------------------------------- loops

/** The slot operand op of a loop reads in repetition r (0 for 'zero': the zero slot, no argument). */
function slotOf(L: Loop, op: Operand, r: number): number {
  switch (op.kind) {
    case 'zero': return 0;
    case 'fixed': return op.slot;
    case 'local': return L.lo + r * L.p + op.o;
    case 'carried': return L.lo + (r - 1) * L.p + op.o;
    case 'strided': return op.slot + r * op.d;
  }
}

/** Checks the segments of t: a tiling of [nIn + 1, n), loops of ≥ minReps repetitions whose operands give the recording's slots. */
function expectWellFormed(t: SweepTape, segs: Segment[], minReps: number, label: string): void {
  expect(segs.length, label).to.be.above(0);
  let at = t.nIn + 1;
  for (const s of segs) {
    expect(s.lo, `${label}: segments in order, no gap, no overlap`).to.equal(at);
    expect(end(s), `${label}: a segment is not empty`).to.be.above(s.lo);
    at = end(s);
    if (!isLoop(s)) continue;
    expect(s.R, `${label}: loop at ${s.lo} has at least minReps repetitions`).to.be.at.least(minReps);
    expect(s.nIn).to.equal(t.nIn);
    expect(s.ops.length).to.equal(s.p);
    expect(s.read.length).to.equal(s.p);
    s.ops.forEach((pair, o) => pair.forEach((op, side) => {
      if (op.kind === 'local') expect(op.o, `${label}: a local operand is an earlier offset`).to.be.within(0, o - 1);
      if (op.kind === 'carried') expect(op.o, `${label}: a carried operand is an offset`).to.be.within(0, s.p - 1);
      for (let r = 0; r < s.R; r++) {
        const j = s.lo + r * s.p + o;
        expect(slotOf(s, op, r), `${label}: node ${j} argument ${side} (${op.kind})`).to.equal((side ? t.b : t.a)[j]);
      }
    }));
  }
  expect(at, `${label}: the segments reach the last node`).to.equal(t.n);
}

/**
 * Checks `read`: every loop node some sweep reads from memory (an argument of
 * a gap node, a fixed or strided operand, a loop's carried predecessor) has
 * its offset marked, or a forward sweep that stores fewer tangents would
 * leave it unwritten. (The output is stored by the repetitions from its own
 * on, see `keepFrom` in lib/tape/codegen.ts.)
 */
function expectReadsMarked(t: SweepTape, segs: Segment[], label: string): void {
  const fromMemory = new Set<number>();
  for (const s of segs) {
    if (!isLoop(s)) { for (let i = s.lo; i < s.hi; i++) fromMemory.add(t.a[i]!).add(t.b[i]!); continue; }
    for (const pair of s.ops) {
      for (const op of pair) {
        if (op.kind === 'fixed' || op.kind === 'strided') for (let r = 0; r < s.R; r++) fromMemory.add(slotOf(s, op, r));
        if (op.kind === 'carried') fromMemory.add(slotOf(s, op, 0));
      }
    }
  }
  for (const L of loopsOf(segs)) {
    for (let j = L.lo; j < end(L); j++) {
      if (fromMemory.has(j)) expect(L.read[(j - L.lo) % L.p], `${label}: node ${j} is read from memory`).to.equal(true);
    }
  }
}

describe('codegen: loops in a compacted recording (findSegments)', () => {
  const x50 = randomVector(mulberry32(1), 50);

  for (const minReps of [3, 4]) {
    it(`the Rosenbrock chain (n = 50, minReps ${minReps}): one node, then a loop of period 2 over all the others`, () => {
      const { tape: t } = compacted(prepare(chain, x50));
      expect(t.nIn).to.equal(50);
      expect(t.n - t.nIn - 1, 'computed nodes: 49 terms and 48 links').to.equal(97);
      const segs = findSegments(t, minReps);
      expect(segs.length).to.equal(2);
      expect(isLoop(segs[0]!)).to.equal(false);
      expect(segs[0]).to.deep.equal({ lo: 51, hi: 52 });
      const L = segs[1] as Loop;
      expect(isLoop(L)).to.equal(true);
      expect([L.lo, L.p, L.R], '[lo, p, R]').to.deep.equal([52, 2, 48]);
      // offset 0: a term of (xᵢ₊₁, xᵢ₊₂), both moving by one input per repetition
      expect(L.ops[0]).to.deep.equal([{ kind: 'strided', slot: 2, d: 1 }, { kind: 'strided', slot: 3, d: 1 }]);
      // offset 1: the link s ← s + term, s the previous repetition's link, term this repetition's offset 0
      expect(L.ops[1]).to.deep.equal([{ kind: 'carried', o: 1 }, { kind: 'local', o: 0 }]);
    });
  }

  it('Σ sin xᵢ (n = 50): one node, then a loop of period 1 over all the others', () => {
    const { tape: t } = compacted(prepare(sines, x50));
    const segs = findSegments(t, 4);
    expect(segs.length).to.equal(2);
    expect(segs[0]).to.deep.equal({ lo: 51, hi: 52 });
    const L = segs[1] as Loop;
    expect([L.lo, L.p, L.R]).to.deep.equal([52, 1, 48]);
    expect(L.ops[0]).to.deep.equal([{ kind: 'carried', o: 0 }, { kind: 'strided', slot: 3, d: 1 }]);
  });

  it('a loop with unary nodes: their second operand is the zero slot', () => {
    const { tape: t } = compacted(prepare(unary, randomVector(mulberry32(2), 20)));
    const zeros = loopsOf(findSegments(t, 4)).flatMap((L) => L.ops.filter(([, b]) => b.kind === 'zero'));
    expect(zeros.length, 'unary offsets in loops').to.be.at.least(2);
  });

  const irregulars: [string, F, number][] = [
    ['the Rosenbrock chain', chain, 50], ['Σ sin xᵢ', sines, 50], ['the dense trigonometric function', dense, 20],
    ['the irregular function', irregular, 20], ['the unary loop', unary, 20], ['the middle output', middle, 20],
    ['the input output', input, 20], ['random program 1', program(1), 12], ['random program 2', program(2), 7],
  ];
  for (const [name, f, n] of irregulars) {
    it(`${name}: segments tile the computed nodes, loops have ≥ minReps repetitions and read the recorded slots`, () => {
      const { tape: t } = compacted(prepare(f, randomVector(mulberry32(3), n)));
      for (const minReps of [2, 3, 4, 8]) {
        const segs = findSegments(t, minReps), label = `${name}, minReps ${minReps}`;
        expectWellFormed(t, segs, minReps, label);
        expectReadsMarked(t, segs, label);
      }
    });
  }
});

// ---------------------------------------------------------------- agreement

type Readings = Record<string, Float64Array>;
const LANES = [1, 2, 3, 16];
const rows = (H: Float64Array[]): Float64Array => Float64Array.from(H.flatMap((r) => Array.from(r)));
const vec = (r: unknown): Float64Array => Float64Array.from(r as ArrayLike<number>);

/** Every sweep-based method of P: one lane and K lanes, forward, reverse and forward-over-reverse. */
function readAll(P: Prepared<number[]>, a: number[], b: number[], v: number[]): Readings {
  const r: Readings = { grad: vec(P.grad()), hvp: vec(P.hvp(v)) };
  const dirs = [Float64Array.from(a), Float64Array.from(b)];
  for (const lanes of LANES) {
    r[`hessian({ lanes: ${lanes} })`] = rows(P.hessian({ lanes }));
    for (const method of ['hyperdual', 'hvp'] as const) r[`hessianDiagonal({ method: '${method}', lanes: ${lanes} })`] = vec(P.hessianDiagonal({ method, lanes }));
    r[`quadraticForms([a, b], ${lanes})`] = P.quadraticForms(dirs, lanes);
    r[`hvps([a, b], ${lanes})`] = rows(P.hvps(dirs, lanes));
  }
  const d = P.directional(a);
  r['directional(a)'] = Float64Array.of(d.value, d.first, d.second);
  return r;
}

/** max |got − ref| / max |ref| ≤ TOL for every reading. */
function expectAgree(got: Readings, ref: Readings, label: string, tol = TOL): void {
  expect(Object.keys(got)).to.deep.equal(Object.keys(ref));
  for (const k of Object.keys(ref)) {
    const g = got[k]!, r = ref[k]!;
    expect(g.length, `${label}: ${k} length`).to.equal(r.length);
    let diff = 0, scale = 0;
    for (let i = 0; i < r.length; i++) {
      expect(Number.isFinite(g[i]!), `${label}: ${k}[${i}] finite`).to.equal(true);
      diff = Math.max(diff, Math.abs(g[i]! - r[i]!));
      scale = Math.max(scale, Math.abs(r[i]!));
    }
    expect(diff, `${label}: ${k} (max |ref| ${scale})`).to.be.at.most(tol * scale);
  }
}

describe("codegen: generated sweeps (setCodegen('always')) equal the interpreted ones (setCodegen('off'))", () => {
  for (const s of subjects) {
    it(`for ${s.name} (n = ${s.n}), and after .at(x1) against a fresh recording at x1`, () => {
      const rand = mulberry32(11), x0 = randomVector(rand, s.n), x1 = randomVector(rand, s.n);
      const [a, b, v] = [randomVector(rand, s.n), randomVector(rand, s.n), randomVector(rand, s.n)];
      const ref0 = under('off', () => readAll(prepare(s.f, x0), a, b, v));
      const ref1 = under('off', () => readAll(prepare(s.f, x1), a, b, v));
      under('always', () => {
        const P = prepare(s.f, x0), got0 = readAll(P, a, b, v), t0 = compacted(P).tape, g = generated(t0);
        // else the comparison would set the interpreter against itself
        expect(g, 'generated sweeps exist').to.be.instanceOf(Generated);
        expect(g!.loops, 'loops').to.be.above(0);
        expectAgree(got0, ref0, `${s.name} at x0`);
        const version = t0.version!;
        P.at(x1);
        const t1 = compacted(P).tape;
        // the compaction plan reruns over the new partials, in place: same copy, new version
        expect(t1, 'the compacted recording is refreshed in place').to.equal(t0);
        expect(t1.version, 'its version moves (caches derived from its partials are redone)').to.be.above(version);
        expect(generated(t1), 'the generated sweeps stay').to.equal(g);
        expectAgree(readAll(P, a, b, v), ref1, `${s.name} at x1`);
      });
    });
  }
});

// ---------------------------------------------------------------- sweeps of the loops 'auto' compiles

/**
 * The segments of minReps 3 and 4 (what 'auto' compiles: loops with local and
 * carried operands, such as the Rosenbrock link reading this repetition's
 * term), swept by `new Generated(n, segments)` directly against the
 * interpreted sweeps: 'always' may split a recording into other loops.
 */
describe('codegen: the generated sweeps of the loops findSegments finds equal the interpreted kernels', () => {
  const close = (got: Float64Array, ref: Float64Array, label: string) => expectAgree({ [label]: got }, { [label]: ref }, label);

  for (const s of subjects) {
    it(`for ${s.name}: tangent, Taylor-2 (every slot, and the output alone), reverse, forward-over-reverse; 1, 2, 3 and 7 lanes (every lane block: 4, 2, 1)`, () => {
      const rand = mulberry32(13), { tape: t, out } = compacted(prepare(s.f, randomVector(rand, s.n))), m = t.nIn + 1;
      /** K lanes of random directions at the inputs, zero elsewhere */
      const seeded = (K: number) => {
        const T = new Float64Array(t.n * K);
        for (let i = K; i < m * K; i++) T[i] = 2 * rand() - 1;
        return T;
      };
      for (const minReps of [3, 4]) {
        const gen = new Generated(t.n, findSegments(t, minReps));
        for (const K of [1, 2, 3, 7]) {
          const label = `${s.name}, minReps ${minReps}, K = ${K}`, T0 = seeded(K), zeros = () => new Float64Array(t.n * K);
          const T = T0.slice(), Tref = T0.slice();
          gen.tangent(t, K, T);
          under('off', () => forwardTangent(t, K, Tref));
          close(T, Tref, `${label}: tangent`);

          const T1 = T0.slice(), T2 = zeros(), R1 = T0.slice(), R2 = zeros(), O1 = T0.slice(), O2 = zeros();
          gen.second(t, K, T1, T2);
          gen.second(t, K, O1, O2, out);
          under('off', () => forwardSecond(t, K, R1, R2));
          close(T1, R1, `${label}: Taylor-2, first coefficients`);
          close(T2, R2, `${label}: Taylor-2, second coefficients`);
          close(O2.subarray(out * K, out * K + K), R2.subarray(out * K, out * K + K), `${label}: Taylor-2 given the output slot`);

          // adjoints are compared at the inputs: a loop keeps its nodes' own adjoints in variables
          const A = new Float64Array(t.n), AT = zeros(), RA = new Float64Array(t.n), RAT = zeros();
          A[out] = RA[out] = 1;
          gen.reverseTangent(t, K, Tref, A, AT);
          under('off', () => reverseTangent(t, K, Tref, RA, RAT));
          close(A.subarray(1, m), RA.subarray(1, m), `${label}: forward-over-reverse, adjoints`);
          close(AT.subarray(K, m * K), RAT.subarray(K, m * K), `${label}: forward-over-reverse, adjoint tangents`);
          if (K > 1) continue;
          const G = new Float64Array(t.n), RG = new Float64Array(t.n);
          G[out] = RG[out] = 1;
          gen.reverse(t, G);
          under('off', () => reverse(t, 1, RG));
          close(G.subarray(1, m), RG.subarray(1, m), `${label}: reverse`);
        }
      }
    });
  }
});

// ---------------------------------------------------------------- policy

describe('codegen: when generated code runs', () => {
  const x = (n: number) => randomVector(mulberry32(5), n);
  const computed = (t: SweepTape) => t.n - t.nIn - 1;

  /**
   * The sweep (call of `generated`) on which t's sweeps first run generated
   * code, trying at most `max`; Infinity: never. 'auto' compiles on the third
   * sweep, so a one-shot hvp (a tangent and a reverse sweep) never pays for it.
   */
  const generatesOn = (t: SweepTape, max = 6): number => {
    for (let k = 1; k <= max; k++) if (generated(t)) return k;
    return Infinity;
  };
  const LATER = [3];
  // (sweeps are counted over every recording of a structure: each spec counts from a clean slate)
  beforeEach(() => forgetStructures());

  it("'auto': one-shot calls (a fresh recording each) generate on the third sweep over recordings of one structure, and share its sweeps", () => {
    const at = (s: number) => randomVector(mulberry32(s), 300);
    under('auto', () => {
      expect(generated(freshTape(chain, at(1))), 'first recording, first sweep').to.equal(null);
      expect(generated(freshTape(chain, at(2))), 'second recording').to.equal(null);
      const g = generated(freshTape(chain, at(3)));
      expect(g, 'the third sweep over this structure').to.be.instanceOf(Generated);
      expect(generated(freshTape(chain, at(4))), 'the next recording shares them').to.equal(g);
      expect(generated(freshTape(chain, at(5).slice(1))), 'another structure counts on its own').to.equal(null);
    });
    // one-shot calls at moving points, with the pool poisoned between uses: the shared generated sweeps over each
    // new recording's partials answer as the interpreter does
    poisonPool(true);
    try {
      for (let s = 10; s < 16; s++) {
        const y = at(s), v = at(s + 100);
        const mine = under('auto', () => ({ grad: vec(grad(chain, y)), hvp: vec(hvp(chain, y, v)), diag: vec(hessianDiagonal(chain, y, { method: 'hyperdual' })) }));
        const ref = under('off', () => ({ grad: vec(grad(chain, y)), hvp: vec(hvp(chain, y, v)), diag: vec(hessianDiagonal(chain, y, { method: 'hyperdual' })) }));
        expectAgree(mine, ref, `one-shot calls at point ${s}`);
      }
    } finally {
      poisonPool(false);
    }
  });

  it(`'auto': a recording smaller than CODEGEN_MIN_NODES (${CODEGEN_MIN_NODES}) computed nodes stays interpreted`, () => {
    const t = freshTape(chain, x(10));
    expect(computed(t)).to.be.below(CODEGEN_MIN_NODES);
    expect(under('auto', () => generatesOn(t))).to.equal(Infinity);
  });

  it("'auto': the threshold is exact (Σ sin xᵢ with CODEGEN_MIN_NODES − 1 and CODEGEN_MIN_NODES computed nodes)", () => {
    const below = freshTape(sines, x(CODEGEN_MIN_NODES)), at = freshTape(sines, x(CODEGEN_MIN_NODES + 1));
    expect([computed(below), computed(at)]).to.deep.equal([CODEGEN_MIN_NODES - 1, CODEGEN_MIN_NODES]);
    expect(under('auto', () => generatesOn(below)), 'CODEGEN_MIN_NODES − 1').to.equal(Infinity);
    expect(under('auto', () => generatesOn(at)), 'CODEGEN_MIN_NODES').to.be.oneOf(LATER);
  });

  it("'auto': the Rosenbrock chain (n = 400) is interpreted on its first sweep, generated on a later one", () => {
    const t = freshTape(chain, x(400));
    expect(computed(t)).to.be.at.least(CODEGEN_MIN_NODES);
    under('auto', () => {
      expect(generated(t), 'first sweep').to.equal(null);
      const k = 1 + generatesOn(t), g = generated(t);
      expect(k, 'the sweep that generates').to.be.oneOf(LATER);
      expect(g, 'generated sweeps').to.be.instanceOf(Generated);
      expect(g!.loops).to.equal(1);
      expect(g!.covered, 'the loop covers all but one node').to.equal(computed(t) - 1);
      expect(generated(t), 'then always the same generated sweeps').to.equal(g);
    });
    // and a prepared recording answers the same on its first (interpreted) and later (generated) sweeps
    const P = prepare(chain, x(400));
    under('auto', () => {
      // (the first two over the recording itself, then the compacted recording: its third sweep generates)
      const grads = Array.from({ length: 6 }, () => vec(P.grad()));
      expect(generated(compacted(P).tape), 'the last sweeps ran generated code').to.be.instanceOf(Generated);
      expectAgree({ grad: grads[5]! }, { grad: grads[0]! }, "prepare(chain, x).grad() under 'auto'");
    });
  });

  it("'always': the Rosenbrock chain (n = 50) compiles its real loop (period 2, locals and carried values), and prepare(…).codegen() shows it", () => {
    const P = prepare(chain, x(50));
    under('always', () => {
      const info = P.codegen()!;
      expect(info.loops).to.equal(1);
      expect(info.covered, 'all but one node').to.equal(info.nodes - 1);
      const src = info.source('second');
      expect(src, 'the carried sum in a register').to.include('T1_c1');
      expect(src, 'the term node read as a local').to.include('T1_v0');
      expect(src, 'the gap marked').to.include('interpreted kernels');
      expect(() => info.source('nope' as Kernel)).to.throw(TypeError, /kernel must be one of/);
    });
    under('off', () => expect(P.codegen(), "nothing generated under 'off'").to.equal(null));
  });

  it("'off': never generated, whatever the size and however often swept", () => {
    const t = freshTape(chain, x(400));
    under('off', () => {
      for (let k = 0; k < 3; k++) expect(generated(t), `call ${k + 1}`).to.equal(null);
    });
  });

  it("non-finite partials (√xᵢ at xᵢ = 0): never generated, and every transform is the careful kernels' answer", () => {
    const f: F = (x) => {
      let s: Num = 0;
      for (let i = 0; i < x.length; i++) {
        const t = add(sqrt(x[i]!), mul(x[i]!, sin(x[(i + 1) % x.length]!)));
        s = i === 0 ? t : add(s, t);
      }
      return s;
    };
    const x0 = Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? 0 : 0.5 + 0.1 * i)), rand = mulberry32(7);
    const [a, b, v] = [randomVector(rand, 12), randomVector(rand, 12), randomVector(rand, 12)];
    const read = (m: CodegenMode) => under(m, () => {
      const P = prepare(f, x0), r = readAll(P, a, b, v), { tape } = compacted(P);
      expect(((P as any).rec.tape as { nonFinite: boolean }).nonFinite, 'the recording has infinite partials').to.equal(true);
      expect(tape.nonFinite, 'so has its compacted recording').to.equal(true);
      expect(generated(tape), `under '${m}'`).to.equal(null);
      return r;
    });
    const got = read('always'), ref = read('off');
    for (const k of Object.keys(ref)) expect(Array.from(got[k]!), k).to.deep.equal(Array.from(ref[k]!));
    // the careful kernels' zero-factor rule at work: ∞ gradients at the zeros, finite Hessian entries away from them
    expect(ref.grad![1]).to.equal(Infinity);
    expect(Number.isFinite(ref['hessian({ lanes: 3 })']![0]!)).to.equal(true);
  });

  it('a refused `new Function` (a strict Content Security Policy): never generated, results as with codegen off', () => {
    const rand = mulberry32(8), x0 = randomVector(rand, 30), [a, b, v] = [randomVector(rand, 30), randomVector(rand, 30), randomVector(rand, 30)];
    const P = prepare(chain, x0), { tape } = under('off', () => compacted(P));
    const got = under('always', () => {
      const real = globalThis.Function;
      let g: Generated | null | undefined;
      (globalThis as any).Function = function Function() { throw new EvalError("Refused to evaluate a string as JavaScript: 'unsafe-eval' is not allowed"); };
      try {
        g = generated(tape);
      } finally {
        globalThis.Function = real;
      }
      expect(g, 'built while `new Function` throws').to.equal(null);
      expect(generated(tape), 'and remembered for this recording').to.equal(null);
      return readAll(P, a, b, v);
    });
    // with `new Function` back, a fresh recording of the same f is generated
    under('always', () => expect(generated(freshTape(chain, x0))).to.be.instanceOf(Generated));
    const ref = under('off', () => readAll(prepare(chain, x0), a, b, v));
    for (const k of Object.keys(ref)) expect(Array.from(got[k]!), k).to.deep.equal(Array.from(ref[k]!));
  });

  it('setCodegen refuses an unknown mode with a TypeError naming it and listing the modes, and keeps the mode', () => {
    const before = codegenMode();
    expect(() => setCodegen('nope' as any)).to.throw(TypeError, /^setCodegen: .*'auto', 'always', 'off'.*\bnope\b/);
    expect(codegenMode()).to.equal(before);
    expect(under('off', () => codegenMode())).to.equal('off');
    expect(codegenMode(), 'under() restores the mode').to.equal(before);
  });
});

// ---------------------------------------------------------------- sources

describe('codegen: the sources of the Rosenbrock loop', () => {
  let L: Loop;
  before(() => {
    L = loopsOf(findSegments(compacted(prepare(chain, randomVector(mulberry32(9), 50))).tape, 4))[0]!;
    expect([L.p, L.R]).to.deep.equal([2, 48]);
  });
  const kernels: Kernel[] = ['tangent', 'second', 'secondZ', 'reverse', 'reverseTangent', 'tangentK', 'secondK', 'secondZK', 'reverseTangentK'];

  it('every kernel has parameters, and the K-lane forms take K last', () => {
    expect(Object.keys(PARAMS).sort()).to.deep.equal([...kernels].sort());
    for (const k of kernels) expect(PARAMS[k].at(-1) === 'K', k).to.equal(k.endsWith('K'));
  });
  for (const k of kernels) {
    it(`'${k}': a non-empty source that compiles with new Function('par', ${PARAMS[k].map((p) => `'${p}'`).join(', ')}, src)`, () => {
      const src = loopSource(L, k);
      expect(src.trim().length).to.be.above(0);
      expect(src, 'a loop over the repetitions').to.match(/\bfor \(/);
      const fn = new Function('par', ...PARAMS[k], `'use strict';\n${src}`);
      expect(fn).to.be.a('function');
      expect(fn.length, 'arity').to.equal(1 + PARAMS[k].length);
    });
  }
});

describe('codegen: samePrefix (structures compared slot pairs at a time)', () => {
  it('finds every single differing slot, for even and odd lengths, aligned or not, a longer second array, and negative entries (pairs that are NaN as doubles)', () => {
    for (const m of [0, 1, 2, 7, 8, 9, 16, 33]) {
      for (const [shift, entry] of [[0, (i: number) => (i * 37) % 11], [1, (i: number) => (i * 37) % 11], [0, (i: number) => (i * 37) % 11 - 5], [0, () => -1]] as const) {
        const buf = new Int32Array(m + 8), x = buf.subarray(shift, shift + m);
        for (let i = 0; i < m; i++) x[i] = entry(i);
        const y = Int32Array.from({ length: m + 3 }, (_, i) => (i < m ? x[i]! : 5));
        expect(samePrefix(x, y), `m ${m} shift ${shift}: same`).to.equal(true);
        for (let i = 0; i < m; i++) {
          y[i] = x[i]! + 1;
          expect(samePrefix(x, y), `m ${m} shift ${shift}: slot ${i} differs`).to.equal(false);
          y[i] = x[i]!;
        }
      }
    }
  });
});

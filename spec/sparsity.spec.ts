/**
 * Hessian sparsity (issue 7): detection, colourings, and the sparse paths.
 *  - pattern: `hessianSparsity(f, x)` covers every non-zero of the dense
 *    Hessian at several random points (on scalar, tensor and record
 *    functions), and equals the structural pattern where it can be stated by
 *    hand (linear ops create no entry, x·y and sin(x + y) do, elementwise
 *    tensor ops keep per-element dependence, unreached nodes count for nothing);
 *    the CSR is well formed and symmetric;
 *  - colours: every colouring is valid at its distance, and on bands, blocks,
 *    chains and Σ sin it uses the theoretical minimum;
 *  - values: the sparse diagonal ('sparse', 'auto') and sparseHessian's values
 *    equal the dense paths for n ≤ 1000, and the closed forms at n = 100000;
 *  - 'auto' takes 'sparse' for sparse functions, 'structured' where the
 *    inputs enter through linear maps, and 'hyperdual' for other dense
 *    ones, and says so (non-enumerable method / sweeps / directions);
 *  - a prepared recording keeps its pattern and colouring across `.at()`
 *    (and drops them when f is re-recorded because it branched).
 *
 * Definitions. Bandwidth b: H_ij can be non-zero only for |i − j| ≤ b. A
 * distance-1 colouring gives adjacent inputs (H_ij ≠ 0, i ≠ j) different
 * colours; a distance-2 colouring also separates inputs with a common
 * neighbour. Lower bounds: a clique of size k needs k colours at distance 1
 * (bandwidth b: b + 1 consecutive inputs; a block of 10: 10); at distance 2,
 * every set of inputs within distance 2 of each other (bandwidth b: 2b + 1
 * consecutive inputs; a chain: 3).
 *
 * Errors: normwise relative, max |got − ref| / max(‖ref‖∞, 10⁻⁶)
 * (spec/support/agreement.ts `normErr`), at most 1e-12; the closed forms
 * at n = 100000: Σ sin bit for bit, Rosenbrock entrywise
 * |got − ref| / max(1, |ref|) ≤ 1e-12.
 */
import { expect } from 'chai';
import {
  DEFAULT_LANES, Value, abs, add, div, exp, hessian, hessianDiagonal, hessianSparsity, log, logSoftmax, logsumexp, matmul, max, mean, mul, neg,
  pow, prepare, relu, reshape, sin, slice, sparseHessian, sub, sum, tanh, tensor, transpose, crossEntropy, mlp,
  type Num, type Pattern, type Tensor, type TensorRecord,
} from '../lib/index.js';
import { colour, type Colouring } from '../lib/sparsity/colouring.js';
import { rosenbrock, trigonometric } from '../scripts/workloads/index.js';
import { expectErr, normErr } from './support/agreement.js';
import { flat, shapedLike, uniformArray, type TensorPoint } from './support/points.js';

/** Sparse against dense: the same exact derivative, summed in a different order at most. */
const TOL = 1e-12;

type Point = number[] | TensorPoint;
type AnyFn = (x: any) => Num;

// ---------------------------------------------------------------- the functions

/** Σ sin xᵢ: diagonal. */
const sines = (x: Num[]) => sum(x.map((xi) => sin(xi)));
/** The Rosenbrock chain of the benchmarks (scripts/workloads/chains.ts): tridiagonal. */
const chain = (x: Num[]) => rosenbrock(x.length).f(x);
/** Σᵢ sin(Σ_{k=0..5} x_{i+k}): bandwidth 5. */
const banded = (x: Num[]) => {
  const terms: Num[] = [];
  for (let i = 0; i + 5 < x.length; i++) terms.push(sin(sum(x.slice(i, i + 6))));
  return sum(terms);
};
/** Σ over blocks of 10 of log(1 + Σ_{i∈block} xᵢ²): block-diagonal, each block dense. */
const blocks = (x: Num[]) => {
  const terms: Num[] = [];
  for (let b = 0; b < x.length; b += 10) terms.push(log(add(1, sum(x.slice(b, b + 10).map((xi) => mul(xi, xi))))));
  return sum(terms);
};
/** Σ_{i≥1} sin(x₀ + xᵢ): an arrowhead (row and column 0, and the diagonal). */
const arrowhead = (x: Num[]) => sum(x.slice(1).map((xi) => sin(add(x[0]!, xi))));
/** The MGH trigonometric function (W4): dense. */
const dense = (x: Num[]) => trigonometric(x.length).f(x);

const band = (b: number) => (i: number, j: number) => Math.abs(i - j) <= b;
const sameBlock = (i: number, j: number) => Math.floor(i / 10) === Math.floor(j / 10);
const arrow = (i: number, j: number) => i === 0 || j === 0 || i === j;
const all = () => true;
const none = () => false;
/** the pairs listed (both triangles) */
const pairs = (...ps: [number, number][]) => (i: number, j: number) => ps.some(([a, b]) => (a === i && b === j) || (a === j && b === i));

interface Case {
  name: string;
  f: AnyFn;
  /** a point (its form and size; the random points are drawn in the same form) */
  x: Point;
  /** the structural pattern by hand, over x flattened; absent where detection is knowingly conservative */
  exact?: (i: number, j: number) => boolean;
  /** uniform range of the random points (default [−1, 1)) */
  range?: [number, number];
}

const arr = (n: number) => Array.from(uniformArray(7, n));
const T = (shape: number[]) => tensor(uniformArray(8, shape.reduce((p, d) => p * d, 1)), shape);

const scalarCases: Case[] = [
  { name: 'Σ sin xᵢ', f: sines, x: arr(12), exact: (i, j) => i === j },
  { name: 'Rosenbrock chain', f: chain, x: arr(12), exact: band(1) },
  { name: 'banded, bandwidth 5', f: banded, x: arr(20), exact: band(5) },
  { name: 'block-diagonal, blocks of 10', f: blocks, x: arr(30), exact: sameBlock },
  { name: 'arrowhead', f: arrowhead, x: arr(9), exact: arrow },
  { name: 'dense (W4 trigonometric)', f: dense, x: arr(10), exact: all },
  { name: 'dense (logsumexp)', f: (x: Num[]) => logsumexp(x), x: arr(6), exact: all },
  { name: 'dense ((Σ xᵢ)²)', f: (x: Num[]) => pow(sum(x), 2), x: arr(5), exact: all },
];

/** linear and nonlinear ops mixed, on 4 inputs */
const mixedCases: Case[] = [
  { name: 'x₀ + x₁ (linear: no entry)', f: (x: Num[]) => add(x[0]!, x[1]!), exact: none },
  { name: '2x₀ − x₁/3 + (−x₂) + x₃·1 (linear with constants)', f: (x: Num[]) => add(sub(mul(2, x[0]!), div(x[1]!, 3)), add(neg(x[2]!), pow(x[3]!, 1))), exact: none },
  { name: '|x₀| + relu(x₁) + max(x₂, x₃) (piecewise linear)', f: (x: Num[]) => add(add(abs(x[0]!), relu(x[1]!)), max(x[2]!, x[3]!)), exact: none },
  { name: 'x₀·x₁', f: (x: Num[]) => mul(x[0]!, x[1]!), exact: pairs([0, 1]) },
  { name: 'sin(x₀ + x₁)', f: (x: Num[]) => sin(add(x[0]!, x[1]!)), exact: pairs([0, 0], [0, 1], [1, 1]) },
  { name: 'x₀² + x₁', f: (x: Num[]) => add(mul(x[0]!, x[0]!), x[1]!), exact: pairs([0, 0]) },
  { name: 'pow(x₀, 2) + pow(x₁, 1)', f: (x: Num[]) => add(pow(x[0]!, 2), pow(x[1]!, 1)), exact: pairs([0, 0]) },
  { name: 'exp(x₀)·x₁', f: (x: Num[]) => mul(exp(x[0]!), x[1]!), exact: pairs([0, 0], [0, 1]) },
  { name: 'x₀/x₁', f: (x: Num[]) => div(x[0]!, x[1]!), exact: pairs([0, 1], [1, 1]) },
  { name: 'x₀·x₁·x₂', f: (x: Num[]) => mul(mul(x[0]!, x[1]!), x[2]!), exact: pairs([0, 1], [0, 2], [1, 2]) },
  { name: '(x₀ + x₁)·(x₂ + x₃)', f: (x: Num[]) => mul(add(x[0]!, x[1]!), add(x[2]!, x[3]!)), exact: pairs([0, 2], [0, 3], [1, 2], [1, 3]) },
  { name: 'sin(|x₀| + x₁) (a kink passes its dependence on)', f: (x: Num[]) => sin(add(abs(x[0]!), x[1]!)), exact: pairs([0, 0], [0, 1], [1, 1]) },
  {
    name: 'unreached: x₀·x₁, sin(x₂) and exp(x₀ + x₃) computed, not used',
    f: (x: Num[]) => { mul(x[0]!, x[1]!); sin(x[2]!); exp(add(x[0]!, x[3]!)); return add(sin(x[3]!), x[1]!); },
    exact: pairs([3, 3]),
  },
  {
    name: 'unreached: sin(x₀·x₁) computed from a used linear value',
    f: (x: Num[]) => { const s = add(x[0]!, x[1]!); sin(mul(s, x[2]!)); return mul(s, x[3]!); },
    exact: pairs([0, 3], [1, 3]),
  },
].map((c) => ({ ...c, x: arr(4), range: [0.2, 1] as [number, number] })); // away from the kinks

const A = (p: TensorRecord) => p.A!, B = (p: TensorRecord) => p.B!;
const tensorCases: Case[] = [
  { name: 'tensor: sum(sin(x))', f: (x: Tensor) => sum(sin(x)), x: T([8]), exact: (i, j) => i === j },
  { name: 'tensor: sum(x ⊙ x) + mean(exp(x))', f: (x: Tensor) => add(sum(mul(x, x)), mean(exp(x))), x: T([2, 3]), exact: (i, j) => i === j },
  { name: 'tensor: sum(x) (linear)', f: (x: Tensor) => sum(x), x: T([5]), exact: none },
  {
    name: 'tensor: sum(sin(transpose(reshape(x)))) (gathers keep per-element dependence)',
    f: (x: Tensor) => sum(sin(transpose(reshape(x, [3, 4])))), x: T([12]), exact: (i, j) => i === j,
  },
  {
    name: 'tensor: Rosenbrock by slices',
    f: (x: Tensor) => {
      const a = slice(x, [[0, 9]]), b = slice(x, [[1, 10]]), d = sub(b, mul(a, a)), e = sub(1, a);
      return sum(add(mul(100, mul(d, d)), mul(e, e)));
    },
    x: T([10]), exact: band(1),
  },
  { name: 'tensor: logsumexp(x) (mixes all)', f: (x: Tensor) => logsumexp(x), x: T([6]), exact: all },
  { name: 'tensor: logSoftmax(x)[2]', f: (x: Tensor) => sum(slice(logSoftmax(x), [2])), x: T([5]), exact: all },
  {
    name: 'tensor: sum(sin(x[0:4])) + logsumexp(x[4:8]) (two diagonal-free groups)',
    f: (x: Tensor) => add(sum(sin(slice(x, [[0, 4]]))), logsumexp(slice(x, [[4, 8]]))), x: T([8]),
    exact: (i, j) => (i < 4 ? i === j : j >= 4),
  },
  {
    name: 'record: sum(a ⊙ b) (pairs aᵢ, bᵢ only)',
    f: (p: TensorRecord) => sum(mul(p.a!, p.b!)), x: { a: T([6]), b: T([6]) },
    exact: (i, j) => i !== j && i % 6 === j % 6,
  },
  {
    name: 'record: sum(exp(a ⊙ s)), s broadcast',
    f: (p: TensorRecord) => sum(exp(mul(p.a!, p.s!))), x: { a: T([3, 4]), s: T([1]) },
    exact: (i, j) => i === j || i === 12 || j === 12,
  },
  {
    // Z = AB is bilinear: A_ip meets B_pj, nothing else (A is 2×3, flat 0..5; B 3×2, flat 6..11)
    name: 'record: sum(A·B) (matmul: A_ip with B_pj)',
    f: (p: TensorRecord) => sum(matmul(A(p), B(p))), x: { A: T([2, 3]), B: T([3, 2]) },
    exact: (i, j) => {
      const [a, b] = i < j ? [i, j] : [j, i];
      return a < 6 && b >= 6 && a % 3 === Math.floor((b - 6) / 2);
    },
  },
  { name: 'record: sum(sin(A·B)) (matmul then a nonlinear op mixes)', f: (p: TensorRecord) => sum(sin(matmul(A(p), B(p)))), x: { A: T([2, 3]), B: T([3, 2]) } },
  {
    // conservative: the pattern cannot see C's zeros, H = C + Cᵀ is tridiagonal
    name: 'tensor: xᵀ(Cx), C a constant tridiagonal matrix (detected dense)',
    f: (x: Tensor) => {
      const C = tensor(Array.from({ length: 36 }, (_, k) => (Math.abs(Math.floor(k / 6) - (k % 6)) <= 1 ? 1 + k / 10 : 0)), [6, 6]);
      return sum(mul(x, reshape(matmul(C, reshape(x, [6, 1])), [6])));
    },
    x: T([6]), exact: all,
  },
  {
    name: 'tensor unreached: A·B and tanh(B) computed, sum(sin(A)) returned',
    f: (p: TensorRecord) => { matmul(A(p), B(p)); tanh(B(p)); return sum(sin(A(p))); }, x: { A: T([2, 3]), B: T([3, 2]) },
    exact: (i, j) => i === j && i < 6,
  },
];

const CASES = [...scalarCases, ...mixedCases, ...tensorCases];

// ---------------------------------------------------------------- helpers

const sizeOf = (x: Point) => (Array.isArray(x) ? x.length : flat(x).length);

/** a random point of x's form, entries uniform in [lo, hi) */
function pointLike(x: Point, seed: number, [lo, hi]: [number, number] = [-1, 1]): Point {
  const v = uniformArray(seed, sizeOf(x), lo, hi);
  return Array.isArray(x) ? Array.from(v) : shapedLike(x, v);
}

/** the entries of a pattern as i·n + j */
function entries(p: Pattern): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < p.n; i++) for (let e = p.rowPtr[i]!; e < p.rowPtr[i + 1]!; e++) s.add(i * p.n + p.colIdx[e]!);
  return s;
}

const show = (k: number, n: number) => `(${Math.floor(k / n)}, ${k % n})`;

/** rowPtr starts at 0 and grows; columns sorted, distinct, in range; the pattern is symmetric */
function expectWellFormed(p: Pattern, n: number, label: string): void {
  expect(p.n, `${label}: n`).to.equal(n);
  expect(p.rowPtr.length, `${label}: rowPtr length`).to.equal(n + 1);
  expect(p.rowPtr[0], `${label}: rowPtr[0]`).to.equal(0);
  expect(p.rowPtr[n], `${label}: rowPtr[n]`).to.equal(p.colIdx.length);
  for (let i = 0; i < n; i++) {
    for (let e = p.rowPtr[i]!; e < p.rowPtr[i + 1]!; e++) {
      const j = p.colIdx[e]!;
      expect(j >= 0 && j < n && (e === p.rowPtr[i] || j > p.colIdx[e - 1]!), `${label}: row ${i} columns sorted, distinct, in range`).to.equal(true);
    }
  }
  const s = entries(p);
  for (const k of s) expect(s.has((k % n) * n + Math.floor(k / n)), `${label}: symmetric at ${show(k, n)}`).to.equal(true);
}

/** the non-zeros of the dense Hessian (by hessian(), one-hot HVPs) that the pattern lacks */
function uncovered(H: readonly Float64Array[], s: Set<number>): number[] {
  const n = H.length, miss: number[] = [];
  H.forEach((row, i) => row.forEach((h, j) => { if (h !== 0 && !s.has(i * n + j)) miss.push(i * n + j); }));
  return miss;
}

/** a colouring is valid at distance 1 (no edge inside a colour) or 2 (also no two neighbours of one vertex) */
function expectValidColouring(p: Pattern, c: Colouring, distance: 1 | 2, label: string): void {
  const { n, rowPtr, colIdx } = p, col = c.colours;
  const nb = (v: number) => Array.from(colIdx.subarray(rowPtr[v]!, rowPtr[v + 1]!)).filter((w) => w !== v);
  for (let v = 0; v < n; v++) {
    expect(col[v]! >= 0 && col[v]! < c.count, `${label}: colour of ${v} in range`).to.equal(true);
    const ws = nb(v);
    for (const w of ws) expect(col[w], `${label}: distance-1 clash ${v}–${w}`).to.not.equal(col[v]);
    if (distance === 2) {
      for (let a = 0; a < ws.length; a++) for (let b = a + 1; b < ws.length; b++) {
        expect(col[ws[a]!], `${label}: distance-2 clash ${ws[a]}–${v}–${ws[b]}`).to.not.equal(col[ws[b]!]);
      }
    }
  }
}

const diagOf = (H: readonly Float64Array[]) => Float64Array.from(H, (row, i) => row[i]!);

/** sparseHessian's values against the dense H: every stored entry equal, every non-zero of H stored */
function expectSparseHessian(S: ReturnType<typeof sparseHessian>, H: readonly Float64Array[], label: string): void {
  const n = H.length, dense = new Float64Array(n * n), ref = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    ref.set(H[i]!, i * n);
    for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) dense[i * n + S.colIdx[e]!] = S.values[e]!;
  }
  expectErr('path', `${label}: sparseHessian vs hessian`, normErr(dense, ref), TOL);
}

// ---------------------------------------------------------------- pattern

describe('sparsity: the detected pattern covers the Hessian and is exact where it can be stated', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = c.x, n = sizeOf(x);
      const p0 = hessianSparsity(c.f, x as never), s0 = entries(p0);
      expectWellFormed(p0, n, c.name);
      for (const seed of [11, 12, 13]) {
        const xs = pointLike(x, seed, c.range), p = hessianSparsity(c.f, xs as never), s = entries(p);
        // f takes no branch of its own: one pattern for every point
        expect([...s].sort((a, b) => a - b), `${c.name}: pattern at point ${seed}`).to.deep.equal([...s0].sort((a, b) => a - b));
        const miss = uncovered(hessian(c.f, xs as never), s);
        expect(miss.map((k) => show(k, n)), `${c.name}: non-zeros of H outside the pattern at point ${seed}`).to.deep.equal([]);
      }
      if (c.exact) {
        const want: number[] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (c.exact(i, j)) want.push(i * n + j);
        const extra = [...s0].filter((k) => !want.includes(k)), lacking = want.filter((k) => !s0.has(k));
        expect({ extra: extra.map((k) => show(k, n)), lacking: lacking.map((k) => show(k, n)) }, `${c.name}: against the pattern by hand`)
          .to.deep.equal({ extra: [], lacking: [] });
      }
    });
  }
});

// ---------------------------------------------------------------- colours

describe('sparsity: colourings are valid and minimal on bands, blocks and chains', () => {
  it('every case: distance-1 and distance-2 colourings are valid', () => {
    for (const c of CASES) {
      const p = hessianSparsity(c.f, c.x as never);
      expectValidColouring(p, colour(p, 1), 1, `${c.name} (distance 1)`);
      expectValidColouring(p, colour(p, 2), 2, `${c.name} (distance 2)`);
    }
  });

  // [name, f, n, distance-1 minimum (the diagonal), distance-2 minimum (sparseHessian)]
  const minima: [string, AnyFn, number, number, number][] = [
    ['Σ sin xᵢ', sines, 100, 1, 1],
    ['Rosenbrock chain', chain, 100, 2, 3],
    ['banded, bandwidth 5 (|i − j| ≤ 5)', banded, 100, 6, 11],
    ['block-diagonal, blocks of 10', blocks, 100, 10, 10],
    ['arrowhead', arrowhead, 50, 2, 50],
  ];
  for (const [name, f, n, d1, d2] of minima) {
    it(`${name}, n = ${n}: ${d1} colour${d1 > 1 ? 's' : ''} for the diagonal, ${d2} for sparseHessian`, () => {
      const x = arr(n), d = hessianDiagonal(f, x, { method: 'sparse' }), S = sparseHessian(f, x);
      expect(d.directions, 'diagonal: colours (distance 1)').to.equal(d1);
      expect(S.colours, 'sparseHessian: colours (distance 2)').to.equal(d2);
    });
  }
});

// ---------------------------------------------------------------- values

describe('sparsity: sparse results equal the dense paths (n ≤ 1000)', () => {
  const fns: [string, AnyFn][] = [
    ['Σ sin xᵢ', sines], ['Rosenbrock chain', chain], ['banded, bandwidth 5', banded], ['block-diagonal, blocks of 10', blocks], ['arrowhead', arrowhead],
  ];
  for (const [name, f] of fns) {
    for (const n of [7, 100, 1000]) {
      it(`${name}, n = ${n}: the diagonal ('sparse', 'auto', lanes 1, 3, default) and sparseHessian`, () => {
        const x = arr(n), H = hessian(f, x), ref = diagOf(H);
        expectErr('path', `${name} n=${n}: hyperdual vs hessian`, normErr(hessianDiagonal(f, x, { method: 'hyperdual' }), ref), TOL);
        const P = prepare(f, x);
        for (const opts of [{ method: 'sparse' }, { method: 'sparse', lanes: 1 }, { method: 'sparse', lanes: 3 }, {}] as const) {
          const d = P.hessianDiagonal(opts);
          expectErr('path', `${name} n=${n}: diagonal ${JSON.stringify(opts)}`, normErr(d, ref), TOL);
          if (d.method === 'sparse') expect(d.sweeps, 'sweeps').to.equal(Math.ceil(d.directions / (opts.lanes ?? DEFAULT_LANES)));
        }
        expectErr('path', `${name} n=${n}: fresh sparse diagonal`, normErr(hessianDiagonal(f, x, { method: 'sparse' }), ref), TOL);
        expectSparseHessian(P.sparseHessian(), H, `${name} n=${n}`);
        expectSparseHessian(P.sparseHessian({ lanes: 2 }), H, `${name} n=${n} (lanes 2)`);
      });
    }
  }

  it('every pattern case: the sparse diagonal and sparseHessian equal the dense paths', () => {
    for (const c of CASES) {
      const x = pointLike(c.x, 21, c.range) as never, H = hessian(c.f, x), ref = diagOf(H);
      expectErr('path', `${c.name}: sparse diagonal`, normErr(flat(hessianDiagonal(c.f, x, { method: 'sparse' }) as never), ref), TOL);
      expectErr('path', `${c.name}: auto diagonal`, normErr(flat(hessianDiagonal(c.f, x) as never), ref), TOL);
      expectSparseHessian(sparseHessian(c.f, x), H, c.name);
    }
  });
});

describe('sparsity: the closed forms at n = 100000', () => {
  const n = 100_000, x = Array.from(uniformArray(5, n, -2, 2));
  it('Σ sin xᵢ: H_ii = −sin xᵢ, exactly, in one colour', () => {
    const d = hessianDiagonal(sines, x);
    expect([d.method, d.directions, d.sweeps]).to.deep.equal(['sparse', 1, 1]);
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (d[i] !== -Math.sin(x[i]!)) bad = i;
    expect(bad, `first i with H_ii ≠ −sin xᵢ (bitwise)`).to.equal(-1);
  });
  it('Rosenbrock chain: H_ii = 1200xᵢ² − 400xᵢ₊₁ + 2 + 200[i > 0], two colours; sparseHessian (three colours) H_i,i+1 = −400xᵢ', () => {
    const w = rosenbrock(n), X = Float64Array.from(x), P = prepare(w.f, X), d = P.hessianDiagonal();
    expect([d.method, d.directions, d.sweeps]).to.deep.equal(['sparse', 2, 1]);
    expectErr('path', 'Rosenbrock n=1e5 diagonal vs closed form', normErr(d, w.hessianDiagonal!(X)), TOL);
    const S = P.sparseHessian();
    expect(S.colours).to.equal(3);
    let worst = 0, outside = 0;
    for (let i = 0; i < n; i++) {
      for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) {
        const j = S.colIdx[e]!, ref = i === j ? d[i]! : -400 * X[Math.min(i, j)]!;
        if (Math.abs(i - j) > 1) outside++;
        worst = Math.max(worst, Math.abs(S.values[e]! - ref) / Math.max(1, Math.abs(ref)));
      }
    }
    expect([outside, S.colIdx.length], 'entries off the three diagonals, stored entries').to.deep.equal([0, 3 * n - 2]);
    expectErr('path', 'Rosenbrock n=1e5 sparseHessian vs closed form (entrywise, scale max(1, |ref|))', worst, TOL);
  });
});

// ---------------------------------------------------------------- auto

describe("sparsity: 'auto' picks the method and reports it", () => {
  const info = (d: object) => {
    const r = d as { method: string; sweeps: number; directions: number };
    return { method: r.method, sweeps: r.sweeps, directions: r.directions };
  };
  const sparse: [string, AnyFn, Point, number][] = [
    ['Σ sin xᵢ', sines, arr(100), 1], ['Rosenbrock chain', chain, arr(100), 2], ['banded, bandwidth 5', banded, arr(100), 6],
    ['block-diagonal, blocks of 10', blocks, arr(100), 10], ['arrowhead', arrowhead, arr(100), 2],
    ['tensor sum(sin(x))', (x: Tensor) => sum(sin(x)), T([100]), 1],
  ];
  for (const [name, f, x, colours] of sparse) {
    it(`${name}: 'sparse', ${colours} direction${colours > 1 ? 's' : ''}, 1 sweep`, () => {
      expect(info(hessianDiagonal(f, x as never))).to.deep.equal({ method: 'sparse', sweeps: 1, directions: colours });
      expect(info(hessianDiagonal(f, x as never, { lanes: 1 }))).to.deep.equal({ method: 'sparse', sweeps: colours, directions: colours });
    });
  }
  const denseFns: [string, AnyFn, Point][] = [
    ['W4 trigonometric', dense, arr(100)], ['logsumexp', (x: Num[]) => logsumexp(x), arr(100)], ['(Σ xᵢ)²', (x: Num[]) => pow(sum(x), 2), arr(100)],
    ['tensor logsumexp', (x: Tensor) => logsumexp(x), T([100])],
  ];
  for (const [name, f, x] of denseFns) {
    // x enters (Σ xᵢ)² through one linear sum: 'structured', one lane at the sum (lib/transforms/structured.ts)
    const linear = name === '(Σ xᵢ)²';
    it(`${name} (dense): ${linear ? "'structured', one direction" : "'hyperdual', n directions"}, equal to 'hvp'`, () => {
      const d = hessianDiagonal(f, x as never);
      expect(info(d)).to.deep.equal(linear ? { method: 'structured', sweeps: 1, directions: 1 } : { method: 'hyperdual', sweeps: Math.ceil(100 / DEFAULT_LANES), directions: 100 });
      expectErr('path', `${name}: auto vs hvp`, normErr(flat(d as never), flat(hessianDiagonal(f, x as never, { method: 'hvp' }) as never)), TOL);
    });
  }
  it('explicit methods report themselves; the report is non-enumerable and the result is still an array of n', () => {
    const x = arr(40);
    expect(info(hessianDiagonal(chain, x, { method: 'hyperdual', lanes: 8 }))).to.deep.equal({ method: 'hyperdual', sweeps: 5, directions: 40 });
    expect(info(hessianDiagonal(chain, x, { method: 'hvp', lanes: 3 }))).to.deep.equal({ method: 'hvp', sweeps: 14, directions: 40 });
    expect(info(hessianDiagonal(chain, x, { method: 'sparse' }))).to.deep.equal({ method: 'sparse', sweeps: 1, directions: 2 });
    const d = hessianDiagonal(chain, x);
    expect(d).to.be.instanceOf(Float64Array);
    expect(d.length).to.equal(40);
    for (const k of ['method', 'sweeps', 'directions']) {
      expect(Object.getOwnPropertyDescriptor(d, k)?.enumerable, k).to.equal(false);
      expect(Object.keys(d)).to.not.include(k);
    }
    expect(Object.keys(d).length).to.equal(40);
    const t = hessianDiagonal((x: Tensor) => sum(sin(x)), T([3, 4]), { lanes: 4 }) as Tensor & { method: string }; // n > lanes: auto runs detection
    expect(t.shape).to.deep.equal([3, 4]);
    expect(t.method).to.equal('sparse');
    expect(Object.keys(t)).to.not.include('method');
  });
});

// ---------------------------------------------------------------- prepared reuse

describe('sparsity: a prepared recording keeps its pattern and colouring', () => {
  it('.at(x2) (no re-recording): the sparse diagonal and sparseHessian equal fresh dense results; pattern and colouring reused', () => {
    const g = (x: Num[]) => add(banded(x), chain(x));
    let calls = 0;
    const f = (x: Num[]) => { calls++; return g(x); };
    const n = 60, P = prepare(f, arr(n)), d0 = P.hessianDiagonal({ method: 'sparse' }), S0 = P.sparseHessian();
    // the detected pattern itself (hessianSparsity hands out copies)
    const detected = () => (P as unknown as { analysis: { pattern(): Pattern } }).analysis.pattern(), pat = detected();
    expect([d0.directions, S0.colours]).to.deep.equal([6, 11]);
    for (const seed of [31, 32, 33]) {
      const x2 = Array.from(uniformArray(seed, n, -2, 2));
      P.at(x2);
      const d = P.hessianDiagonal({ method: 'sparse' }), a = P.hessianDiagonal(), S = P.sparseHessian();
      const H = hessian(g, x2), ref = diagOf(H);
      expectErr('path', `at point ${seed}: sparse diagonal vs fresh hessian`, normErr(d, ref), TOL);
      expectErr('path', `at point ${seed}: sparse diagonal vs fresh hyperdual`, normErr(d, hessianDiagonal(g, x2, { method: 'hyperdual' })), TOL);
      expectErr('path', `at point ${seed}: auto diagonal vs fresh hessian`, normErr(a, ref), TOL);
      expectSparseHessian(S, H, `at point ${seed}`);
      // a recording moved by .at (its compaction plan rerun in place) equals one recorded at x2, bit for bit
      expectErr('path', `at point ${seed}: moved vs freshly prepared sparse`, normErr(d, prepare(g, x2).hessianDiagonal({ method: 'sparse' })), 0);
      // a one-shot call with few directions sweeps the recording itself, not a compacted recording: equal to rounding
      expectErr('path', `at point ${seed}: prepared vs one-shot sparse`, normErr(d, hessianDiagonal(g, x2, { method: 'sparse' })), TOL);
      expect([d.directions, a.method, a.directions, S.colours], 'the same colouring').to.deep.equal([6, 'sparse', 6, 11]);
      expect(detected(), 'the same pattern object (not detected again)').to.equal(pat);
      const copy = P.hessianSparsity();
      expect(copy, 'a copy').to.not.equal(pat);
      expect(copy, 'of the same pattern').to.deep.equal(pat);
    }
    expect(calls, 'f called once (the recording)').to.equal(1);
    expect(P.rerecords).to.equal(0);
  });

  it('f that branches on a primal: re-recorded at .at(), the pattern follows the new branch', () => {
    // x₀ > 0: Σ sin (diagonal); otherwise x₀·x₁ + sin(x₂ + x₃) (an off-diagonal block)
    const f = (x: Num[]) => ((x[0] as Value).value > 0 ? sines(x) : add(mul(x[0]!, x[1]!), sin(add(x[2]!, x[3]!))));
    const xp = [0.5, 0.3, -0.2, 0.7], xm = [-0.5, 0.3, -0.2, 0.7], P = prepare(f, xp);
    const first = P.hessianSparsity();
    expect(entries(first)).to.deep.equal(new Set([0, 5, 10, 15]));
    for (const [x, want] of [[xm, [1, 4, 10, 11, 14, 15]], [xp, [0, 5, 10, 15]], [xm, [1, 4, 10, 11, 14, 15]]] as const) {
      P.at([...x]);
      expect([...entries(P.hessianSparsity())].sort((a, b) => a - b), `pattern at x₀ = ${x[0]}`).to.deep.equal(want);
      const H = hessian(f, [...x]);
      expectErr('path', `branch x₀ = ${x[0]}: sparse diagonal`, normErr(P.hessianDiagonal({ method: 'sparse' }), diagOf(H)), TOL);
      expectSparseHessian(P.sparseHessian(), H, `branch x₀ = ${x[0]}`);
    }
    expect(P.rerecords).to.equal(3);
  });
});

// ---------------------------------------------------------------- tensors and records

describe('sparsity: tensor losses and parameter records', () => {
  it('sum(sin(x)) on a [40, 25] tensor: the sparse diagonal (one colour) equals the dense one, shaped like x', () => {
    const f = (x: Tensor) => sum(sin(x)), x = T([40, 25]), d = hessianDiagonal(f, x, { method: 'sparse' }) as Tensor & { directions: number };
    expect(d.shape).to.deep.equal([40, 25]);
    expect(d.directions).to.equal(1);
    const ref = flat(hessianDiagonal(f, x, { method: 'hyperdual' }) as Tensor);
    expectErr('path', 'tensor Σ sin: sparse vs hyperdual', normErr(d.data, ref), TOL);
    expectErr('path', 'tensor Σ sin: closed form', normErr(d.data, x.data.map((v) => -Math.sin(v))), TOL);
  });

  it('a separable record loss Σ sin(wᵢbᵢ) + Σ exp(wᵢ): two colours; sparse = auto = dense, as a record', () => {
    const f = (p: TensorRecord) => add(sum(sin(mul(p.w!, p.b!))), sum(exp(p.w!))), x = { w: T([300]), b: T([300]) };
    const s = hessianDiagonal(f, x, { method: 'sparse' }), a = hessianDiagonal(f, x);
    expect(Object.keys(s)).to.deep.equal(['w', 'b']);
    expect([s.directions, a.method]).to.deep.equal([2, 'sparse']);
    const ref = flat(hessianDiagonal(f, x, { method: 'hyperdual' }) as never);
    expectErr('path', 'record: sparse vs hyperdual', normErr(flat(s as never), ref), TOL);
    expectErr('path', 'record: auto vs hyperdual', normErr(flat(a as never), ref), TOL);
  });

  it("an MLP's parameter record [3, 4, 2]: 'sparse' equals the dense path; 'auto' takes 'structured' (4 + 2 lanes)", () => {
    const model = mlp([3, 4, 2], { seed: 5 }), x0 = tensor([0.3, -0.8, 0.5]);
    const loss = (p: TensorRecord) => crossEntropy(model.apply(p, x0), 1);
    const s = hessianDiagonal(loss, model.params as TensorRecord, { method: 'sparse' }) as TensorRecord & { directions: number };
    const a = hessianDiagonal(loss, model.params as TensorRecord) as TensorRecord & { method: string; directions: number };
    const H = hessian(loss, model.params as TensorRecord), ref = diagOf(H), n = ref.length;
    expect(n).to.equal(26);
    expectErr('path', 'mlp [3,4,2]: sparse vs hessian', normErr(flat(s), ref), TOL);
    expectErr('path', 'mlp [3,4,2]: auto vs hessian', normErr(flat(a), ref), TOL);
    expect([a.method, a.directions]).to.deep.equal(['structured', 6]);
    expect(s.directions, 'colours').to.be.above(n * 0.25);
    expectSparseHessian(sparseHessian(loss, model.params as TensorRecord), H, 'mlp [3,4,2]');
  });

  it("the seed MLP's 1610 weights: 'auto' takes 'structured' (110 lanes) and equals 'hvp'", () => {
    const model = mlp([5, 100, 10], { seed: 3 }), x0 = tensor([0.1, -0.4, 0.7, 0.2, -0.9]);
    const loss = (p: TensorRecord) => crossEntropy(model.apply(p, x0), 0);
    const a = hessianDiagonal(loss, model.params as TensorRecord) as TensorRecord & { method: string; directions: number };
    expect([a.method, a.directions]).to.deep.equal(['structured', 110]);
    expectErr('path', 'mlp 1610: auto vs hvp', normErr(flat(a), flat(hessianDiagonal(loss, model.params as TensorRecord, { method: 'hvp' }) as TensorRecord)), TOL);
  });
});

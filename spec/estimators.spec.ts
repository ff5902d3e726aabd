/**
 * Stochastic estimators of the Hessian's trace and diagonal (issue 8), on
 * functions whose Hessian is known: ½xᵀAx with a seeded A (H = A), Σ sin xᵢ
 * (H = diag(−sin x)), Rosenbrock (tridiagonal H, taken from the exact
 * `hessian`), ½Σ λₗ(uₗ·x)² (H = Σ λₗuₗuₗᵀ, of rank r).
 *  - exact cases: Hutchinson is exact for diagonal H, the ++ methods for
 *    rank H ≤ the sketch size;
 *  - the error shrinks like 1/√samples with the constant theory gives;
 *  - the standard error covers the true value at the stated rate;
 *  - 'forward' and 'hvp' paths agree; the same seed gives the same numbers;
 *  - options are checked with messages naming the function.
 * Every seed is fixed, so each statistical assertion is deterministic; its
 * band (comments) is at least 3.3 standard deviations of the checked
 * statistic wide on either side of the value theory gives.
 */
import { expect } from 'chai';
import {
  Tensor, add, dot, hessian, hessianDiagonalEstimate, hessianTraceEstimate, mul, sin, sub, sum, tensor, type Num,
} from '../lib/index.js';
import { mulberry32, randomVector } from './support/random.js';
import { relErr } from './support/agreement.js';

type Fn = (x: Num[]) => Num;

/** A symmetric n × n matrix with entries uniform in [−1, 1) from mulberry32(seed). */
function symmetricMatrix(n: number, seed: number): number[][] {
  const r = mulberry32(seed), A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i]![j] = A[j]![i] = 2 * r() - 1;
  return A;
}

/** ½xᵀAx, whose Hessian is A. */
const quadratic = (A: number[][]): Fn => (x) => mul(0.5, dot(x, A.map((row) => dot(row, x))));

/** ½Σₗ λₗ(uₗ·x)² with uₗ from mulberry32(seed): H = Σₗ λₗuₗuₗᵀ, of rank λ.length (for λ.length ≤ n). */
function lowRank(n: number, lambdas: number[], seed: number): { f: Fn; H: number[][] } {
  const r = mulberry32(seed), U = lambdas.map(() => randomVector(r, n));
  const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => lambdas.reduce((s, l, k) => s + l * U[k]![i]! * U[k]![j]!, 0)));
  return { f: (x) => mul(0.5, sum(U.map((u, k) => mul(lambdas[k]!, mul(dot(u, x), dot(u, x)))))), H };
}

const sines: Fn = (x) => sum(x.map((xi) => sin(xi)));

function rosenbrock(x: Num[]): Num {
  let s: Num = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const d = sub(x[i + 1]!, mul(x[i]!, x[i]!)), e = sub(1, x[i]!);
    s = add(s, add(mul(100, mul(d, d)), mul(e, e)));
  }
  return s;
}

const trace = (H: ArrayLike<number>[]) => Array.from(H, (row, i) => row[i]!).reduce((a, b) => a + b, 0);
const diag = (H: ArrayLike<number>[]) => Array.from(H, (row, i) => row[i]!);
/** Hutchinson's per-probe variances: 2Σ_{i≠j}H_ij² for the trace, Σ_{j≠i}H_ij² for entry i of the diagonal. */
const offDiagonal = (H: ArrayLike<number>[]) => Array.from(H, (row, i) => Array.from(row).reduce((s, h, j) => s + (i === j ? 0 : h * h), 0));
const traceVariance = (H: ArrayLike<number>[]) => 2 * offDiagonal(H).reduce((a, b) => a + b, 0);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const seeds = (count: number, from = 1) => Array.from({ length: count }, (_, s) => from + s);

const N = 20, A = symmetricMatrix(N, 7), quad = quadratic(A), x20 = randomVector(mulberry32(3), N);
const xr = randomVector(mulberry32(5), 30), Hr = hessian(rosenbrock, xr);

describe('stochastic estimators: exact cases', () => {
  it('Hutchinson is exact for a diagonal Hessian, for every seed (z ⊙ Hz = diag H when zᵢ² = 1)', () => {
    const x = randomVector(mulberry32(11), 25), truth = x.map((xi) => -Math.sin(xi));
    for (const seed of [0, 1, 2, 99]) {
      const d = hessianDiagonalEstimate(sines, x, { samples: 5, seed });
      expect(maxAbs(d.estimate, truth)).to.be.below(1e-15);
      expect(Array.from(d.standardError).every((s) => s === 0)).to.equal(true);
      const t = hessianTraceEstimate(sines, x, { samples: 5, seed });
      expect(relErr(t.estimate, truth.reduce((a, b) => a + b))).to.be.below(1e-14);
      expect(t.standardError).to.be.below(1e-14);
    }
  });

  it("hutch++ and diag++ are exact when rank H ≤ the sketch (⌊samples/3⌋ probes)", () => {
    const n = 40, { f, H } = lowRank(n, [3, -2, 1.5, 0.5, -0.25], 21), x = randomVector(mulberry32(4), n);
    for (const samples of [15, 16, 17, 30]) { // sketch of 5, 5, 5, 10 probes
      for (const path of ['forward', 'hvp'] as const) {
        const t = hessianTraceEstimate(f, x, { samples, seed: samples, method: 'hutch++', path });
        expect(relErr(t.estimate, trace(H)), `${samples} ${path}`).to.be.below(1e-12);
        expect(t.standardError).to.be.below(1e-12);
        expect(t.samples).to.equal(samples);
      }
      const d = hessianDiagonalEstimate(f, x, { samples, seed: samples, method: 'diag++' });
      expect(maxAbs(d.estimate, diag(H)), `${samples}`).to.be.below(1e-12);
      expect(Math.max(...d.standardError)).to.be.below(1e-12);
    }
    // with a sketch smaller than the rank, the estimate is not exact
    const t = hessianTraceEstimate(f, x, { samples: 12, seed: 1, method: 'hutch++' });
    expect(relErr(t.estimate, trace(H))).to.be.above(1e-6);
  });
});

describe('stochastic estimators: reproducibility and paths', () => {
  // Equal to rounding: a later call may run generated sweeps (from the third sweep over recordings of one structure),
  // which sum some terms in another order; another seed moves the estimate by far more.
  const same = (got: { estimate: number | ArrayLike<number>; standardError: number | ArrayLike<number>; samples: number }, ref: typeof got, what: string) => {
    const arr = (v: number | ArrayLike<number>) => (typeof v === 'number' ? [v] : Array.from(v));
    expect(got.samples, what).to.equal(ref.samples);
    arr(got.estimate).forEach((v, i) => expect(relErr(v, arr(ref.estimate)[i]!), `${what}: estimate[${i}]`).to.be.below(1e-12));
    arr(got.standardError).forEach((v, i) => expect(relErr(v, arr(ref.standardError)[i]!), `${what}: standardError[${i}]`).to.be.below(1e-10));
  };

  it('the same seed gives the same numbers (to rounding); another seed other numbers', () => {
    for (const method of ['hutchinson', 'hutch++'] as const) {
      const a = hessianTraceEstimate(rosenbrock, xr, { samples: 40, seed: 8, method });
      same(hessianTraceEstimate(rosenbrock, xr, { samples: 40, seed: 8, method }), a, method);
      expect(hessianTraceEstimate(rosenbrock, xr, { samples: 40, seed: 9, method }).estimate).to.not.equal(a.estimate);
    }
    for (const method of ['hutchinson', 'diag++'] as const) {
      const a = hessianDiagonalEstimate(rosenbrock, xr, { samples: 40, seed: 8, method });
      same(hessianDiagonalEstimate(rosenbrock, xr, { samples: 40, seed: 8, method }), a, method);
      expect(hessianDiagonalEstimate(rosenbrock, xr, { samples: 40, seed: 9, method }).estimate).to.not.deep.equal(a.estimate);
    }
    // the seed defaults to 0; the probes do not depend on the lanes per sweep
    same(hessianTraceEstimate(quad, x20, { samples: 33 }), hessianTraceEstimate(quad, x20, { samples: 33, seed: 0, lanes: 5 }), 'default seed');
  });

  it("'forward' (zᵀHz by Taylor-2 lanes) and 'hvp' (z·Hz) give the same estimate for the same seed", () => {
    const W = tensor(randomVector(mulberry32(6), 12), [3, 4]);
    const net = (w: Tensor) => sum(mul(sin(w), w)); // a tensor point: one elementwise block
    for (const method of ['hutchinson', 'hutch++'] as const) {
      for (const [f, x] of [[rosenbrock, xr], [quad, x20], [net, W]] as [(x: any) => Num, number[] | Tensor][]) {
        const a = hessianTraceEstimate(f, x, { samples: 37, seed: 3, method, path: 'forward' });
        const b = hessianTraceEstimate(f, x, { samples: 37, seed: 3, method, path: 'hvp' });
        expect(relErr(a.estimate, b.estimate), method).to.be.below(1e-12);
        expect(relErr(a.standardError, b.standardError), method).to.be.below(1e-10);
      }
    }
  });

  it("the diag++ estimate sums to the hutch++ trace estimate for the same seed and samples", () => {
    for (const seed of [1, 2, 3]) {
      const d = hessianDiagonalEstimate(quad, x20, { samples: 30, seed, method: 'diag++' });
      const t = hessianTraceEstimate(quad, x20, { samples: 30, seed, method: 'hutch++', path: 'hvp' });
      expect(relErr(Array.from(d.estimate).reduce((a, b) => a + b), t.estimate)).to.be.below(1e-12);
    }
  });

  it('returns results shaped like x (a Tensor), and NaN standard errors from one probe', () => {
    const x = tensor(randomVector(mulberry32(12), 6), [2, 3]);
    const d = hessianDiagonalEstimate((t: Tensor) => sum(sin(t)), x, { samples: 4 });
    expect(d.estimate).to.be.instanceOf(Tensor);
    expect(d.estimate.shape).to.deep.equal([2, 3]);
    expect(maxAbs(d.estimate.values(), Array.from(x.values(), (v) => -Math.sin(v)))).to.be.below(1e-15);
    expect(d.standardError.shape).to.deep.equal([2, 3]);
    const one = hessianTraceEstimate(rosenbrock, xr, { samples: 1 });
    expect(one.samples).to.equal(1);
    expect(one.standardError).to.be.NaN;
  });
});

describe('stochastic estimators: statistics', () => {
  /**
   * Over 40 fixed seeds, the root-mean-square error at m probes should be
   * σ/√m (σ² the per-probe variance, known exactly from H). The RMS of 40
   * near-normal errors has relative sd ≈ 1/√80 ≈ 0.11 (so each ratio
   * RMS·√m/σ must lie in [0.55, 1.5], ≥ 4 sd); pooled over the 5 values of m
   * (m = 16 … 4096; a smaller run's probes are a prefix of a larger one's, so
   * neighbours' squared errors correlate by ≈ 1/4) sd ≈ 0.06, so the pooled
   * ratio must lie in [0.8, 1.2] (≥ 3.3 sd); the log-log slope (log m spaced
   * by ln 4) has sd ≈ 0.11/√(ln²4 · 10) ≈ 0.025: −0.5 ± 0.1 is ±4 sd.
   */
  function expectRootN(error: (m: number, seed: number) => number, sigma: number, what: string): void {
    const ms = [16, 64, 256, 1024, 4096];
    const mse = ms.map((m) => seeds(40).reduce((s, seed) => s + error(m, seed) ** 2, 0) / 40);
    const lx = ms.map(Math.log), ly = mse.map((e) => Math.log(e) / 2), mx = lx.reduce((a, b) => a + b) / 5, my = ly.reduce((a, b) => a + b) / 5;
    const slope = lx.reduce((s, v, i) => s + (v - mx) * (ly[i]! - my), 0) / lx.reduce((s, v) => s + (v - mx) ** 2, 0);
    const ratios = mse.map((e, i) => Math.sqrt((e * ms[i]!) / sigma ** 2));
    expect(slope, `${what}: slope`).to.be.within(-0.6, -0.4);
    for (const r of ratios) expect(r, `${what}: RMS·√m/σ`).to.be.within(0.55, 1.5);
    expect(Math.sqrt(ratios.reduce((s, r) => s + r * r, 0) / 5), `${what}: pooled`).to.be.within(0.8, 1.2);
  }

  it('the trace error shrinks like σ/√samples (quadratic, Rosenbrock)', () => {
    for (const [name, f, x, H] of [['quadratic', quad, x20, A], ['rosenbrock', rosenbrock, xr, Hr]] as const) {
      const tr = trace(H), sigma = Math.sqrt(traceVariance(H));
      expectRootN((samples, seed) => hessianTraceEstimate(f, x, { samples, seed }).estimate - tr, sigma, name);
    }
  });

  it('the diagonal error shrinks like σᵢ/√samples (quadratic; error normalised per entry)', () => {
    const d = diag(A), sd = offDiagonal(A).map(Math.sqrt);
    // mean over entries of ((est − Hᵢᵢ)/σᵢ)², so one σ = 1 stands for all; the entries' errors are
    // correlated, so the spread is at most that of one entry's: the same bands hold
    expectRootN((samples, seed) => {
      const e = hessianDiagonalEstimate(quad, x20, { samples, seed }).estimate;
      return Math.sqrt(d.reduce((s, di, i) => s + ((e[i]! - di) / sd[i]!) ** 2, 0) / N);
    }, 1, 'diagonal');
  });

  /**
   * Over 200 fixed seeds, count |estimate − true| ≤ c·SE. With t = error/SE
   * ~ Student t with ν = (terms − 1) degrees of freedom, P(|t| ≤ 2) ≈ 0.95
   * and P(|t| ≤ 1) ≈ 0.68 (ν = 31 … 63: 0.946 … 0.950 and 0.675 … 0.679).
   * A Binomial(200, 0.95) count has mean 190, sd 3.1; Binomial(200, 0.68)
   * mean 136, sd 6.6. Bands: [177, 199] for 2·SE (≥ 4 sd below; 200 would
   * say SE is too large) and [112, 160] for 1·SE (±3.6 sd). Together they
   * pin the SE's scale to about ±30%: an SE 30% too small covers ≈ 84% and
   * 52% (fails the 2·SE band), one 30% too large ≈ 99% and 81% (fails the
   * 1·SE band).
   */
  function coverage(errorAndSe: (seed: number) => [number, number]): [number, number] {
    let one = 0, two = 0;
    for (const seed of seeds(200, 1000)) {
      const [e, se] = errorAndSe(seed);
      if (Math.abs(e) <= se) one++;
      if (Math.abs(e) <= 2 * se) two++;
    }
    return [one, two];
  }
  const expectCoverage = ([one, two]: [number, number], what: string) => {
    expect(two, `${what}: within 2 SE`).to.be.within(177, 199);
    expect(one, `${what}: within 1 SE`).to.be.within(112, 160);
  };

  it('the trace standard error covers the true value at the stated rate (Hutchinson; hutch++)', () => {
    const trR = trace(Hr);
    expectCoverage(coverage((seed) => {
      const r = hessianTraceEstimate(rosenbrock, xr, { samples: 64, seed });
      return [r.estimate - trR, r.standardError];
    }), 'hutchinson');
    // n = 40 > the sketch of 32, so 32 residual probes carry the error
    const B = symmetricMatrix(40, 17), qb = quadratic(B), xb = randomVector(mulberry32(8), 40), trB = trace(B);
    expectCoverage(coverage((seed) => {
      const r = hessianTraceEstimate(qb, xb, { samples: 96, seed, method: 'hutch++' });
      return [r.estimate - trB, r.standardError];
    }), 'hutch++');
  });

  it('the diagonal standard error covers the true value at the stated rate (one entry per seed, so the trials are independent)', () => {
    const dA = diag(A);
    expectCoverage(coverage((seed) => {
      const r = hessianDiagonalEstimate(quad, x20, { samples: 64, seed }), i = seed % N;
      return [r.estimate[i]! - dA[i]!, r.standardError[i]!];
    }), 'hutchinson');
    const B = symmetricMatrix(40, 17), qb = quadratic(B), xb = randomVector(mulberry32(8), 40), dB = diag(B);
    expectCoverage(coverage((seed) => {
      const r = hessianDiagonalEstimate(qb, xb, { samples: 96, seed, method: 'diag++' }), i = seed % 40;
      return [r.estimate[i]! - dB[i]!, r.standardError[i]!];
    }), 'diag++');
  });

  it('the ++ methods beat Hutchinson at equal samples when the spectrum decays (λₗ = 0.7ˡ)', () => {
    const n = 30, { f, H } = lowRank(n, Array.from({ length: n }, (_, l) => 0.7 ** l), 31), x = randomVector(mulberry32(2), n);
    const rms = (err: (seed: number) => number) => Math.sqrt(seeds(20).reduce((s, seed) => s + err(seed) ** 2, 0) / 20);
    const tr = trace(H), d = diag(H);
    const plainT = rms((seed) => hessianTraceEstimate(f, x, { samples: 60, seed }).estimate - tr);
    const plusT = rms((seed) => hessianTraceEstimate(f, x, { samples: 60, seed, method: 'hutch++' }).estimate - tr);
    expect(plusT).to.be.below(0.1 * plainT);
    const plainD = rms((seed) => maxAbs(hessianDiagonalEstimate(f, x, { samples: 60, seed }).estimate, d));
    const plusD = rms((seed) => maxAbs(hessianDiagonalEstimate(f, x, { samples: 60, seed, method: 'diag++' }).estimate, d));
    expect(plusD).to.be.below(0.1 * plainD);
  });
});

describe('stochastic estimators: options', () => {
  const bad = (call: () => unknown, message: RegExp) => expect(call).to.throw(message);
  it('refuses unknown options and bad values, naming the function', () => {
    bad(() => hessianTraceEstimate(quad, x20, { sample: 3 } as never), /^hessianTraceEstimate: unknown option 'sample' \(known: samples, seed, method, path, lanes\)/);
    bad(() => hessianTraceEstimate(quad, x20, { method: 'hutch+' } as never), /hessianTraceEstimate: option 'method' must be one of 'hutchinson', 'hutch\+\+'/);
    bad(() => hessianTraceEstimate(quad, x20, { path: 'reverse' } as never), /hessianTraceEstimate: option 'path' must be one of 'forward', 'hvp'/);
    bad(() => hessianTraceEstimate(quad, x20, { samples: 0 }), /hessianTraceEstimate: option 'samples' must be a positive integer, got 0/);
    bad(() => hessianTraceEstimate(quad, x20, { samples: 2.5 }), /option 'samples' must be a positive integer/);
    bad(() => hessianTraceEstimate(quad, x20, { method: 'hutch++', samples: 2 }), /hessianTraceEstimate: method 'hutch\+\+' needs samples ≥ 3/);
    bad(() => hessianTraceEstimate(quad, x20, { seed: -1 }), /hessianTraceEstimate: option 'seed' must be an integer from 0 to 4294967295, got -1/);
    bad(() => hessianTraceEstimate(quad, x20, { seed: 2 ** 32 }), /option 'seed' must be an integer/);
    bad(() => hessianTraceEstimate(quad, x20, { seed: '1' } as never), /option 'seed' must be an integer .*got a string/);
    bad(() => hessianTraceEstimate(quad, x20, 5 as never), /hessianTraceEstimate: options must be an object, got 5/);
    bad(() => hessianTraceEstimate(5 as never, x20), /hessianTraceEstimate: f must be a function/);
    bad(() => hessianDiagonalEstimate(quad, x20, { path: 'forward' } as never), /^hessianDiagonalEstimate: unknown option 'path' \(known: samples, seed, method, lanes\)/);
    bad(() => hessianDiagonalEstimate(quad, x20, { method: 'hutch++' } as never), /hessianDiagonalEstimate: option 'method' must be one of 'hutchinson', 'diag\+\+'/);
    bad(() => hessianDiagonalEstimate(quad, x20, { method: 'diag++', samples: 2 }), /hessianDiagonalEstimate: method 'diag\+\+' needs samples ≥ 3/);
    bad(() => hessianDiagonalEstimate(quad, [1, 2], {}), /hessianDiagonalEstimate/);
    expect(hessianTraceEstimate(quad, x20, { seed: 0xffffffff, samples: 3, method: 'hutch++' }).samples).to.equal(3);
  });
});

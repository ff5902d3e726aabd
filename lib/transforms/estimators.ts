/**
 * Stochastic estimators of the Hessian's trace and diagonal, for when n is
 * too large for the exact ones (n sweeps). All rest on one identity: for a
 * random probe z with E[zzᵀ] = I,
 *   E[zᵀHz] = tr H          (Hutchinson)
 *   E[z ⊙ Hz] = diag H      (Bekas–Kokiopoulou–Saad)
 * and zᵀHz is the second-order coefficient of one forward Taylor-2 sweep
 * seeded with z: the trace needs no reverse sweep at all. The diagonal needs
 * the vector Hz, so it runs forward-over-reverse (HVP) lanes.
 *
 * f is recorded once at x (as `prepare` does); every probe is a lane of a
 * sweep over that recording, `lanes` probes per sweep. This file computes
 * the estimates on a recording (a {@link Curvature}: a `Prepared`); the one-shot
 * `hessianTraceEstimate(f, x)` and `hessianDiagonalEstimate(f, x)` are in
 * diagonal.ts.
 *
 * Probes are Rademacher (entries ±1), drawn from one mulberry32(seed)
 * stream, 32 entries per draw: each probe takes ⌈n/32⌉ fresh draws, and its
 * entry i (x flattened, a record in its keys' order) is −1 if bit i mod 32
 * (from the least significant) of draw ⌊i/32⌋, as the integer u·2³², is set,
 * else +1. Probes are drawn in the order they are used (for the ++ methods:
 * the sketch probes first, then the residual probes), so a run with fewer
 * samples uses a prefix of the probes of a run with more (same method and
 * seed).
 */
import { mulberry32 } from '../tensor/random.js';
import { describe } from '../describe.js';
import { options } from '../check.js';
import type { Point, Shaped } from './point.js';
import { DEFAULT_LANES } from './method-options.js';

/** Probes when none are asked for. */
export const DEFAULT_SAMPLES = 64;

/** Options of {@link hessianTraceEstimate}. */
export interface TraceEstimateOptions {
  /** probes, i.e. Hessian applications (sweep lanes); default {@link DEFAULT_SAMPLES}; 'hutch++' needs ≥ 3 */
  samples?: number;
  /** seed of mulberry32 for the Rademacher probes, an integer 0 … 2³² − 1; default 0 */
  seed?: number;
  /** 'hutchinson' (default) or 'hutch++' */
  method?: 'hutchinson' | 'hutch++';
  /**
   * How zᵀHz is formed. 'forward' (default): the second-order coefficient of
   * a forward Taylor-2 sweep seeded with z (no reverse sweep, no adjoints).
   * 'hvp': z·(Hz) with Hz by forward-over-reverse. Both give the same
   * estimate up to rounding; 'hutch++' runs its sketch H·S by HVP lanes
   * either way.
   */
  path?: 'forward' | 'hvp';
  /** probes per sweep; default {@link DEFAULT_LANES} */
  lanes?: number;
}

/** Options of {@link hessianDiagonalEstimate}. */
export interface DiagonalEstimateOptions {
  /** probes, i.e. Hessian-vector products; default {@link DEFAULT_SAMPLES}; 'diag++' needs ≥ 3 */
  samples?: number;
  /** seed of mulberry32 for the Rademacher probes, an integer 0 … 2³² − 1; default 0 */
  seed?: number;
  /** 'hutchinson' (default) or 'diag++' */
  method?: 'hutchinson' | 'diag++';
  /** probes per sweep; default {@link DEFAULT_LANES} */
  lanes?: number;
}

/** An estimate and its standard error (both shaped like x for the diagonal). */
export interface Estimate<E> {
  readonly estimate: E;
  /**
   * Sample standard deviation of the averaged probe terms ÷ √(their count):
   * of all `samples` terms for 'hutchinson'; of the residual terms for the
   * ++ methods (see their docs). NaN when that count is 1.
   */
  readonly standardError: E;
  /** probes used (Hessian applications, including a ++ sketch) */
  readonly samples: number;
}

// 'seed' is listed so options() knows the key; settings() checks its value (0 is a seed too)
const traceSpec = { samples: 'positive integer', seed: 'positive integer', method: ['hutchinson', 'hutch++'], path: ['forward', 'hvp'], lanes: 'positive integer' } as const;
const diagSpec = { samples: 'positive integer', seed: 'positive integer', method: ['hutchinson', 'diag++'], lanes: 'positive integer' } as const;

/**
 * Checks the options with `options()`; the seed (which may be 0) separately.
 * Returns samples, seed and lanes with their defaults filled in.
 */
function settings<T extends { samples?: number; seed?: number; method?: string; lanes?: number }>(
  fn: string, opts: unknown, spec: { readonly [K in keyof T]-?: readonly string[] | 'positive integer' | 'boolean' },
): Partial<T> & { samples: number; seed: number; lanes: number } {
  const plain = opts !== null && typeof opts === 'object' && !Array.isArray(opts);
  const seed = plain ? (opts as { seed?: unknown }).seed : undefined;
  const o = options<T>(fn, plain ? { ...(opts as object), seed: undefined } : opts, spec);
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new RangeError(`${fn}: option 'seed' must be an integer from 0 to 4294967295, got ${describe(seed)}`);
  }
  const samples = o.samples ?? DEFAULT_SAMPLES;
  if (o.method?.endsWith('++') && samples < 3) {
    throw new RangeError(`${fn}: method '${o.method}' needs samples ≥ 3 (sketch, its products, residual probes), got ${samples}`);
  }
  return { ...o, samples, seed: (seed as number | undefined) ?? 0, lanes: o.lanes ?? DEFAULT_LANES };
}

/**
 * What the estimators read of a recording of f (a `Prepared`, which depends
 * on this file, not the other way round): its size n, aᵀHa and H·v for a
 * batch of directions, and a flat vector shaped like f's point.
 */
export interface Curvature<X extends Point = Point> {
  readonly size: number;
  /** aᵀHa per direction a (forward Taylor-2 lanes) */
  quadraticForms(directions: readonly Float64Array[], lanes?: number): Float64Array;
  /** H·v per direction v (forward-over-reverse lanes) */
  hvps(directions: readonly Float64Array[], lanes?: number): Float64Array[];
  shape(v: Float64Array): Shaped<X>;
}

/** A recording of f, with H applied to probe directions as sweep lanes over it. */
class Recorded {
  constructor(private readonly p: Curvature, readonly lanes: number) {}
  get n(): number { return this.p.size; }
  get packed(): { shape(v: Float64Array): unknown } { return this.p; }
  /** aᵀHa per direction a: forward Taylor-2 lanes, or a·(Ha) from HVP lanes */
  quadratic(dirs: readonly Float64Array[], path: 'forward' | 'hvp'): Float64Array {
    if (path === 'forward') return this.p.quadraticForms(dirs, this.lanes);
    return Float64Array.from(this.hvps(dirs), (hv, j) => dot(dirs[j]!, hv));
  }
  /** H·v per direction v (forward-over-reverse lanes) */
  hvps(dirs: readonly Float64Array[]): Float64Array[] {
    return this.p.hvps(dirs, this.lanes);
  }
}

/** The next `count` Rademacher probes of length n from one mulberry32(seed) stream (32 signs per draw). */
function rademacher(seed: number, n: number): (count: number) => Float64Array[] {
  const u = mulberry32(seed);
  return (count) => Array.from({ length: count }, () => {
    const z = new Float64Array(n);
    for (let i0 = 0; i0 < n; i0 += 32) {
      const bits = u() * 4294967296; // the draw's 32-bit integer, exactly
      for (let b = 0, end = Math.min(32, n - i0); b < end; b++) z[i0 + b] = (bits >>> b) & 1 ? -1 : 1;
    }
    return z;
  });
}

/** Runs `body` on the next `count` probes, `lanes` at a time (so probes are never all held at once). */
function inBatches(next: (count: number) => Float64Array[], count: number, lanes: number, body: (Z: Float64Array[]) => void): void {
  for (let j = 0; j < count; j += lanes) body(next(Math.min(lanes, count - j)));
}

/** Running mean and sum of squared deviations of vectors, entry by entry (Welford). */
class Moments {
  count = 0;
  readonly mean: Float64Array;
  private readonly m2: Float64Array;
  constructor(n: number) { this.mean = new Float64Array(n); this.m2 = new Float64Array(n); }
  push(x: ArrayLike<number>): void {
    const c = ++this.count, { mean, m2 } = this;
    for (let i = 0; i < mean.length; i++) {
      const d = x[i]! - mean[i]!;
      mean[i] += d / c;
      m2[i] += d * (x[i]! - mean[i]!);
    }
  }
  /** sample standard deviation ÷ √count, per entry (NaN for one sample) */
  standardError(): Float64Array {
    const c = this.count;
    return this.m2.map((s) => (c > 1 ? Math.sqrt(s / (c - 1) / c) : NaN));
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** y − Q(Qᵀy): y with its part in span Q removed (Q orthonormal columns). */
function deflate(Q: readonly Float64Array[], y: Float64Array): Float64Array {
  const r = y.slice();
  for (const q of Q) {
    const c = dot(q, r);
    for (let i = 0; i < r.length; i++) r[i] -= c * q[i]!;
  }
  return r;
}

/**
 * An orthonormal basis of span Y: Gram–Schmidt, each column orthogonalised
 * twice (which keeps it orthogonal to working precision); a column whose
 * remainder is below 1e-12 of the largest column is dependent and dropped.
 * (Any orthonormal Q keeps the ++ estimators unbiased; dropping only moves
 * that direction from the exact part to the residual.)
 */
function orthonormal(Y: readonly Float64Array[]): Float64Array[] {
  const tol = 1e-12 * Math.max(0, ...Y.map((y) => Math.sqrt(dot(y, y))));
  const Q: Float64Array[] = [];
  for (const y of Y) {
    const r = deflate(Q, deflate(Q, y)), s = Math.sqrt(dot(r, r));
    if (s > tol && s > 0) Q.push(r.map((v) => v / s));
  }
  return Q;
}

/**
 * The ++ sketch: k = ⌊samples/3⌋ probes S, Q = orth(H·S) by HVP lanes.
 * Returns Q and the number of residual probes, samples − 2k (≥ k).
 */
function sketch(r: Recorded, next: (count: number) => Float64Array[], samples: number): { Q: Float64Array[]; residual: number } {
  const k = Math.floor(samples / 3), HS: Float64Array[] = [];
  inBatches(next, k, r.lanes, (S) => { HS.push(...r.hvps(S)); });
  return { Q: orthonormal(HS), residual: samples - 2 * k };
}

/** tr H ≈ mean of zᵀHz over Rademacher probes z (or Hutch++), on a recording: the work of `hessianTraceEstimate` (diagonal.ts) and `Prepared#hessianTraceEstimate`. */
export function traceEstimate(p: Curvature, opts?: TraceEstimateOptions): Estimate<number> {
  const fn = 'hessianTraceEstimate';
  const o = settings<TraceEstimateOptions>(fn, opts, traceSpec), path = o.path ?? 'forward';
  const r = new Recorded(p, o.lanes), next = rademacher(o.seed, r.n), terms = new Moments(1);
  let exact = 0, count = o.samples, Q: Float64Array[] = [];
  if (o.method === 'hutch++') {
    ({ Q, residual: count } = sketch(r, next, o.samples));
    for (const q of r.quadratic(Q, path)) exact += q;
  }
  inBatches(next, count, o.lanes, (G) => {
    for (const t of r.quadratic(Q.length ? G.map((g) => deflate(Q, g)) : G, path)) terms.push([t]);
  });
  return { estimate: exact + terms.mean[0]!, standardError: terms.standardError()[0]!, samples: o.samples };
}

/** diag H ≈ mean of z ⊙ Hz over Rademacher probes z (or Diag++), on a recording: the work of `hessianDiagonalEstimate` (diagonal.ts) and `Prepared#hessianDiagonalEstimate`. */
export function diagonalEstimate<X extends Point>(p: Curvature<X>, opts?: DiagonalEstimateOptions): Estimate<Shaped<X>> {
  const fn = 'hessianDiagonalEstimate';
  const o = settings<DiagonalEstimateOptions>(fn, opts, diagSpec);
  const r = new Recorded(p, o.lanes), n = r.n, next = rademacher(o.seed, n), terms = new Moments(n);
  const exact = new Float64Array(n);
  let count = o.samples, Q: Float64Array[] = [];
  if (o.method === 'diag++') {
    ({ Q, residual: count } = sketch(r, next, o.samples));
    const HQ = r.hvps(Q);
    const M = Q.map((_, a) => Q.map((qb) => dot(qb, HQ[a]!))); // QᵀHQ
    for (let a = 0; a < Q.length; a++) {
      const qa = Q[a]!, hqa = HQ[a]!, MQa = new Float64Array(n); // (QM)ₐ = Σ_b Q_b M_ba
      for (let b = 0; b < Q.length; b++) {
        const m = M[b]![a]!, qb = Q[b]!;
        for (let i = 0; i < n; i++) MQa[i] += m * qb[i]!;
      }
      for (let i = 0; i < n; i++) exact[i] += qa[i]! * (2 * hqa[i]! - MQa[i]!);
    }
  }
  inBatches(next, count, o.lanes, (G) => {
    const HW = r.hvps(Q.length ? G.map((g) => deflate(Q, g)) : G);
    G.forEach((g, j) => {
      const y = Q.length ? deflate(Q, HW[j]!) : HW[j]!;
      for (let i = 0; i < n; i++) y[i] *= g[i]!;
      terms.push(y);
    });
  });
  const estimate = terms.mean.map((v, i) => v + exact[i]!);
  return { estimate: r.packed.shape(estimate) as Shaped<X>, standardError: r.packed.shape(terms.standardError()) as Shaped<X>, samples: o.samples };
}

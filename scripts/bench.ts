/**
 * npm run bench: what each derivative costs, as a ratio to the hand-written
 * plain-JS f measured in the same run (issue 4): every sample of a quantity is
 * paired with a sample of plain f taken just before it, and the ratio is the
 * median of the pairs' ratios (this machine is shared; load drifts).
 *
 * For every workload (scripts/workloads/): plain f, hyperad's f on numbers,
 * the recording alone, valueAndGrad, hvp, hessian (n ≤ 1000) and
 * hessianDiagonal by each method (n ≤ 1000). Each is timed two ways:
 *   transform — the public call (records f, then sweeps);
 *   prepared  — the method of a prepare(f, x) made beforehand: sweeps only,
 *               over one recording;
 *   at        — an optimiser's step: p.at(x′) then the method, p moved
 *               between two points on every call (issue 13).
 * Then the cost of one one-hot lane ('hyperdual' vs 'hvp', lanes = 1 and the
 * default), and a sweep over lanes K for the Hessian of W1 and W3 n = 1000
 * and the diagonals of W3 n = 1000, to choose the default K from data.
 *
 * Sparsity (issue 7): the diagonal by method 'sparse' for W2 and W3 at
 * n = 1000 and 100000 — prepared: pattern and colouring cached by the first
 * call, the timed call is the compressed sweeps (one HVP per colour, K
 * colours per sweep); transform: a fresh call (records, detects, colours,
 * sweeps) — with the colours. And the detection overhead of 'auto' on the
 * dense W4 (n = 100 and 1000): fresh hessianDiagonal(f, x) (auto, which falls
 * back to 'hyperdual') against fresh hessianDiagonal(f, x, { method:
 * 'hyperdual' }), each sample paired with one of the other taken just before
 * it, in both orders; the ratio is the geometric mean of the two orders'
 * medians.
 *
 * Tensor programs (issue 14; scripts/workloads/tensors.ts), each against its
 * hand-written plain-JS loop: W2 and W3 in tensor form (x a Tensor;
 * sum(sin(x)), and Rosenbrock from two slices) at n = 1000 and 100000 —
 * plain f, the recording (with its bytes per element per tensor op),
 * valueAndGrad, hvp and the exact diagonal (method 'auto'); the seed MLP in
 * tensor form w.r.t. its input (valueAndGrad, hvp); and W6, a batch MLP
 * 784 → 128 (tanh) → 10, batch 32, mean cross-entropy, w.r.t. its weights
 * (a record of Tensors; valueAndGrad, hvp). Each as transform, prepared and
 * at+sweep, as above (the slowest one-shots at n = 100000 with fewer
 * samples); err against the closed forms (W6: its hand-written
 * backpropagation, and finite differences of it for the hvp). The issues'
 * targets are checked at the end and printed.
 *
 * Timing: process.hrtime.bigint(); a warm-up, then samples of as many calls
 * as make ≥ 5 ms; the median sample per call. Memory: the recording's bytes
 * (Prepared#tapeBytes, i.e. Tape#bytes) and the sweep arrays' bytes
 * (Prepared#laneBytes, i.e. Workspace#bytes), per quantity.
 *
 * Prints one table on stdout; writes every row and the machine to
 * docs/bench.json (a full run only; `--quick`, ~40 s, writes nothing unless
 * given `--out FILE`). A progress line goes to stderr when it is a terminal.
 */
import { cpus, platform, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  gaussNewtonDiagonal, hessian, hessianDiagonal, hvp, linear, logSoftmax, nllLoss, prepare, tanh, tensor, valueAndGrad, DEFAULT_LANES, Tensor,
  type Arg, type DiagonalInfo, type Num, type Prepared, type TensorRecord,
} from '../lib/index.js';
import {
  batchMlp, diagonal, logistic, matVec, mlp, rel, rosenbrock, sines, tensorMlpInput, tensorMlpWeights, tensorRosenbrock, tensorSines, trigonometric,
  type TensorWorkload, type Workload,
} from './workloads/index.js';

type ScalarFn = (x: Num[]) => Num;

// ---------------------------------------------------------------- settings

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outArg = args.indexOf('--out');
const outFile = outArg >= 0 ? args[outArg + 1] : quick ? undefined : join(new URL('..', import.meta.url).pathname, '..', 'docs', 'bench.json');

/**
 * Per quantity: warm up for warmupMs (and at least minWarm calls), then up to
 * `samples` samples of ≥ sampleMs each, stopping after maxMs once there are
 * minSamples. The warm-up is long enough for V8 to optimise the generated
 * sweeps of a recording met for the first time in the process (they start in
 * its interpreter; measured: 40–80 ms until W1's Hessian settles).
 */
const SETTINGS = quick
  ? { warmupMs: 10, minWarm: 3, sampleMs: 5, samples: 3, minSamples: 1, maxMs: 100 }
  : { warmupMs: 150, minWarm: 3, sampleMs: 5, samples: 11, minSamples: 3, maxMs: 2000 };
const SIZES = [100, 1000, 100_000];
/** dense methods (n sweeps) only up to this n */
const DENSE_MAX = 1000;
const LANE_SWEEP = [1, 2, 4, 8, 16, 32];
/** sizes of W2 and W3 with a sparse-diagonal row */
const SPARSE_SIZES = [1000, 100_000];
/** sizes of W4 with an 'auto' overhead row */
const AUTO_SIZES = [100, 1000];
/** issue 7's targets: the sparse diagonal within this many plain f, with at most this many colours; 'auto' overhead */
const TARGET = { ratio: 50, colours: 3, autoOverhead: 0.05 };
/** issue 4's targets (prepared path, × plain f): W3 n = 1000 grad and hvp, W1 hessian; one 'hyperdual' lane ÷ one 'hvp' lane */
const TARGET4 = { grad: 10, hvp: 20, hessian: 30, lane: 0.5 };
/** sizes of the tensor-form W2 and W3 (issue 14) */
const TENSOR_SIZES = [1000, 100_000];
/**
 * Issue 14's targets (× plain f): tensor-form W2 and W3 at n = 100000 (one-shot
 * grad, hvp, exact diagonal; prepared hvp), the seed MLP's input and the batch
 * MLP's weights (one-shot grad, hvp); the recording's bytes per element per op.
 */
const TARGET14 = {
  chain: { grad: 10, hvp: 20, preparedHvp: 8, diagonal: 40 },
  seed: { grad: 10, hvp: 20 },
  batch: { grad: 6, hvp: 15 },
  bytesPerElementOp: 24,
};
/** limits for quantities of ~0.1 s a call and more (the one-shot diagonal at n = 100000) */
const SLOW = quick ? {} : { minWarm: 2, samples: 5, maxMs: 800 };

// ---------------------------------------------------------------- timing

let sink = 0;
const keep = (r: unknown) => {
  if (typeof r === 'number') sink += r;
  else if (r instanceof Float64Array) sink += r[0]!;
  else if (Array.isArray(r)) sink += (r[0] as Float64Array)[0]!;
  else if (r instanceof Tensor) sink += r.values()[0]!;
  else if (typeof (r as { value?: unknown }).value === 'number') sink += (r as { value: number }).value;
  else sink += (Object.values(r as TensorRecord)[0]!).values()[0]!;
};

interface Timing {
  /** median nanoseconds per call */
  ns: number;
  /** median over samples of (this sample ÷ the plain-f sample taken just before it) */
  ratio: number;
  /** median of those plain-f samples (ns per call) */
  plainNs?: number;
  reps: number;
  samples: number;
}

/** The reference: plain f and how many calls make one sample of it. */
interface Reference {
  fn: () => unknown;
  reps: number;
}

const now = () => process.hrtime.bigint();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** ns per call over `reps` calls of fn */
function sample(fn: () => unknown, reps: number): number {
  const t0 = now();
  for (let r = 0; r < reps; r++) keep(fn());
  return Number(now() - t0) / reps;
}

/**
 * Median time per call of fn: warm up, then samples of ≥ sampleMs each. With
 * a reference, each sample is preceded by a sample of plain f, and the ratio
 * is the median of the paired ratios: load from other processes that drifts
 * during the run then cancels instead of skewing one side. `limits` override
 * SETTINGS (fewer samples for the slowest quantities).
 */
function time(fn: () => unknown, ref?: Reference, limits: Partial<typeof SETTINGS> = {}): Timing {
  const S = { ...SETTINGS, ...limits };
  const perCall: number[] = [];
  const warmEnd = now() + BigInt(S.warmupMs * 1e6);
  do perCall.push(sample(fn, 1));
  while (now() < warmEnd || perCall.length < S.minWarm);
  const estimate = Math.max(median(perCall.slice(perCall.length >> 1)), 1);
  const reps = Math.max(1, Math.ceil((S.sampleMs * 1e6) / estimate));
  const ns: number[] = [], ratios: number[] = [], bases: number[] = [];
  const stop = now() + BigInt(S.maxMs * 1e6);
  while (ns.length < S.samples && (ns.length < S.minSamples || now() < stop)) {
    const base = ref ? sample(ref.fn, ref.reps) : 0;
    const t = sample(fn, reps);
    ns.push(t);
    if (ref) { ratios.push(t / base); bases.push(base); }
  }
  return { ns: median(ns), ratio: ref ? median(ratios) : 1, plainNs: ref ? median(bases) : undefined, reps, samples: ns.length };
}

// ---------------------------------------------------------------- errors

const relRows = (A: readonly Float64Array[], B: readonly Float64Array[]) => {
  let d = 0, s = 0;
  for (let i = 0; i < B.length; i++) {
    for (let j = 0; j < B[i]!.length; j++) {
      d = Math.max(d, Math.abs(A[i]![j]! - B[i]![j]!));
      s = Math.max(s, Math.abs(B[i]![j]!));
    }
  }
  return s === 0 ? d : d / s;
};

// ---------------------------------------------------------------- the prepared path

type Method = 'hyperdual' | 'hvp';
type DiagMethod = Method | 'sparse';

/**
 * prepare(f, x) per quantity, so each quantity's lane bytes (the sweep arrays
 * it allocated) are its own; all of them sweep the same recording of f at x.
 */
function prepared(f: ScalarFn, x: Float64Array) {
  const ps = new Map<string, Prepared<Float64Array>>();
  const get = (key: string) => {
    let p = ps.get(key);
    if (!p) ps.set(key, (p = prepare(f, x)));
    return p;
  };
  const first = get('record');
  return {
    tapeBytes: first.tapeBytes,
    nodes: first.nodes,
    laneBytes: (key: string) => ps.get(key)?.laneBytes ?? 0,
    grad: () => get('grad').grad(),
    hvp: (v: Float64Array) => get('hvp').hvp(v),
    hessian: (K: number) => get(`hessian ${K}`).hessian({ lanes: K }),
    diagonal: (method: DiagMethod, K: number): Float64Array & DiagonalInfo => get(`${method} ${K}`).hessianDiagonal({ method, lanes: K }),
  };
}

// ---------------------------------------------------------------- rows

interface Row {
  workload: string;
  n: number;
  quantity: string;
  /** lanes per sweep, where the quantity has them */
  lanes?: number;
  /** the public transform: median ns per call, and as a ratio to plain f */
  transformNs?: number;
  transformRatio?: number;
  /** the public transform on an f never seen before (nothing remembered for it: start size, sparsity) */
  firstNs?: number;
  firstRatio?: number;
  /** p.at(x′) then the method, on a recording moved between two points */
  atNs?: number;
  atRatio?: number;
  /** sweeps over a recording made beforehand */
  preparedNs?: number;
  preparedRatio?: number;
  /** the medians of the plain-f samples paired with each (JSON only) */
  transformPlainNs?: number;
  preparedPlainNs?: number;
  /** the recording (Tape#bytes) and the sweep arrays (Workspace#bytes) */
  tapeBytes?: number;
  /** tensor-form chains: tapeBytes ÷ (n × the tensor ops f records) */
  bytesPerElementOp?: number;
  laneBytes?: number;
  /** largest relative difference from the closed form (or from the Hessian's diagonal) */
  err?: number;
  /** for 'sparse': the colours (directions swept) and sweeps */
  colours?: number;
  sweeps?: number;
  /** for the 'auto' overhead: auto ÷ hyperdual, fresh calls, paired samples */
  overhead?: number;
  /** for "one 'hvp' lane": the cost of one 'hyperdual' lane ÷ one 'hvp' lane (paired ratios) */
  laneRatio?: number;
  reps?: number;
  samples?: number;
  note?: string;
}

const rows: Row[] = [];
const started = now();

const progressOn = Boolean(process.stderr.isTTY);
function progress(what: string): void {
  if (progressOn) process.stderr.write(`\r\x1b[K[${((Number(now() - started)) / 1e9).toFixed(0)} s] ${what}`);
}

function benchWorkload(w: Workload, opts: { sparse?: boolean } = {}): void {
  const { f, x, v, n, name } = w;
  const label = `${name} n=${n}`;
  const dense = n <= DENSE_MAX;
  const base: Pick<Row, 'workload' | 'n'> = { workload: name, n };

  progress(`${label}: plain f`);
  const plain = time(() => w.plain(x));
  const ref: Reference = { fn: () => w.plain(x), reps: plain.reps };
  rows.push({ ...base, quantity: 'plain f', transformNs: plain.ns, transformRatio: 1, reps: plain.reps, samples: plain.samples });

  progress(`${label}: f on numbers`);
  const xs = Array.from(x);
  const onNumbers = time(() => f(xs), ref);
  rows.push({ ...base, quantity: 'f on numbers', transformNs: onNumbers.ns, transformRatio: onNumbers.ratio, transformPlainNs: onNumbers.plainNs, reps: onNumbers.reps, samples: onNumbers.samples });

  progress(`${label}: record`);
  const p = prepared(f, x);
  const record = time(() => prepare(f, x).nodes, ref);
  rows.push({ ...base, quantity: 'record (tape)', transformNs: record.ns, transformRatio: record.ratio, transformPlainNs: record.plainNs, tapeBytes: p.tapeBytes, note: `${p.nodes} nodes, ${(record.ns / p.nodes).toFixed(1)} ns per node` });
  // an optimiser's step: one recording per quantity, moved between x and x2 on every call
  const x2 = Float64Array.from(x, (u) => 0.9 * u + 0.01);
  const mover = <R,>(method: (q: Prepared<Float64Array>) => R) => {
    const q = prepare(f, x);
    let k = 0;
    return () => method(q.at(k++ & 1 ? x : x2));
  };

  /** times the transform and the prepared sweep of one quantity, checks both against `reference` */
  const both = <R extends Float64Array | Float64Array[]>(
    quantity: string, lanes: number | undefined, key: string,
    transform: (() => R) | undefined, sweep: () => R, reference: R | undefined, moved?: () => unknown, first?: () => unknown,
  ): Row => {
    progress(`${label}: ${quantity}${lanes ? ` K=${lanes}` : ''}`);
    const errOf = (r: R) =>
      reference === undefined ? undefined
        : Array.isArray(r) ? relRows(r, reference as Float64Array[]) : rel(r as Float64Array, reference as Float64Array);
    const s = time(sweep, ref);
    const row: Row = {
      ...base, quantity, lanes, preparedNs: s.ns, preparedRatio: s.ratio, preparedPlainNs: s.plainNs,
      tapeBytes: p.tapeBytes, laneBytes: p.laneBytes(key), reps: s.reps, samples: s.samples,
    };
    let err = errOf(sweep());
    if (transform) {
      const t = time(transform, ref);
      row.transformNs = t.ns;
      row.transformRatio = t.ratio;
      row.transformPlainNs = t.plainNs;
      const e2 = errOf(transform());
      if (e2 !== undefined) err = Math.max(err ?? 0, e2);
    }
    if (first) {
      const t = time(first, ref);
      row.firstNs = t.ns;
      row.firstRatio = t.ratio;
    }
    if (moved) {
      const m = time(moved, ref);
      row.atNs = m.ns;
      row.atRatio = m.ratio;
    }
    if (err !== undefined) row.err = err;
    rows.push(row);
    return row;
  };

  const H = dense && w.hessian ? w.hessian(x) : undefined;
  const hv = w.hvp ? w.hvp(x, v) : H ? matVec(H, v) : undefined;
  const diag = w.hessianDiagonal && dense ? w.hessianDiagonal(x) : H ? diagonal(H) : undefined;

  // a new f on every call: a wrapper made per call, so nothing is remembered for it
  const newF = (): ScalarFn => (x) => f(x);
  both('valueAndGrad', undefined, 'grad', () => valueAndGrad(f, x).grad, p.grad, w.grad?.(x), mover((q) => q.grad()), () => valueAndGrad(newF(), x));
  both('hvp', undefined, 'hvp', () => hvp(f, x, v), () => p.hvp(v), hv, mover((q) => q.hvp(v)), () => hvp(newF(), x, v));
  const K = DEFAULT_LANES;
  if (opts.sparse && SPARSE_SIZES.includes(n)) {
    // prepared: the first call (a warm-up) detects and colours; the timed calls are the compressed sweeps
    const row = both(`diagonal 'sparse'`, K, `sparse ${K}`, () => hessianDiagonal(f, x, { method: 'sparse' }), () => p.diagonal('sparse', K),
      w.hessianDiagonal!(x), mover((q) => q.hessianDiagonal({ method: 'sparse' })), () => hessianDiagonal(newF(), x, { method: 'sparse' }));
    const info = p.diagonal('sparse', K);
    row.colours = info.directions;
    row.sweeps = info.sweeps;
    row.note = `${info.directions} colour${info.directions === 1 ? '' : 's'}, ${info.sweeps} sweep${info.sweeps === 1 ? '' : 's'}; transform also records; a new f also detects, colours`;
  }
  if (!dense) return;
  both('hessian', K, `hessian ${K}`, () => hessian(f, x), () => p.hessian(K), H);
  const lane: Record<string, Row> = {};
  for (const method of ['hyperdual', 'hvp'] as const) {
    lane[`${method} ${K}`] = both(`diagonal '${method}'`, K, `${method} ${K}`,
      () => hessianDiagonal(f, x, { method }), () => p.diagonal(method, K), diag);
  }
  for (const method of ['hyperdual', 'hvp'] as const) {
    lane[`${method} 1`] = both(`diagonal '${method}'`, 1, `${method} 1`, undefined, () => p.diagonal(method, 1), diag);
  }
  // the cost of one one-hot direction: a prepared diagonal sweep over n
  for (const k of [1, K]) {
    for (const method of ['hyperdual', 'hvp'] as const) {
      const r = lane[`${method} ${k}`]!;
      const row: Row = { ...base, quantity: `one '${method}' lane`, lanes: k, preparedNs: r.preparedNs! / n, preparedRatio: r.preparedRatio! / n };
      if (method === 'hvp') {
        // from the paired ratios, which cancel the machine's drifting load
        const h = lane[`hyperdual ${k}`]!.preparedRatio! / r.preparedRatio!;
        row.laneRatio = h;
        row.note = `'hyperdual' ÷ 'hvp' = ${h.toFixed(2)}`;
      }
      rows.push(row);
    }
  }
}

/**
 * The cost of 'auto' on a dense f: fresh hessianDiagonal(f, x) (detects, finds
 * the pattern too dense, runs 'hyperdual') ÷ fresh hessianDiagonal(f, x,
 * { method: 'hyperdual' }). Paired samples in both orders (auto after
 * hyperdual, hyperdual after auto); the geometric mean of the two medians.
 */
function autoOverhead(w: Workload): void {
  const { f, x, n, name } = w;
  const auto = () => hessianDiagonal(f, x), hyper = () => hessianDiagonal(f, x, { method: 'hyperdual' });
  progress(`${name} n=${n}: 'auto' overhead`);
  const ran = auto().method;
  const h = time(hyper);
  const a = time(auto, { fn: hyper, reps: h.reps });
  const b = time(hyper, { fn: auto, reps: a.reps });
  const overhead = Math.sqrt(a.ratio / b.ratio) - 1;
  const err = rel(auto(), hyper());
  rows.push({
    workload: name, n, quantity: `diagonal 'auto' overhead`, lanes: DEFAULT_LANES, transformNs: a.ns, reps: a.reps, samples: a.samples + b.samples, err, overhead,
    note: `'auto' ran '${ran}'; 'auto' ÷ 'hyperdual' = ${(1 + overhead).toFixed(3)} (${overhead >= 0 ? '+' : ''}${(100 * overhead).toFixed(1)}%; hyperdual ${fmtTime(h.ns)})`,
  });
}

function laneSweep(w: Workload, quantities: readonly ('hessian' | Method)[]): void {
  const { f, x, n, name } = w;
  const p = prepared(f, x);
  progress(`${name} n=${n}: lanes, plain f`);
  const plain = time(() => w.plain(x));
  const ref: Reference = { fn: () => w.plain(x), reps: plain.reps };
  const H = w.hessian!(x), diag = diagonal(H);
  for (const q of quantities) {
    for (const K of LANE_SWEEP) {
      progress(`${name} n=${n}: lanes, ${q} K=${K}`);
      const sweep = q === 'hessian' ? () => p.hessian(K) : () => p.diagonal(q, K);
      const t = time(sweep, ref);
      const r = sweep();
      rows.push({
        workload: name, n, quantity: q === 'hessian' ? 'lanes: hessian' : `lanes: diagonal '${q}'`, lanes: K,
        preparedNs: t.ns, preparedRatio: t.ratio, preparedPlainNs: t.plainNs, tapeBytes: p.tapeBytes,
        laneBytes: p.laneBytes(q === 'hessian' ? `hessian ${K}` : `${q} ${K}`),
        err: Array.isArray(r) ? relRows(r, H) : rel(r, diag), reps: t.reps, samples: t.samples,
        note: K > n ? `K > n: runs as K = ${n}` : undefined,
      });
    }
  }
}

/**
 * Issue 3: the seed MLP written with tensors — its input Hessian (x a Tensor
 * of 5) and the diagonal of the Hessian in all 1610 weights and biases (a
 * record), each on one prepared recording, as ratios to the hand-written
 * plain-JS f of the same model (paired samples in this process).
 */
function tensorModel(): void {
  const w = mlp();
  const W1 = tensor(w.W1, [100, 5]), b1 = tensor(w.b1), W2 = tensor(w.W2, [10, 100]), b2 = tensor(w.b2), x = tensor(w.x);
  const model = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }, x: Tensor) =>
    nllLoss(logSoftmax(linear(tanh(linear(x, p.W1, p.b1)), p.W2, p.b2)), 0);
  const params = { W1, b1, W2, b2 };
  progress('W1 tensor form: plain f');
  const plain = time(() => w.plain(w.x));
  const ref: Reference = { fn: () => w.plain(w.x), reps: plain.reps };
  const base = { workload: 'W1 mlp (tensors)' };
  const Px = prepare((z: Tensor) => model(params, z), x);
  const H = Px.hessian(), Hs = w.hessian!(w.x);
  const th = time(() => Px.hessian(), ref);
  rows.push({ ...base, n: 5, quantity: 'hessian (input)', lanes: DEFAULT_LANES, preparedNs: th.ns, preparedRatio: th.ratio, preparedPlainNs: th.plainNs,
    tapeBytes: Px.tapeBytes, laneBytes: Px.laneBytes, err: relRows(H, Hs), reps: th.reps, samples: th.samples, note: `${Px.nodes} slots` });
  const Pw = prepare((q: typeof params) => model(q, x), params);
  const flat = (d: unknown) => Float64Array.from(Object.values(d as Record<string, Tensor>).flatMap((t) => Array.from(t.data)));
  const dh = flat(Pw.hessianDiagonal({ method: 'hyperdual' })), dv = flat(Pw.hessianDiagonal({ method: 'hvp' }));
  for (const method of ['hyperdual', 'hvp'] as const) {
    progress(`W1 tensor form: weight diagonal '${method}'`);
    const t = time(() => Pw.hessianDiagonal({ method }), ref);
    rows.push({ ...base, n: 1610, quantity: `weight diagonal '${method}'`, lanes: DEFAULT_LANES, preparedNs: t.ns, preparedRatio: t.ratio, preparedPlainNs: t.plainNs,
      tapeBytes: Pw.tapeBytes, laneBytes: Pw.laneBytes, err: rel(method === 'hvp' ? dv : dh, method === 'hvp' ? dh : dv), reps: t.reps, samples: t.samples,
      note: 'err: against the other method' });
  }
}

/** A result's values, flat: a Tensor's, or a record's in its keys' order. */
const flatOf = (r: unknown): Float64Array =>
  r instanceof Tensor ? r.values() : Float64Array.from(Object.values(r as TensorRecord).flatMap((t) => Array.from(t.values())));

/**
 * Issue 14: a tensor-form workload (x a Tensor or a record of Tensors) — plain
 * f, the recording, valueAndGrad and hvp (and the exact diagonal, method
 * 'auto', with `diagonal`), each as transform, prepared and at+sweep, as in
 * benchWorkload. err: the largest of the transform's, the prepared sweep's
 * and the moved recording's (back at x) differences from the closed form.
 */
function benchTensor<X extends Tensor | TensorRecord>(w: TensorWorkload<X>, opts: { diagonal?: boolean } = {}): void {
  const { x, x2, v, n, name } = w;
  const f = w.f.bind(w);
  const label = `${name} n=${n}`;
  const base: Pick<Row, 'workload' | 'n'> = { workload: name, n };
  const slow = n >= 100_000 ? SLOW : {};

  progress(`${label}: plain f`);
  const plain = time(() => w.plain());
  const ref: Reference = { fn: () => w.plain(), reps: plain.reps };
  rows.push({ ...base, quantity: 'plain f', transformNs: plain.ns, transformRatio: 1, reps: plain.reps, samples: plain.samples });

  progress(`${label}: record`);
  const p = prepare(f, x);
  const record = time(() => prepare(f, x).nodes, ref);
  const perOp = w.ops ? p.tapeBytes / (n * w.ops) : undefined;
  rows.push({
    ...base, quantity: 'record (tape)', transformNs: record.ns, transformRatio: record.ratio, transformPlainNs: record.plainNs,
    tapeBytes: p.tapeBytes, bytesPerElementOp: perOp,
    note: `${p.nodes} slots${perOp === undefined ? '' : `; ${perOp.toFixed(1)} bytes per element per op (${w.ops} tensor ops)`}`,
  });

  const one = (quantity: string, transform: () => unknown, sweep: (q: Prepared<X>) => unknown, reference: Float64Array | undefined, note?: (q: Prepared<X>) => string) => {
    progress(`${label}: ${quantity}`);
    const q = prepare(f, x), moving = prepare(f, x);
    let k = 0;
    const s = time(() => sweep(q), ref);
    const m = time(() => sweep(moving.at(k++ & 1 ? x : x2)), ref, slow);
    const t = time(transform, ref, slow);
    const row: Row = {
      ...base, quantity, transformNs: t.ns, transformRatio: t.ratio, transformPlainNs: t.plainNs,
      preparedNs: s.ns, preparedRatio: s.ratio, preparedPlainNs: s.plainNs, atNs: m.ns, atRatio: m.ratio,
      tapeBytes: q.tapeBytes, laneBytes: q.laneBytes, reps: s.reps, samples: s.samples, note: note?.(q) ?? w.errNote,
    };
    if (reference) row.err = Math.max(...[transform(), sweep(q), sweep(moving.at(x))].map((r) => rel(flatOf(r), reference)));
    rows.push(row);
  };
  one('valueAndGrad', () => valueAndGrad(f, x).grad, (q) => q.grad(), w.grad?.());
  one('hvp', () => hvp(f, x, v as never), (q) => q.hvp(v as never), w.hvp?.());
  if (opts.diagonal) {
    one(`diagonal 'auto'`, () => hessianDiagonal(f, x), (q) => q.hessianDiagonal(), w.hessianDiagonal?.(), (q) => {
      const info = q.hessianDiagonal();
      return `'auto' ran '${info.method}', ${info.directions} direction${info.directions === 1 ? '' : 's'}, ${info.sweeps} sweep${info.sweeps === 1 ? '' : 's'}`;
    });
  }
}

/** Issue 15's Gauss–Newton diagonal diag(JᵀJ) of a workload's per-sample residuals: one-shot, prepared, moved. */
function benchGaussNewton<X extends Tensor | TensorRecord>(w: TensorWorkload<X>): void {
  const { x, x2, n, name } = w, F = (p: Arg<X>) => w.residuals!(p), label = `${name} n=${n}`;
  progress(`${label}: gaussNewtonDiagonal`);
  const plain = time(() => w.plain()), ref: Reference = { fn: () => w.plain(), reps: plain.reps };
  const q = prepare(F, x, { vector: true }), moving = prepare(F, x, { vector: true });
  let k = 0;
  const s = time(() => q.gaussNewtonDiagonal(), ref);
  const m = time(() => moving.at(k++ & 1 ? x : x2).gaussNewtonDiagonal(), ref, SLOW);
  const t = time(() => gaussNewtonDiagonal(F, x), ref, SLOW);
  const info = q.gaussNewtonDiagonal();
  rows.push({
    workload: name, n, quantity: `gaussNewtonDiagonal 'auto'`, transformNs: t.ns, transformRatio: t.ratio, transformPlainNs: t.plainNs,
    preparedNs: s.ns, preparedRatio: s.ratio, preparedPlainNs: s.plainNs, atNs: m.ns, atRatio: m.ratio,
    tapeBytes: q.tapeBytes, laneBytes: q.laneBytes, reps: s.reps, samples: s.samples,
    note: `'auto' ran '${info.method}', ${info.directions} directions (diag JᵀJ of per-sample residuals)`,
  });
}

// ---------------------------------------------------------------- run

const workloads: [() => Workload, { sparse?: boolean }][] = [
  [mlp, {}],
  ...SIZES.map((n) => [() => sines(n), { sparse: true }] as [() => Workload, { sparse: boolean }]),
  ...SIZES.map((n) => [() => rosenbrock(n), { sparse: true }] as [() => Workload, { sparse: boolean }]),
  [() => trigonometric(100), {}],
  [logistic, {}],
];
for (const [make, opts] of workloads) benchWorkload(make(), opts);
for (const n of AUTO_SIZES) autoOverhead(trigonometric(n));
for (const make of [tensorSines, tensorRosenbrock]) for (const n of TENSOR_SIZES) benchTensor(make(n), { diagonal: true });
benchTensor(tensorMlpInput());
tensorModel();
benchTensor(tensorMlpWeights(), { diagonal: true });
const batch = batchMlp();
benchTensor(batch, { diagonal: true });
benchGaussNewton(batch);
laneSweep(mlp(), ['hessian']);
laneSweep(rosenbrock(1000), ['hessian', 'hyperdual', 'hvp']);
if (progressOn) process.stderr.write('\r\x1b[K');
const seconds = Number(now() - started) / 1e9;

// ---------------------------------------------------------------- the table

function fmtTime(ns: number | undefined): string {
  if (ns === undefined) return '';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}
function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '';
  return r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0);
}
function fmtBytes(b: number | undefined): string {
  if (!b) return '';
  if (b < 1e6) return `${(b / 1e3).toPrecision(3)} kB`;
  return `${(b / 1e6).toPrecision(3)} MB`;
}
const fmtErr = (e: number | undefined) => (e === undefined ? '' : e.toExponential(0));

const columns: [string, 'l' | 'r', (r: Row) => string][] = [
  ['workload', 'l', (r) => r.workload],
  ['n', 'r', (r) => String(r.n)],
  ['quantity', 'l', (r) => r.quantity],
  ['K', 'r', (r) => (r.lanes === undefined ? '' : String(r.lanes))],
  ['transform', 'r', (r) => fmtTime(r.transformNs)],
  ['×f', 'r', (r) => fmtRatio(r.transformRatio)],
  ['prepared', 'r', (r) => fmtTime(r.preparedNs)],
  ['×f ', 'r', (r) => fmtRatio(r.preparedRatio)],
  ['new f', 'r', (r) => fmtTime(r.firstNs)],
  ['×f   ', 'r', (r) => fmtRatio(r.firstRatio)],
  ['at+sweep', 'r', (r) => fmtTime(r.atNs)],
  ['×f  ', 'r', (r) => fmtRatio(r.atRatio)],
  ['tape', 'r', (r) => fmtBytes(r.tapeBytes)],
  ['lanes', 'r', (r) => fmtBytes(r.laneBytes)],
  ['col', 'r', (r) => (r.colours === undefined ? '' : String(r.colours))],
  ['err', 'r', (r) => fmtErr(r.err)],
  ['', 'l', (r) => r.note ?? ''],
];
const cells = rows.map((r) => columns.map(([, , get]) => get(r)));
const widths = columns.map(([h], c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
const line = (vals: string[]) =>
  vals.map((s, c) => (columns[c]![1] === 'l' ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
const out: string[] = [];
const cpu = cpus();
out.push(`hyperad bench${quick ? ' (quick)' : ''} · ${cpu[0]?.model ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · ${seconds.toFixed(0)} s`);
out.push('transform = the public call (records f, then sweeps); prepared = the method of a prepare(f, x) made beforehand (sweeps only);');
out.push("new f = the transform on an f it has not seen (a fresh wrapper per call: no remembered start size or sparsity);");
out.push("at+sweep = p.at(x') then the method, p moved between two points on every call (an optimiser's step);");
out.push('×f = time ÷ the hand-written plain-JS f (median of samples, each paired with a plain-f sample taken just before it);');
out.push(`K = lanes per sweep (default ${DEFAULT_LANES}); tape, lanes = bytes of the recording and of the sweep arrays; col = colours ('sparse');`);
out.push('err = max |a − b| / max |b| vs the closed form (the \'auto\' overhead rows: vs \'hyperdual\')');
out.push('');
out.push(line(columns.map(([h]) => h)));
out.push(line(widths.map((w) => '─'.repeat(w))));
let last = '';
for (let i = 0; i < rows.length; i++) {
  const key = `${rows[i]!.workload} ${rows[i]!.n} ${rows[i]!.quantity.startsWith('lanes:')} ${rows[i]!.quantity.includes('overhead')}`;
  if (last && key !== last) out.push('');
  last = key;
  out.push(line(cells[i]!));
}

// ---------------------------------------------------------------- the issue's targets

interface Target { issue: number; what: string; measured: string; target: string; reached: boolean }
const targets: Target[] = [];
const ratioTarget = (workload: string, n: number, quantity: string, max: number, what: string) => {
  const r = rows.find((q) => q.workload === workload && q.n === n && q.quantity === quantity && q.preparedRatio !== undefined);
  if (r) targets.push({ issue: 4, what: `${workload} n = ${n}: ${what}, prepared`, measured: `${fmtRatio(r.preparedRatio)}× f`, target: `≤ ${max}× f`, reached: r.preparedRatio! <= max });
};
ratioTarget('W3 rosenbrock', 1000, 'valueAndGrad', TARGET4.grad, 'gradient');
ratioTarget('W3 rosenbrock', 1000, 'hvp', TARGET4.hvp, 'hvp');
ratioTarget('W1 mlp', 5, 'hessian', TARGET4.hessian, 'hessian');
for (const r of rows.filter((q) => q.laneRatio !== undefined)) {
  targets.push({
    issue: 4, what: `${r.workload} n = ${r.n}: one 'hyperdual' lane ÷ one 'hvp' lane, K = ${r.lanes}`,
    measured: r.laneRatio!.toFixed(2), target: `≤ ${TARGET4.lane}`, reached: r.laneRatio! <= TARGET4.lane,
  });
}
for (const wl of ['W2 sines', 'W3 rosenbrock']) {
  const r = rows.find((q) => q.workload === wl && q.n === 100_000 && q.quantity === `diagonal 'sparse'`);
  if (!r) continue;
  targets.push({
    issue: 7, what: `${wl} n = 100000: exact diagonal, 'sparse' prepared`,
    measured: `${fmtRatio(r.preparedRatio)}× f, ${r.colours} colour${r.colours === 1 ? '' : 's'} (fresh call ${fmtRatio(r.transformRatio)}× f)`,
    target: `≤ ${TARGET.ratio}× f, ≤ ${TARGET.colours} colours`,
    reached: r.preparedRatio! <= TARGET.ratio && r.colours! <= TARGET.colours,
  });
}
for (const r of rows.filter((q) => q.overhead !== undefined)) {
  targets.push({
    issue: 7, what: `${r.workload} n = ${r.n}: 'auto' on a dense f`,
    measured: `${r.overhead! >= 0 ? '+' : ''}${(100 * r.overhead!).toFixed(1)}% over 'hyperdual'`,
    target: `≤ +${100 * TARGET.autoOverhead}%`,
    reached: r.overhead! <= TARGET.autoOverhead,
  });
}
// issue 13: the calls users make, not only the prepared sweeps
const rowOf = (workload: string, n: number | undefined, quantity: string) => rows.find((q) => q.workload === workload && (n === undefined || q.n === n) && q.quantity === quantity);
const targetOn = (issue: number) => (what: string, r: Row | undefined, get: (r: Row) => number | undefined, max: number, unit = '× f') => {
  const m = r && get(r);
  if (m !== undefined) targets.push({ issue, what, measured: `${m.toFixed(1)}${unit}`, target: `≤ ${max}${unit}`, reached: m <= max });
};
const target13 = targetOn(13);
for (const [n, max] of [[1000, 20], [100_000, 40]] as const) {
  const r = rowOf('W3 rosenbrock', n, 'record (tape)');
  target13(`W3 rosenbrock n = ${n}: recording, ns per node`, r, (q) => q.transformNs! / Number(/^(\d+) nodes/.exec(q.note ?? '')?.[1]), max, ' ns');
}
target13('W3 rosenbrock n = 1000: grad(f, x), one-shot', rowOf('W3 rosenbrock', 1000, 'valueAndGrad'), (q) => q.transformRatio, 100);
target13('W3 rosenbrock n = 1000: hvp(f, x, v), one-shot', rowOf('W3 rosenbrock', 1000, 'hvp'), (q) => q.transformRatio, 130);
target13("W3 rosenbrock n = 1000: p.at(x') then .grad()", rowOf('W3 rosenbrock', 1000, 'valueAndGrad'), (q) => q.atRatio, 25);
target13("W3 rosenbrock n = 1000: exact diagonal, one-shot", rowOf('W3 rosenbrock', 1000, `diagonal 'sparse'`), (q) => q.transformRatio, 200);
target13("W3 rosenbrock n = 1000: exact diagonal, one-shot on a new f", rowOf('W3 rosenbrock', 1000, `diagonal 'sparse'`), (q) => q.firstRatio, 200);
for (const [wl, max] of [['W2 sines', 50], ['W3 rosenbrock', 600]] as const) {
  target13(`${wl} n = 100000: exact diagonal, one-shot`, rowOf(wl, 100_000, `diagonal 'sparse'`), (q) => q.transformRatio, max);
  target13(`${wl} n = 100000: exact diagonal, one-shot on a new f`, rowOf(wl, 100_000, `diagonal 'sparse'`), (q) => q.firstRatio, max);
}
target13('W1 mlp n = 5: grad(f, x), one-shot (scalar-op form)', rowOf('W1 mlp', 5, 'valueAndGrad'), (q) => q.transformRatio, 20);
target13("W1 mlp n = 5: p.at(x') then .grad() (scalar-op form)", rowOf('W1 mlp', 5, 'valueAndGrad'), (q) => q.atRatio, 25);
// issue 14: tensor programs, one-shot calls as users make them
const target15 = targetOn(15);
target15("W1 mlp weights n = 1610: exact diagonal ('auto': structured), one-shot", rowOf('W1 mlp weights (tensors)', 1610, `diagonal 'auto'`), (q) => q.transformRatio, 100);
target15("W1 mlp weights n = 1610: exact diagonal, prepared", rowOf('W1 mlp weights (tensors)', 1610, `diagonal 'auto'`), (q) => q.preparedRatio, 100);
target15("W6 batch mlp: exact diagonal ('auto': structured), one-shot", rowOf('W6 batch mlp (tensors)', undefined, `diagonal 'auto'`), (q) => q.transformRatio, 50);
target15("W6 batch mlp: exact diagonal, prepared", rowOf('W6 batch mlp (tensors)', undefined, `diagonal 'auto'`), (q) => q.preparedRatio, 50);
const target14 = targetOn(14);
for (const wl of ['W2 sines (tensor)', 'W3 rosenbrock (tensor)']) {
  const at = (quantity: string) => rowOf(wl, 100_000, quantity), T = TARGET14.chain;
  target14(`${wl} n = 100000: grad(f, x), one-shot`, at('valueAndGrad'), (q) => q.transformRatio, T.grad);
  target14(`${wl} n = 100000: hvp(f, x, v), one-shot`, at('hvp'), (q) => q.transformRatio, T.hvp);
  target14(`${wl} n = 100000: hvp, prepared`, at('hvp'), (q) => q.preparedRatio, T.preparedHvp);
  target14(`${wl} n = 100000: exact diagonal, one-shot`, at(`diagonal 'auto'`), (q) => q.transformRatio, T.diagonal);
  target14(`${wl} n = 100000: recording, bytes per element per op`, at('record (tape)'), (q) => q.bytesPerElementOp, TARGET14.bytesPerElementOp, ' bytes');
}
for (const [wl, n, T] of [['W1 mlp (tensors)', 5, TARGET14.seed], ['W6 batch mlp (tensors)', 101_770, TARGET14.batch]] as const) {
  target14(`${wl} n = ${n}: grad(f, x), one-shot`, rowOf(wl, n, 'valueAndGrad'), (q) => q.transformRatio, T.grad);
  target14(`${wl} n = ${n}: hvp(f, x, v), one-shot`, rowOf(wl, n, 'hvp'), (q) => q.transformRatio, T.hvp);
}
for (const issue of [4, 7, 13, 14, 15]) {
  out.push('', `targets (issue ${issue}):`);
  for (const t of targets.filter((q) => q.issue === issue)) out.push(`  ${t.reached ? 'reached' : 'MISSED '}  ${t.what}: ${t.measured} (target ${t.target})`);
}
console.log(out.join('\n'));

if (outFile) {
  const json = {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, node: process.version, os: `${platform()} ${release()}` },
    date: new Date().toISOString(),
    quick,
    seconds,
    defaultLanes: DEFAULT_LANES,
    settings: { ...SETTINGS, sizes: SIZES, denseMax: DENSE_MAX, laneSweep: LANE_SWEEP, sparseSizes: SPARSE_SIZES, autoSizes: AUTO_SIZES, tensorSizes: TENSOR_SIZES, slow: SLOW },
    targets,
    rows,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(json, null, 1)}\n`);
  console.error(`wrote ${outFile}`);
}
if (sink === 0.123456789) console.log(''); // keeps the results alive

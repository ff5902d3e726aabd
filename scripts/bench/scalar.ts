/**
 * The bench's rows for the scalar workloads (scripts/workloads/): plain f,
 * hyperad's f on numbers, the recording, valueAndGrad, hvp, hessian and the
 * diagonal by each method (dense methods for n ≤ 1000), the cost of one
 * one-hot lane, the sparse diagonal, the overhead of 'auto' on a dense f, and
 * the sweep over lanes K.
 */
import { hessian, hessianDiagonal, hvp, prepare, valueAndGrad, DEFAULT_LANES, type Prepared } from '../../lib/index.js';
import { once } from '../../lib/transforms/prepare.js';
import { diagonal, matVec, rel, type Workload } from '../workloads/index.js';
import { fmtTime } from './report.js';
import { prepared, relRows, type Method, type Row, type ScalarFn } from './rows.js';
import { DENSE_MAX, LANE_SWEEP, SPARSE_SIZES } from './settings.js';
import { progress, time, type Reference } from './timing.js';

/** Every row of one scalar workload (the sparse diagonal too, with `sparse`, at SPARSE_SIZES). */
export function benchWorkload(w: Workload, opts: { sparse?: boolean } = {}): Row[] {
  const rows: Row[] = [];
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
  // the recording a one-shot transform makes and drops (its arrays come back to the pool: no fresh memory to fault in,
  // which a kept recording of 10⁵ inputs pays, ~100 ms for its 36 MB of partials on this kind of machine)
  progress(`${label}: record (one-shot)`);
  const recordOnce = time(() => once('bench', f, x, (q) => q.nodes), ref);
  rows.push({ ...base, quantity: 'record (one-shot)', transformNs: recordOnce.ns, transformRatio: recordOnce.ratio, transformPlainNs: recordOnce.plainNs, tapeBytes: p.tapeBytes, note: `${p.nodes} nodes, ${(recordOnce.ns / p.nodes).toFixed(1)} ns per node` });
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
  if (!dense) return rows;
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
  return rows;
}

/**
 * The cost of 'auto' on a dense f: fresh hessianDiagonal(f, x) (detects, finds
 * the pattern too dense, runs 'hyperdual') ÷ fresh hessianDiagonal(f, x,
 * { method: 'hyperdual' }). Paired samples in both orders (auto after
 * hyperdual, hyperdual after auto); the geometric mean of the two medians.
 */
export function autoOverhead(w: Workload): Row[] {
  const rows: Row[] = [];
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
  return rows;
}

/** The prepared Hessian and diagonals of one workload at every K of LANE_SWEEP. */
export function laneSweep(w: Workload, quantities: readonly ('hessian' | Method)[]): Row[] {
  const rows: Row[] = [];
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
  return rows;
}

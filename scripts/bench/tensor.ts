/**
 * The bench's rows for tensor programs (issues 3, 14, 15;
 * scripts/workloads/tensors.ts), each against its hand-written plain-JS loop.
 */
import {
  gaussNewtonDiagonal, hessianDiagonal, hvp, linear, logSoftmax, nllLoss, prepare, tanh, tensor, valueAndGrad, DEFAULT_LANES, Tensor,
  type Arg, type Prepared, type TensorRecord,
} from '../../lib/index.js';
import { mlp, rel, type TensorWorkload } from '../workloads/index.js';
import { relRows, type Row } from './rows.js';
import { SLOW } from './settings.js';
import { progress, time, type Reference } from './timing.js';
import { once } from '../../lib/transforms/prepare.js';

/**
 * Issue 3: the seed MLP written with tensors — its input Hessian (x a Tensor
 * of 5) and the diagonal of the Hessian in all 1610 weights and biases (a
 * record), each on one prepared recording, as ratios to the hand-written
 * plain-JS f of the same model (paired samples in this process).
 */
export function tensorModel(): Row[] {
  const rows: Row[] = [];
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
  return rows;
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
export function benchTensor<X extends Tensor | TensorRecord>(w: TensorWorkload<X>, opts: { diagonal?: boolean } = {}): Row[] {
  const rows: Row[] = [];
  const { x, x2, v, n, name } = w;
  const f = w.f.bind(w);
  const label = `${name} n=${n}`;
  const base: Pick<Row, 'workload' | 'n'> = { workload: name, n };
  const slow = n >= 100_000 ? SLOW : {};

  progress(`${label}: plain f`);
  const plain = time(() => w.plain());
  const ref: Reference = { fn: () => w.plain(), reps: plain.reps };
  rows.push({ ...base, quantity: 'plain f', transformNs: plain.ns, transformRatio: 1, reps: plain.reps, samples: plain.samples });

  // bytes per element per op: the ops' own (the recording less the inputs' nodes, which a recording of an f
  // that only reads x has too), and with the inputs counted
  const inputBytes = w.ops && x instanceof Tensor ? prepare((t: Tensor) => t.index(0)!, x).tapeBytes : 0;
  const perOp = (bytes: number) => (w.ops ? { own: (bytes - inputBytes) / (n * w.ops), all: bytes / (n * w.ops) } : undefined);
  const bytesNote = (q: ReturnType<typeof perOp>) =>
    (q ? `; ${q.own.toFixed(1)} bytes per element per op (${w.ops} tensor ops), ${q.all.toFixed(1)} with the inputs' nodes` : '');

  progress(`${label}: record`);
  const p = prepare(f, x);
  const record = time(() => prepare(f, x).nodes, ref), kept = perOp(p.tapeBytes);
  rows.push({
    ...base, quantity: 'record (tape)', transformNs: record.ns, transformRatio: record.ratio, transformPlainNs: record.plainNs,
    tapeBytes: p.tapeBytes, bytesPerElementOp: kept?.own, bytesPerElementOpWithInputs: kept?.all, note: `${p.nodes} slots${bytesNote(kept)}`,
  });

  // the recording a one-shot transform makes (long elementwise chains fused, partials not stored: lib/tensor/fused.ts)
  progress(`${label}: record (one-shot)`);
  const [slots, bytes] = once('bench', f, x, (q) => [q.nodes, q.tapeBytes]), recordOnce = time(() => once('bench', f, x, (q) => q.nodes), ref);
  const oneShot = perOp(bytes);
  rows.push({
    ...base, quantity: 'record (one-shot)', transformNs: recordOnce.ns, transformRatio: recordOnce.ratio, transformPlainNs: recordOnce.plainNs,
    tapeBytes: bytes, bytesPerElementOp: oneShot?.own, bytesPerElementOpWithInputs: oneShot?.all, note: `${slots} slots${bytesNote(oneShot)}`,
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
  return rows;
}


/** Issue 15's Gauss–Newton diagonal diag(JᵀJ) of a workload's per-sample residuals: one-shot, prepared, moved. */
export function benchGaussNewton<X extends Tensor | TensorRecord>(w: TensorWorkload<X>): Row[] {
  const rows: Row[] = [];
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
  return rows;
}

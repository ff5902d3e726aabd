/**
 * The comparison's cases and methods: each workload at a size (how to record
 * it, how to run f tape-free, its closed-form diagonal), each way of getting
 * the exact Hessian diagonal, running one method on one case, and the error
 * against the reference. No timing here (scripts/compare/measure.ts times
 * these; spec/compare.spec.ts checks them).
 *
 * Methods (ids):
 *   hessian      full prepare(f, x).hessian() (default lanes), then its diagonal (n ≤ 1000)
 *   hvp-1        hessianDiagonal({ method: 'hvp', lanes: 1 }): n HVPs by forward-over-reverse
 *   hvp-K        the same with the default lanes K (K one-hot lanes share each sweep's primal)
 *   hyperdual-1  hessianDiagonal({ method: 'hyperdual', lanes: 1 }): n one-hot order-2 forward sweeps
 *   hyperdual-K  the same with the default lanes
 *   directional  n calls of directional(f, x, eᵢ): Taylor2 numbers, no tape at all (n ≤ 1000,
 *                scalar workloads only: on tensors directional records a tape)
 *   sparse       hessianDiagonal({ method: 'sparse' }) (issue 7): detect the Hessian's pattern,
 *                colour the inputs (distance 1), one compressed HVP per colour, K colours per sweep
 *   auto         hessianDiagonal() (the default): 'sparse' when the colouring needs ≤ n/4
 *                colours, else 'hyperdual' (the table says which ran)
 *
 * Error: max over i of |dᵢ − rᵢ| / max(|rᵢ|, 1e-6·‖r‖∞) against the closed form
 * (every workload here has one).
 */
import {
  DEFAULT_LANES, add, directional, logSoftmax, matmul, nllLoss, prepare, tanh, tensor,
  type DiagonalInfo, type Num, type Prepared, type Tensor, type TensorRecord,
} from '../../lib/index.js';
import { logistic, mlp, rosenbrock, sines, trigonometric, type Workload } from '../workloads/index.js';

/** The workload names the comparison knows (sizes for the chain/trigonometric ones are free). */
export const WORKLOADS = ['mlp-input', 'mlp-weights', 'sines', 'rosenbrock', 'trigonometric', 'logistic'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

export const METHODS = ['hessian', 'hvp-1', 'hvp-K', 'hyperdual-1', 'hyperdual-K', 'directional', 'sparse', 'auto'] as const;
export type MethodId = (typeof METHODS)[number];

export const METHOD_LABEL: Record<MethodId, string> = {
  'hessian': 'full Hessian, diagonal',
  'hvp-1': 'HVP (fwd-over-rev), 1 lane',
  'hvp-K': `HVP (fwd-over-rev), ${DEFAULT_LANES} lanes`,
  'hyperdual-1': 'hyper-dual one-hot, 1 lane',
  'hyperdual-K': `hyper-dual one-hot, ${DEFAULT_LANES} lanes`,
  'directional': 'directional(f,x,eᵢ), no tape',
  'sparse': `one compressed HVP per colour, ${DEFAULT_LANES} colours per sweep`,
  'auto': "'auto' (default): sparse if ≤ n/4 colours, else structured if it pays, else hyper-dual",
};

/** A workload at a size: how to record it, how to run f tape-free, and the reference diagonal. */
export interface Case {
  workload: WorkloadId;
  name: string;
  n: number;
  /** records f at x */
  prepare(): Prepared<any>;
  /** x and a second point (for the at(x′) column: a recording moved between them on every call) */
  points: readonly [unknown, unknown];
  /** the tape-free path for H_ii (undefined for tensor workloads) */
  directionalAt?(i: number): number;
  reference: Float64Array;
  referenceKind: string;
}

const IN = 5, HIDDEN = 100, OUT = 10;

/** the seed MLP's loss as a function of all 1610 weights (tensor form), with its closed-form diagonal */
function mlpWeights(): Case {
  const w = mlp(), x0 = tensor(w.x, [IN]);
  const params: TensorRecord = {
    W1: tensor(w.W1, [HIDDEN, IN]), b1: tensor(w.b1, [HIDDEN]), W2: tensor(w.W2, [OUT, HIDDEN]), b2: tensor(w.b2, [OUT]),
  };
  const loss = (p: TensorRecord): Tensor =>
    nllLoss(logSoftmax(add(matmul(p.W2!, tanh(add(matmul(p.W1!, x0), p.b1!)) as Tensor), p.b2!) as Tensor), 0);
  // closed form: with s = 1 − t², u = W2 diag(s), Σ = diag p − ppᵀ, g_t = W2ᵀ(p − e₀):
  //   ∂²/∂b2ₖ² = pₖ(1 − pₖ), ∂²/∂W2ₖⱼ² = pₖ(1 − pₖ)tⱼ², ∂²/∂b1ⱼ² = u₋ⱼᵀΣu₋ⱼ − 2g_tⱼ tⱼ sⱼ, ∂²/∂W1ⱼᵢ² = xᵢ² ∂²/∂b1ⱼ²
  const t = new Float64Array(HIDDEN), h = new Float64Array(OUT);
  for (let j = 0; j < HIDDEN; j++) {
    let a = w.b1[j]!;
    for (let i = 0; i < IN; i++) a += w.W1[j * IN + i]! * w.x[i]!;
    t[j] = Math.tanh(a);
  }
  for (let k = 0; k < OUT; k++) {
    let s = w.b2[k]!;
    for (let j = 0; j < HIDDEN; j++) s += w.W2[k * HIDDEN + j]! * t[j]!;
    h[k] = s;
  }
  const m = Math.max(...h), e = h.map((v) => Math.exp(v - m)), z = e.reduce((s, v) => s + v, 0), p = e.map((v) => v / z);
  const gt = new Float64Array(HIDDEN);
  for (let k = 0; k < OUT; k++) for (let j = 0; j < HIDDEN; j++) gt[j] += w.W2[k * HIDDEN + j]! * (p[k]! - (k === 0 ? 1 : 0));
  const N = 1610, ref = new Float64Array(N);
  for (let k = 0; k < OUT; k++) {
    ref[1600 + k] = p[k]! * (1 - p[k]!);
    for (let j = 0; j < HIDDEN; j++) ref[600 + k * HIDDEN + j] = p[k]! * (1 - p[k]!) * t[j]! ** 2;
  }
  for (let j = 0; j < HIDDEN; j++) {
    const s = 1 - t[j]! ** 2;
    let pu = 0, puu = 0;
    for (let k = 0; k < OUT; k++) {
      const u = w.W2[k * HIDDEN + j]! * s;
      pu += p[k]! * u; puu += p[k]! * u * u;
    }
    const db = puu - pu * pu - 2 * gt[j]! * t[j]! * s;
    ref[500 + j] = db;
    for (let i = 0; i < IN; i++) ref[j * IN + i] = w.x[i]! ** 2 * db;
  }
  return {
    workload: 'mlp-weights', name: 'W1 mlp weights (tensor)', n: N,
    prepare: () => prepare(loss, params),
    points: [params, Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tensor(Float64Array.from(t.data, (v) => 0.9 * v + 0.01), t.shape)]))],
    reference: ref, referenceKind: 'closed form',
  };
}

function scalarCase(id: WorkloadId, w: Workload): Case {
  const f = (x: Num[]) => w.f(x);
  const e = new Float64Array(w.n);
  return {
    workload: id, name: w.name, n: w.n,
    prepare: () => prepare(f, w.x),
    points: [w.x, Float64Array.from(w.x, (v) => 0.9 * v + 0.01)],
    directionalAt(i) {
      e.fill(0); e[i] = 1;
      return directional(f, w.x, e).second;
    },
    reference: w.hessianDiagonal!(w.x), referenceKind: 'closed form',
  };
}

/** The workload at size n (n is fixed for mlp-input 5, mlp-weights 1610, logistic 20). */
export function makeCase(id: WorkloadId, n: number): Case {
  switch (id) {
    case 'mlp-input': return scalarCase(id, mlp());
    case 'mlp-weights': return mlpWeights();
    case 'sines': return scalarCase(id, sines(n));
    case 'rosenbrock': return scalarCase(id, rosenbrock(n));
    case 'trigonometric': return scalarCase(id, trigonometric(n));
    case 'logistic': return scalarCase(id, logistic());
  }
}

/** flattens a shaped diagonal (Float64Array, Tensor or record of Tensors) in key order */
function flat(d: unknown): Float64Array {
  if (d instanceof Float64Array) return d;
  if (d && typeof d === 'object' && 'data' in d) return (d as Tensor).data;
  const parts = Object.values(d as TensorRecord).map((t) => t.data);
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** which methods apply to a case (by size and form); the others with the reason */
export function applicable(c: Case): { methods: MethodId[]; skipped: { method: MethodId; why: string }[] } {
  const methods: MethodId[] = [], skipped: { method: MethodId; why: string }[] = [];
  for (const m of METHODS) {
    if (m === 'hessian' && c.n > 1000) skipped.push({ method: m, why: `full Hessian only for n ≤ 1000 (n = ${c.n})` });
    else if (m === 'directional' && !c.directionalAt) skipped.push({ method: m, why: 'tensor inputs: directional records a tape, nothing tape-free to compare' });
    else if (m === 'directional' && c.n > 1000) skipped.push({ method: m, why: `tape-free path only for n ≤ 1000 (n = ${c.n})` });
    else methods.push(m);
  }
  return { methods, skipped };
}

/** Runs method m on case c; P is a recording of c (ignored by 'directional'). */
export function runMethod(c: Case, m: MethodId, P: Prepared<any>): Float64Array {
  return runMethodInfo(c, m, P).d;
}

/** What ran: directions swept and sweeps (a diagonal method's DiagonalInfo; n one-hot lanes for the others). */
export interface RunInfo { method: string; directions: number; sweeps?: number }

/** runMethod, with what ran. */
export function runMethodInfo(c: Case, m: MethodId, P: Prepared<any>): { d: Float64Array; info: RunInfo } {
  const K = DEFAULT_LANES;
  const diag = (opts: Parameters<Prepared['hessianDiagonal']>[0]) => {
    const r = P.hessianDiagonal(opts) as DiagonalInfo;
    return { d: flat(r), info: { method: r.method, directions: r.directions, sweeps: r.sweeps } };
  };
  switch (m) {
    case 'hessian': return { d: Float64Array.from(P.hessian(), (row, i) => row[i]!), info: { method: m, directions: c.n, sweeps: Math.ceil(c.n / K) } };
    case 'hvp-1': return diag({ method: 'hvp', lanes: 1 });
    case 'hvp-K': return diag({ method: 'hvp', lanes: K });
    case 'hyperdual-1': return diag({ method: 'hyperdual', lanes: 1 });
    case 'hyperdual-K': return diag({ method: 'hyperdual', lanes: K });
    case 'sparse': return diag({ method: 'sparse', lanes: K });
    case 'auto': return diag({ lanes: K });
    case 'directional': return { d: Float64Array.from({ length: c.n }, (_, i) => c.directionalAt!(i)), info: { method: m, directions: c.n } };
  }
}

/** max |dᵢ − rᵢ| / max(|rᵢ|, 1e-6‖r‖∞) */
export function relError(got: Float64Array, ref: Float64Array): number {
  let norm = 0, worst = 0;
  for (let i = 0; i < ref.length; i++) norm = Math.max(norm, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!) / Math.max(Math.abs(ref[i]!), 1e-6 * norm, Number.MIN_VALUE);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

/**
 * For the spec: every applicable method's diagonal for a workload at size n
 * (no timing), with the reference.
 */
export function diagonals(id: WorkloadId, n: number): { case: Case; results: Partial<Record<MethodId, Float64Array>> } {
  const c = makeCase(id, n), P = c.prepare(), results: Partial<Record<MethodId, Float64Array>> = {};
  for (const m of applicable(c).methods) results[m] = runMethod(c, m, P);
  return { case: c, results };
}

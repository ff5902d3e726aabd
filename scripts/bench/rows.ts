/**
 * One row of the bench's table (and of docs/bench.json): a quantity of a
 * workload, timed as the public transform, on a prepared recording, and as an
 * optimiser's step (at+sweep); and the helpers the row makers share.
 */
import { prepare, type DiagonalInfo, type Num, type Prepared } from '../../lib/index.js';

export type ScalarFn = (x: Num[]) => Num;
export type Method = 'hyperdual' | 'hvp';
type DiagMethod = Method | 'sparse';

export interface Row {
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
  /** tensor-form chains: the ops' own bytes (tapeBytes less the inputs' nodes) ÷ (n × the tensor ops f records) */
  bytesPerElementOp?: number;
  /** the same with the inputs' nodes counted (68 B per input element, whatever f does) */
  bytesPerElementOpWithInputs?: number;
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

/** max |a − b| / max |b| over the entries of two row lists (Hessians) */
export const relRows = (A: readonly Float64Array[], B: readonly Float64Array[]) => {
  let d = 0, s = 0;
  for (let i = 0; i < B.length; i++) {
    for (let j = 0; j < B[i]!.length; j++) {
      d = Math.max(d, Math.abs(A[i]![j]! - B[i]![j]!));
      s = Math.max(s, Math.abs(B[i]![j]!));
    }
  }
  return s === 0 ? d : d / s;
};

/**
 * prepare(f, x) per quantity, so each quantity's lane bytes (the sweep arrays
 * it allocated) are its own; all of them sweep the same recording of f at x.
 */
export function prepared(f: ScalarFn, x: Float64Array) {
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

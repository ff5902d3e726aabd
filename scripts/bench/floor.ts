/**
 * The floor under issue 13's one-shot targets, measured in the same run: a
 * lean recorder written for W3 (the chained Rosenbrock f) alone, doing only
 * what any tape with an object per op must do. Same nodes as hyperad's recording (checked), the same arrays
 * (op, a, b, prm, val, 5 partials per node), all reused from call to call
 * (hyperad's pool reuses all but val, which a one-shot recording takes
 * fresh so that values kept from f stay readable), an object per op,
 * operands checked for a traced value or a number; nothing else: no other
 * op, no nesting, no errors, no fusion, no generated code. A one-shot
 * gradient records and then sweeps, so at n = 1000 it should not cost less
 * than this row; what hyperad's costs above it is its sweeps and its own
 * overhead. At n = 10⁵ both are dominated by memory and the young GC, and
 * the two overlap within run-to-run noise. (No lean reverse sweep is timed
 * beside it: a plain loop over these arrays takes ~4 ns per node, three
 * times hyperad's generated sweep, so it would be no floor.) The targets
 * print it beside the one-shot rows only: a kept recording (prepare) also
 * pays for fresh memory, which this recorder never touches.
 */
import { prepare } from '../../lib/index.js';
import type { Workload } from '../workloads/index.js';
import type { Row } from './rows.js';
import { progress, time, type Reference } from './timing.js';

const NPAR = 5;

class LeanTape {
  n = 1;
  nIn = 0;
  active = true;
  nonFinite = false;
  readonly op: Int32Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly prm: Float64Array;
  readonly val: Float64Array;
  readonly par: Float64Array;
  constructor(readonly cap: number) {
    this.op = new Int32Array(cap);
    this.a = new Int32Array(cap);
    this.b = new Int32Array(cap);
    this.prm = new Float64Array(cap);
    this.val = new Float64Array(cap);
    this.par = new Float64Array(cap * NPAR);
  }
}

/** (fields assigned in the constructor, not defined as class fields: V8 then calls no initialiser per object) */
class LeanVar {
  declare readonly tape: LeanTape;
  declare readonly i: number;
  constructor(tape: LeanTape, i: number) {
    this.tape = tape;
    this.i = i;
  }
}
type LeanNum = number | LeanVar;

/*
 * One recorder per op and form, each writing its node whole: op code,
 * arguments, parameter, value, then the partials ∂/∂a, ∂/∂b, ∂²/∂a²,
 * ∂²/∂a∂b, ∂²/∂b² as hyperad's rules give them, flagging a value that is not
 * finite.
 */
function node(t: LeanTape, op: number, ai: number, bi: number, p: number): number {
  const i = t.n;
  if (i === t.cap) throw new RangeError('lean floor: tape full');
  t.n = i + 1;
  t.op[i] = op; t.a[i] = ai; t.b[i] = bi; t.prm[i] = p;
  return i;
}
function mulVV(t: LeanTape, ai: number, bi: number): number {
  const i = node(t, 3, ai, bi, 0), val = t.val, par = t.par, u = val[ai]!, w = val[bi]!, q = NPAR * i, v = u * w;
  val[i] = v; par[q] = w; par[q + 1] = u; par[q + 2] = 0; par[q + 3] = 1; par[q + 4] = 0;
  if (v - v !== 0) t.nonFinite = true;
  return i;
}
function mulVC(t: LeanTape, ai: number, c: number): number {
  const i = node(t, 30, ai, 0, c), val = t.val, par = t.par, q = NPAR * i, v = val[ai]! * c;
  val[i] = v; par[q] = c; par[q + 1] = 0; par[q + 2] = 0; par[q + 3] = 0; par[q + 4] = 0;
  if (v - v !== 0) t.nonFinite = true;
  return i;
}
function subVV(t: LeanTape, ai: number, bi: number): number {
  const i = node(t, 2, ai, bi, 0), val = t.val, par = t.par, q = NPAR * i, v = val[ai]! - val[bi]!;
  val[i] = v; par[q] = 1; par[q + 1] = -1; par[q + 2] = 0; par[q + 3] = 0; par[q + 4] = 0;
  if (v - v !== 0) t.nonFinite = true;
  return i;
}
function subCV(t: LeanTape, ai: number, c: number): number {
  const i = node(t, 31, ai, 0, c), val = t.val, par = t.par, q = NPAR * i, v = c - val[ai]!;
  val[i] = v; par[q] = -1; par[q + 1] = 0; par[q + 2] = 0; par[q + 3] = 0; par[q + 4] = 0;
  if (v - v !== 0) t.nonFinite = true;
  return i;
}
function addVV(t: LeanTape, ai: number, bi: number): number {
  const i = node(t, 1, ai, bi, 0), val = t.val, par = t.par, q = NPAR * i, v = val[ai]! + val[bi]!;
  val[i] = v; par[q] = 1; par[q + 1] = 1; par[q + 2] = 0; par[q + 3] = 0; par[q + 4] = 0;
  if (v - v !== 0) t.nonFinite = true;
  return i;
}

const fail = (op: string): never => { throw new TypeError(`lean floor: ${op} of mixed or stale operands`); };

function mul(x: LeanNum, y: LeanNum): LeanNum {
  if (x instanceof LeanVar) {
    const t = x.tape;
    if (t.active) {
      if (typeof y === 'number') return new LeanVar(t, mulVC(t, x.i, y));
      if (y instanceof LeanVar && y.tape === t) return new LeanVar(t, mulVV(t, x.i, y.i));
    }
  } else if (typeof x === 'number') {
    if (typeof y === 'number') return x * y;
    if (y instanceof LeanVar && y.tape.active) return new LeanVar(y.tape, mulVC(y.tape, y.i, x));
  }
  return fail('mul');
}

function sub(x: LeanNum, y: LeanNum): LeanNum {
  if (x instanceof LeanVar) {
    const t = x.tape;
    if (t.active && y instanceof LeanVar && y.tape === t) return new LeanVar(t, subVV(t, x.i, y.i));
  } else if (typeof x === 'number') {
    if (typeof y === 'number') return x - y;
    if (y instanceof LeanVar && y.tape.active) return new LeanVar(y.tape, subCV(y.tape, y.i, x));
  }
  return fail('sub');
}

function add(x: LeanNum, y: LeanNum): LeanNum {
  if (x instanceof LeanVar) {
    const t = x.tape;
    if (t.active && y instanceof LeanVar && y.tape === t) return new LeanVar(t, addVV(t, x.i, y.i));
  }
  return fail('add');
}

/** W3 written with the lean ops: the same expression, node for node, as scripts/workloads/chains.ts */
function rosenbrock(x: LeanNum[]): LeanNum {
  let s: LeanNum = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x[i]!, d = sub(x[i + 1]!, mul(xi, xi)), e = sub(1, xi);
    const term = add(mul(100, mul(d, d)), mul(e, e));
    s = i === 0 ? term : add(s, term);
  }
  return s;
}

let pooled: LeanTape | undefined;

/** Records W3 at x on the (reused) lean tape; its output node. */
function record(x: Float64Array): { t: LeanTape; out: number } {
  const m = x.length;
  const t = pooled && pooled.cap >= 9 * m + 2 ? pooled : (pooled = new LeanTape(9 * m + 2));
  t.n = 1;
  t.active = true;
  t.nonFinite = false;
  const xs = new Array<LeanVar>(m);
  for (let k = 0; k < m; k++) {
    const i = node(t, 0, 0, 0, 0);
    t.val[i] = x[k]!;
    xs[k] = new LeanVar(t, i);
  }
  t.nIn = m;
  const y = rosenbrock(xs);
  t.active = false;
  return { t, out: (y as LeanVar).i };
}

/**
 * The floor row of W3 at w.n: the lean recording, with as many nodes as
 * hyperad's recording of the same f (checked), and the same value.
 */
export function leanFloor(w: Workload): Row[] {
  const { x, n, name } = w;
  if (name !== 'W3 rosenbrock') throw new Error(`lean floor: written for W3 only, got ${name}`);
  const lean = record(x).t.n, nodes = prepare(w.f, x).nodes;
  if (lean !== nodes) throw new Error(`lean floor: ${lean} nodes, hyperad records ${nodes}`);
  progress(`${name} n=${n}: lean floor`);
  const plain = time(() => w.plain(x));
  const ref: Reference = { fn: () => w.plain(x), reps: plain.reps };
  const r = time(() => record(x).out, ref);
  const { t, out } = record(x), y = w.plain(x);
  return [{
    workload: name, n, quantity: 'floor: lean record', transformNs: r.ns, transformRatio: r.ratio, transformPlainNs: r.plainNs,
    reps: r.reps, samples: r.samples, err: Math.abs(t.val[out]! - y) / Math.abs(y), note: `${nodes} nodes, ${(r.ns / nodes).toFixed(1)} ns per node`,
  }];
}

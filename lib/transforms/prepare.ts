/**
 * Prepared recordings: record f once, then sweep the recording as often as
 * needed without calling f again. Every tape-based transform runs through
 * this (a plain `hessian(f, x)` is `prepare(f, x).hessian()`).
 *
 * `.at(x)` moves the recording to a new point by replaying it: every node
 * recomputes its value and partials from the rule table, so ops with kinks
 * (abs, relu, max, min) take the new point's branch exactly as a fresh
 * recording would. Only f itself can branch differently, and it can only do
 * so by reading a primal (`.value`, `.data`, `.item()`): a recording where f
 * read one is recorded afresh at every new point (`rerecords` counts them).
 * Numbers and constant tensors that f uses are part of the recording: it
 * keeps the values they had when f was recorded.
 *
 * This file holds the recording's lifecycle (record, move, compact, release)
 * and one short method per derivative; the methods' options and defaults
 * are in method-options.ts, the 'auto' choices in policy.ts, what sparsity
 * analysis found in analysis.ts, the sparse methods' decoding in decode.ts.
 */
import type { Num } from '../value.js';
import { replay } from '../tape/sweeps.js';
import {
  Workspace, diagonalByHvp, diagonalByHyperdual, directionalOf, gradientOf, hvpOf, hessianOf, hyperdualOf,
  gaussNewtonOf, gradHyperdualOf, hvpsOf, jacobianOf, laplacianOf, quadraticForms, tangentOf,
} from '../tape/derivatives.js';
import type { Pattern } from '../sparsity/pattern.js';
import { compact, type Compacted } from '../tape/compact.js';
import { codegenInfo, refreshCompacted, type CodegenInfo } from '../tape/codegen.js';
import type { Tape } from '../tape/tape.js';
import { NPAR } from '../tape/node.js';
import type { Tensor } from '../tensor/tensor.js';
import { hasFused, keptRecording, sweptOnce } from '../tensor/fused.js';
import { callable, options } from '../check.js';
import { nest } from './nested.js';
import { diagonalEstimate, traceEstimate, type DiagonalEstimateOptions, type Estimate, type TraceEstimateOptions } from './estimators.js';
import { isRecordPoint, movedPoint, pack, vectors, type Arg, type Packed, type Point, type Shaped } from './point.js';
import { recordScalar, recordVector, type Recording } from './record.js';
import { gaussNewtonDiagonal, structuredDiagonal, type ParameterReport } from './structured.js';
import { Analysis } from './analysis.js';
import { compactForMany, compactForOne, diagonalMethod, gaussNewtonMethod, laplacianColouring, type COMPACT_MIN_DIRECTIONS, type RECORDING_SWEEPS } from './policy.js';
import { sparseDiagonal, sparseEntries } from './decode.js';
import {
  DEFAULT_LANES, described, diagonalOptions, gaussNewtonOptions, laneOptions, laplacianOptions,
  type DiagonalInfo, type DiagonalOptions, type GaussNewtonInfo, type GaussNewtonOptions, type LaneOptions, type LaplacianOptions, type SparseHessian,
} from './method-options.js';

/** A recording of f (scalar-valued) or F (vector-valued) at a point, swept on demand. */
export class Prepared<X extends Point = Point> {
  private rec!: Recording;
  private w!: Workspace<Tape>;
  /** what sparsity analysis found for this recording (looked up, per structure, when first needed) */
  private analysis!: Analysis;
  /** the compacted recording for repeated sweeps (lib/tape/compact.ts): undefined until built, null when nothing folds */
  private compacted: { w: Workspace; outputs: Int32Array; recording: Compacted } | null | undefined;
  /** does the compacted recording hold the partials of the current point (false after `.at()` until it is next needed) */
  private current = true;
  /**
   * One-direction sweeps since the recording was made or moved. The first
   * {@link RECORDING_SWEEPS} run over the recording itself: building or
   * refreshing the compacted recording costs about as much as a sweep over the
   * recording, so an optimiser step `at(x).grad()` never pays for it; a
   * further sweep, or any work over many directions, brings it up to
   * date. (Fresh and moved recordings follow the same rule, so a moved
   * recording answers exactly as a fresh one at its point.)
   */
  private sweeps = 0;
  private readonly packed: Packed;
  /** how many times f was recorded afresh by `.at()` (because f read a primal and may branch on it) */
  rerecords = 0;

  constructor(
    private readonly fn: string,
    private readonly f: (x: never) => unknown,
    x: X,
    private readonly vectorValued: boolean,
    /**
     * true (what `prepare` asks for): every sweep, one direction or many, runs
     * on the compacted recording; false (a one-shot transform): only work over at
     * least {@link COMPACT_MIN_DIRECTIONS} directions does.
     */
    private readonly compactAll = false,
  ) {
    callable(fn, f);
    this.packed = pack(fn, x);
    // a recording prepare keeps fuses long elementwise chains, their partials folded (lib/tensor/fused.ts), unless x
    // is a record of parameters, whose structured diagonals read parameter uses off nodes
    this.kept = compactAll && !isRecordPoint(x);
    this.record(this.packed.flat);
  }
  private readonly kept: boolean;

  private record(flat: Float64Array): void {
    const p: Packed = flat === this.packed.flat ? this.packed : { ...this.packed, flat };
    const make = (): Recording => this.vectorValued
      ? recordVector(this.fn, this.f as (x: never) => Num[] | Tensor, p)
      : recordScalar(this.fn, this.f as (x: never) => Num, p);
    this.rec = this.kept ? keptRecording(make) : make();
    this.analysis = new Analysis(this.f, this.rec.tape, this.rec.outputs, this.packed.groups, () => this.out);
    this.w = new Workspace(this.rec.tape);
    this.compacted = undefined;
    this.current = true;
    this.sweeps = 0;
  }

  /** Where sweeps over many directions run: the compacted recording (built on first use, its plan rerun after a move). */
  private compactedSweeps(): { w: Workspace; out: number; outputs: Int32Array } {
    if (!this.current) {
      if (this.compacted) refreshCompacted(this.rec.tape, this.compacted.recording);
      this.current = true;
    }
    if (this.compacted === undefined) {
      const f = compact(this.rec.tape, this.rec.outputs);
      this.compacted = f && { w: new Workspace(f.tape), outputs: f.outputs, recording: f };
    }
    const s = this.compacted ?? { w: this.w, outputs: this.rec.outputs };
    return { w: s.w, out: s.outputs[0]!, outputs: s.outputs };
  }

  /**
   * (workspace, output slot) for work over `directions` directions: on the
   * compacted recording, except in a one-shot call with too few directions for
   * the compaction to pay for itself ({@link COMPACT_MIN_DIRECTIONS}).
   */
  private sweepsFor(directions: number): [Workspace, number] {
    const out = this.out; // a vector-valued recording has no scalar output: the getter says so
    if (!compactForMany(this.compactAll, this.compacted !== undefined, directions)) return [this.w, out];
    const s = this.compactedSweeps();
    return [s.w, s.out];
  }
  /** (workspace, output slot) for one direction: the recording for a one-shot call and a recording's first sweeps, else the compacted recording */
  private sweepsForOne(): [Workspace, number] {
    const out = this.out;
    if (!compactForOne(this.compactAll, this.sweeps++)) return [this.w, out];
    const s = this.compactedSweeps();
    return [s.w, s.out];
  }

  private get out(): number {
    if (this.vectorValued) throw new TypeError(`${this.fn}: this recording is of a vector-valued F; use .jacobian()`);
    return this.rec.outputs[0]!;
  }

  /** Moves the recording to point x (same form and shape as the first point); returns this. */
  at(x: X): this {
    const flat = movedPoint(this.packed, `${this.fn}.at`, x);
    const t = this.rec.tape;
    if (t.primalRead) {
      this.rerecords++;
      this.record(flat);
    } else {
      t.val.set(flat, 1);
      replay(t);
      // a partial that is not finite in a recording with a fused block: recorded afresh (as nodes)
      if (t.nonFinite && hasFused(t)) {
        this.rerecords++;
        this.record(flat);
        return this;
      }
      // the compacted recording's partials follow the recording's when it is next used: its plan reruns
      // (same structure, same arrays, so its generated sweeps and work arrays stay)
      this.current = false;
      this.sweeps = 0;
    }
    return this;
  }

  /**
   * Gives the recording's arrays back to the pool (lib/tape/pool.ts): a
   * one-shot transform does this once its result is read ({@link once}).
   * The object must not be swept again.
   */
  release(): void {
    this.rec.tape.release();
    this.w.release();
    if (this.compacted) this.compacted.w.release();
  }

  /** f at the current point (for a vector-valued F, its values). */
  get value(): number | Float64Array {
    const { tape, outputs } = this.rec;
    return this.vectorValued ? Float64Array.from(outputs, (o) => tape.val[o]!) : tape.val[outputs[0]!]!;
  }
  /** bytes of the recording (nodes, partials, block maps) */
  get tapeBytes(): number { return this.rec.tape.bytes; }
  /**
   * What the sweeps over this recording run as generated code (loops found,
   * nodes they cover, each kernel's source), or null when they run the
   * interpreted kernels (see setCodegen). Generates the code now if the mode
   * allows.
   */
  codegen(): CodegenInfo | null {
    return codegenInfo(this.compactedSweeps().w.tape);
  }

  /** bytes of the compacted recording used for repeated sweeps (0 until built; lib/tape/compact.ts) */
  get compactBytes(): number {
    const f = this.compacted?.w.tape;
    return f ? f.n * (2 * 4 + NPAR * 8) : 0;
  }
  /** bytes of the sweep work arrays allocated so far */
  get laneBytes(): number { return this.w.bytes + (this.compacted ? this.compacted.w.bytes : 0); }
  /** number of tape slots (nodes) */
  get nodes(): number { return this.rec.tape.n; }

  /** ∇f by one reverse sweep. */
  grad(): Shaped<X> { return this.packed.shape(gradientOf(...this.sweepsForOne())) as Shaped<X>; }

  /** H·v by forward-over-reverse (one tangent sweep, one reverse sweep). */
  hvp(v: Shaped<X> | readonly number[]): Shaped<X> {
    const d = this.packed.direction(this.fn, 'v', v);
    return this.packed.shape(hvpOf(...this.sweepsForOne(), d)) as Shaped<X>;
  }

  /** The Hessian over x flattened (rows), `lanes` columns per sweep, exactly symmetric. */
  hessian(opts?: LaneOptions): Float64Array[] {
    return hessianOf(...this.sweepsFor(this.size), laneOptions(this.fn, opts).lanes);
  }

  /** The exact Hessian diagonal, shaped like x; the result also says which method ran ({@link DiagonalInfo}). */
  hessianDiagonal(opts?: DiagonalOptions): Shaped<X> & DiagonalInfo {
    const o = diagonalOptions(this.fn, opts), K = o.lanes, n = this.size, { groups } = this.packed;
    const method = o.method === 'auto' ? diagonalMethod(this.analysis, n, K) : o.method;
    let d: Float64Array, directions = n, sweeps = Math.ceil(n / K), parameters: Record<string, ParameterReport> | undefined;
    if (method === 'sparse') {
      const c = this.analysis.colouring();
      d = sparseDiagonal(...this.sweepsFor(c.count), c, K);
      directions = c.count;
      sweeps = Math.ceil(directions / K);
    } else if (method === 'structured') {
      const r = structuredDiagonal(this.w, this.out, this.analysis.structured(), K, (from, to) => diagonalByHyperdual(...this.sweepsFor(to - from), K, from, to));
      ({ d, sweeps, directions } = r);
      parameters = Object.fromEntries(groups.map((g, k) => [g.name, r.reports[k]!]));
    } else {
      d = method === 'hvp' ? diagonalByHvp(...this.sweepsFor(n), K) : diagonalByHyperdual(...this.sweepsFor(n), K);
    }
    return described<Shaped<X>, DiagonalInfo>(this.packed.shape(d) as Shaped<X>, { method, sweeps, directions, parameters });
  }

  /** The Hessian's sparsity pattern (a superset of its non-zeros for the recorded branch), CSR, both triangles. */
  hessianSparsity(): Pattern {
    const p = this.analysis.pattern();
    return { n: p.n, rowPtr: p.rowPtr.slice(), colIdx: p.colIdx.slice() };
  }

  /**
   * The Hessian as a sparse CSR matrix over the detected pattern: one
   * compressed HVP per colour of a distance-2 (star) colouring, each entry
   * read directly.
   */
  sparseHessian(opts?: LaneOptions): SparseHessian & { readonly colours: number } {
    const K = laneOptions(this.fn, opts).lanes, p = this.analysis.pattern(), c = this.analysis.starColouring();
    const values = sparseEntries(...this.sweepsFor(c.count), p, c, K);
    return { n: p.n, rowPtr: p.rowPtr.slice(), colIdx: p.colIdx.slice(), values, colours: c.count };
  }

  /**
   * The Laplacian tr ∇²f by forward Laplacian sweeps: first-order lanes and a
   * single summed second-order value per node (every lane's second-order term
   * collapses into it). With `lanes` ≥ the number of groups, one pass.
   * Groups are the inputs, or the colours of the detected sparsity pattern
   * when 'auto' finds it pays. With `{ terms: true }` the per-coordinate terms
   * are returned too.
   */
  laplacian(opts?: LaplacianOptions): { laplacian: number; terms?: Shaped<X>; method: 'dense' | 'sparse'; sweeps: number } {
    const n = this.size, o = laplacianOptions(this.fn, opts, n), K = o.lanes;
    if (o.terms) {
      const d = this.hessianDiagonal({ lanes: K, ...(o.method === 'dense' ? { method: 'hyperdual' } : {}) });
      const flat = this.packed.direction(this.fn, 'terms', d);
      let s = 0;
      for (let i = 0; i < n; i++) s += flat[i]!;
      return { laplacian: s, terms: d, method: d.method === 'sparse' ? 'sparse' : 'dense', sweeps: d.sweeps };
    }
    const c = o.method === 'dense' ? null : laplacianColouring(this.analysis, n, K);
    const groups = c ? c.count : n;
    return {
      laplacian: laplacianOf(...this.sweepsFor(groups), K, c ? c.colours : null, groups),
      method: c ? 'sparse' : 'dense',
      sweeps: Math.ceil(groups / K),
    };
  }

  /** f, vᵀ∇f by one forward tangent sweep. */
  jvp(v: Shaped<X> | readonly number[]): { value: number; tangent: number } {
    const d = this.packed.direction(this.fn, 'v', v);
    return { value: this.value as number, tangent: tangentOf(...this.sweepsForOne(), d) };
  }

  /** f, aᵀ∇f and aᵀHa by one forward order-2 Taylor sweep. */
  directional(a: Shaped<X> | readonly number[]): { value: number; first: number; second: number } {
    const d = this.packed.direction(this.fn, 'a', a);
    return { value: this.value as number, ...directionalOf(...this.sweepsForOne(), d) };
  }

  /** f, aᵀ∇f, bᵀ∇f and aᵀHb by one forward hyper-dual sweep. */
  hyperdual(a: Shaped<X> | readonly number[], b: Shaped<X> | readonly number[]): { value: number; da: number; db: number; dab: number } {
    const da = this.packed.direction(this.fn, 'a', a), db = this.packed.direction(this.fn, 'b', b);
    return { value: this.value as number, ...hyperdualOf(...this.sweepsForOne(), da, db) };
  }

  /**
   * Third order: aᵀ∇²f b and its gradient ∇ₓ(aᵀ∇²f(x) b), from one forward
   * hyper-dual sweep over the recording and its reverse sweep.
   */
  gradHyperdual(a: Shaped<X> | readonly number[], b: Shaped<X> | readonly number[]): { value: number; grad: Shaped<X> } {
    const da = this.packed.direction(this.fn, 'a', a), db = this.packed.direction(this.fn, 'b', b);
    const r = gradHyperdualOf(this.w, this.out, da, db);
    return { value: r.dab, grad: this.packed.shape(r.grad) as Shaped<X> };
  }

  /** Third order: aᵀ∇²f a and its gradient ∇ₓ(aᵀ∇²f(x) a). */
  gradDirectional(a: Shaped<X> | readonly number[]): { value: number; grad: Shaped<X> } {
    return this.gradHyperdual(a, a);
  }

  /** number of inputs (x flattened) */
  get size(): number { return this.packed.flat.length; }
  /** a flat vector shaped like x */
  shape(v: Float64Array): Shaped<X> { return this.packed.shape(v) as Shaped<X>; }
  /** aᵀHa for each direction a (x flattened): forward Taylor-2 lanes, no reverse sweep */
  quadraticForms(directions: readonly Float64Array[], lanes = DEFAULT_LANES): Float64Array {
    const ds = this.directions('quadraticForms', directions, lanes);
    return quadraticForms(...this.sweepsFor(ds.length), ds, lanes);
  }
  /** H·v for each direction v (x flattened): forward-over-reverse lanes */
  hvps(directions: readonly Float64Array[], lanes = DEFAULT_LANES): Float64Array[] {
    const ds = this.directions('hvps', directions, lanes);
    return hvpsOf(...this.sweepsFor(ds.length), ds, lanes);
  }
  /** checks a list of flat directions and a lane count */
  private directions(method: string, ds: unknown, lanes: unknown): Float64Array[] {
    const fn = `${this.fn}.${method}`;
    laneOptions(fn, { lanes });
    return vectors(fn, 'directions', ds, this.size);
  }

  /** Hutchinson / Hutch++ estimate of tr H on this recording (see hessianTraceEstimate). */
  hessianTraceEstimate(opts?: TraceEstimateOptions): Estimate<number> {
    return traceEstimate(this as Prepared, opts);
  }
  /** Hutchinson / Diag++ estimate of diag H on this recording (see hessianDiagonalEstimate). */
  hessianDiagonalEstimate(opts?: DiagonalEstimateOptions): Estimate<Shaped<X>> {
    return diagonalEstimate(this, opts);
  }

  /** The Jacobian of a vector-valued F (rows: outputs; columns: x flattened). */
  jacobian(opts?: LaneOptions): Float64Array[] {
    const K = laneOptions(this.fn, opts).lanes, s = this.compactedSweeps();
    return jacobianOf(s.w, s.outputs, K);
  }

  /**
   * diag(JᵀJ) = (Σ_m (∂F_m/∂xᵢ)²)ᵢ, shaped like x: the Gauss–Newton (or, for
   * per-sample losses, empirical Fisher) diagonal. Exact; see
   * {@link GaussNewtonOptions} for the methods. Not the Hessian's diagonal.
   */
  gaussNewtonDiagonal(opts?: GaussNewtonOptions): Shaped<X> & GaussNewtonInfo {
    const o = gaussNewtonOptions(this.fn, opts), K = o.lanes;
    const { groups, flat } = this.packed, n = flat.length, outputs = this.rec.outputs;
    const denseLanes = Math.min(n, outputs.length);
    const plan = o.method === 'dense' ? undefined : this.analysis.gaussNewton();
    const method = o.method === 'auto' ? gaussNewtonMethod(plan!, denseLanes) : o.method;
    let d: Float64Array, sweeps = Math.ceil(denseLanes / K), directions = denseLanes, parameters: Record<string, ParameterReport> | undefined;
    if (method === 'structured') {
      const r = gaussNewtonDiagonal(this.w, outputs, plan!, K, (from, to) => gaussNewtonOf(this.w, outputs, K, from, to));
      ({ d, sweeps, directions } = r);
      parameters = Object.fromEntries(groups.map((g, k) => [g.name, r.reports[k]!]));
    } else {
      d = gaussNewtonOf(this.w, outputs, K);
    }
    return described<Shaped<X>, GaussNewtonInfo>(this.packed.shape(d) as Shaped<X>, { method, sweeps, directions, parameters });
  }

}

/**
 * A one-shot transform: records f at x, reads one result with `use`, and
 * gives the recording's arrays back to the pool for the next call.
 */
export function once<X extends Point, R>(
  fn: string, f: unknown, x: X, use: (p: Prepared<X>) => R, vectorValued = false, fuse = true,
): R {
  // swept a few times and dropped: long elementwise chains are fused (lib/tensor/fused.ts), unless the caller
  // reads parameter uses off nodes (structured diagonals)
  const make = () => new Prepared<X>(fn, f as (x: never) => unknown, x, vectorValued);
  const p = fuse ? sweptOnce(make) : make();
  try {
    return use(p);
  } finally {
    p.release();
  }
}

/**
 * Records f at x once and returns a {@link Prepared} whose methods sweep the
 * recording (`.grad()`, `.hvp(v)`, `.hessian()`, `.hessianDiagonal()`,
 * `.directional(a)`, `.hyperdual(a, b)`, `.jvp(v)`) and `.at(x)` to move it.
 * Pass `{ vector: true }` for F returning an array or a tensor (then `.jacobian()`).
 */
export function prepare<X extends Point>(f: (x: Arg<X>) => Num | Num[] | Tensor, x: X, opts?: { vector?: boolean }): Prepared<X> {
  const o = options<{ vector: boolean }>('prepare', opts, { vector: 'boolean' });
  return nest('prepare', (fn) => new Prepared(fn, f as (x: never) => unknown, x, Boolean(o.vector), true));
}

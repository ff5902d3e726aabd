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
 */
import type { Num } from '../numbers/value.js';
import { replay } from '../tape/sweeps.js';
import {
  Workspace, compressedHvps, diagonalByHvp, diagonalByHyperdual, directionalOf, gradientOf, hvpOf, hessianOf, hyperdualOf,
  gaussNewtonOf, gradHyperdualOf, hvpsOf, jacobianOf, laplacianOf, quadraticForms, tangentOf,
} from '../tape/derivatives.js';
import { detectPattern, type Pattern } from '../sparsity/pattern.js';
import { fuse, type Fused } from '../tape/fuse.js';
import { codegenInfo, refreshCopy, type CodegenInfo } from '../tape/codegen.js';
import { NPAR, type Tape } from '../tape/tape.js';
import { colour, type Colouring } from '../sparsity/colouring.js';
import { remember, remembered } from '../sparsity/memo.js';
import type { Tensor } from '../tensor/tensor.js';
import { callable, options, vector } from './check.js';
import { describe } from '../describe.js';
import { nest } from './nested.js';
import { diagonalEstimate, traceEstimate, type DiagonalEstimateOptions, type Estimate, type TraceEstimateOptions } from './estimators.js';
import { pack, type Arg, type Packed, type Point, type Shaped } from './args.js';
import { recordScalar, recordVector, type Recording } from './record.js';
import {
  gaussNewtonDiagonal, gaussNewtonPlan, planFits, structuredDiagonal, structuredDirections, structuredPlan, type ParameterReport, type StructuredPlan,
} from './structured.js';

export type { ParameterReport };

/** Lanes per sweep when none are asked for (chosen from `npm run bench`). */
export const DEFAULT_LANES = 16;

/** Options of the Hessian and Jacobian methods. */
export interface LaneOptions {
  /** directions per sweep (one-hot lanes); default {@link DEFAULT_LANES} */
  lanes?: number;
}

/** Options of the Hessian-diagonal methods. */
export interface DiagonalOptions extends LaneOptions {
  /**
   * 'auto' (default): 'sparse' when the detected pattern colours with at most
   * n/4 colours, else 'hyperdual'.
   * 'hyperdual': H_jj is the second-order coefficient of a forward sweep
   * seeded with eⱼ — no reverse sweep, no adjoints, no Hessian row; n lanes.
   * 'hvp': H_jj is entry j of H·eⱼ by forward-over-reverse; n lanes.
   * 'sparse': colour the inputs so that no two of one colour interact, then
   * one compressed HVP per colour; H_jj read exactly.
   * 'structured': for each parameter (a record's tensor, or x) that enters f
   * only through maps linear in it (W·u, u + b, θ ⊙ u), ∂²f/∂θᵢ² =
   * Σ_c J_ci² (H_y)_cc over the map outputs y it touches, with (H_y)_cc
   * from lanes seeded at y (as many as y's entries that interact, e.g. a
   * layer's width); other parameters take the 'hyperdual' lanes. 'auto'
   * takes it when the inputs are not sparse and it needs fewer than half
   * the dense lanes.
   */
  method?: 'auto' | 'hyperdual' | 'hvp' | 'sparse' | 'structured';
}

/** What a Hessian-diagonal call reports about itself (non-enumerable properties of its result). */
export interface DiagonalInfo {
  /** the method that ran */
  readonly method: 'hyperdual' | 'hvp' | 'sparse' | 'structured';
  /** sweeps over the recording (each carrying up to `lanes` directions) */
  readonly sweeps: number;
  /** directions swept: n for the dense methods, the number of colours for 'sparse' */
  readonly directions: number;
  /** 'structured' only: per parameter (a record's key, or 'x'), how its entries were computed and, if densely, why */
  readonly parameters?: Readonly<Record<string, ParameterReport>>;
}

/** A sparse symmetric Hessian in CSR form (both triangles). */
export interface SparseHessian extends Pattern {
  readonly values: Float64Array;
}

/** Options of the Gauss–Newton diagonal. */
export interface GaussNewtonOptions extends LaneOptions {
  /**
   * 'auto' (default): 'structured' when it sweeps fewer lanes than 'dense'.
   * 'structured': for each parameter that enters F only through maps linear
   * in it, Σ_m (∂F_m/∂θᵢ)² = Σ_c J_ci² Σ_m G_mc² over the map outputs c,
   * with G = ∂F/∂c from adjoint lanes seeded at the outputs F_m (outputs
   * that read no common map output share a lane); other parameters dense.
   * 'dense': one-hot tangent lanes over the inputs, or adjoint lanes over
   * the outputs, whichever are fewer.
   */
  method?: 'auto' | 'structured' | 'dense';
}

/** What a Gauss–Newton diagonal reports about itself (non-enumerable properties of its result). */
export interface GaussNewtonInfo {
  readonly method: 'structured' | 'dense';
  readonly sweeps: number;
  readonly directions: number;
  /** 'structured' only: per parameter, how its entries were computed and, if densely, why */
  readonly parameters?: Readonly<Record<string, ParameterReport>>;
}

/** Options of the Laplacian. */
export interface LaplacianOptions extends LaneOptions {
  /** also return the per-coordinate terms ∂²f/∂xᵢ² (the Hessian diagonal, by `hessianDiagonal`'s 'auto') */
  terms?: boolean;
  /** 'auto' (default): colour groups when sparsity pays (see hessianDiagonal), else one lane per input; 'dense' forces the latter */
  method?: 'auto' | 'dense';
}

/**
 * A one-shot call sweeps the recording itself, not a compacted copy, when it
 * needs fewer directions than this: compacting costs about as much as this
 * many lanes over the nodes it removes (measured: scripts/bench.ts, one-shot
 * rows). A prepared recording always compacts (it is swept again and again).
 */
export const COMPACT_MIN_DIRECTIONS = 24;

/** One-direction sweeps after recording or `.at()` that run over the recording itself, before the compacted copy is used. */
export const RECORDING_SWEEPS = 2;

/** Ratio of colours to n below which 'auto' takes the sparse path. */
export const SPARSE_RATIO = 0.25;

const laneSpec = { lanes: 'positive integer' } as const;
const gnSpec = { method: ['auto', 'structured', 'dense'], lanes: 'positive integer' } as const;
const diagSpec = { method: ['auto', 'hyperdual', 'hvp', 'sparse', 'structured'], lanes: 'positive integer' } as const;

/** What sparsity analysis found for one recording structure (shared by recordings of that structure). */
type Sparsity = { pattern?: Pattern; autoDense?: boolean; d1?: Colouring; d2?: Colouring; structured?: StructuredPlan; gaussNewton?: StructuredPlan };

/** `result` with what a call reports about itself as non-enumerable properties (those that are defined). */
function described(result: object, info: Record<string, unknown>): object {
  for (const [k, value] of Object.entries(info)) if (value !== undefined) Object.defineProperty(result, k, { value });
  return result;
}

/** A recording of f (scalar-valued) or F (vector-valued) at a point, swept on demand. */
export class Prepared<X extends Point = Point> {
  private rec!: Recording;
  private w!: Workspace<Tape>;
  /** the compacted copy for repeated sweeps (lib/tape/fuse.ts): undefined until built, null when nothing folds */
  private fused: { w: Workspace; outputs: Int32Array; copy: Fused } | null | undefined;
  /** does the compacted copy hold the partials of the current point (false after `.at()` until it is next needed) */
  private current = true;
  /**
   * One-direction sweeps since the recording was made or moved. The first
   * {@link RECORDING_SWEEPS} run over the recording itself: building or
   * refreshing the compacted copy costs about as much as a sweep over the
   * recording, so an optimiser step `at(x).grad()` never pays for it; a
   * further sweep, or any work over many directions, brings the copy up to
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
     * on the compacted copy; false (a one-shot transform): only work over at
     * least {@link COMPACT_MIN_DIRECTIONS} directions does.
     */
    private readonly compactAll = false,
  ) {
    callable(fn, f);
    this.packed = pack(fn, x);
    this.record(this.packed.flat);
  }

  /** detected pattern (exact, or null when 'auto' found it too dense) and colourings, per recording structure */
  private found: Sparsity | undefined;

  /**
   * What sparsity analysis found for this recording, looked up when first
   * needed: a recording with the structure of f's last analysed one has its
   * pattern and colourings (sparsity/memo.ts), shared, so never handed out.
   */
  private sparsity(): Sparsity {
    return (this.found ??= remembered<Sparsity>(this.f, this.rec.tape, this.rec.outputs) || {});
  }

  private record(flat: Float64Array): void {
    const p: Packed = flat === this.packed.flat ? this.packed : { ...this.packed, flat };
    this.rec = this.vectorValued
      ? recordVector(this.fn, this.f as (x: never) => Num[] | Tensor, p)
      : recordScalar(this.fn, this.f as (x: never) => Num, p);
    this.found = undefined;
    this.w = new Workspace(this.rec.tape);
    this.fused = undefined;
    this.current = true;
    this.sweeps = 0;
  }

  /** Where sweeps over many directions run: the compacted copy (built on first use, its plan rerun after a move). */
  private sweeper(): { w: Workspace; out: number; outputs: Int32Array } {
    if (!this.current) {
      if (this.fused) refreshCopy(this.rec.tape, this.fused.copy);
      this.current = true;
    }
    if (this.fused === undefined) {
      const f = fuse(this.rec.tape, this.rec.outputs);
      this.fused = f && { w: new Workspace(f.tape), outputs: f.outputs, copy: f };
    }
    const s = this.fused ?? { w: this.w, outputs: this.rec.outputs };
    return { w: s.w, out: s.outputs[0]!, outputs: s.outputs };
  }

  /**
   * (workspace, output slot) for work over `directions` directions: on the
   * compacted copy, except in a one-shot call with too few directions for
   * the compaction to pay for itself ({@link COMPACT_MIN_DIRECTIONS}).
   */
  private many(directions: number): [Workspace, number] {
    const out = this.out; // a vector-valued recording has no scalar output: the getter says so
    if (!this.compactAll && this.fused === undefined && directions < COMPACT_MIN_DIRECTIONS) return [this.w, out];
    const s = this.sweeper();
    return [s.w, s.out];
  }
  /** (workspace, output slot) for one direction: the recording for a one-shot call and a recording's first sweeps, else the compacted copy */
  private one(): [Workspace, number] {
    const out = this.out;
    if (!this.compactAll || this.sweeps++ < RECORDING_SWEEPS) return [this.w, out];
    const s = this.sweeper();
    return [s.w, s.out];
  }

  private get out(): number {
    if (this.vectorValued) throw new TypeError(`${this.fn}: this recording is of a vector-valued F; use .jacobian()`);
    return this.rec.outputs[0]!;
  }

  /** Moves the recording to point x (same form and shape as the first point); returns this. */
  at(x: X): this {
    if (this.packed.form === 'record' && (Array.isArray(x) || ArrayBuffer.isView(x))) {
      throw new TypeError(`${this.fn}.at: x must be a record with the keys of the recorded point (${Object.keys(this.packed.shape(this.packed.flat) as object).join(", ")}), got ${describe(x)}`);
    }
    const flat = this.packed.direction(this.fn + '.at', 'x', x, 'the recorded point');
    const t = this.rec.tape;
    if (t.primalRead) {
      this.rerecords++;
      this.record(flat);
    } else {
      t.val.set(flat, 1);
      replay(t);
      // the compacted copy's partials follow the recording's when it is next used: its plan reruns
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
    if (this.fused) this.fused.w.release();
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
    return codegenInfo(this.sweeper().w.tape);
  }

  /** bytes of the compacted copy used for repeated sweeps (0 until built; lib/tape/fuse.ts) */
  get compactBytes(): number {
    const f = this.fused?.w.tape;
    return f ? f.n * (2 * 4 + NPAR * 8) : 0;
  }
  /** bytes of the sweep work arrays allocated so far */
  get laneBytes(): number { return this.w.bytes + (this.fused ? this.fused.w.bytes : 0); }
  /** number of tape slots (nodes) */
  get nodes(): number { return this.rec.tape.n; }

  /** ∇f by one reverse sweep. */
  grad(): Shaped<X> { return this.packed.shape(gradientOf(...this.one())) as Shaped<X>; }

  /** H·v by forward-over-reverse (one tangent sweep, one reverse sweep). */
  hvp(v: Shaped<X> | readonly number[]): Shaped<X> {
    const d = this.packed.direction(this.fn, 'v', v);
    return this.packed.shape(hvpOf(...this.one(), d)) as Shaped<X>;
  }

  /** The Hessian over x flattened (rows), `lanes` columns per sweep, exactly symmetric. */
  hessian(opts?: LaneOptions): Float64Array[] {
    const o = options<LaneOptions>(this.fn, opts, laneSpec);
    return hessianOf(...this.many(this.size), o.lanes ?? DEFAULT_LANES);
  }

  /** The exact Hessian diagonal, shaped like x; the result also says which method ran ({@link DiagonalInfo}). */
  hessianDiagonal(opts?: DiagonalOptions): Shaped<X> & DiagonalInfo {
    const o = options<DiagonalOptions>(this.fn, opts, diagSpec), K = o.lanes ?? DEFAULT_LANES, n = this.packed.flat.length;
    let method = o.method ?? 'auto';
    // with n ≤ lanes the dense path is a single sweep: detection would cost more than it could save
    if (method === 'auto') method = n <= K ? 'hyperdual' : this.sparseColouring(true) ? 'sparse' : this.structuredPays() ? 'structured' : 'hyperdual';
    let d: Float64Array, directions = n, sweeps = Math.ceil(n / K), parameters: Record<string, ParameterReport> | undefined;
    if (method === 'sparse') {
      const c = this.sparseColouring(false)!;
      d = new Float64Array(n);
      directions = c.count;
      sweeps = Math.ceil(directions / K);
      // H_jj is entry j of H·s_c for j's colour c (no neighbour of j shares it)
      compressedHvps(...this.many(c.count), c.colours, c.count, K, (c0, L, AT) => {
        for (let j = 0; j < n; j++) {
          const k = c.colours[j]! - c0;
          if (k >= 0 && k < L) d[j] = AT[(j + 1) * L + k]!;
        }
      });
    } else if (method === 'structured') {
      const { groups } = this.packed;
      const r = structuredDiagonal(this.w, this.out, groups, this.structured(), K, (from, to) => diagonalByHyperdual(...this.many(to - from), K, from, to));
      ({ d, sweeps, directions } = r);
      parameters = Object.fromEntries(groups.map((g, k) => [g.name, r.reports[k]!]));
    } else {
      d = method === 'hvp' ? diagonalByHvp(...this.many(n), K) : diagonalByHyperdual(...this.many(n), K);
    }
    return described(this.packed.shape(d) as object, { method, sweeps, directions, parameters }) as Shaped<X> & DiagonalInfo;
  }

  /**
   * The structured method's plan for this recording's structure (found once
   * per structure). For 'auto' (`limit`), detection stops as soon as the
   * method cannot need fewer than that many lanes; an explicit call redoes
   * a plan stopped below n.
   */
  private structured(limit = this.packed.flat.length): StructuredPlan {
    const sp = this.sparsity(), old = sp.structured;
    if (!planFits(old, this.packed.groups) || (old.limit !== undefined && old.limit < limit)) {
      sp.structured = structuredPlan(this.rec.tape, this.out, this.packed.groups, limit);
      remember(this.f, this.rec.tape, this.rec.outputs, sp);
    }
    return sp.structured!;
  }

  /** 'auto': does the structured method need fewer than half the dense lanes (it sweeps forward and back, a dense lane forward only)? */
  private structuredPays(): boolean {
    const n = this.packed.flat.length, plan = this.structured(Math.floor(n / 2));
    return plan.uses.why.some((w) => w === null) && 2 * structuredDirections(plan, this.packed.groups) < n;
  }

  /**
   * The distance-1 colouring for the sparse diagonal; with `auto`, null when
   * the pattern is too dense to pay (detection stops early then: a nonlinear
   * node mixing more than n/4 inputs already forces more than n/4 colours).
   */
  private sparseColouring(auto: boolean): Colouring | null {
    const sp = this.sparsity(), n = this.packed.flat.length;
    if (auto) {
      if (sp.autoDense) return null;
      if (sp.pattern === undefined) {
        const p = detectPattern(this.rec.tape, this.out, Math.floor(n * SPARSE_RATIO));
        remember(this.f, this.rec.tape, this.rec.outputs, sp);
        if (!p) { sp.autoDense = true; return null; }
        sp.pattern = p;
      }
    }
    sp.d1 ??= colour(this.pattern(), 1);
    if (auto && sp.d1.count > n * SPARSE_RATIO) { sp.autoDense = true; return null; }
    return sp.d1;
  }

  /** The Hessian's sparsity pattern (a superset of its non-zeros for the recorded branch), CSR, both triangles. */
  hessianSparsity(): Pattern {
    const p = this.pattern();
    return { n: p.n, rowPtr: p.rowPtr.slice(), colIdx: p.colIdx.slice() };
  }

  /** The detected pattern itself (shared with later recordings of f's structure: read only). */
  private pattern(): Pattern {
    const sp = this.sparsity();
    if (!sp.pattern) {
      sp.pattern = detectPattern(this.rec.tape, this.out)!;
      remember(this.f, this.rec.tape, this.rec.outputs, sp);
    }
    return sp.pattern;
  }

  /**
   * The Hessian as a sparse CSR matrix over the detected pattern: one
   * compressed HVP per colour of a distance-2 (star) colouring, each entry
   * read directly.
   */
  sparseHessian(opts?: LaneOptions): SparseHessian & { readonly colours: number } {
    const o = options<LaneOptions>(this.fn, opts, laneSpec), K = o.lanes ?? DEFAULT_LANES;
    const p = this.pattern(), c = (this.sparsity().d2 ??= colour(p, 2));
    const values = new Float64Array(p.colIdx.length), { rowPtr, colIdx, n } = p;
    // H_ij is entry i of H·s_c for j's colour c (distance-2: no other input of c neighbours i)
    compressedHvps(...this.many(c.count), c.colours, c.count, K, (c0, L, AT) => {
      for (let i = 0; i < n; i++) {
        for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) {
          const k = c.colours[colIdx[e]!]! - c0;
          if (k >= 0 && k < L) values[e] = AT[(i + 1) * L + k]!;
        }
      }
    });
    return { n, rowPtr: rowPtr.slice(), colIdx: colIdx.slice(), values, colours: c.count };
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
    const o = options<LaplacianOptions>(this.fn, opts, { lanes: 'positive integer', terms: 'boolean', method: ['auto', 'dense'] });
    const n = this.packed.flat.length, K = o.lanes ?? Math.max(DEFAULT_LANES, Math.min(n, 64));
    if (o.terms) {
      const d = this.hessianDiagonal({ lanes: K, ...(o.method === 'dense' ? { method: 'hyperdual' } : {}) });
      const flat = this.packed.direction(this.fn, 'terms', d);
      let s = 0;
      for (let i = 0; i < n; i++) s += flat[i]!;
      return { laplacian: s, terms: d, method: d.method === 'sparse' ? 'sparse' : 'dense', sweeps: d.sweeps };
    }
    const c = o.method === 'dense' || n <= K ? null : this.sparseColouring(true);
    const groups = c ? c.count : n;
    return {
      laplacian: laplacianOf(...this.many(groups), K, c ? c.colours : null, groups),
      method: c ? 'sparse' : 'dense',
      sweeps: Math.ceil(groups / K),
    };
  }

  /** f, vᵀ∇f by one forward tangent sweep. */
  jvp(v: Shaped<X> | readonly number[]): { value: number; tangent: number } {
    const d = this.packed.direction(this.fn, 'v', v);
    return { value: this.value as number, tangent: tangentOf(...this.one(), d) };
  }

  /** f, aᵀ∇f and aᵀHa by one forward order-2 Taylor sweep. */
  directional(a: Shaped<X> | readonly number[]): { value: number; first: number; second: number } {
    const d = this.packed.direction(this.fn, 'a', a);
    return { value: this.value as number, ...directionalOf(...this.one(), d) };
  }

  /** f, aᵀ∇f, bᵀ∇f and aᵀHb by one forward hyper-dual sweep. */
  hyperdual(a: Shaped<X> | readonly number[], b: Shaped<X> | readonly number[]): { value: number; da: number; db: number; dab: number } {
    const da = this.packed.direction(this.fn, 'a', a), db = this.packed.direction(this.fn, 'b', b);
    return { value: this.value as number, ...hyperdualOf(...this.one(), da, db) };
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
    return quadraticForms(...this.many(ds.length), ds, lanes);
  }
  /** H·v for each direction v (x flattened): forward-over-reverse lanes */
  hvps(directions: readonly Float64Array[], lanes = DEFAULT_LANES): Float64Array[] {
    const ds = this.directions('hvps', directions, lanes);
    return hvpsOf(...this.many(ds.length), ds, lanes);
  }
  /** checks a list of flat directions and a lane count */
  private directions(method: string, ds: unknown, lanes: unknown): Float64Array[] {
    const fn = `${this.fn}.${method}`;
    options<LaneOptions>(fn, { lanes }, laneSpec);
    if (!Array.isArray(ds)) throw new TypeError(`${fn}: directions must be an array of vectors, got ${describe(ds)}`);
    return ds.map((d, i) => vector(fn, `directions[${i}]`, d, this.size));
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
    const o = options<LaneOptions>(this.fn, opts, laneSpec);
    const s = this.sweeper();
    return jacobianOf(s.w, s.outputs, o.lanes ?? DEFAULT_LANES);
  }

  /**
   * diag(JᵀJ) = (Σ_m (∂F_m/∂xᵢ)²)ᵢ, shaped like x: the Gauss–Newton (or, for
   * per-sample losses, empirical Fisher) diagonal. Exact; see
   * {@link GaussNewtonOptions} for the methods. Not the Hessian's diagonal.
   */
  gaussNewtonDiagonal(opts?: GaussNewtonOptions): Shaped<X> & GaussNewtonInfo {
    const o = options<GaussNewtonOptions>(this.fn, opts, gnSpec), K = o.lanes ?? DEFAULT_LANES;
    const { groups, flat } = this.packed, n = flat.length, outputs = this.rec.outputs;
    const denseLanes = Math.min(n, outputs.length);
    let method = o.method ?? 'auto';
    let plan: StructuredPlan | undefined;
    if (method !== 'dense') {
      const sp = this.sparsity();
      if (!planFits(sp.gaussNewton, groups)) {
        sp.gaussNewton = gaussNewtonPlan(this.rec.tape, outputs, groups);
        remember(this.f, this.rec.tape, outputs, sp);
      }
      plan = sp.gaussNewton;
      if (method === 'auto') method = plan.uses.why.some((w) => w === null) && structuredDirections(plan, groups) < denseLanes ? 'structured' : 'dense';
    }
    let d: Float64Array, sweeps = Math.ceil(denseLanes / K), directions = denseLanes, parameters: Record<string, ParameterReport> | undefined;
    if (method === 'structured') {
      const r = gaussNewtonDiagonal(this.w, outputs, groups, plan!, K, (from, to) => gaussNewtonOf(this.w, outputs, K, from, to));
      ({ d, sweeps, directions } = r);
      parameters = Object.fromEntries(groups.map((g, k) => [g.name, r.reports[k]!]));
    } else {
      d = gaussNewtonOf(this.w, outputs, K);
    }
    return described(this.packed.shape(d) as object, { method, sweeps, directions, parameters }) as Shaped<X> & GaussNewtonInfo;
  }

}

/**
 * A one-shot transform: records f at x, reads one result with `use`, and
 * gives the recording's arrays back to the pool for the next call.
 */
export function once<X extends Point, R>(fn: string, f: unknown, x: X, use: (p: Prepared<X>) => R, vectorValued = false): R {
  const p = new Prepared<X>(fn, f as (x: never) => unknown, x, vectorValued);
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
  return nest('prepare', () => new Prepared('prepare', f as (x: never) => unknown, x, Boolean(o.vector), true));
}

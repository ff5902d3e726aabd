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
 */
import type { Num } from '../numbers/value.js';
import { replay } from '../tape/sweeps.js';
import {
  Workspace, diagonalByHvp, diagonalByHyperdual, directionalOf, gradHvpOf, gradientOf, hessianOf, hyperdualOf, jacobianOf, tangentOf,
} from '../tape/derivatives.js';
import type { Tensor } from '../tensor/tensor.js';
import { callable, options } from './check.js';
import { describe } from '../describe.js';
import { pack, type Arg, type Packed, type Point, type Shaped } from './args.js';
import { recordScalar, recordVector, type Recording } from './record.js';

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
   * 'hyperdual' (default): H_jj is the second-order coefficient of a forward
   * sweep seeded with eⱼ — no reverse sweep, no adjoints, no Hessian row.
   * 'hvp': H_jj is entry j of H·eⱼ by forward-over-reverse.
   */
  method?: 'hyperdual' | 'hvp';
}

const laneSpec = { lanes: 'positive integer' } as const;
const diagSpec = { method: ['hyperdual', 'hvp'], lanes: 'positive integer' } as const;

/** A recording of f (scalar-valued) or F (vector-valued) at a point, swept on demand. */
export class Prepared<X extends Point = Point> {
  private rec!: Recording;
  private w!: Workspace;
  private readonly packed: Packed;
  /** how many times f was recorded afresh by `.at()` (because f read a primal and may branch on it) */
  rerecords = 0;

  constructor(
    private readonly fn: string,
    private readonly f: (x: never) => unknown,
    x: X,
    private readonly vectorValued: boolean,
  ) {
    callable(fn, f);
    this.packed = pack(fn, x);
    this.record(this.packed.flat);
  }

  private record(flat: Float64Array): void {
    const p: Packed = flat === this.packed.flat ? this.packed : { ...this.packed, flat };
    this.rec = this.vectorValued
      ? recordVector(this.fn, this.f as (x: never) => Num[] | Tensor, p)
      : recordScalar(this.fn, this.f as (x: never) => Num, p);
    this.w = new Workspace(this.rec.tape);
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
    }
    return this;
  }

  /** f at the current point (for a vector-valued F, its values). */
  get value(): number | Float64Array {
    const { tape, outputs } = this.rec;
    return this.vectorValued ? Float64Array.from(outputs, (o) => tape.val[o]!) : tape.val[outputs[0]!]!;
  }
  /** bytes of the recording (nodes, partials, block maps) */
  get tapeBytes(): number { return this.rec.tape.bytes; }
  /** bytes of the sweep work arrays allocated so far */
  get laneBytes(): number { return this.w.bytes; }
  /** number of tape slots (nodes) */
  get nodes(): number { return this.rec.tape.n; }

  /** ∇f by one reverse sweep. */
  grad(): Shaped<X> { return this.packed.shape(gradientOf(this.w, this.out)) as Shaped<X>; }

  /** H·v by forward-over-reverse (one tangent sweep, one reverse sweep). */
  hvp(v: Shaped<X> | readonly number[]): Shaped<X> {
    const d = this.packed.direction(this.fn, 'v', v);
    return this.packed.shape(gradHvpOf(this.w, this.out, d).hvp) as Shaped<X>;
  }

  /** The Hessian over x flattened (rows), `lanes` columns per sweep, exactly symmetric. */
  hessian(opts?: LaneOptions): Float64Array[] {
    const o = options<LaneOptions>(this.fn, opts, laneSpec);
    return hessianOf(this.w, this.out, o.lanes ?? DEFAULT_LANES);
  }

  /** The exact Hessian diagonal, shaped like x. */
  hessianDiagonal(opts?: DiagonalOptions): Shaped<X> {
    const o = options<DiagonalOptions>(this.fn, opts, diagSpec), K = o.lanes ?? DEFAULT_LANES;
    const d = o.method === 'hvp' ? diagonalByHvp(this.w, this.out, K) : diagonalByHyperdual(this.w, this.out, K);
    return this.packed.shape(d) as Shaped<X>;
  }

  /** f, vᵀ∇f by one forward tangent sweep. */
  jvp(v: Shaped<X> | readonly number[]): { value: number; tangent: number } {
    const d = this.packed.direction(this.fn, 'v', v);
    return { value: this.value as number, tangent: tangentOf(this.w, this.out, d) };
  }

  /** f, aᵀ∇f and aᵀHa by one forward order-2 Taylor sweep. */
  directional(a: Shaped<X> | readonly number[]): { value: number; first: number; second: number } {
    const d = this.packed.direction(this.fn, 'a', a);
    return { value: this.value as number, ...directionalOf(this.w, this.out, d) };
  }

  /** f, aᵀ∇f, bᵀ∇f and aᵀHb by one forward hyper-dual sweep. */
  hyperdual(a: Shaped<X> | readonly number[], b: Shaped<X> | readonly number[]): { value: number; da: number; db: number; dab: number } {
    const da = this.packed.direction(this.fn, 'a', a), db = this.packed.direction(this.fn, 'b', b);
    return { value: this.value as number, ...hyperdualOf(this.w, this.out, da, db) };
  }

  /** The Jacobian of a vector-valued F (rows: outputs; columns: x flattened). */
  jacobian(opts?: LaneOptions): Float64Array[] {
    const o = options<LaneOptions>(this.fn, opts, laneSpec);
    return jacobianOf(this.w, this.rec.outputs, o.lanes ?? DEFAULT_LANES);
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
  return new Prepared('prepare', f as (x: never) => unknown, x, Boolean(o.vector));
}

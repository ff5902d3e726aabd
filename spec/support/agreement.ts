/**
 * How the checker measures agreement: one error, one set of tolerances, one
 * collector of disagreements, and the run-wide record of the worst ones.
 *
 * The error (normwise relative, floor 1):
 *   err = max |gotᵢ − refᵢ| / max(1, ‖ref‖∞, scale)
 * where a derived sum such as vᵀ∇f, H·v or aᵀHb takes Σ|terms| as its scale,
 * so cancellation in the sum does not turn rounding into a large relative
 * error. Identical entries (matching infinities, NaN against NaN) agree; a
 * non-finite entry against anything else, or a length mismatch, is ∞.
 */
import { expect } from 'chai';

/**
 * The tolerances.
 *   path 1e-10   AD paths against each other (and against another form of f):
 *                they compute the same exact quantity in a different order,
 *                so they differ by rounding only, a few ulps times the size
 *                of the intermediate terms; a wrong rule or sweep is off by
 *                O(1). (The fuzzer's 300 programs stay below 1e-13.)
 *   replay 1e-10 prepare(f, x).at(x1) against a fresh recording at x1.
 *   fd 1e-6      AD against Ridders-extrapolated central differences
 *                (spec/support/fd.ts), which reach ~1e-10 on smooth functions.
 */
export const TOL = { path: 1e-10, replay: 1e-10, fd: 1e-6 } as const;

/** What a comparison compares; 'throw' is a path that threw. */
export type Kind = 'path' | 'replay' | 'fd' | 'throw';
type Measured = Exclude<Kind, 'throw'>;

/** max|got − ref| / max(floor, ‖ref‖∞, scale), with the index of the worst entry. */
export function worstEntry(got: ArrayLike<number>, ref: ArrayLike<number>, scale = 0, floor = 1): { err: number; at: number } {
  if (got.length !== ref.length) return { err: Infinity, at: -1 };
  let d = 0, m = Math.max(floor, scale), k = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!, r = ref[i]!;
    if (Object.is(g, r) || g === r) { if (Number.isFinite(r)) m = Math.max(m, Math.abs(r)); continue; }
    if (!Number.isFinite(g) || !Number.isFinite(r)) return { err: Infinity, at: i };
    m = Math.max(m, Math.abs(r));
    if (Math.abs(g - r) > d) { d = Math.abs(g - r); k = i; }
  }
  return { err: d === 0 ? 0 : d / m, at: k };
}

const arr = (x: number | ArrayLike<number>): ArrayLike<number> => (typeof x === 'number' ? [x] : x);

/** The error of the file comment: max|got − ref| / max(floor, ‖ref‖∞, scale), for numbers or arrays. */
export const relErr = (got: number | ArrayLike<number>, ref: number | ArrayLike<number>, scale = 0, floor = 1): number =>
  worstEntry(arr(got), arr(ref), scale, floor).err;

/** The same error with a small floor, for hand comparisons in specs where results well below 1 should compare relatively. */
export const normErr = (got: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-6): number => relErr(got, ref, 0, floor);
/** normErr of one number, with an optional scale. */
export const numErr = (got: number, ref: number, scale = 0, floor = 1e-6): number => relErr(got, ref, scale, floor);

/**
 * The largest entrywise relative error, entries below floor·‖ref‖∞ compared
 * against that (both sides exact up to rounding, which on an entry far below
 * the largest is relative to the sums it came from); ∞ where one side is NaN
 * and the other is not.
 */
export function entryErr(got: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-8): number {
  let norm = 0, worst = 0;
  for (let i = 0; i < ref.length; i++) norm = Math.max(norm, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) {
    const d = got[i]! - ref[i]!;
    if (Number.isNaN(ref[i]!) !== Number.isNaN(got[i]!)) return Infinity;
    if (!Number.isNaN(d)) worst = Math.max(worst, Math.abs(d) / Math.max(Math.abs(ref[i]!), floor * norm));
  }
  return worst;
}

// ---------------------------------------------------------------- sums with their scales

/** Σ uᵢvᵢ and its scale Σ|uᵢvᵢ|. */
export function dotScaled(u: ArrayLike<number>, v: ArrayLike<number>): { value: number; scale: number } {
  let value = 0, scale = 0;
  for (let i = 0; i < u.length; i++) { value += u[i]! * v[i]!; scale += Math.abs(u[i]! * v[i]!); }
  return { value, scale };
}

/** H·v and the largest row scale Σⱼ|Hᵢⱼvⱼ|. */
export function matVec(H: readonly ArrayLike<number>[], v: ArrayLike<number>): { value: Float64Array; scale: number } {
  const rows = H.map((r) => dotScaled(r, v));
  return { value: Float64Array.from(rows, (r) => r.value), scale: Math.max(0, ...rows.map((r) => r.scale)) };
}

/** aᵀHb and its scale Σ|aᵢHᵢⱼbⱼ|. */
export function bilinear(H: readonly ArrayLike<number>[], a: ArrayLike<number>, b: ArrayLike<number>): { value: number; scale: number } {
  let value = 0, scale = 0;
  for (let i = 0; i < H.length; i++) for (let j = 0; j < H.length; j++) { const t = a[i]! * H[i]![j]! * b[j]!; value += t; scale += Math.abs(t); }
  return { value, scale };
}

// ---------------------------------------------------------------- the run-wide record

/** The worst disagreement of one kind seen so far, and where. */
export interface Worst { max: number; where: string }

/**
 * The largest disagreement of each kind over the whole run, and where:
 * between AD paths, against prepared replays, against finite differences,
 * and between the rule table and finite differences of the rule's own f
 * (spec/rules.spec.ts). spec/summary.spec.ts prints it; the closing note
 * quotes it. With CHECK_REPORT=all every comparison is printed as it is made.
 */
export const agreement = {
  path: { max: 0, where: '' } as Worst,
  replay: { max: 0, where: '' } as Worst,
  fd: { max: 0, where: '' } as Worst,
  rules: { max: 0, where: '' } as Worst,
  checks: 0,
};

/** Records a disagreement of the given kind. */
export function note(kind: Measured | 'rules', err: number, where: string): void {
  if (process.env.CHECK_REPORT === 'all') console.log(`    ${kind} ${err.toExponential(2)} ${where}`);
  const w = agreement[kind];
  if (err > w.max || w.where === '') { w.max = Math.max(w.max, err); w.where = where; }
}

/** Asserts err ≤ tol and records it (for specs that compare by hand). */
export function expectErr(kind: Measured, where: string, err: number, tol: number): void {
  note(kind, err, where);
  expect(err, `${where}: relative error`).to.be.at.most(tol);
}

// ---------------------------------------------------------------- one check's comparisons

/** One disagreement: which two paths, how far apart. */
export interface Failure {
  readonly kind: Kind;
  /** the path under test, as a call */
  readonly a: string;
  /** what it is compared with */
  readonly b: string;
  readonly err: number;
  readonly detail: string;
}

/** Identifies a failure across runs (the fuzzer shrinks by it): its kind and its pair of paths. */
export const signature = (f: Failure): string => `${f.kind}: ${f.a} ~ ${f.b}`;

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(12) : String(x));

/** Collects the comparisons of one check; never throws. */
export class Collector {
  readonly failures: Failure[] = [];
  comparisons = 0;
  readonly worst: Record<Measured, { err: number; where: string }> = { path: { err: 0, where: '' }, replay: { err: 0, where: '' }, fd: { err: 0, where: '' } };
  /**
   * @param tol the tolerances of this check
   * @param only when given, the one signature to compare (the others are skipped)
   * @param record add the errors to the run-wide {@link agreement} (not for planted failures)
   */
  constructor(readonly label: string, readonly tol: Record<Measured, number>, private readonly only?: string, private readonly record = true) {}

  /** Compares got with ref (missing when a path threw: that was reported where it threw). */
  cmp(kind: Measured, a: string, b: string, got: number | ArrayLike<number> | undefined, ref: number | ArrayLike<number> | undefined, scale = 0, where0 = ''): void {
    if (got === undefined || ref === undefined) return;
    if (this.only && this.only !== `${kind}: ${a} ~ ${b}`) return;
    this.comparisons++;
    const g = arr(got), r = arr(ref), { err, at } = worstEntry(g, r, scale);
    const w = this.worst[kind];
    if (err > w.err || w.where === '') { w.err = Math.max(w.err, err); w.where = `${a} ~ ${b}`; }
    if (this.record) note(kind, err, `${this.label}: ${a} ~ ${b}`);
    if (!(err <= this.tol[kind])) {
      const where = where0 + (g.length > 1 ? ` at [${at}]` : '');
      this.failures.push({
        kind, a, b, err,
        detail: `${where} got ${at >= 0 ? fmt(g[at]!) : `length ${g.length}`}, expected ${at >= 0 ? fmt(r[at]!) : `length ${r.length}`} ` +
          `(relative error ${err.toExponential(2)} > ${this.tol[kind]})`,
      });
    }
  }

  /** Runs one path; an exception is a failure of kind 'throw' and the result is undefined. */
  run<T>(path: string, f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      this.fail('throw', path, '(no exception)', ` threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return undefined;
    }
  }

  /** Records a failure that is not a numeric comparison. */
  fail(kind: Kind, a: string, b: string, detail: string): void {
    if (this.only && this.only !== `${kind}: ${a} ~ ${b}`) return;
    this.failures.push({ kind, a, b, err: Infinity, detail });
  }
}

/** One line per failure, at most 12. */
export function describeFailures(failures: readonly Failure[]): string {
  const shown = failures.slice(0, 12).map((f) => `[${f.kind}] ${f.a} vs ${f.b}:${f.detail}`).join('\n  ');
  return shown + (failures.length > 12 ? `\n  … and ${failures.length - 12} more` : '');
}

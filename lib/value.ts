/**
 * The common base of every hyperad value (Dual, HyperDual, Taylor2, Jet, tape
 * variables, tensors). A value knows how to apply one rule-table op to
 * itself; the free functions in lib/ops dispatch here. Methods named after
 * the ops (x.sin(), x.mul(y)) are installed from the table once
 * (lib/ops/methods.ts).
 *
 * It sits at the root, just above the rule table (it names ops in messages)
 * and below every layer that makes values: the tape's variables, the
 * numbers, the tensors.
 */
import { currentName, mixedTraces, type Trace } from './trace.js';
import { OP_NAMES, type BinaryName, type UnaryName } from './rules/index.js';
import { describe } from './describe.js';
import { COPY, COPY_KEY } from './copy.js';

/** Any value f computes with: a plain number or one of hyperad's values. */
export type Num = number | Value;

export abstract class Value {
  /** the evaluation this value belongs to (null: made by the user, not by a transform) */
  abstract readonly trace: Trace | null;
  /** the primal value */
  abstract get value(): number;
  /** applies unary op `code` (parameter p) to this value */
  abstract unaryOp(code: number, p: number): Value;
  /** applies binary op `code` to (this, other) when `thisFirst`, else to (other, this) */
  abstract binaryOp(code: number, other: Num, thisFirst: boolean): Value;
  /** the primal, read by the library itself (unlike `.value`, never marks a recording as branching) */
  peek(): number { return this.value; }
  /** which operand handles a mixed binary op: the higher priority (tensors over scalars) */
  get priority(): number { return 0; }
  /** the kind's name in messages */
  abstract get kind(): string;
  /** the copy of hyperad that made this value (lib/copy.ts: two copies loaded at once are named in errors) */
  get [COPY_KEY](): { readonly format: string } { return COPY; }

  /**
   * `other` as a value of this value's own class (callers turn numbers into
   * constants first): a value of another class or another evaluation is an
   * error, never a silently dropped perturbation.
   */
  protected coerce<T extends Value>(this: T, other: Value, code: number, thisFirst = true): T {
    const op = OP_NAMES[code]!;
    const otherStale = other.trace !== null && !other.trace.active, thisStale = this.trace !== null && !this.trace.active;
    if (otherStale || thisStale) {
      // name the operand that outlived its evaluation
      const arg = otherStale === thisFirst ? 'b' : 'a', dead = (otherStale ? other.trace : this.trace)!;
      throw new Error(
        `${currentName()}: ${op}: ${arg} is a value from an earlier ${dead.name} evaluation, used after that evaluation ended; ` +
          `derivatives only flow through values computed from the current inputs`,
      );
    }
    if (other.constructor === this.constructor && other.trace !== this.trace) throw mixedTraces(this.trace, other.trace, op);
    if (other.constructor !== this.constructor) {
      const why = this.trace && other.trace
        ? ' (perturbation confusion: values from two different transforms)'
        : this.trace || other.trace ? ' (a hand-made value carries its own perturbation, which would be confused with the transform\'s)' : '';
      throw new Error(`${currentName()}: ${OP_NAMES[code]} cannot combine a ${this.kind} with a ${other.kind}${why}`);
    }
    return other as T;
  }

  /** JavaScript operators would silently drop the derivative: they are refused. */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === 'string') return this.toString();
    throw new TypeError(
      `${currentName()}: a ${this.kind} was used with a JavaScript operator (+ − * / < …), which would drop its derivative; ` +
        `use hyperad's functions (add, mul, …) or read .value explicitly`,
    );
  }
}

/** A hand-made number's component must be a number (a string or undefined would flow silently into NaN). */
export function checkComponent(kind: string, name: string, x: unknown): void {
  if (typeof x !== 'number') throw new TypeError(`${currentName()}: ${kind}: ${name} must be a number, got ${describe(x)}`);
}

/** The public unary ops (the table's `powc` is reached through `pow`). */
export type UnaryMethodName = Exclude<UnaryName, 'powc'>;

/**
 * The op methods of a value of type T (x.sin(), x.mul(y)): each value class
 * declares them by merging this into its interface; lib/ops/methods.ts
 * installs them on Value.prototype from the free functions.
 */
export type Methods<T> = { [K in UnaryMethodName]: () => T } & { [K in BinaryName]: (y: Num) => T };

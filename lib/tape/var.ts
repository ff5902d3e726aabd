/**
 * Tape variables: the values f computes with when a transform records it.
 * A Var is a handle (tape, node index); each op on it appends one node.
 */
import { Value, type Methods, type Num } from '../value.js';
import { mixedTraces, type Trace } from '../trace.js';
import { OP_NAMES } from '../rules/index.js';
import type { Tape } from './tape.js';

export class Var extends Value {
  // (assigned, not defined as class fields: a Var is made per op, and V8 did not inline the field initialiser)
  declare readonly tape: Tape;
  declare readonly i: number;
  constructor(tape: Tape, i: number) {
    super();
    (this as { tape: Tape }).tape = tape;
    (this as { i: number }).i = i;
  }
  get trace(): Trace { return this.tape.trace; }
  get kind(): string { return 'tape value'; }

  /** The primal value. Reading it marks the recording as possibly branching on it. */
  get value(): number {
    this.tape.primalRead = true;
    return this.tape.val[this.i]!;
  }

  override peek(): number { return this.tape.val[this.i]!; }

  private live(code: number): Tape {
    if (!this.tape.trace.active) throw mixedTraces(this.tape.trace, null, OP_NAMES[code]!);
    return this.tape;
  }

  unaryOp(code: number, p: number): Var {
    const t = this.live(code);
    return new Var(t, t.unary(code, this.i, p));
  }

  binaryOp(code: number, other: Num, thisFirst: boolean): Var {
    const t = this.live(code);
    if (typeof other === 'number') return new Var(t, t.binaryConst(code, this.i, other, !thisFirst));
    const j = this.coerce(other, code, thisFirst).i;
    return new Var(t, thisFirst ? t.binary(code, this.i, j) : t.binary(code, j, this.i));
  }

  override toString(): string { return `Var(${this.tape.val[this.i]}, node ${this.i})`; }
}

export interface Var extends Methods<Var> {}

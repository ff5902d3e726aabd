/**
 * Evaluations ("traces"): every transform that calls the user's f opens one,
 * and every traced value (a tape variable, or a Dual/HyperDual/Taylor2 made
 * by a transform) belongs to exactly one. Two traced values from different
 * traces must never be combined: that is perturbation confusion when both are
 * live (nested transforms) and a stale value when one has ended.
 */

/** One evaluation of a user function by a transform. */
export class Trace {
  private static next = 1;
  readonly id = Trace.next++;
  active = true;
  constructor(readonly name: string) {}
}

const stack: Trace[] = [];

/** Opens a trace for transform `name`; close it with {@link end}. */
export function begin(name: string): Trace {
  const t = new Trace(name);
  stack.push(t);
  return t;
}

/** Closes a trace: its values may no longer enter any computation with other traced values. */
export function end(t: Trace): void {
  t.active = false;
  const k = stack.lastIndexOf(t);
  if (k >= 0) stack.splice(k, 1);
}

/** How many evaluations are running (greater than 0 inside a function some transform is evaluating). */
export function depth(): number {
  return stack.length;
}

/** The innermost running transform's name, for error messages ("hyperad" outside any). */
export function currentName(): string {
  return stack.length ? stack[stack.length - 1]!.name : 'hyperad';
}

/** The error for combining values of traces `a` and `b` (either may be null: made by the user). */
export function mixedTraces(a: Trace | null, b: Trace | null, what: string): Error {
  const name = currentName();
  if ((a && !a.active) || (b && !b.active)) {
    const dead = a && !a.active ? a : b!;
    return new Error(
      `${name}: a value from an earlier ${dead.name} evaluation was used after that evaluation ended; ` +
        `derivatives only flow through values computed from the current inputs`,
    );
  }
  if (a && b) {
    return new Error(
      `${name}: perturbation confusion: ${what} combines values from two running evaluations ` +
        `(${a.name} #${a.id} and ${b.name} #${b.id}) outside the transforms' own nesting; ` +
        `call the inner transform inside f (it then runs nested, each perturbation tagged) or pass the value in as an input`,
    );
  }
  const t = (a ?? b)!;
  return new Error(
    `${name}: ${what} combines a value traced by ${t.name} with a hand-made one carrying its own perturbation; ` +
      `the two perturbations would be confused — use plain numbers for constants`,
  );
}

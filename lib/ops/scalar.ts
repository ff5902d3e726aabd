/**
 * The public elementary functions. Each accepts plain numbers (computed
 * directly) or any hyperad value (which records or propagates the op); all
 * of them are generated from the rule table.
 */
import { BINARY, UNARY, binaryCode, unaryCode, type BinaryName, type UnaryName } from '../rules/index.js';
import { Value, type Num } from '../value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { Var } from '../tape/var.js';
import { constNode } from '../tape/node.js';
import { RecorderSlot } from '../tape/codegen/record.js';
import { ownCopy } from '../tape/codegen/compile.js';

/** A unary op: number → number, any hyperad value → a value of the same kind. */
export interface UnaryFn {
  (x: number): number;
  <T extends Value>(x: T): T;
  (x: Num): Num;
}

/** A binary op: numbers → number; with a hyperad value among the arguments → that kind. */
export interface BinaryFn {
  (a: number, b: number): number;
  <T extends Value>(a: T, b: T | number): T;
  <T extends Value>(a: number, b: T): T;
  (a: Num, b: Num): Num;
}

function operand(name: string, x: unknown, which: string): Value {
  if (x instanceof Value) return x;
  throw new TypeError(`${currentName()}: ${name}: ${which} must be a number or a hyperad value, got ${describe(x)}`);
}

type VarClass = typeof Var;

/**
 * The lifted unary op: numbers computed by rule f, a tape value of a running
 * recording recorded by its recorder at once (the common case while
 * recording, without the general dispatch), anything else by `slow`. Refers
 * to its parameters only: each op gets its own compiled copy ({@link ownCopy}).
 */
function unaryLift(Var: VarClass, f: (x: number, p: number) => number, rec: RecorderSlot, slow: (x: Num) => Num) {
  return (x: Num): Num => {
    if (typeof x === 'number') return f(x, 0);
    if (x instanceof Var && x.tape.trace.active) {
      const r = rec.get(), t = x.tape;
      return new Var(t, r !== null ? r(t, x.i, 0) : rec.record(t, x.i, 0));
    }
    return slow(x);
  };
}

/**
 * The lifted binary op: numbers by rule f; a tape value of a running
 * recording with a number (`right`: the constant second, `left`: first) or
 * with a tape value of the same recording (`both`) recorded at once;
 * anything else (other kinds, ended or mixed evaluations) by `slow`. Refers
 * to its parameters only, like {@link unaryLift}.
 */
function binaryLift(
  Var: VarClass, f: (a: number, b: number) => number, right: RecorderSlot, left: RecorderSlot, both: RecorderSlot, slow: (a: Num, b: Num) => Num,
) {
  return (a: Num, b: Num): Num => {
    if (a instanceof Var) {
      const t = a.tape;
      if (t.trace.active) {
        if (typeof b === 'number') {
          const r = right.get();
          return new Var(t, r !== null ? r(t, a.i, b) : right.record(t, a.i, b));
        }
        if (b instanceof Var && b.tape === t) {
          const r = both.get();
          return new Var(t, r !== null ? r(t, a.i, b.i) : both.record(t, a.i, b.i));
        }
      }
    } else if (typeof a === 'number') {
      if (typeof b === 'number') return f(a, b);
      if (b instanceof Var && b.tape.trace.active) {
        const r = left.get(), t = b.tape;
        return new Var(t, r !== null ? r(t, b.i, a) : left.record(t, b.i, a));
      }
    }
    return slow(a, b);
  };
}

/** Lifts unary rule `name` to a function of numbers and hyperad values. */
export function liftUnary(name: UnaryName): UnaryFn {
  const code = unaryCode(name), f = UNARY[code]!.f;
  const slow = (x: Num) => operand(name, x, 'x').unaryOp(code, 0);
  return ownCopy(unaryLift, name, [Var, f, new RecorderSlot(code), slow], (g) => Object.is(g(0.5), f(0.5, 0))) as UnaryFn;
}

/** Lifts binary rule `name` to a function of numbers and hyperad values. */
export function liftBinary(name: BinaryName): BinaryFn {
  const code = binaryCode(name);
  const slow = (a: Num, b: Num): Num => {
    if (typeof a === 'number') return operand(name, b, 'b').binaryOp(code, a, false);
    const va = operand(name, a, 'a');
    if (typeof b !== 'number' && operand(name, b, 'b').priority > va.priority) return b.binaryOp(code, a, false);
    return va.binaryOp(code, b, true);
  };
  const f = BINARY[code - UNARY.length]!.f;
  const slots = [new RecorderSlot(constNode(code, false)), new RecorderSlot(constNode(code, true)), new RecorderSlot(code)] as const;
  return ownCopy(binaryLift, name, [Var, f, ...slots, slow], (g) => Object.is(g(0.5, 0.25), f(0.5, 0.25))) as BinaryFn;
}

const powc = unaryCode('powc'), powcRecorder = new RecorderSlot(powc);
const powv = liftBinary('pow');

/** −x */ export const neg = liftUnary('neg');
/** √x; derivative ½x^−½ (+∞ at 0) */ export const sqrt = liftUnary('sqrt');
/** ∛x; derivative ⅓x^−⅔ */ export const cbrt = liftUnary('cbrt');
/** eˣ */ export const exp = liftUnary('exp');
/** eˣ − 1, accurate near 0 */ export const expm1 = liftUnary('expm1');
/** ln x; derivative 1/x */ export const log = liftUnary('log');
/** ln(1 + x), accurate near 0 */ export const log1p = liftUnary('log1p');
/** log₂ x; derivative 1/(x ln 2) */ export const log2 = liftUnary('log2');
/** log₁₀ x; derivative 1/(x ln 10) */ export const log10 = liftUnary('log10');
/** sin x */ export const sin = liftUnary('sin');
/** cos x */ export const cos = liftUnary('cos');
/** tan x; derivative 1 + tan²x */ export const tan = liftUnary('tan');
/** asin x; derivative 1/√(1 − x²) */ export const asin = liftUnary('asin');
/** acos x; derivative −1/√(1 − x²) */ export const acos = liftUnary('acos');
/** atan x; derivative 1/(1 + x²) */ export const atan = liftUnary('atan');
/** sinh x */ export const sinh = liftUnary('sinh');
/** cosh x */ export const cosh = liftUnary('cosh');
/** tanh x; derivative 1 − tanh²x */ export const tanh = liftUnary('tanh');
/** asinh x; derivative 1/√(1 + x²) */ export const asinh = liftUnary('asinh');
/** acosh x; derivative 1/√(x² − 1) */ export const acosh = liftUnary('acosh');
/** atanh x; derivative 1/(1 − x²) */ export const atanh = liftUnary('atanh');
/** |x|; derivative sign(x), 0 at 0 */ export const abs = liftUnary('abs');
/** σ(x) = 1/(1 + e⁻ˣ), stable for any x; derivative σ(1 − σ) */ export const sigmoid = liftUnary('sigmoid');
/** log(1 + eˣ), stable for any x; derivative σ(x) */ export const softplus = liftUnary('softplus');
/** max(x, 0); derivative 1 for x > 0, else 0 */ export const relu = liftUnary('relu');
/** erf x = (2/√π)∫₀ˣ e^(−t²) dt; derivative (2/√π)e^(−x²) */ export const erf = liftUnary('erf');
/** erfc x = 1 − erf x, accurate in the tail (erfc 10 ≈ 2.09e-45); derivative −(2/√π)e^(−x²) */ export const erfc = liftUnary('erfc');
/** log|Γ(x)|; derivative ψ(x) (digamma); +∞ at the poles 0, −1, −2, … */ export const lgamma = liftUnary('lgamma');
/** ψ(x) = Γ′(x)/Γ(x); derivative ψ₁(x) (trigamma); NaN at the poles */ export const digamma = liftUnary('digamma');
/** log(1 − eˣ) for x ≤ 0, stable; derivative −1/(e^−x − 1) */ export const log1mexp = liftUnary('log1mexp');

/** a + b */ export const add = liftBinary('add');
/** a − b */ export const sub = liftBinary('sub');
/** a·b */ export const mul = liftBinary('mul');
/** a / b */ export const div = liftBinary('div');
/** atan2(a, b): the angle of the point (b, a) */ export const atan2 = liftBinary('atan2');
/** √(a² + b²) without overflow; all derivatives 0 at the origin */ export const hypot = liftBinary('hypot');
/** max(a, b); a tie sends the derivative to a */ export const max = liftBinary('max');
/** min(a, b); a tie sends the derivative to a */ export const min = liftBinary('min');
/** log(eᵃ + eᵇ), stable for any a, b; ∂/∂a = σ(a − b) */ export const logaddexp = liftBinary('logaddexp');
/** a·log b with xlogy(0, b) = 0; ∂/∂a = log b, ∂/∂b = a/b (exactly 0 at a = 0) */ export const xlogy = liftBinary('xlogy');

/**
 * a^b. With a number exponent, the rule x^p (derivative p·x^(p−1), exact 0
 * where the coefficient is 0); with a traced exponent, the two-argument rule
 * (∂/∂b = a^b ln a).
 */
export const pow: BinaryFn = ((a: Num, b: Num) => {
  if (typeof b === 'number') {
    if (typeof a === 'number') return Math.pow(a, b);
    if (a instanceof Var && a.tape.trace.active) {
      const r = powcRecorder.get(), t = a.tape;
      return new Var(t, r !== null ? r(t, a.i, b) : powcRecorder.record(t, a.i, b));
    }
    return operand('pow', a, 'a').unaryOp(powc, b);
  }
  return powv(a, b);
}) as BinaryFn;

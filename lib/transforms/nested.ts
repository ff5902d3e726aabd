/**
 * Nested transforms. A transform called inside a function that another
 * transform is evaluating cannot use the outer evaluation's machinery (its
 * tape records numbers, its sweeps are numeric), so nesting switches the
 * whole computation to jets (lib/numbers/jet.ts): each transform seeds its
 * own tagged perturbation and reads its own coefficient off the result, and
 * what an inner transform returns is a value of the enclosing ones, ready
 * to be differentiated again. d/dx [x · d/dy (x + y)] is 1, not 2.
 *
 * How the switch happens: an inner call in an ordinary evaluation throws a
 * NestedSignal, the outermost transform catches it and runs again in nested
 * mode, where every transform takes its jet form. Each derivative then costs
 * one evaluation of f per direction (per pair of directions for second
 * order): correct first, fast where it matters (unnested).
 */
import { Jet } from '../numbers/jet.js';
import { Value, type Num } from '../value.js';
import { begin, depth, end, type Trace } from '../trace.js';
import { describe } from '../describe.js';
import { callable } from '../check.js';
import { add } from '../ops/scalar.js';
import { Tensor } from '../tensor/tensor.js';

/** Thrown by a transform called inside an ordinary evaluation; the outermost transform restarts nested. */
export class NestedSignal {
  constructor(readonly inner: string) {}
}

let nestedMode = false;
/** set when an inner call signalled: f may have caught the signal, so the outermost checks this too */
let signalled: string | null = null;

/**
 * Runs transform `name`: the ordinary way at top level; the jet way when
 * nested (`nested` absent: nesting this transform is not supported). Both
 * receive the name, for their messages, so a transform writes it once.
 */
export function nest<R>(name: string, plain: (name: string) => R, nested?: (name: string) => unknown): R {
  if (nestedMode) {
    if (!nested) throw new Error(`${name}: cannot run inside a function another transform is differentiating (not supported nested)`);
    return nested(name) as R;
  }
  if (depth() > 0) {
    signalled = name;
    throw new NestedSignal(name);
  }
  signalled = null;
  let inner: string;
  try {
    const r = plain(name);
    if (signalled === null) return r;
    inner = signalled; // f caught the signal: its result is not to be trusted, run nested anyway
  } catch (e) {
    if (!(e instanceof NestedSignal)) { signalled = null; throw e; }
    inner = e.inner;
  }
  signalled = null;
  if (!nested) throw new Error(`${name}: its function calls ${inner}, and ${name} cannot run nested (not supported)`);
  nestedMode = true;
  try {
    return toPlain(nested(name)) as R;
  } finally {
    nestedMode = false;
  }
}

/** At the outermost level every jet has reduced to a number: arrays of numbers become Float64Arrays. */
function toPlain(r: unknown): unknown {
  if (Array.isArray(r)) return r.every((v) => typeof v === 'number') ? Float64Array.from(r as number[]) : r.map(toPlain);
  if (r && typeof r === 'object' && !(r instanceof Value)) return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toPlain(v)]));
  return r;
}

type Fn = (x: unknown) => unknown;
type Dir = ArrayLike<number>;

/**
 * A point of a nested transform: its scalars x (numbers or jets), f's
 * argument made from seeded scalars (an array, a Tensor, or a record of
 * Tensors, as x was given), and a result shaped like x from scalars.
 */
interface NestedPoint {
  readonly x: Num[];
  arg(xs: Num[]): unknown;
  shaped(v: Num[]): unknown;
  /** a direction (`name`) as n numbers in x's order: an array of n, or shaped like x */
  direction(name: string, d: unknown): Dir;
}

/** the numbers of a direction's Tensor (constant, shaped like x's `like`), or an error naming it */
function directionTensor(fn: string, what: string, d: unknown, like: Tensor, ref: string): number[] {
  if (!(d instanceof Tensor) || d.tape || d.jets) throw new TypeError(`${fn}: ${what} must be a Tensor of numbers, got ${describe(d)}`);
  if (d.shape.length !== like.shape.length || d.shape.some((s, i) => s !== like.shape[i])) {
    throw new RangeError(`${fn}: ${what} must have the shape of ${ref} [${like.shape.join(', ')}], got [${d.shape.join(', ')}]`);
  }
  return Array.from(d.values());
}

function point(fn: string, x0: unknown): NestedPoint {
  if (x0 instanceof Tensor) {
    const shape = x0.shape, x = [...x0.nums(fn)];
    return {
      x, arg: (xs) => Tensor.ofNums(xs, shape), shaped: (v) => Tensor.ofNums(v, shape),
      direction: (name, d) => (d instanceof Tensor ? directionTensor(fn, name, d, x0, 'x') : flat(fn, name, d, x.length)),
    };
  }
  if (x0 && typeof x0 === 'object' && !Array.isArray(x0) && !ArrayBuffer.isView(x0) && !(x0 instanceof Value)) {
    const keys = Object.keys(x0), ts = Object.values(x0) as unknown[];
    ts.forEach((t, i) => { if (!(t instanceof Tensor)) throw new TypeError(`${fn}: x.${keys[i]} must be a Tensor, got ${describe(t)}`); });
    const offs = (ts as Tensor[]).reduce<number[]>((o, t) => [...o, o[o.length - 1]! + t.size], [0]);
    const record = (v: Num[]) => Object.fromEntries(keys.map((k, i) => [k, Tensor.ofNums(v.slice(offs[i]!, offs[i + 1]!), (ts[i] as Tensor).shape)]));
    const x = (ts as Tensor[]).flatMap((t) => t.nums(fn));
    // a record direction is read by x's keys, each shaped like x's entry (never by its own key order)
    const direction = (name: string, d: unknown): Dir => {
      if (!d || typeof d !== 'object' || Array.isArray(d) || ArrayBuffer.isView(d)) return flat(fn, name, d, x.length);
      const extra = Object.keys(d).filter((k) => !keys.includes(k));
      if (extra.length) throw new TypeError(`${fn}: ${name} has keys that x does not (${extra.join(', ')})`);
      return keys.flatMap((k, i) => {
        if (!(k in d)) throw new TypeError(`${fn}: ${name}.${k} is missing (x has it)`);
        return directionTensor(fn, `${name}.${k}`, (d as Record<string, unknown>)[k], ts[i] as Tensor, `x.${k}`);
      });
    };
    return { x, arg: record, shaped: record, direction };
  }
  if (!Array.isArray(x0) && !ArrayBuffer.isView(x0)) {
    throw new TypeError(`${fn}: x must be an array, a typed array, a Tensor or a record of Tensors, got ${describe(x0)}`);
  }
  const x = Array.from(x0 as ArrayLike<Num>, (v, i) => {
    if (typeof v === 'number' || v instanceof Jet) return v;
    throw new TypeError(`${fn}: x[${i}] is ${describe(v)}`);
  });
  return { x, arg: (xs) => xs, shaped: (v) => v, direction: (name, d) => flat(fn, name, d, x.length) };
}

/** A direction given as n numbers (an array or a typed array). */
function flat(fn: string, name: string, d: unknown, n: number): Dir {
  if ((!Array.isArray(d) && !ArrayBuffer.isView(d)) || (d as Dir).length !== n) {
    throw new RangeError(`${fn}: ${name} must be an array of length ${n} (or shaped like x), got ${describe(d)}`);
  }
  return d as Dir;
}

/** f's result as a scalar: a number, a jet, or the element of a one-element tensor. */
function scalarResult(fn: string, y: unknown): Num {
  if (y instanceof Tensor && y.size === 1) return y.jets ? y.jets[0]! : y.values()[0]!;
  if (typeof y === 'number' || y instanceof Jet) return y;
  throw new TypeError(`${fn}: f must return a scalar, got ${describe(y)}`);
}

const oneHot = (n: number, i: number): Float64Array => { const e = new Float64Array(n); e[i] = 1; return e; };

/** Evaluates f at x with each (tag, direction) perturbation seeded; tags are opened and closed around it. */
function evaluate(fn: string, f: Fn, P: NestedPoint, dirs: readonly Dir[], read: (y: Num, tags: Trace[]) => unknown): unknown {
  const tags = dirs.map(() => begin(fn));
  try {
    // every input is seeded, with 0 where the direction is 0: an input is not a constant (its value 0 times ±∞ is a computed 0·∞,
    // as in the other modes), only its perturbation along this tag is a structural zero
    const xs = P.x.map((xi, i) => dirs.reduce<Num>((v, d, k) => Jet.seed(v, tags[k]!, d[i]!), xi));
    return read(scalarResult(fn, f(P.arg(xs))), tags);
  } finally {
    for (const t of tags) end(t);
  }
}

const d1 = (y: Num, t: Trace): Num => Jet.part(y, t);
const at0 = (y: Num, t: Trace): Num => Jet.part(y, t, true);

/** The jet forms of the transforms (x an array of scalars, a Tensor or a record of Tensors; results shaped like x). */
export const nested = {
  valueAndGrad(fn: string, f: Fn, x0: unknown): { value: Num; grad: unknown } {
    callable(fn, f);
    const P = point(fn, x0), n = P.x.length;
    let value: Num = 0;
    const grad = P.x.map((_, i) => evaluate(fn, f, P, [oneHot(n, i)], (y, [t]) => { value = at0(y, t!); return d1(y, t!); }) as Num);
    return { value, grad: P.shaped(grad) };
  },
  jvp(fn: string, f: Fn, x0: unknown, v: unknown): { value: Num; tangent: Num } {
    callable(fn, f);
    const P = point(fn, x0);
    return evaluate(fn, f, P, [P.direction('v', v)], (y, [t]) => ({ value: at0(y, t!), tangent: d1(y, t!) })) as never;
  },
  hyperdual(fn: string, f: Fn, x0: unknown, a: unknown, b: unknown): { value: Num; da: Num; db: Num; dab: Num } {
    callable(fn, f);
    const P = point(fn, x0);
    const dirs = [P.direction('a', a), P.direction('b', b)];
    return evaluate(fn, f, P, dirs, (y, [A, B]) => ({
      value: at0(at0(y, A!), B!), da: d1(at0(y, B!), A!), db: d1(at0(y, A!), B!), dab: d1(d1(y, A!), B!),
    })) as never;
  },
  directional(fn: string, f: Fn, x0: unknown, a: unknown): { value: Num; first: Num; second: Num } {
    const r = nested.hyperdual(fn, f, x0, a, a);
    return { value: r.value, first: r.da, second: r.dab };
  },
  /** (H·v)ᵢ = ∂²f/∂v∂xᵢ: one evaluation per i with tags for v and eᵢ. */
  hvp(fn: string, f: Fn, x0: unknown, v0: unknown): unknown {
    callable(fn, f);
    const P = point(fn, x0), n = P.x.length, v = P.direction('v', v0);
    return P.shaped(P.x.map((_, i) => evaluate(fn, f, P, [v, oneHot(n, i)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num));
  },
  hessian(fn: string, f: Fn, x0: unknown): Num[][] {
    callable(fn, f);
    const P = point(fn, x0), n = P.x.length;
    const H: Num[][] = Array.from({ length: n }, () => new Array<Num>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const h = evaluate(fn, f, P, [oneHot(n, i), oneHot(n, j)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num;
        H[i]![j] = h; H[j]![i] = h;
      }
    }
    return H;
  },
  hessianDiagonal(fn: string, f: Fn, x0: unknown): unknown {
    callable(fn, f);
    return point(fn, x0).shaped(diagonal(fn, f, x0));
  },
  laplacian(fn: string, f: Fn, x0: unknown): Num {
    callable(fn, f);
    return diagonal(fn, f, x0).reduce<Num>((s, d) => add(s, d), 0);
  },
  jacobian(fn: string, F: Fn, x0: unknown): Num[][] {
    callable(fn, F);
    const P = point(fn, x0);
    const cols = P.x.map((_, j) => {
      const tag = begin(fn);
      try {
        let ys: unknown = F(P.arg(P.x.map((xi, i) => Jet.seed(xi, tag, i === j ? 1 : 0))));
        if (ys instanceof Tensor) ys = ys.nums(fn);
        if (!Array.isArray(ys)) throw new TypeError(`${fn}: F must return an array of scalars or a Tensor, got ${describe(ys)}`);
        return ys.map((y: Num) => d1(y, tag));
      } finally {
        end(tag);
      }
    });
    const m = cols[0]?.length ?? 0;
    return Array.from({ length: m }, (_, i) => cols.map((c) => c[i]!));
  },
};

/** The Hessian diagonal's entries, ∂²f/∂xᵢ² by one evaluation per i with two tags along eᵢ. */
function diagonal(fn: string, f: Fn, x0: unknown): Num[] {
  const P = point(fn, x0), n = P.x.length;
  return P.x.map((_, i) => evaluate(fn, f, P, [oneHot(n, i), oneHot(n, i)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num);
}

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
import { Value, type Num } from '../numbers/value.js';
import { begin, depth, end, type Trace } from '../trace.js';
import { describe } from '../describe.js';
import { callable } from './check.js';
import { add } from '../ops/scalar.js';

/** Thrown by a transform called inside an ordinary evaluation; the outermost transform restarts nested. */
export class NestedSignal {
  constructor(readonly inner: string) {}
}

let nestedMode = false;
/** set when an inner call signalled: f may have caught the signal, so the outermost checks this too */
let signalled: string | null = null;

/**
 * Runs transform `name`: the ordinary way at top level; the jet way when
 * nested (`nested` absent: nesting this transform is not supported).
 */
export function nest<R>(name: string, plain: () => R, nested?: () => unknown): R {
  if (nestedMode) {
    if (!nested) throw new Error(`${name}: cannot run inside a function another transform is differentiating (not supported nested)`);
    return nested() as R;
  }
  if (depth() > 0) {
    signalled = name;
    throw new NestedSignal(name);
  }
  signalled = null;
  let inner: string;
  try {
    const r = plain();
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
    return toPlain(nested()) as R;
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

type Fn = (x: Num[]) => Num;
type Dir = ArrayLike<number>;

function point(fn: string, x: unknown): Num[] {
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) {
    throw new TypeError(`${fn}: nested inside another transform, x must be an array of scalars (tensors are not supported nested), got ${describe(x)}`);
  }
  return Array.from(x as ArrayLike<Num>, (v, i) => {
    if (typeof v === 'number' || v instanceof Jet) return v;
    throw new TypeError(`${fn}: x[${i}] is ${describe(v)}`);
  });
}

function direction(fn: string, name: string, d: unknown, n: number): Dir {
  if ((!Array.isArray(d) && !ArrayBuffer.isView(d)) || (d as Dir).length !== n) {
    throw new RangeError(`${fn}: ${name} must be an array of length ${n}, got ${describe(d)}`);
  }
  return d as Dir;
}

const oneHot = (n: number, i: number): Float64Array => { const e = new Float64Array(n); e[i] = 1; return e; };

/** Evaluates f at x with each (tag, direction) perturbation seeded; tags are opened and closed around it. */
function evaluate(fn: string, f: Fn, x: Num[], dirs: readonly Dir[], read: (y: Num, tags: Trace[]) => unknown): unknown {
  const tags = dirs.map(() => begin(fn));
  try {
    // every input is seeded, with 0 where the direction is 0: an input is not a constant (its value 0 times ±∞ is a computed 0·∞,
    // as in the other modes), only its perturbation along this tag is a structural zero
    const xs = x.map((xi, i) => dirs.reduce<Num>((v, d, k) => Jet.seed(v, tags[k]!, d[i]!), xi));
    const y: unknown = f(xs);
    if (typeof y !== 'number' && !(y instanceof Jet)) {
      throw new TypeError(`${fn}: f must return a scalar, got ${describe(y)}`);
    }
    return read(y, tags);
  } finally {
    for (const t of tags) end(t);
  }
}

const d1 = (y: Num, t: Trace): Num => Jet.part(y, t);
const at0 = (y: Num, t: Trace): Num => Jet.part(y, t, true);

/** The jet forms of the transforms (arrays of scalars only). */
export const nested = {
  valueAndGrad(fn: string, f: Fn, x0: unknown): { value: Num; grad: Num[] } {
    callable(fn, f);
    const x = point(fn, x0);
    let value: Num = 0;
    const grad = x.map((_, i) => evaluate(fn, f, x, [oneHot(x.length, i)], (y, [t]) => { value = at0(y, t!); return d1(y, t!); }) as Num);
    return { value, grad };
  },
  jvp(fn: string, f: Fn, x0: unknown, v: unknown): { value: Num; tangent: Num } {
    callable(fn, f);
    const x = point(fn, x0);
    return evaluate(fn, f, x, [direction(fn, 'v', v, x.length)], (y, [t]) => ({ value: at0(y, t!), tangent: d1(y, t!) })) as never;
  },
  hyperdual(fn: string, f: Fn, x0: unknown, a: unknown, b: unknown): { value: Num; da: Num; db: Num; dab: Num } {
    callable(fn, f);
    const x = point(fn, x0);
    const dirs = [direction(fn, 'a', a, x.length), direction(fn, 'b', b, x.length)];
    return evaluate(fn, f, x, dirs, (y, [A, B]) => ({
      value: at0(at0(y, A!), B!), da: d1(at0(y, B!), A!), db: d1(at0(y, A!), B!), dab: d1(d1(y, A!), B!),
    })) as never;
  },
  directional(fn: string, f: Fn, x0: unknown, a: unknown): { value: Num; first: Num; second: Num } {
    const r = nested.hyperdual(fn, f, x0, a, a);
    return { value: r.value, first: r.da, second: r.dab };
  },
  /** (H·v)ᵢ = ∂²f/∂v∂xᵢ: one evaluation per i with tags for v and eᵢ. */
  hvp(fn: string, f: Fn, x0: unknown, v0: unknown): Num[] {
    callable(fn, f);
    const x = point(fn, x0), v = direction(fn, 'v', v0, x.length);
    return x.map((_, i) => evaluate(fn, f, x, [v, oneHot(x.length, i)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num);
  },
  hessian(fn: string, f: Fn, x0: unknown): Num[][] {
    callable(fn, f);
    const x = point(fn, x0), n = x.length;
    const H: Num[][] = Array.from({ length: n }, () => new Array<Num>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const h = evaluate(fn, f, x, [oneHot(n, i), oneHot(n, j)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num;
        H[i]![j] = h; H[j]![i] = h;
      }
    }
    return H;
  },
  hessianDiagonal(fn: string, f: Fn, x0: unknown): Num[] {
    callable(fn, f);
    const x = point(fn, x0), n = x.length;
    return x.map((_, i) => evaluate(fn, f, x, [oneHot(n, i), oneHot(n, i)], (y, [A, B]) => d1(d1(y, A!), B!)) as Num);
  },
  laplacian(fn: string, f: Fn, x0: unknown): Num {
    return nested.hessianDiagonal(fn, f, x0).reduce<Num>((s, d) => add(s, d), 0);
  },
  jacobian(fn: string, F: (x: Num[]) => Num[], x0: unknown): Num[][] {
    callable(fn, F);
    const x = point(fn, x0);
    const cols = x.map((_, j) => {
      const tag = begin(fn);
      try {
        const ys: unknown = F(x.map((xi, i) => Jet.seed(xi, tag, i === j ? 1 : 0)));
        if (!Array.isArray(ys)) throw new TypeError(`${fn}: F must return an array of scalars, got ${describe(ys)}`);
        return ys.map((y: Num) => d1(y, tag));
      } finally {
        end(tag);
      }
    });
    const m = cols[0]?.length ?? 0;
    return Array.from({ length: m }, (_, i) => cols.map((c) => c[i]!));
  },
};

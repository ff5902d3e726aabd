/**
 * The cases spec/browser.spec.ts runs twice, in Node and inside a Chromium
 * page, on the same bundle of the package: the README's two examples and a
 * set of derivative cases (grad, hvp, hessian, the three diagonal methods,
 * jvp / directional / hyperdual, the Laplacian, prepare and `.at`, tensors).
 * The library comes in as an argument, so this file imports nothing at run
 * time and bundles as it is; every result is flattened to its numbers.
 */
import type * as Hyperad from '../../lib/index.js';

type H = typeof Hyperad;
type Num = Hyperad.Num;
type Tensor = Hyperad.Tensor;

export interface CaseRun {
  /** per case, every number of its results, in a fixed order */
  results: Record<string, number[]>;
  /** loops swept by generated code in the prepared Rosenbrock chain (0: interpreted only) */
  generatedLoops: number;
}

/** Every number of a result: numbers, arrays, typed arrays, tensors (shape, then data) and records, in order. */
export function flatten(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (v && typeof v === 'object') {
    const o = v as { shape?: readonly number[]; data?: Float64Array };
    if (o.shape && o.data) return [...o.shape, ...Array.from(o.data)];
    return Object.keys(v).sort().flatMap((k) => flatten((v as Record<string, unknown>)[k]));
  }
  throw new TypeError(`flatten: cannot read ${String(v)}`);
}

/**
 * Runs every case under codegen mode `codegen`, restoring the mode after;
 * `readmeMlp: false` leaves out the README's MLP example (about a second: it
 * runs once per place, and never reaches generated code).
 */
export function runCases(h: H, codegen: Hyperad.CodegenMode, opts: { readmeMlp: boolean }): CaseRun {
  const old = h.setCodegen(codegen);
  try {
    return cases(h, opts.readmeMlp);
  } finally {
    h.setCodegen(old);
  }
}

function cases(h: H, readmeMlp: boolean): CaseRun {
  const { add, sub, mul, div, pow, sin, cos, exp, log, tanh, softplus, sqrt, hypot, atan2, sum } = h;
  const results: Record<string, number[]> = {};
  const put = (name: string, v: unknown): void => { results[name] = flatten(v); };
  const vec = (seed: number, n: number): number[] => {
    const r = h.mulberry32(seed);
    return Array.from({ length: n }, () => 2 * r() - 1);
  };

  // ---- the README's first example: the extended Rosenbrock function
  const rosenbrock = (x: Num[]): Num => {
    let s: Num = 0;
    for (let i = 0; i + 1 < x.length; i++)
      s = add(s, add(mul(100, pow(sub(x[i + 1]!, pow(x[i]!, 2)), 2)), pow(sub(1, x[i]!), 2)));
    return s;
  };
  const x = [0.5, -0.3, 1.2];
  put('readme: grad', h.grad(rosenbrock, x));
  put('readme: hvp', h.hvp(rosenbrock, x, [1, 0, 0]));
  put('readme: hessian', h.hessian(rosenbrock, x));
  put('readme: hessianDiagonal', h.hessianDiagonal(rosenbrock, x));
  put("readme: hessianDiagonal({ method: 'hvp' })", h.hessianDiagonal(rosenbrock, x, { method: 'hvp' }));

  // ---- the README's second example: an MLP's parameters, the diagonal Laplace approximation
  if (readmeMlp) {
    const X = h.randn([32, 5], 1), y = Array.from({ length: 32 }, (_, i) => i % 10);
    const loss = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }) =>
      h.crossEntropy(h.linear(h.tanh(h.linear(X, p.W1, p.b1)), p.W2, p.b2), y);
    const params = { W1: h.randn([100, 5], 2), b1: h.randn([100], 3), W2: h.randn([10, 100], 4), b2: h.randn([10], 5) };
    put('readme: MLP hessianDiagonal', h.hessianDiagonal(loss, params));
  }

  // ---- scalar functions: every transform
  const fns: Record<string, { f: (x: Num[]) => Num; n: number }> = {
    'Σ sin(xᵢ)·exp(xᵢ₊₁)': { f: (x) => sum(x.slice(1).map((xi, i) => mul(sin(x[i]!), exp(xi)))), n: 7 },
    'log-sum of softplus and hypot': {
      f: (x) => log(add(1, sum(x.map((xi, i) => add(softplus(mul(xi, i + 1)), hypot(xi, x[(i + 1) % x.length]!)))))), n: 6,
    },
    'tanh network of atan2, div, sqrt': {
      f: (x) => { let s: Num = 0; for (let i = 0; i < x.length; i++) s = add(tanh(add(s, atan2(x[i]!, 2))), div(sqrt(add(2, cos(x[i]!))), 3)); return s; }, n: 5,
    },
  };
  for (const [name, { f, n }] of Object.entries(fns)) {
    const p = vec(n, n), a = vec(n + 10, n), b = vec(n + 20, n);
    put(`${name}: valueAndGrad`, h.valueAndGrad(f, p));
    put(`${name}: hvp`, h.hvp(f, p, a));
    put(`${name}: hessian`, h.hessian(f, p));
    put(`${name}: hessian({ lanes: 2 })`, h.hessian(f, p, { lanes: 2 }));
    for (const method of ['hyperdual', 'hvp', 'sparse'] as const) put(`${name}: hessianDiagonal ${method}`, h.hessianDiagonal(f, p, { method }));
    put(`${name}: jvp`, h.jvp(f, p, a));
    put(`${name}: directional`, h.directional(f, p, a));
    put(`${name}: hyperdual`, h.hyperdual(f, p, a, b));
    put(`${name}: laplacian`, h.laplacian(f, p));
    put(`${name}: gradHyperdual`, h.gradHyperdual(f, p, a, b));
    put(`${name}: nested grad`, h.grad((y) => mul(y[0]!, h.grad((z) => mul(y[0]!, sin(z[0]!)), [y[1]!])[0]!), [p[0]!, p[1]!]));
  }

  // ---- prepare and at: a recording made by a loop, swept many times (generated code where allowed)
  const n = 40, x0 = vec(100, n), x1 = vec(101, n), v = vec(102, n);
  const P = h.prepare(rosenbrock, x0);
  for (let k = 0; k < 3; k++) put(`prepare: grad, sweep ${k + 1}`, P.grad());
  put('prepare: hvp', P.hvp(v));
  put('prepare: hessianDiagonal', P.hessianDiagonal());
  put('prepare: hessianDiagonal hvp', P.hessianDiagonal({ method: 'hvp', lanes: 4 }));
  put('prepare: directional', P.directional(v));
  put('prepare: hessian', P.hessian({ lanes: 3 }));
  const generatedLoops = P.codegen()?.loops ?? 0;
  P.at(x1);
  put('prepare: at(x1) value', P.value);
  put('prepare: at(x1) grad', P.grad());
  put('prepare: at(x1) hvp', P.hvp(v));
  put('prepare: at(x1) hessianDiagonal', P.hessianDiagonal());

  // ---- tensors: matmul, broadcasting, softmax, reductions; a Tensor point and a record
  {
    const A = h.randn([6, 4], 7), t0 = h.randn([4, 3], 8), dir = h.randn([4, 3], 9);
    const f = (W: Tensor): Num => h.logsumexp(h.mul(h.softmax(h.matmul(A, W), 1), h.tanh(h.matmul(A, W))));
    put('tensor: grad', h.grad(f, t0));
    put('tensor: hvp', h.hvp(f, t0, dir));
    put('tensor: hessianDiagonal', h.hessianDiagonal(f, t0));
    put('tensor: hessianDiagonal hvp', h.hessianDiagonal(f, t0, { method: 'hvp' }));
    put('tensor: directional', h.directional(f, t0, dir));
    const net = h.mlp([3, 8, 1], { seed: 11 });
    const X = h.randn([10, 3], 12), Y = h.randn([10, 1], 13);
    const mse = (p: Hyperad.TensorRecord): Num => h.mseLoss(net.apply(p, X), Y);
    put('tensor: mlp valueAndGrad', h.valueAndGrad(mse, net.params));
    put('tensor: mlp hessianDiagonal', h.hessianDiagonal(mse, net.params));
    put('tensor: mlp laplacian', h.laplacian(mse, net.params));
  }
  return { results, generatedLoops };
}

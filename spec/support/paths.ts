/**
 * Every path of the library from f at a point to a derivative, each compared
 * with what the reference readings (value, ∇f, H of one form of f at the same
 * point) say it must be: values equal, vᵀ∇f, H·v, aᵀHb, diag H, tr H, the
 * pattern covering every non-zero of H, third-order identities, nested
 * transforms, the estimators' documented probes, prepared recordings moved
 * to another point and back, and the generated (compiled) sweeps.
 *
 * A form is f written for one kind of point (numbers, a Tensor, a record of
 * Tensors). Some paths run on array forms only: Jacobians of copies, nested
 * transforms, the estimators, generated code, vector recordings and a few
 * prepared methods (jvp, directional, quadraticForms, hvps, laplacian,
 * sparseHessian after a move). Path names are calls; a form other than the
 * one under test is named in brackets after each call.
 */
import {
  DEFAULT_LANES, directional, dot, grad, gradDirectional, gradHyperdual, hessian, hessianDiagonal, hessianDiagonalEstimate, hessianSparsity,
  hessianTraceEstimate, hvp, hyperdual, jacobian, jvp, laplacian, mulberry32, prepare, setCodegen, sparseHessian, valueAndGrad, type Num, type Pattern,
} from '../../lib/index.js';
import { bilinear, dotScaled, matVec, type Collector } from './agreement.js';
import { flatResult, oneHot, rowsFlat, shapedLike, scalarOf, type Point } from './points.js';

/** The random directions of a check (flat). */
export interface Dirs { readonly a: number[]; readonly b: number[]; readonly v: number[]; readonly c: number[] }

/** What one form says at one point: the references every path is compared with. */
export interface Reading {
  value: number;
  grad: Float64Array;
  H: Float64Array[];
  diag: Float64Array;
  dir?: { value: number; first: number; second: number };
  hd?: { value: number; da: number; db: number; dab: number };
  g3?: Float64Array;
  g3d?: Float64Array;
}

/** f written for one kind of point, and how its paths are named. */
export interface Form {
  f: (x: any) => Num;
  /** a point of this form (its values are ignored; it gives the shape) */
  like: Point;
  /** appended to every path name, e.g. ' [tensor API]'; '' for the form under test */
  tag: string;
}

/** The point of a form at flat values. */
export const at = (form: Form, x: ArrayLike<number>): any => shapedLike(form.like, x);
const isArray = (form: Form) => Array.isArray(form.like);
const diagOf = (H: readonly ArrayLike<number>[]) => Float64Array.from(H, (r, i) => r[i]!);
const columns = (H: readonly ArrayLike<number>[]) => H.map((_, j) => Float64Array.from(H, (r) => r[j]!));

/** The dense matrix of a CSR pattern (its values, or 1 on the pattern). */
function denseOf(S: Pattern & { values?: Float64Array }, n: number): Float64Array[] {
  const M = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let e = S.rowPtr[i]!; e < S.rowPtr[i + 1]!; e++) M[i]![S.colIdx[e]!] = S.values ? S.values[e]! : 1;
  return M;
}

/** H with the entries outside the pattern zeroed: equals H exactly when the pattern covers every non-zero. */
function masked(H: readonly Float64Array[], p: Pattern): Float64Array[] {
  const mask = denseOf(p, H.length);
  return H.map((r, i) => r.map((h, j) => (mask[i]![j] ? h : 0)));
}

/** The Rademacher probes of the estimators (lib/transforms/estimators.ts: 32 signs per mulberry32 draw). */
function rademacher(seed: number, n: number, count: number): Float64Array[] {
  const u = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const z = new Float64Array(n);
    for (let i0 = 0; i0 < n; i0 += 32) {
      const bits = Math.floor(u() * 4294967296);
      for (let i = i0; i < Math.min(n, i0 + 32); i++) z[i] = (bits >>> (i - i0)) & 1 ? -1 : 1;
    }
    return z;
  });
}

/** value, ∇f and H of a form at x (and ∇(aᵀHb) when given the directions): the reference readings; missing if a path threw. */
export function readingsOf(ch: Collector, form: Form, x: ArrayLike<number>, name = 'x', d?: Dirs): Reading | undefined {
  const X = at(form, x), T = (s: string) => s + form.tag;
  const vg = ch.run(T(`valueAndGrad(f, ${name})`), () => valueAndGrad(form.f, X));
  const H = ch.run(T(`hessian(f, ${name})`), () => hessian(form.f, X));
  if (!vg || !H) return undefined;
  const g3 = d && ch.run(T(`gradHyperdual(f, ${name}, a, b)`), () => flatResult(gradHyperdual(form.f, X, at(form, d.a), at(form, d.b)).grad));
  return { value: vg.value, grad: flatResult(vg.grad), H, diag: diagOf(H), ...(g3 && { g3 }) };
}

/**
 * Every path of a form at x0, against the readings r (of this form or
 * another). s3 is the scale of third-order results (default 1); nested:
 * also the nested transforms (slow: a tape per evaluation). Returns the
 * form's own first-, second- and third-order results, for the finite
 * differences.
 */
export function everyPath(ch: Collector, form: Form, x0: ArrayLike<number>, d: Dirs, r: Reading, s3 = 1, nested = false): Reading {
  const n = x0.length, f = form.f, X = at(form, x0), T = (s: string) => s + form.tag, numbers = isArray(form);
  const [A, B, V] = [d.a, d.b, d.v].map((u) => at(form, u));
  const { a, b, v } = d, G = r.grad, H = r.H, Hf = rowsFlat(H), diag = r.diag;
  const ga = dotScaled(G, a), gb = dotScaled(G, b), gv = dotScaled(G, v), aHa = bilinear(H, a, a), aHb = bilinear(H, a, b), Hv = matVec(H, v);
  const cmp = (a1: string, b1: string, got: number | ArrayLike<number> | undefined, ref: number | ArrayLike<number> | undefined, scale = 0) =>
    ch.cmp('path', T(a1), b1, got, ref, scale);
  const run = <R>(call: string, g: () => R) => ch.run(T(call), g);

  // values and first order
  const untraced = numbers ? 'f(x) on plain numbers' : 'f(x) on constant tensors';
  cmp(untraced, 'valueAndGrad(f, x).value', run(untraced, () => scalarOf(f(X))), r.value);
  const other = form.tag !== ''; // the readings are another form's: this form's own tape must reproduce them
  if (other) {
    const vg = run('valueAndGrad(f, x)', () => valueAndGrad(f, X));
    cmp('valueAndGrad(f, x).value', 'valueAndGrad(f, x).value', vg?.value, r.value);
    cmp('valueAndGrad(f, x).grad', 'valueAndGrad(f, x).grad', vg && flatResult(vg.grad), G);
  }
  cmp('grad(f, x)', 'valueAndGrad(f, x).grad', run('grad(f, x)', () => flatResult(grad(f, X))), G);
  const jv = run('jvp(f, x, v)', () => jvp(f, X, V));
  const dir = run('directional(f, x, a)', () => directional(f, X, A));
  const hd = run('hyperdual(f, x, a, b)', () => hyperdual(f, X, A, B));
  cmp('jvp(f, x, v).value', 'valueAndGrad(f, x).value', jv?.value, r.value);
  cmp('jvp(f, x, v).tangent', '∇f · v', jv?.tangent, gv.value, gv.scale);
  cmp('directional(f, x, a).value', 'valueAndGrad(f, x).value', dir?.value, r.value);
  cmp('directional(f, x, a).first', '∇f · a', dir?.first, ga.value, ga.scale);
  cmp('hyperdual(f, x, a, b).value', 'valueAndGrad(f, x).value', hd?.value, r.value);
  cmp('hyperdual(f, x, a, b).da', '∇f · a', hd?.da, ga.value, ga.scale);
  cmp('hyperdual(f, x, a, b).db', '∇f · b', hd?.db, gb.value, gb.scale);
  if (numbers) {
    cmp('jacobian((x) => [f(x)], x)[0]', '∇f', run('jacobian((x) => [f(x)], x)', () => jacobian((x) => [f(x)], X)[0]), G);
    // n + 1 copies of the output: more outputs than inputs, so the other Jacobian sweep
    const copies = 'jacobian((x) => [f(x), …n + 1 copies], x)';
    const Jn = run(copies, () => jacobian((x) => { const y = f(x); return Array.from({ length: n + 1 }, () => y); }, X));
    cmp(copies, '∇f (each row)', Jn && rowsFlat(Jn), Jn && rowsFlat(Jn.map(() => G)));
  }

  // second order
  const Hown = other ? run('hessian(f, x)', () => hessian(f, X)) : H;
  if (other) cmp('hessian(f, x)', 'hessian(f, x)', Hown && rowsFlat(Hown), Hf);
  if (Hown) cmp('hessian(f, x) transposed', 'hessian(f, x)', rowsFlat(columns(Hown)), rowsFlat(Hown));
  for (const lanes of [1, 3, n + 2]) {
    cmp(`hessian(f, x, { lanes: ${lanes} })`, 'hessian(f, x)', run(`hessian(f, x, { lanes: ${lanes} })`, () => rowsFlat(hessian(f, X, { lanes }))), Hf);
  }
  // the raw columns H·eⱼ (hessian() averages the two triangles; the raw columns must already agree)
  if (n <= 40) {
    const cols = run('hvp(f, x, eⱼ) for every j', () => Array.from({ length: n }, (_, j) => flatResult(hvp(f, X, at(form, oneHot(n, j))))));
    cmp('hvp(f, x, eⱼ) (raw Hessian columns)', 'hessian(f, x) columns', cols && rowsFlat(cols), rowsFlat(columns(H)));
  }
  const hv = run('hvp(f, x, v)', () => flatResult(hvp(f, X, V)));
  cmp('hvp(f, x, v)', 'H · v', hv, Hv.value, Hv.scale);
  if (!numbers) cmp('hvp(f, x, v as a flat array)', 'H · v', run('hvp(f, x, flat v)', () => flatResult(hvp(f, X, v))), Hv.value, Hv.scale);
  cmp('directional(f, x, a).second', 'aᵀHa', dir?.second, aHa.value, aHa.scale);
  cmp('hyperdual(f, x, a, b).dab', 'aᵀHb', hd?.dab, aHb.value, aHb.scale);
  cmp('hyperdual(f, x, b, a).dab', 'aᵀHb', run('hyperdual(f, x, b, a)', () => hyperdual(f, X, B, A).dab), aHb.value, aHb.scale);
  const diagCalls: [string, object | undefined][] = [['', undefined], [`{ lanes: ${DEFAULT_LANES} }`, { lanes: DEFAULT_LANES }]];
  for (const method of ['auto', 'sparse', 'structured', 'hyperdual', 'hvp'] as const) diagCalls.push([`{ method: '${method}' }`, { method }]);
  for (const method of ['hyperdual', 'hvp'] as const) for (const lanes of [1, 3]) diagCalls.push([`{ method: '${method}', lanes: ${lanes} }`, { method, lanes }]);
  for (const [o, opts] of diagCalls) {
    const call = `hessianDiagonal(f, x${o ? `, ${o}` : ''})`;
    cmp(call, 'diag H', run(call, () => flatResult(hessianDiagonal(f, X, opts))), diag);
  }

  // sparsity: the pattern covers every non-zero; the sparse Hessian equals H on it
  const pat = run('hessianSparsity(f, x)', () => hessianSparsity(f, X));
  cmp('H outside hessianSparsity(f, x)', 'H', pat && rowsFlat(masked(H, pat)), Hf);
  const sl = numbers ? 2 : 3, sc = `sparseHessian(f, x, { lanes: ${sl} })`, S = run(sc, () => sparseHessian(f, X, { lanes: sl }));
  cmp(sc, 'H on its pattern', S && rowsFlat(denseOf(S, n)), S && rowsFlat(masked(H, S)));
  cmp(`H outside the ${sc} pattern`, 'H', S && rowsFlat(masked(H, S)), Hf);

  // the Laplacian: tr H, summed in one forward pass (colour groups, dense lanes) and its terms
  const tr = dotScaled(diag, diag.map(() => 1));
  cmp('laplacian(f, x)', 'tr H', run('laplacian(f, x)', () => laplacian(f, X)), tr.value, tr.scale);
  cmp("laplacian(f, x, { method: 'dense', lanes: 2 })", 'tr H', run("laplacian(f, x, { method: 'dense', lanes: 2 })", () => laplacian(f, X, { method: 'dense', lanes: 2 })), tr.value, tr.scale);
  cmp('laplacian(f, x, { terms: true }).terms', 'diag H', run('laplacian(f, x, { terms: true })', () => flatResult(laplacian(f, X, { terms: true }).terms)), diag);

  // third order: ∇ₓ(aᵀHb) by the reverse of a hyper-dual sweep; its value is aᵀHb; symmetric in a, b; the directional form agrees
  const g3 = run('gradHyperdual(f, x, a, b)', () => gradHyperdual(f, X, A, B));
  const g3ba = run('gradHyperdual(f, x, b, a)', () => gradHyperdual(f, X, B, A));
  const g3d = run('gradDirectional(f, x, a)', () => gradDirectional(f, X, A));
  const g3aa = run('gradHyperdual(f, x, a, a)', () => gradHyperdual(f, X, A, A));
  const own3 = g3 && flatResult(g3.grad), own3d = g3d && flatResult(g3d.grad);
  cmp('gradHyperdual(f, x, a, b).value', 'aᵀHb', g3?.value, aHb.value, aHb.scale);
  cmp('gradHyperdual(f, x, b, a).grad', 'gradHyperdual(f, x, a, b).grad', g3ba && flatResult(g3ba.grad), own3, s3);
  cmp('gradDirectional(f, x, a).value', 'aᵀHa', g3d?.value, aHa.value, aHa.scale);
  cmp('gradDirectional(f, x, a).grad', 'gradHyperdual(f, x, a, a).grad', own3d, g3aa && flatResult(g3aa.grad), s3);
  if (r.g3) cmp('gradHyperdual(f, x, a, b).grad', 'gradHyperdual(f, x, a, b).grad of the reference form', own3, r.g3, s3);
  if (r.g3d) cmp('gradDirectional(f, x, a).grad', 'gradDirectional(f, x, a).grad of the reference form', own3d, r.g3d, s3);

  if (numbers) estimatorPaths(ch, form, x0, r);
  if (numbers && nested) nestedPaths(ch, form, x0, d, r, { ...(hv && { hv }), ...(own3 && { g3: own3 }), ...(own3d && { g3d: own3d }) }, s3);
  return { ...r, ...(dir && { dir }), ...(hd && { hd }), ...(own3 && { g3: own3 }), ...(own3d && { g3d: own3d }) };
}

/** Nested transforms (jets), on an array form: a transform inside another differentiates the inner one's result. */
function nestedPaths(ch: Collector, form: Form, x0: ArrayLike<number>, d: Dirs, r: Reading,
  own: { hv?: Float64Array; g3?: Float64Array; g3d?: Float64Array }, s3: number): void {
  const f = form.f as (x: Num[]) => Num, X = Array.from(x0), { a, b, v } = d, aHb = bilinear(r.H, a, b), T = (s: string) => s + form.tag;
  const cmp = (a1: string, b1: string, got: number | ArrayLike<number> | undefined, ref: number | ArrayLike<number> | undefined, scale = 0) =>
    ch.cmp('path', T(a1), b1, got, ref, scale);
  const run = <R>(call: string, g: () => R) => ch.run(T(call), g);
  cmp('grad((x) => jvp(f, x, v).tangent, x)', 'hvp(f, x, v)', run('grad((x) => jvp(f, x, v).tangent, x)', () => grad((x) => jvp(f, x, v).tangent as Num, X)), own.hv);
  cmp('grad((x) => hyperdual(f, x, a, b).dab, x)', 'gradHyperdual(f, x, a, b).grad',
    run('grad((x) => hyperdual(f, x, a, b).dab, x)', () => grad((x) => hyperdual(f, x, a, b).dab as Num, X)), own.g3, s3);
  const nd = run('directional((x) => dot(grad(f, x), b), x, a)', () => directional((x) => dot(grad(f, x) as unknown as Num[], b), X, a));
  cmp('directional((x) => dot(grad(f, x), b), x, a).first', 'aᵀHb', nd?.first, aHb.value, aHb.scale);
  const t3 = own.g3d && dotScaled(own.g3d, b);
  cmp('directional((x) => dot(grad(f, x), b), x, a).second', 'gradDirectional(f, x, a).grad · b', nd?.second, t3?.value, Math.max(t3?.scale ?? 0, s3));
}

/** The estimators on an array form, against their documented probes applied to the exact Hessian. */
function estimatorPaths(ch: Collector, form: Form, x0: ArrayLike<number>, r: Reading): void {
  const f = form.f as (x: Num[]) => Num, X = Array.from(x0), n = X.length, H = r.H, T = (s: string) => s + form.tag;
  const m = 3, zs = rademacher(7, n, m), quad = zs.map((z) => bilinear(H, z, z));
  const exact = quad.reduce((s, q) => s + q.value, 0) / m, scale = Math.max(...quad.map((q) => q.scale));
  for (const o of ['', ", path: 'hvp'"]) {
    const call = T(`hessianTraceEstimate(f, x, { samples: 3, seed: 7${o} })`);
    ch.cmp('path', `${call}.estimate`, 'mean zᵀHz over its probes', ch.run(call, () => hessianTraceEstimate(f, X, { samples: m, seed: 7, ...(o && { path: 'hvp' as const }) }).estimate), exact, scale);
  }
  const de = T('hessianDiagonalEstimate(f, x, { samples: 3, seed: 7 })');
  const zHz = zs.map((z) => { const hz = matVec(H, z).value; return Array.from(z, (zi, i) => zi * hz[i]! / m); });
  ch.cmp('path', `${de}.estimate`, 'mean z ⊙ Hz over its probes', ch.run(de, () => flatResult(hessianDiagonalEstimate(f, X, { samples: m, seed: 7 }).estimate)),
    zHz.reduce((s, t) => s.map((u, i) => u + t[i]!), new Array<number>(n).fill(0)), Math.max(...zs.map((z) => matVec(H, z).scale)));
}

/**
 * A prepared recording of the form at x0, against the readings there; then
 * moved to x1 (against the readings r1 of a fresh recording there) and back
 * to x0; a move must not record f again unless f reads primals itself.
 */
export function replayPaths(ch: Collector, form: Form, x0: ArrayLike<number>, x1: ArrayLike<number> | undefined, d: Dirs,
  r0: Reading, r1: Reading | undefined, s3 = 1, readsPrimals = false): void {
  const f = form.f, numbers = isArray(form), { a, b, v } = d, [A, B, V] = [a, b, v].map((u) => at(form, u)), T = (s: string) => s + form.tag;
  const H = r0.H, aHa = bilinear(H, a, a), aHb = bilinear(H, a, b), gv = dotScaled(r0.grad, v);
  const P = ch.run(T('prepare(f, x)'), () => prepare(f, at(form, x0)));
  if (!P) return;
  const cmp = (a1: string, b1: string, got: number | ArrayLike<number> | undefined, ref: number | ArrayLike<number> | undefined, scale = 0) =>
    ch.cmp('path', T(a1), b1, got, ref, scale);
  cmp('prepare(f, x).value', 'valueAndGrad(f, x).value', P.value as number, r0.value);
  cmp('prepare(f, x).grad()', 'valueAndGrad(f, x).grad', ch.run(T('prepare(f, x).grad()'), () => flatResult(P.grad())), r0.grad);
  cmp('prepare(f, x).hyperdual(a, b).dab', 'aᵀHb', ch.run(T('prepare(f, x).hyperdual(a, b)'), () => P.hyperdual(A, B).dab), aHb.value, aHb.scale);
  if (numbers) {
    cmp('prepare(f, x).jvp(v).tangent', '∇f · v', ch.run(T('prepare(f, x).jvp(v)'), () => P.jvp(v).tangent), gv.value, gv.scale);
    cmp('prepare(f, x).directional(a).second', 'aᵀHa', ch.run(T('prepare(f, x).directional(a)'), () => P.directional(a).second), aHa.value, aHa.scale);
    const q = ch.run(T('prepare(f, x).quadraticForms([a, b, v])'), () => P.quadraticForms([a, b, v].map((u) => Float64Array.from(u))));
    const qRef = [a, b, v].map((u) => bilinear(H, u, u));
    cmp('prepare(f, x).quadraticForms([a, b, v])', '[aᵀHa, bᵀHb, vᵀHv]', q, qRef.map((r) => r.value), Math.max(...qRef.map((r) => r.scale)));
    const hvs = ch.run(T('prepare(f, x).hvps([v, a])'), () => P.hvps([v, a].map((u) => Float64Array.from(u))));
    const Hv = matVec(H, v), Ha = matVec(H, a);
    cmp('prepare(f, x).hvps([v, a])', '[H·v, H·a]', hvs && rowsFlat(hvs), [...Hv.value, ...Ha.value], Math.max(Hv.scale, Ha.scale));
  }
  for (const [y, r, name] of [[x1, r1, 'x1'], [x0, r0, 'x0']] as const) {
    if (!y || !r) continue;
    const call = T(`prepare(f, x).at(${name})`), before = P.rerecords;
    if (!ch.run(call, () => P.at(at(form, y)))) continue;
    const src = name === 'x0' ? 'the readings at x0 before moving' : 'a fresh recording at x1';
    const rep = (m: string, what: string, got: () => number | ArrayLike<number>, ref: number | ArrayLike<number> | undefined, scale = 0) =>
      ch.cmp('replay', `${call}.${m}`, `${src}: ${what}`, ch.run(`${call}.${m}`, got), ref, scale);
    const rb = bilinear(r.H, a, b), tr = dotScaled(r.diag, r.diag.map(() => 1));
    rep('value', 'value', () => P.value as number, r.value);
    rep('grad()', 'grad', () => flatResult(P.grad()), r.grad);
    rep('hessian()', 'hessian', () => rowsFlat(P.hessian()), rowsFlat(r.H));
    rep('hvp(v)', 'H·v', () => flatResult(P.hvp(V)), matVec(r.H, v).value, matVec(r.H, v).scale);
    rep('hessianDiagonal()', 'diag H', () => flatResult(P.hessianDiagonal()), r.diag);
    rep("hessianDiagonal({ method: 'structured' })", 'diag H', () => flatResult(P.hessianDiagonal({ method: 'structured' })), r.diag);
    rep('hyperdual(a, b).dab', 'aᵀHb', () => P.hyperdual(A, B).dab, rb.value, rb.scale);
    rep('gradHyperdual(a, b).grad', 'gradHyperdual(a, b).grad', () => flatResult(P.gradHyperdual(A, B).grad), r.g3, s3);
    if (numbers) {
      const ra = bilinear(r.H, a, a);
      rep('directional(a).second', 'aᵀHa', () => P.directional(a).second, ra.value, ra.scale);
      rep('laplacian().laplacian', 'tr H', () => P.laplacian().laplacian, tr.value, tr.scale);
      const S = ch.run(`${call}.sparseHessian()`, () => P.sparseHessian());
      ch.cmp('replay', `${call}.sparseHessian()`, `${src}: H on the pattern`, S && rowsFlat(denseOf(S, y.length)), S && rowsFlat(masked(r.H, S)));
      ch.cmp('replay', `H at ${name} outside the ${call}.sparseHessian() pattern`, `${src}: H`, S && rowsFlat(masked(r.H, S)), rowsFlat(r.H));
    }
    if (!readsPrimals && P.rerecords !== before) ch.fail('replay', `${call}`, 'no new recording', ` re-recorded f (rerecords ${P.rerecords}): a library op read a primal`);
  }
  if (numbers && x1 && r1) {
    // a vector-valued recording moved the same way
    const call = 'prepare((x) => [f(x), f(x)], x, { vector: true })';
    const PV = ch.run(call, () => prepare((x: Num[]) => { const y = f(x); return [y, y]; }, Array.from(x0), { vector: true }));
    if (PV && ch.run(`${call}.at(x1)`, () => PV.at(Array.from(x1)))) {
      ch.cmp('replay', `${call}.at(x1).jacobian()`, 'a fresh recording at x1: [grad, grad]', ch.run(`${call}.at(x1).jacobian()`, () => rowsFlat(PV.jacobian())), rowsFlat([r1.grad, r1.grad]));
    }
  }
}

/**
 * The sweeps of a recording run by generated code (lib/tape/codegen.ts) under
 * setCodegen('always'), where every loop of three repetitions or more is
 * compiled: one lane and K lanes, forward and reverse, before and after a
 * move, against the same readings as the interpreted sweeps (array forms).
 */
export function generatedPaths(ch: Collector, form: Form, x0: ArrayLike<number>, x1: ArrayLike<number> | undefined, d: Dirs, r0: Reading, r1: Reading | undefined): void {
  const f = form.f as (x: Num[]) => Num, { a, v } = d, H = r0.H, Hv = matVec(H, v), aHa = bilinear(H, a, a), old = setCodegen('always');
  try {
    const P = ch.run("prepare(f, x) under setCodegen('always')", () => prepare(f, Array.from(x0)));
    if (!P) return;
    const call = (m: string) => `prepare(f, x).${m} under setCodegen('always')`;
    ch.cmp('path', call('grad()'), 'valueAndGrad(f, x).grad', ch.run(call('grad()'), () => P.grad()), r0.grad);
    ch.cmp('path', call('hvp(v)'), 'H · v', ch.run(call('hvp(v)'), () => P.hvp(v)), Hv.value, Hv.scale);
    ch.cmp('path', call('directional(a).second'), 'aᵀHa', ch.run(call('directional(a)'), () => P.directional(a).second), aHa.value, aHa.scale);
    for (const lanes of [1, 3, DEFAULT_LANES]) {
      ch.cmp('path', call(`hessian({ lanes: ${lanes} })`), 'hessian(f, x)', ch.run(call(`hessian({ lanes: ${lanes} })`), () => rowsFlat(P.hessian({ lanes }))), rowsFlat(H));
      for (const method of ['hyperdual', 'hvp'] as const) {
        const m = `hessianDiagonal({ method: '${method}', lanes: ${lanes} })`;
        ch.cmp('path', call(m), 'diag H', ch.run(call(m), () => P.hessianDiagonal({ method, lanes })), r0.diag);
      }
    }
    if (x1 && r1 && ch.run(call('at(x1)'), () => P.at(Array.from(x1)))) {
      ch.cmp('replay', call('at(x1).grad()'), 'a fresh recording at x1', ch.run(call('at(x1).grad()'), () => P.grad()), r1.grad);
      const m = "at(x1).hessianDiagonal({ method: 'hyperdual', lanes: 3 })";
      ch.cmp('replay', call(m), 'a fresh recording at x1', ch.run(call(m), () => P.hessianDiagonal({ method: 'hyperdual', lanes: 3 })), r1.diag);
      ch.cmp('replay', call('at(x1).hessian({ lanes: 1 })'), 'a fresh recording at x1', ch.run(call('at(x1).hessian({ lanes: 1 })'), () => rowsFlat(P.hessian({ lanes: 1 }))), rowsFlat(r1.H));
    }
  } finally {
    setCodegen(old);
  }
}

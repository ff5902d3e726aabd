/**
 * One function evaluated in every mode the library has: plain numbers,
 * hand-made Dual / Taylor2 / HyperDual numbers, the forward transforms, and
 * the tape (gradient, hvp, Hessian, both diagonal methods). The convention
 * specs read the same derivative out of each and demand they all agree.
 */
import {
  Dual, HyperDual, Taylor2, directional, hessian, hessianDiagonal, hvp, hyperdual, jvp, valueAndGrad, type Num,
} from '../../lib/index.js';

/** What one mode says about f at a point: the value and whichever derivatives it computes. */
export interface Reading {
  mode: string;
  value: number;
  /** f′ (unary) */
  d1?: number;
  /** f″ (unary) */
  d2?: number;
}

/** A value's primal and coefficients, or the constant it is. */
const coeffs = (y: Num): Record<string, number> => (typeof y === 'number' ? { v: y } : (y as unknown as Record<string, number>));

/**
 * f′ and f″ of a one-variable f at x in every mode. The tape modes are
 * skipped when x is not finite (transforms refuse non-finite points).
 */
export function unaryModes(f: (x: Num) => Num, x: number): Reading[] {
  const r: Reading[] = [{ mode: 'number', value: f(x) as number }];
  const d = coeffs(f(new Dual(x, 1)));
  r.push({ mode: 'Dual', value: d.v!, d1: d.d ?? 0 });
  const t = coeffs(f(new Taylor2(x, 1, 0)));
  r.push({ mode: 'Taylor2', value: t.v!, d1: t.d1 ?? 0, d2: t.d2 ?? 0 });
  const h = coeffs(f(new HyperDual(x, 1, 1, 0)));
  r.push({ mode: 'HyperDual (ε₁)', value: h.v!, d1: h.d1 ?? 0, d2: h.d12 ?? 0 });
  r.push({ mode: 'HyperDual (ε₂)', value: h.v!, d1: h.d2 ?? 0 });
  if (!Number.isFinite(x)) return r;
  const g = (xs: Num[]) => f(xs[0]!);
  const jv = jvp(g, [x], [1]), dir = directional(g, [x], [1]), hd = hyperdual(g, [x], [1], [1]);
  r.push({ mode: 'jvp', value: jv.value, d1: jv.tangent });
  r.push({ mode: 'directional', value: dir.value, d1: dir.first, d2: dir.second });
  r.push({ mode: 'hyperdual', value: hd.value, d1: hd.da, d2: hd.dab });
  const vg = valueAndGrad(g, [x]);
  r.push({ mode: 'tape gradient', value: vg.value, d1: vg.grad[0]! });
  r.push({ mode: 'tape hvp', value: vg.value, d2: hvp(g, [x], [1])[0]! });
  r.push({ mode: 'tape hessian', value: vg.value, d2: hessian(g, [x])[0]![0]! });
  r.push({ mode: "tape hessianDiagonal('hyperdual')", value: vg.value, d2: hessianDiagonal(g, [x], { method: 'hyperdual' })[0]! });
  r.push({ mode: "tape hessianDiagonal('hvp')", value: vg.value, d2: hessianDiagonal(g, [x], { method: 'hvp' })[0]! });
  return r;
}

/** What one mode says about f(a, b): the value and whichever partials it computes. */
export interface Reading2 {
  mode: string;
  value: number;
  fa?: number;
  fb?: number;
  faa?: number;
  fab?: number;
  fbb?: number;
}

/** Partials of a two-argument f at (a, b) to second order, in every mode. */
export function binaryModes(f: (a: Num, b: Num) => Num, a: number, b: number): Reading2[] {
  const r: Reading2[] = [{ mode: 'number', value: f(a, b) as number }];
  const da = coeffs(f(new Dual(a, 1), new Dual(b, 0))), db = coeffs(f(new Dual(a, 0), new Dual(b, 1)));
  r.push({ mode: 'Dual', value: da.v!, fa: da.d ?? 0, fb: db.d ?? 0 });
  const ta = coeffs(f(new Taylor2(a, 1, 0), new Taylor2(b, 0, 0))), tb = coeffs(f(new Taylor2(a, 0, 0), new Taylor2(b, 1, 0)));
  r.push({ mode: 'Taylor2', value: ta.v!, fa: ta.d1 ?? 0, fb: tb.d1 ?? 0, faa: ta.d2 ?? 0, fbb: tb.d2 ?? 0 });
  const h = coeffs(f(new HyperDual(a, 1, 0, 0), new HyperDual(b, 0, 1, 0)));
  r.push({ mode: 'HyperDual', value: h.v!, fa: h.d1 ?? 0, fb: h.d2 ?? 0, fab: h.d12 ?? 0 });
  if (!Number.isFinite(a) || !Number.isFinite(b)) return r;
  const g = (xs: Num[]) => f(xs[0]!, xs[1]!), x = [a, b];
  const ja = jvp(g, x, [1, 0]), jb = jvp(g, x, [0, 1]);
  r.push({ mode: 'jvp', value: ja.value, fa: ja.tangent, fb: jb.tangent });
  const hd = hyperdual(g, x, [1, 0], [0, 1]);
  r.push({ mode: 'hyperdual', value: hd.value, fa: hd.da, fb: hd.db, fab: hd.dab });
  const vg = valueAndGrad(g, x);
  r.push({ mode: 'tape gradient', value: vg.value, fa: vg.grad[0]!, fb: vg.grad[1]! });
  const H = hessian(g, x), ha = hvp(g, x, [1, 0]), hb = hvp(g, x, [0, 1]);
  r.push({ mode: 'tape hessian', value: vg.value, faa: H[0]![0]!, fab: H[0]![1]!, fbb: H[1]![1]! });
  r.push({ mode: 'tape hvp', value: vg.value, faa: ha[0]!, fab: ha[1]!, fbb: hb[1]! });
  for (const method of ['hyperdual', 'hvp'] as const) {
    const dg = hessianDiagonal(g, x, { method });
    r.push({ mode: `tape hessianDiagonal('${method}')`, value: vg.value, faa: dg[0]!, fbb: dg[1]! });
  }
  return r;
}

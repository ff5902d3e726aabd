/**
 * Op cases for the tensor specs: an op y = op(x) with a reference written
 * with scalar ops on x flattened, composed with a fixed head
 *   h(y) = Σ W ⊙ sin(y) + ½ (Σ V ⊙ y)²
 * (W, V seeded), so that f = h ∘ op has a dense Hessian in which the op's
 * first and second derivatives both appear. `checkOp` checks the op's value
 * and shape on constants, then every derivative of h ∘ op with
 * checkDerivatives (every transform against each other, the scalar
 * form and finite differences).
 */
import { expect } from 'chai';
import { Tensor, add, mul, pow, sin, sum, tensor, type Num } from '../../lib/index.js';
import { normErr } from './agreement.js';
import { checkDerivatives } from './check.js';
import { flat, uniformArray, type TensorPoint } from './points.js';

export interface OpCase {
  name: string;
  x: TensorPoint;
  /** the op under test (a tensor, or a scalar) */
  op: (x: never) => Num;
  /** the same op with scalar ops on x flattened (a record in key order), flattened row-major */
  ref: (xs: Num[]) => readonly Num[];
  /** the op's result shape */
  shape: readonly number[];
  fdStep?: number;
}

const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const addAll = (xs: readonly Num[]): Num => xs.reduce<Num>((s, x, i) => (i === 0 ? x : add(s, x)), 0);

/** A seed per name (FNV-1a), so a case's head and directions do not depend on which cases run. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** h(y) = Σ W ⊙ sin(y) + ½(Σ V ⊙ y)², in tensor and scalar form. */
export function head(shape: readonly number[], seed: number) {
  const n = sizeOf(shape), W = uniformArray(seed, n), V = uniformArray(seed + 7, n);
  const Wt = tensor(W, shape), Vt = tensor(V, shape);
  return {
    t: (y: Tensor): Num => add(sum(mul(Wt, sin(y))), mul(0.5, pow(sum(mul(Vt, y)), 2))),
    s: (ys: readonly Num[]): Num => {
      expect(ys.length, 'scalar reference size').to.equal(n);
      return add(addAll(ys.map((y, i) => mul(W[i]!, sin(y)))), mul(0.5, pow(addAll(ys.map((y, i) => mul(V[i]!, y))), 2)));
    },
  };
}

/** How a spec checks its cases: the tolerance on values, the default finite-difference step, and checks of its own after the common ones. */
export interface OpCheck {
  valueTol: number;
  fdStep: number;
  /** more checks on f = h ∘ op and its scalar form s */
  more?: (c: OpCase, f: (x: TensorPoint) => Num, s: (xs: Num[]) => Num, seed: number) => void;
}

/** The op's value and shape on constants, then every derivative of h ∘ op. */
export function checkOp(c: OpCase, how: OpCheck): void {
  const op = c.op as (x: TensorPoint) => Num, seed = seedOf(c.name);
  const asTensor = (y: Num): Tensor => (y instanceof Tensor ? y : tensor(typeof y === 'number' ? y : NaN));
  const y0 = asTensor(op(c.x));
  expect(y0.shape, `${c.name}: result shape`).to.deep.equal([...c.shape]);
  const ref0 = c.ref(Array.from(flat(c.x))) as number[];
  expect(normErr(y0.data, ref0), `${c.name}: values against the scalar form`).to.be.at.most(how.valueTol);
  const h = head(c.shape, seed);
  const f = (x: TensorPoint): Num => { const y = op(x); return h.t(y instanceof Tensor ? y : tensor(y as number)); };
  const s = (xs: Num[]) => h.s(c.ref(xs));
  checkDerivatives(f, c.x, { label: c.name, reference: s, fdStep: c.fdStep ?? how.fdStep, seed });
  how.more?.(c, f, s, seed);
}

/** A describe block with one spec per case. */
export function opCases(title: string, list: readonly OpCase[], how: OpCheck): void {
  describe(title, () => { for (const c of list) it(c.name, () => checkOp(c, how)); });
}

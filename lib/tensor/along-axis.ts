/** Running sums and products along one axis: cumsum (one Linear block) and prod (a tree of elementwise products). */
import { mul } from '../ops/scalar.js';
import { applyLinear } from './linear.js';
import { concat, full, reshape, slice, tensorArg, transpose } from './ops.js';
import { axisOf, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * Running sums along `axis`: yᵢ = Σ_{j ≤ i} xⱼ (all entries, flattened
 * row-major, when `axis` is absent, as NumPy). Linear: one block whose
 * entries are the pairs j ≤ i of each line.
 */
export function cumsum(x: Tensor, axis?: number): Tensor {
  tensorArg('cumsum', 'x', x);
  const s = axis === undefined ? [x.size] : x.shape, a = axis === undefined ? 0 : axisOf('cumsum', axis, s.length);
  const outer = sizeOf(s.slice(0, a)), L = s[a]!, inner = sizeOf(s.slice(a + 1));
  const m = outer * inner * ((L * (L + 1)) / 2), from = new Int32Array(m), to = new Int32Array(m);
  let e = 0;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) for (let l = 0; l < L; l++) {
    for (let j = 0; j <= l; j++) { to[e] = (o * L + l) * inner + i; from[e++] = (o * L + j) * inner + i; }
  }
  return applyLinear('cumsum', [x], { from, to }, s);
}

/**
 * The product Πᵢ xᵢ of the entries along `axis` (all entries when absent;
 * 1 for none): a balanced tree of elementwise products of halves, so every
 * derivative of every order is the product rule's (∂/∂xᵢ Π = Π_{j≠i} xⱼ),
 * exact where entries are 0 (never a division by xᵢ).
 */
export function prod(x: Tensor, axis?: number): Tensor {
  tensorArg('prod', 'x', x);
  const r = x.shape.length, axes = axis === undefined ? [...Array(r).keys()] : [axisOf('prod', axis, r)];
  const keep = [...Array(r).keys()].filter((d) => !axes.includes(d)), perm = [...keep, ...axes];
  const shape = keep.map((d) => x.shape[d]!), lines = sizeOf(shape);
  let len = sizeOf(axes.map((d) => x.shape[d]!));
  if (len === 0) return full(shape, 1);
  let y = reshape(perm.every((d, i) => d === i) ? x : transpose(x, perm), [lines, len]);
  while (len > 1) {
    const h = Math.floor(len / 2);
    let p = mul(slice(y, [null, [0, h]]), slice(y, [null, [h, 2 * h]])) as Tensor;
    if (len % 2) p = concat([p, slice(y, [null, [2 * h, len]])], 1);
    y = p;
    len -= h;
  }
  return reshape(y, shape);
}

/**
 * Greedy colourings of a symmetric sparsity pattern (its graph: inputs are
 * vertices, an off-diagonal non-zero is an edge).
 *
 * - For the diagonal, a distance-1 colouring suffices: with s_c the indicator
 *   of colour c, (H·s_c)_i = H_ii + Σ_{j∈c, j≠i} H_ij = H_ii, because no
 *   neighbour of i shares its colour.
 * - For the whole Hessian with direct recovery, a distance-2 colouring (a
 *   star colouring: no two vertices at distance ≤ 2 share a colour) gives
 *   H_ij = (H·s_{c(j)})_i for every non-zero: any other k of j's colour would
 *   be at distance 2 from j through i.
 * Greedy in the natural order is optimal on bands, chains and blocks; the
 * largest-first order is tried too and the smaller colouring kept.
 */
import type { Pattern } from './pattern.js';

/** A colouring: colour of each vertex, and the number of colours. */
export interface Colouring {
  readonly colours: Int32Array;
  readonly count: number;
}

function greedy(p: Pattern, order: Int32Array, distance: 1 | 2): Colouring {
  const { n, rowPtr, colIdx } = p, colours = new Int32Array(n).fill(-1);
  const mark = new Int32Array(n + 1).fill(-1);
  let count = 0;
  for (let o = 0; o < n; o++) {
    const v = order[o]!;
    for (let e = rowPtr[v]!; e < rowPtr[v + 1]!; e++) {
      const w = colIdx[e]!;
      if (w === v) continue;
      if (colours[w]! >= 0) mark[colours[w]!] = v;
      if (distance === 2) {
        for (let f = rowPtr[w]!; f < rowPtr[w + 1]!; f++) {
          const x = colIdx[f]!;
          if (x !== v && colours[x]! >= 0) mark[colours[x]!] = v;
        }
      }
    }
    let c = 0;
    while (mark[c] === v) c++;
    colours[v] = c;
    if (c + 1 > count) count = c + 1;
  }
  return { colours, count };
}

/** The better of natural-order and largest-first greedy colourings at the given distance. */
export function colour(p: Pattern, distance: 1 | 2): Colouring {
  const { n, rowPtr } = p, natural = new Int32Array(n), largest = new Int32Array(n);
  for (let i = 0; i < n; i++) natural[i] = i;
  // largest degree first, ties in natural order: a counting sort by degree (descending)
  const start = new Int32Array(n + 2);
  for (let v = 0; v < n; v++) start[n - (rowPtr[v + 1]! - rowPtr[v]!) + 1]++;
  for (let d = 0; d <= n; d++) start[d + 1]! += start[d]!;
  for (let v = 0; v < n; v++) largest[start[n - (rowPtr[v + 1]! - rowPtr[v]!)]!++] = v;
  const a = greedy(p, natural, distance), b = greedy(p, largest, distance);
  return b.count < a.count ? b : a;
}

/**
 * Decoding compressed Hessian-vector products. A colour c's seed is
 * s_c = Σ_{j of colour c} eⱼ, one lane of a forward-over-reverse sweep
 * (compressedHvps, lib/tape/derivatives.ts); H·s_c sums the columns of its
 * inputs, and a colouring makes each wanted entry the only one of its sum:
 *   distance-1: no neighbour of j shares j's colour, so (H·s_c)_j = H_jj;
 *   distance-2: no other input of j's colour neighbours i, so (H·s_c)_i = H_ij.
 * The lanes hold the product at slot i + 1 (the inputs' slots), lane k:
 * AT[(i + 1)·L + k] for colour c0 + k of the sweep's L.
 */
import { compressedHvps, type Workspace } from '../tape/derivatives.js';
import type { Colouring } from '../sparsity/colouring.js';
import type { Pattern } from '../sparsity/pattern.js';

/** The Hessian diagonal from one compressed HVP per colour of a distance-1 colouring, `lanes` colours per sweep. */
export function sparseDiagonal(w: Workspace, out: number, c: Colouring, lanes: number): Float64Array {
  const n = w.tape.nIn, d = new Float64Array(n);
  compressedHvps(w, out, c.colours, c.count, lanes, (c0, L, AT) => {
    for (let j = 0; j < n; j++) {
      const k = c.colours[j]! - c0;
      if (k >= 0 && k < L) d[j] = AT[(j + 1) * L + k]!;
    }
  });
  return d;
}

/** The Hessian's entries over pattern p (CSR order) from one compressed HVP per colour of a distance-2 colouring. */
export function sparseEntries(w: Workspace, out: number, p: Pattern, c: Colouring, lanes: number): Float64Array {
  const values = new Float64Array(p.colIdx.length), { rowPtr, colIdx, n } = p;
  compressedHvps(w, out, c.colours, c.count, lanes, (c0, L, AT) => {
    for (let i = 0; i < n; i++) {
      for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) {
        const k = c.colours[colIdx[e]!]! - c0;
        if (k >= 0 && k < L) values[e] = AT[(i + 1) * L + k]!;
      }
    }
  });
  return values;
}

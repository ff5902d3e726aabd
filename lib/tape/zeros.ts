/**
 * Where a forward order-2 Taylor sweep's second coefficient is exactly zero,
 * whatever the direction. Along the path x + t·a an input's second
 * coefficient is 0; a node y = op(u, v) with no second partials (a sum, a
 * difference, a scaling: h_aa = h_ab = h_bb = 0) has ÿ = g_a ü + g_b v̈, which
 * is 0 when ü and v̈ are. So every node upstream of the first nonlinear one —
 * a network's first linear layer, a dot product of the inputs — carries a
 * zero second coefficient, and the Taylor-2 sweeps skip it (they write the 0
 * and read nothing). A reverse sweep has no such shortcut: adjoints flow back
 * from the nonlinear nodes downstream into every one of these nodes.
 *
 * The mask depends on the stored partials, so it is recomputed when they
 * change (a replay bumps the recording's version; a compacted recording is rebuilt).
 */
import { NPAR } from './node.js';
import type { SweepTape } from './block.js';
import { forwardRuns } from './order.js';

const cache = new WeakMap<SweepTape, { version: number; n: number; mask: Uint8Array | null }>();

/**
 * mask[s] = 1 where slot s's second coefficient is 0 along every direction:
 * slot 0, the inputs, and every scalar node with zero second partials whose
 * arguments are such slots (blocks other than runs of elementary nodes: 0,
 * not examined). Null when no
 * computed node is marked (the sweeps then skip only the inputs, which they
 * know without a mask).
 */
export function secondOrderZeros(t: SweepTape): Uint8Array | null {
  const version = t.version ?? 0, hit = cache.get(t);
  if (hit && hit.version === version && hit.n === t.n) return hit.mask;
  const { n, nIn, a, b, par } = t, mask = new Uint8Array(n);
  mask.fill(1, 0, nIn + 1);
  const run = (lo: number, hi: number) => {
    for (let i = lo; i < hi; i++) {
      const q = i * NPAR;
      mask[i] = mask[a[i]!]! & mask[b[i]!]! & (par[q + 2] === 0 && par[q + 3] === 0 && par[q + 4] === 0 ? 1 : 0);
    }
  };
  forwardRuns(t, run, () => {}); // (the other blocks' slots stay 0: not examined)
  const result = anyMarked(mask, nIn + 1, n) ? mask : null;
  cache.set(t, { version, n, mask: result });
  return result;
}

/** Does the mask mark any slot in [lo, hi)? */
export function anyMarked(mask: Uint8Array, lo: number, hi: number): boolean {
  for (let i = lo; i < hi; i++) if (mask[i] === 1) return true;
  return false;
}

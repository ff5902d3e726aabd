/**
 * A fused block's partials folded into its leaves (lib/tape/codegen/fused.ts
 * `fold`): per element i, the root's first partials G_il in each leaf l and
 * its second partials H_i,lm over the leaf pairs l ≤ m. A recording kept by
 * `prepare` stores them at every evaluation, so that its many sweeps read
 * L + L(L+1)/2 numbers per element instead of recomputing the chain (as a
 * compacted recording reads its folded nodes). Each sweep is the node
 * formula of lib/tape/formulas.ts with the leaves as arguments, one
 * generated loop (codegen/fused.ts `foldedLoop`):
 *   ẏ = Σ_l G_l ẋ_l,   ÿ = Σ_l G_l ẍ_l + Σ_{l,m} H_lm ẋ_l ẋ_m,   x̄_l += G_l ȳ,
 *   x̄̇_l += G_l ȳ̇ + ȳ Σ_m H_lm ẋ_m.
 * Leaves held constant (probe sweeps) are read as 0 and not written.
 */
import type { Program } from '../tape/codegen/fused.js';
import { pairsOf } from '../tape/codegen/fused.js';

/** Folding is for blocks of at most this many leaves (the pairs grow as L²). */
export const FOLD_LEAVES = 4;

/** The folded partials of one block (shared by its views with inputs held constant). */
export class Folded {
  readonly G: Float64Array;
  readonly H: Float64Array;
  constructor(program: Program, m: number) {
    const L = program.leaves.length;
    this.G = new Float64Array(m * L);
    this.H = new Float64Array(m * pairsOf(L).length);
  }
  get bytes(): number { return this.G.byteLength + this.H.byteLength; }
}

/**
 * The measured policies: which method 'auto' runs, and when a sweep runs on
 * the compacted recording of a recording instead of the recording itself. Each
 * choice is a few lines here, apart from the methods it chooses between;
 * scripts/bench.ts and scripts/compare.ts measure what they choose.
 */
import type { Colouring } from '../sparsity/colouring.js';
import type { Analysis } from './analysis.js';
import { structuredDirections, type StructuredPlan } from './structured.js';
import type { DiagonalMethod } from './method-options.js';

/**
 * A one-shot call sweeps the recording itself, not a compacted recording, when it
 * needs fewer directions than this: compacting costs about as much as this
 * many lanes over the nodes it removes (measured: scripts/bench.ts, one-shot
 * rows). A prepared recording always compacts (it is swept again and again).
 */
export const COMPACT_MIN_DIRECTIONS = 24;

/** One-direction sweeps after recording or `.at()` that run over the recording itself, before the compacted recording is used. */
export const RECORDING_SWEEPS = 2;

/**
 * Does work over `directions` directions run on the compacted recording? Yes for
 * a `prepared` recording (it is swept again and again) or once the copy
 * exists; in a one-shot call only from {@link COMPACT_MIN_DIRECTIONS}.
 */
export function compactForMany(prepared: boolean, built: boolean, directions: number): boolean {
  return prepared || built || directions >= COMPACT_MIN_DIRECTIONS;
}

/**
 * Does the one-direction sweep number `k` (from 0, counted since the
 * recording was made or moved) run on the compacted recording? Never in a
 * one-shot call; in a prepared recording from sweep {@link RECORDING_SWEEPS}
 * on, so an optimiser step `at(x).grad()` never pays for compacting.
 */
export function compactForOne(prepared: boolean, k: number): boolean {
  return prepared && k >= RECORDING_SWEEPS;
}

/** Ratio of colours to n below which 'auto' takes the sparse path. */
export const SPARSE_RATIO = 0.25;

/**
 * 'auto' for the Hessian diagonal over n inputs, K lanes per sweep:
 * 'hyperdual' when n ≤ K (one sweep: detection would cost more than it could
 * save); else 'sparse' when the inputs colour with at most n·{@link SPARSE_RATIO}
 * colours; else 'structured' when it pays; else 'hyperdual'.
 */
export function diagonalMethod(a: Analysis, n: number, K: number): Exclude<DiagonalMethod, 'hvp'> {
  if (n <= K) return 'hyperdual';
  if (sparseColouring(a, n)) return 'sparse';
  return structuredPays(a, n) ? 'structured' : 'hyperdual';
}

/** The colouring 'auto' sweeps for n inputs, or null when the pattern is too dense to pay (more than n·{@link SPARSE_RATIO} colours). */
function sparseColouring(a: Analysis, n: number): Colouring | null {
  return a.sparseColouring(Math.floor(n * SPARSE_RATIO));
}

/**
 * 'auto' for the Laplacian over n inputs, K lanes per sweep: lanes over the
 * colours of the inputs when more than one sweep would be needed and the
 * inputs colour as sparsely as the diagonal's 'sparse' asks, else null
 * (one lane per input). Inputs of one colour never interact, so a colour's
 * lane carries Σ_{j of c} ∂²f/∂xⱼ² exactly.
 */
export function laplacianColouring(a: Analysis, n: number, K: number): Colouring | null {
  return n <= K ? null : sparseColouring(a, n);
}

/**
 * Does the structured diagonal need fewer than half the dense lanes? (It
 * sweeps forward and back, a dense lane forward only.) Its detection stops
 * once the answer is no.
 */
function structuredPays(a: Analysis, n: number): boolean {
  const plan = a.structured(Math.floor(n / 2));
  return plan.uses.why.some((w) => w === null) && 2 * structuredDirections(plan) < n;
}

/** 'auto' for the Gauss–Newton diagonal: 'structured' when it sweeps fewer lanes than the dense method's `denseLanes`. */
export function gaussNewtonMethod(plan: StructuredPlan, denseLanes: number): 'structured' | 'dense' {
  return plan.uses.why.some((w) => w === null) && structuredDirections(plan) < denseLanes ? 'structured' : 'dense';
}

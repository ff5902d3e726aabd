/**
 * Block nodes: one tape entry for a whole-array op (a tensor op). A block
 * owns a contiguous run of output slots [out, out + size) in the tape's value
 * array. Either its slots are elementary nodes written in the tape's own
 * arrays (a NodeBlock: elementwise ops, constants, a running sum), which every
 * sweep and every pass over nodes visits as a run of scalar nodes, or it
 * implements every sweep for them itself (an ArrayBlock: gathers, sums over
 * axes, matrix products, matrix functions); the tape's sweeps call it in
 * recording order. Like the scalar sweeps, blocks know families of maps
 * (elementwise, linear, bilinear), never an op's name.
 *
 * Lane k of slot s is at index s·K + k, as everywhere.
 */
import type { HyperAdjoints, HyperLanes, Run, Slots } from './node.js';

/**
 * Does every block of t write its slots as elementary nodes (NodeBlock)?
 * Then t's own arrays describe every slot, and it is swept, compacted and
 * compiled like a recording of scalar nodes.
 */
export const nodesOnly = (t: { readonly blocks: readonly Block[] }): boolean => t.blocks.every((b) => b.nodes === true);

/** What every block has. */
interface BlockBase {
  /** first output slot */
  readonly out: number;
  /** number of output slots */
  readonly size: number;
  /** bytes of stored partials and index maps beyond the tape's own arrays (for the memory reports) */
  readonly bytes: number;
  /** recomputes the output values (and stored partials) from the argument values in t.val */
  replay(t: Slots): void;
  /**
   * What determines the block's structure beyond the tape's own node arrays
   * (numbers, flags, objects compared by identity, typed arrays compared by
   * contents): a block at the same slots with an equal signature has the
   * same dependencies and second-order pairs (lib/sparsity/memo.ts).
   */
  signature(): readonly unknown[];
}

/**
 * A block whose slots are elementary nodes in the tape's own arrays (op code,
 * arguments, parameter, partials): sweeps and passes over nodes visit it as a
 * run of scalar nodes, in order (lib/tape/order.ts forwardRuns: a node may
 * read the block's own earlier slots); the block itself only replays.
 */
export interface NodeBlock extends BlockBase {
  readonly nodes: true;
  /**
   * Its nodes are constants (no arguments, zero partials): a pass in reverse
   * order has nothing to carry through them (lib/tape/order.ts reverseRuns
   * skips them; a forward sweep still writes their zero tangents).
   */
  readonly constant?: boolean;
}

/** A whole-array op with its own implementation of every sweep. */
export interface ArrayBlock extends BlockBase {
  readonly nodes?: false;
  /** T at the outputs from T at the arguments (tangent lanes) */
  tangent(t: Slots, K: number, T: Float64Array): void;
  /** order-2 Taylor lanes: T1 (first) and T2 (second derivative along each lane's direction) */
  second(t: Slots, K: number, T1: Float64Array, T2: Float64Array): void;
  /** hyper-dual lanes: T1, T2 (two directions) and T12 (mixed second derivative) */
  hyper(t: Slots, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void;
  /** forward Laplacian: K tangent lanes in T, and L = Σ over lanes of each lane's second derivative (one value per slot) */
  laplacian(t: Slots, K: number, T: Float64Array, L: Float64Array): void;
  /** adjoint lanes: A at the arguments += (∂out/∂arg)ᵀ A at the outputs */
  reverse(t: Slots, K: number, A: Float64Array): void;
  /** forward-over-reverse: A (one lane, the primal adjoint) and its tangents AT along the lanes of T */
  reverseTangent(t: Slots, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void;
  /**
   * true when reverseTangent reads T only at the block's arguments, never at
   * its own slots (as the nodes' formulas do): forward-over-reverse then
   * leaves the block out of its tangent sweep when nothing reads its slots
   * ({@link tangentsUpTo}, lib/tape/derivatives.ts).
   */
  readonly argumentTangentsOnly?: boolean;
  /** third order: the reverse of a hyper-dual forward sweep (one lane), see runReverseHyper */
  reverseHyper(t: Slots, H: HyperLanes, A: HyperAdjoints): void;
  /**
   * The structure, for sparsity detection: calls dep(y, x) for every output
   * slot y that depends on argument slot x, and pair(y, x1, x2) for every
   * second partial ∂²y/∂x1∂x2 that can be non-zero.
   */
  structure(dep: (y: number, x: number) => void, pair: (y: number, x1: number, x2: number) => void): void;
  /**
   * Squared adjoints, for an argument the block is linear in: A at the
   * arguments += Σ_y (∂y/∂x)² A_y, where sq holds the squares of the values
   * (a bilinear block's partials are its other operand). Returns false, and
   * adds nothing, when some output reads an argument slot through more than
   * one term, so that squaring term by term would be wrong. Absent: the
   * block has no such form (lib/transforms/structured.ts then takes the
   * dense lanes).
   */
  squaredReverse?(sq: Float64Array, A: Float64Array): boolean;
  /**
   * The same block with its operands among the input slots (1 … nIn) held
   * constant: their tangents are taken as zero and their adjoints are not
   * accumulated (for sweeps seeded at intermediates, lib/tape/probes.ts).
   * Absent: the block itself serves.
   */
  withInputsFixed?(nIn: number): ArrayBlock;
}

export type Block = NodeBlock | ArrayBlock;

/**
 * What the sweeps read of a recording: a Tape, or a compacted recording
 * (lib/tape/compact.ts). Node 0 is the zero node (value, tangent and adjoint
 * zero; a missing argument points at it); inputs are nodes 1 … nIn.
 */
export interface SweepTape extends Run {
  readonly n: number;
  readonly nIn: number;
  readonly blocks: readonly Block[];
  /** changes when the partials change in place (a replayed recording, a refreshed compaction) */
  readonly version?: number;
  /** each slot's structure bits (lib/tape/structure.ts), where they are not read off op codes: a compacted recording's folded nodes */
  readonly pat?: Uint16Array;
}

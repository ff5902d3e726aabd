/**
 * The visiting order of a recording: runs of scalar nodes [lo, hi) between
 * block nodes (tensor ops), forward or reverse. Every sweep (sweeps.ts) and
 * every pass over the stored partials (zeros.ts, careful.ts, the sparsity
 * pattern) walks a recording this way, the blocks made of elementary nodes
 * visited as runs (forwardRuns, reverseRuns).
 */
import type { ArrayBlock } from './block.js';
import type { SweepTape } from './block.js';

/** Calls `run(lo, hi)` for each run of scalar nodes and `block(i)` for each block, in recording order. */
export function forwardOrder(t: SweepTape, run: (lo: number, hi: number) => void, block: (k: number) => void): void {
  let lo = t.nIn + 1;
  for (let k = 0; k < t.blocks.length; k++) {
    const blk = t.blocks[k]!;
    if (blk.out > lo) run(lo, blk.out);
    block(k);
    lo = blk.out + blk.size;
  }
  if (t.n > lo) run(lo, t.n);
}

/** The same visits in reverse recording order. */
export function reverseOrder(t: SweepTape, run: (lo: number, hi: number) => void, block: (k: number) => void): void {
  let hi = t.n;
  for (let k = t.blocks.length - 1; k >= 0; k--) {
    const blk = t.blocks[k]!, end = blk.out + blk.size;
    if (hi > end) run(end, hi);
    block(k);
    hi = blk.out;
  }
  if (hi > t.nIn + 1) run(t.nIn + 1, hi);
}

/**
 * forwardOrder for passes over nodes: a block of elementary nodes
 * (a NodeBlock) is visited as a run of scalar nodes — in order, since its
 * nodes may read the block's own earlier slots (a running sum) — and only
 * the other blocks are handed to `block`. With `from`, only slots from
 * `from` on are visited (a run is cut there; a block ending before it is skipped).
 * `block` also gets the block's index in t.blocks.
 */
export function forwardRuns(t: SweepTape, run: (lo: number, hi: number) => void, block: (blk: ArrayBlock, k: number) => void, from = 0): void {
  const r = clip(run, from);
  forwardOrder(t, r, (k) => { const blk = t.blocks[k]!; if (blk.nodes) r(blk.out, blk.out + blk.size); else if (blk.out + blk.size > from) block(blk, k); });
}

/** `run` restricted to slots from `from` on. */
const clip = (run: (lo: number, hi: number) => void, from: number) =>
  from <= 0 ? run : (lo: number, hi: number): void => { if (hi > from) run(Math.max(lo, from), hi); };

/**
 * reverseOrder for passes over nodes, as {@link forwardRuns}; a block of
 * constant nodes (`NodeBlock#constant`: a weight matrix given as data) is
 * skipped, since nothing flows back through a constant.
 */
export function reverseRuns(t: SweepTape, run: (lo: number, hi: number) => void, block: (blk: ArrayBlock) => void, from = 0): void {
  const r = clip(run, from);
  reverseOrder(t, r, (k) => {
    const blk = t.blocks[k]!;
    if (!blk.nodes) { if (blk.out + blk.size > from) block(blk); }
    else if (!blk.constant) r(blk.out, blk.out + blk.size);
  });
}

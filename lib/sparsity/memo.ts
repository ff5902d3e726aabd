/**
 * Sparsity remembered across recordings of one f. A Hessian pattern depends
 * only on a recording's structure: each node's op code, argument slots and
 * mask of structurally non-zero second partials (structure.ts; the mask
 * depends on a parameter only through a few special values), and the output
 * slot. A one-shot `hessianDiagonal(f, x)` called again with the same f
 * records a structurally identical tape (unless f branched differently);
 * comparing the structure is one pass over the op codes, arguments and
 * parameters (a mask lookup only where a parameter differs), where detection
 * and colouring cost many passes. Any
 * difference, and the detection runs again. Block nodes (tensor ops) are
 * compared by their signatures (Block#signature); an elementwise block's
 * nodes are the tape's own. What is remembered is shared: callers hand out
 * copies.
 *
 * A few structures are also remembered whatever f they came from
 * ({@link RECENT}): a training loop that passes a new closure per batch,
 * `hessianDiagonal((p) => loss(p, batch), params)`, records the same
 * structure each time, and the pattern depends on nothing else.
 */
import type { Block } from '../tape/block.js';
import type { Tape } from '../tape/tape.js';
import { samePrefix } from '../tape/codegen.js';
import { BLOCK } from '../tape/node.js';
import { secondOrderPattern } from '../tape/structure.js';

interface Snapshot<S> {
  readonly n: number;
  readonly nIn: number;
  /** the output slots (one for a scalar f) */
  readonly outs: Int32Array;
  readonly op: Int32Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly prm: Float64Array;
  readonly masks: Uint8Array;
  readonly blocks: readonly (readonly unknown[])[];
  /** what was found for this structure (shared by every recording that has it) */
  readonly found: S;
}

const memo = new WeakMap<object, Snapshot<unknown>>();

/** How many structures are remembered for any f (the most recently found or used first). */
export const RECENT = 4;
let recent: Snapshot<unknown>[] = [];

/** Forgets every structure remembered for any f (specs: a detection from scratch). */
export function forgetRecent(): void { recent = []; }

/** What was remembered for f, if t (output slots `outs`) has the structure it was found on (or one of the recent structures). */
export function remembered<S>(f: object, t: Tape, outs: Int32Array): S | undefined {
  const own = memo.get(f) as Snapshot<S> | undefined;
  if (own && matches(own, t, outs)) return own.found;
  let k = 0;
  while (k < recent.length && (recent[k] === own || !matches(recent[k]!, t, outs))) k++;
  if (k === recent.length) return undefined;
  const s = recent[k]! as Snapshot<S>;
  recent.splice(k, 1);
  recent.unshift(s);
  memo.set(f, s);
  return s.found;
}

function matches<S>(s: Snapshot<S>, t: Tape, outs: Int32Array): boolean {
  if (s.n !== t.n || s.nIn !== t.nIn || !sameInts(s.outs, outs) || s.blocks.length !== t.blocks.length) return false;
  if (!sameBlocks(t.blocks, s.blocks) || !samePrefix(s.op, t.op)) return false;
  // (op codes and argument slots compared whole, slot pairs at a time: node by node, a one-shot call with a remembered
  // structure spent a tenth of its time here; a block's own slots hold no arguments, so with blocks they go node by node)
  const args = s.blocks.length === 0 ? samePrefix(s.a, t.a) && samePrefix(s.b, t.b) : sameArguments(t, s.a, s.b);
  return args && sameParameters(t, s.prm, s.masks);
}

/**
 * The argument slots of t's nodes after its inputs, a block's slots skipped
 * (its signature says it all). (The arrays come as arguments: read from the
 * snapshot inside the loop, or in a function holding a closure, they were
 * not hoisted out of it by V8, and the loop ran at half the speed.)
 */
function sameArguments(t: Tape, sa: Int32Array, sb: Int32Array): boolean {
  const { op, a, b, n } = t;
  for (let i = t.nIn + 1; i < n; i++) if (op[i] !== BLOCK && (a[i] !== sa[i] || b[i] !== sb[i])) return false;
  return true;
}

/**
 * The parameters of t's nodes after its inputs, where the op codes are the
 * same: the same parameter gives the same mask; another one may too (x^p:
 * every p but a few special values).
 */
function sameParameters(t: Tape, sp: Float64Array, masks: Uint8Array): boolean {
  const { op, prm, n } = t;
  for (let i = t.nIn + 1; i < n; i++) {
    const c = op[i]!, p = prm[i]!;
    if (p !== sp[i] && c >= 0 && secondOrderPattern(c, p) !== masks[i]) return false;
  }
  return true;
}

function sameBlocks(blocks: readonly Block[], signatures: readonly (readonly unknown[])[]): boolean {
  for (let k = 0; k < blocks.length; k++) if (!sameSignature(blocks[k]!.signature(), signatures[k]!)) return false;
  return true;
}

function sameSignature(x: readonly unknown[], y: readonly unknown[]): boolean {
  return x.length === y.length && x.every((v, k) => v === y[k] || sameInts(v, y[k]));
}

const sameInts = (x: unknown, y: unknown): boolean => {
  if (!(x instanceof Int32Array && y instanceof Int32Array) || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

/** Remembers `found` for f's recording t (output slots `outs`); replaces what f had. */
export function remember<S>(f: object, t: Tape, outs: Int32Array, found: S): void {
  if (memo.get(f)?.found === found) return;
  const n = t.n, masks = new Uint8Array(n), blocks = t.blocks.map((blk: Block) => blk.signature());
  for (let i = t.nIn + 1; i < n; i++) if (t.op[i]! >= 0) masks[i] = secondOrderPattern(t.op[i]!, t.prm[i]!);
  const snap = { n, nIn: t.nIn, outs: outs.slice(), op: t.op.slice(0, n), a: t.a.slice(0, n), b: t.b.slice(0, n), prm: t.prm.slice(0, n), masks, blocks, found };
  memo.set(f, snap);
  recent = [snap, ...recent.filter((r) => r.found !== found)].slice(0, RECENT);
}

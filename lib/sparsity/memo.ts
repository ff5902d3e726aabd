/**
 * Sparsity remembered across recordings of one f. A Hessian pattern depends
 * only on a recording's structure: each node's op code, argument slots and
 * mask of structurally non-zero second partials (structure.ts; the mask
 * depends on a parameter only through a few special values), and the output
 * slot. A one-shot `hessianDiagonal(f, x)` called again with the same f
 * records a structurally identical tape (unless f branched differently);
 * comparing the structure is one pass over three integer arrays, where
 * detection and colouring cost many. Any difference, and the detection runs
 * again. Recordings with block nodes (tensor ops) are not remembered.
 */
import type { Tape } from '../tape/tape.js';
import { secondOrderPattern } from './structure.js';

interface Snapshot<S> {
  readonly n: number;
  readonly nIn: number;
  readonly out: number;
  readonly op: Int32Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly masks: Uint8Array;
  /** what was found for this structure (shared by every recording that has it) */
  readonly found: S;
}

const memo = new WeakMap<object, Snapshot<unknown>>();

/** What was remembered for f, if t (output slot `out`) has the structure it was found on. */
export function remembered<S>(f: object, t: Tape, out: number): S | undefined {
  const s = memo.get(f) as Snapshot<S> | undefined;
  if (!s || s.n !== t.n || s.nIn !== t.nIn || s.out !== out || t.blocks.length) return undefined;
  const { op, a, b, prm } = t;
  for (let i = t.nIn + 1; i < t.n; i++) {
    const c = op[i]!;
    if (c !== s.op[i] || a[i] !== s.a[i] || b[i] !== s.b[i] || (c >= 0 && secondOrderPattern(c, prm[i]!) !== s.masks[i])) return undefined;
  }
  return s.found;
}

/** Remembers `found` for f's recording t (output slot `out`); replaces what f had. */
export function remember<S>(f: object, t: Tape, out: number, found: S): void {
  if (t.blocks.length || memo.get(f)?.found === found) return;
  const n = t.n, masks = new Uint8Array(n);
  for (let i = t.nIn + 1; i < n; i++) if (t.op[i]! >= 0) masks[i] = secondOrderPattern(t.op[i]!, t.prm[i]!);
  memo.set(f, { n, nIn: t.nIn, out, op: t.op.slice(0, n), a: t.a.slice(0, n), b: t.b.slice(0, n), masks, found });
}

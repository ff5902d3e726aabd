/**
 * Hessian sparsity detection on a recording. Each slot's dependency set D
 * (the inputs it depends on) is propagated forward; a node whose second
 * partial ∂²y/∂u∂w can be non-zero (lib/tape/structure.ts) makes every
 * input of D(u) interact with every input of D(w). Linear nodes create no
 * interactions (sin(x + y) does, through sin; x + y alone does not). Only
 * nodes that reach the output count. The result is a superset of the true
 * non-zeros for the recorded branch, valid at every point the recording is
 * replayed at.
 */
import type { Tape } from '../tape/tape.js';
import { forwardRuns, reverseRuns } from '../tape/order.js';
import { AA, AB, BB, secondOrderPattern } from '../tape/structure.js';

/** A symmetric sparsity pattern in CSR form (both triangles; diagonal entries where they can be non-zero). */
export interface Pattern {
  readonly n: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
}

/**
 * Dependency sets in one pool: slot s owns pool[off[s] … off[s] + len[s]),
 * sorted; len = −1 marks a set larger than the limit ("dense"). Sets are
 * never changed in place, so the pool grows by every union's size: past
 * `budget` entries, a union makes its set dense instead (bounding the work
 * of a wide product, where every output merges its inputs' sets one by one).
 */
class Sets {
  pool = new Int32Array(1024);
  used = 0;
  readonly off: Int32Array;
  readonly len: Int32Array;
  constructor(slots: number, readonly limit: number, readonly budget = Infinity) {
    this.off = new Int32Array(slots);
    this.len = new Int32Array(slots);
  }
  private reserve(m: number): number {
    while (this.used + m > this.pool.length) {
      const p = new Int32Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    const o = this.used;
    this.used += m;
    return o;
  }
  single(s: number, v: number): void {
    const o = this.reserve(1);
    this.pool[o] = v; this.off[s] = o; this.len[s] = 1;
  }
  /** D(y) ← D(y) ∪ D(x) */
  union(y: number, x: number): void {
    const lx = this.len[x]!, ly = this.len[y]!;
    if (lx === 0 || ly === -1) return;
    if (lx === -1 || lx + ly > this.limit && this.mergedSize(x, y) > this.limit || this.used + lx + ly > this.budget) { this.len[y] = -1; return; }
    if (ly === 0) { this.off[y] = this.off[x]!; this.len[y] = lx; return; } // share x's run (sets are never mutated in place)
    const o = this.reserve(lx + ly), p = this.pool;
    let i = this.off[x]!, j = this.off[y]!, k = o;
    const ie = i + lx, je = j + ly;
    while (i < ie && j < je) {
      const a = p[i]!, b = p[j]!;
      if (a < b) { p[k++] = a; i++; } else if (b < a) { p[k++] = b; j++; } else { p[k++] = a; i++; j++; }
    }
    while (i < ie) p[k++] = p[i++]!;
    while (j < je) p[k++] = p[j++]!;
    this.off[y] = o; this.len[y] = k - o;
    this.used = k;
  }
  /** D(y) ← D(y) ∪ {v} */
  insert(y: number, v: number): void {
    const ly = this.len[y]!;
    if (ly === -1) return;
    if (ly + 1 > this.limit || this.used + ly + 1 > this.budget) { this.len[y] = -1; return; }
    const o = this.reserve(ly + 1), p = this.pool;
    let j = this.off[y]!, k = o;
    const je = j + ly;
    while (j < je && p[j]! < v) p[k++] = p[j++]!;
    if (j < je && p[j] === v) return void (this.used = o); // already there
    p[k++] = v;
    while (j < je) p[k++] = p[j++]!;
    this.off[y] = o; this.len[y] = k - o;
  }
  private mergedSize(x: number, y: number): number {
    const p = this.pool;
    let i = this.off[x]!, j = this.off[y]!, c = 0;
    const ie = i + this.len[x]!, je = j + this.len[y]!;
    while (i < ie && j < je) { const a = p[i]!, b = p[j]!; if (a <= b) i++; if (b <= a) j++; c++; }
    return c + (ie - i) + (je - j);
  }
}

/**
 * A cheap first look for 'auto': an upper bound on each slot's number of
 * inputs (|D(y)| ≤ |D(a)| + |D(b)|) in one forward pass; true as soon as a
 * nonlinear node's argument may mix more than `limit` inputs. It may say
 * "dense" where the exact pass would not (shared inputs counted twice, or a
 * node that does not reach the output): then the dense path runs, which is
 * always correct. It stops at the first such node, so a dense f costs little.
 */
function clearlyDense(t: Tape, limit: number): boolean {
  const n = t.nIn, sz = new Int32Array(t.n);
  sz.fill(1, 1, n + 1);
  let dense = false;
  const run = (lo: number, hi: number) => {
    if (dense) return;
    const { op, a, b, prm } = t;
    for (let i = lo; i < hi; i++) {
      const c = op[i]!;
      if (c < 0) continue;
      const ai = a[i]!, bi = b[i]!, sa = sz[ai]!, sb = bi === ai ? 0 : sz[bi]!;
      if (sa > limit || sb > limit) {
        const mask = secondOrderPattern(c, prm[i]!);
        if (((mask & (AA | AB)) && sa > limit) || ((mask & (AB | BB)) && sz[bi]! > limit)) { dense = true; return; }
      }
      sz[i] = Math.min(n, sa + sb);
    }
  };
  forwardRuns(t, run, (blk) => {
    if (dense) return;
    const big = (u: number) => sz[u]! > limit;
    blk.structure((y, x) => { sz[y] = Math.min(n, sz[y]! + sz[x]!); }, (_y, x1, x2) => { if (big(x1) || big(x2)) dense = true; });
  });
  return dense;
}

/** Most entries the dependency sets of one analysis with sources may copy (beyond: dense, the caller's safe answer); specs lower it. */
export const SET_BUDGET = { entries: 2 ** 23 };

/**
 * The Hessian pattern of the recorded f (output slot `out`), or null when some
 * nonlinear node mixes more than `limit` inputs (then at least limit + 1
 * inputs interact pairwise, and a sparse method cannot beat the dense one).
 *
 * With `sources` (increasing slots), the variables are perturbations added
 * to those slots' values instead of the inputs: variable v is ε_v in
 * y_s ← y_s + ε_v at slot s = sources[v] (the inputs held fixed). This is
 * the Hessian of f with respect to intermediates (lib/transforms/structured.ts).
 */
export function detectPattern(t: Tape, out: number, limit = Infinity, sources?: Int32Array): Pattern | null {
  if (!sources && limit < t.nIn && clearlyDense(t, limit)) return null;
  // with sources, every set before the first one is empty: the passes start (or stop) there
  const from = sources && sources.length ? sources[0]! : 0;
  // each reached node's mask of structurally non-zero second partials (structure.ts), read once
  const n = t.nIn, reach = new Uint8Array(t.n), need = new Uint8Array(t.n), masks = new Uint8Array(t.n);
  reach[out] = 1;
  // 1. which slots reach the output, and whose dependency sets are needed: the
  //    arguments of reached nonlinear nodes and, transitively, what they depend
  //    on (reverse order). A long linear chain (a running sum) needs none.
  const back = (lo: number, hi: number) => {
    const { op, a, b, prm } = t;
    for (let i = hi - 1; i >= lo; i--) {
      if (!reach[i]) continue;
      const ai = a[i]!, bi = b[i]!;
      reach[ai] = 1; reach[bi] = 1;
      if (op[i]! < 0) continue;
      const mask = (masks[i] = secondOrderPattern(op[i]!, prm[i]!));
      if (need[i] || mask & (AA | AB)) need[ai] = 1;
      if (need[i] || mask & (AB | BB)) need[bi] = 1;
    }
  };
  reverseRuns(t, back, (blk) => {
    blk.structure(() => {}, (y, x1, x2) => { if (reach[y]) need[x1] = need[x2] = 1; });
    blk.structure((y, x) => { if (reach[y]) reach[x] = 1; if (need[y]) need[x] = 1; }, () => {});
  }, from);
  // 2. dependency sets (forward) and 3. interactions of the reached nonlinear nodes
  const D = new Sets(t.n, limit, sources ? SET_BUDGET.entries : Infinity);
  // the variable each source slot adds (−1: none)
  const own = sources ? new Int32Array(t.n).fill(-1) : null;
  if (own) sources!.forEach((s, v) => { own[s] = v; });
  else for (let j = 0; j < n; j++) D.single(j + 1, j);
  const E = new Entries(own ? sources!.length : n);
  let dense = false;
  const interact = (u: number, w: number): void => {
    const lu = D.len[u]!, lw = D.len[w]!;
    if (lu === 0 || lw === 0) return;
    if (lu === -1 || lw === -1) { dense = true; return; }
    const p = D.pool, ou = D.off[u]!, ow = D.off[w]!;
    for (let i = 0; i < lu; i++) E.row(p[ou + i]!, p, ow, lw);
    if (u !== w) for (let k = 0; k < lw; k++) E.row(p[ow + k]!, p, ou, lu);
  };
  {
    const run = (lo: number, hi: number) => {
      const { op, a, b } = t;
      for (let i = lo; i < hi && !dense; i++) {
        if (op[i]! < 0) continue; // constants
        if (!reach[i]) continue;
        const ai = a[i]!, bi = b[i]!;
        if (need[i]) { D.union(i, ai); D.union(i, bi); if (own && own[i]! >= 0) D.insert(i, own[i]!); }
        const mask = masks[i]!;
        if (mask & AA) interact(ai, ai);
        if (mask & AB) interact(ai, bi);
        if (mask & BB) interact(bi, bi);
      }
    };
    forwardRuns(t, run, (blk) => {
      if (dense) return;
      blk.structure((y, x) => { if (need[y]) D.union(y, x); }, (y, x1, x2) => { if (reach[y]) interact(x1, x2); });
      if (own) for (let y = blk.out; y < blk.out + blk.size; y++) if (need[y] && own[y]! >= 0) D.insert(y, own[y]!);
    }, from);
  }
  if (dense) return null;
  // 4. CSR, sorted and deduplicated
  return E.csr();
}

/**
 * First-order dependency sets of the slots `targets` and of everything they
 * are computed from (nothing else is computed), each up to `limit` entries:
 * over the inputs (0-based), or, with `sources`, over perturbations added at
 * those slots (as in {@link detectPattern}: the inputs held fixed, so the
 * passes start at the first source).
 */
function dependencySets(t: Tape, targets: Int32Array, limit: number, sources: Int32Array | null): Sets {
  const need = new Uint8Array(t.n), from = sources?.length ? sources[0]! : 0;
  for (const u of targets) need[u] = 1;
  reverseRuns(t, (lo, hi) => {
    const { a, b } = t;
    for (let i = hi - 1; i >= lo; i--) if (need[i]) { need[a[i]!] = 1; need[b[i]!] = 1; }
  }, (blk) => blk.structure((y, x) => { if (need[y]) need[x] = 1; }, () => {}), from);
  const D = new Sets(t.n, limit, SET_BUDGET.entries), own = new Int32Array(t.n).fill(-1);
  if (sources) sources.forEach((s, v) => { own[s] = v; });
  else for (let j = 0; j < t.nIn; j++) if (need[j + 1]) D.single(j + 1, j);
  forwardRuns(t, (lo, hi) => {
    const { op, a, b } = t;
    for (let i = lo; i < hi; i++) {
      if (op[i]! < 0 || !need[i]) continue;
      D.union(i, a[i]!); D.union(i, b[i]!);
      if (own[i]! >= 0) D.insert(i, own[i]!);
    }
  }, (blk) => {
    blk.structure((y, x) => { if (need[y]) D.union(y, x); }, () => {});
    for (let y = blk.out; y < blk.out + blk.size; y++) if (need[y] && own[y]! >= 0) D.insert(y, own[y]!);
  }, from);
  return D;
}

/**
 * The Jacobian's pattern in the sources (ε_v added at slot sources[v]): for
 * each output, the variables it depends on, in CSR over the outputs
 * (sorted); null past the sets' budget.
 */
export function outputDependencies(t: Tape, outputs: Int32Array, sources: Int32Array): { ptr: Int32Array; idx: Int32Array } | null {
  const D = dependencySets(t, outputs, Infinity, sources);
  if (outputs.some((o) => D.len[o] === -1)) return null;
  const ptr = new Int32Array(outputs.length + 1);
  outputs.forEach((o, m) => { ptr[m + 1] = ptr[m]! + D.len[o]!; });
  const idx = new Int32Array(ptr[outputs.length]!);
  outputs.forEach((o, m) => idx.set(D.pool.subarray(D.off[o]!, D.off[o]! + D.len[o]!), ptr[m]!));
  return { ptr, idx };
}

/**
 * Whether slot u depends on input j, for the slots `asked` only, from sets
 * of up to `limit` inputs (a larger set, or one past the budget, answers
 * yes: the safe side).
 */
export function dependsOn(t: Tape, asked: Int32Array, limit: number): (u: number, j: number) => boolean {
  const D = dependencySets(t, asked, limit, null);
  return (u, j) => {
    const len = D.len[u]!;
    if (len === -1) return true;
    let lo = D.off[u]!, hi = lo + len;
    while (lo < hi) { const m = (lo + hi) >> 1, v = D.pool[m]!; if (v === j) return true; if (v < j) lo = m + 1; else hi = m; }
    return false;
  };
}

/** The symmetric pattern (CSR over n variables) joining every two entries of each list, lists in CSR (ptr, idx). */
export function cliquePattern(n: number, lists: { ptr: Int32Array; idx: Int32Array }): Pattern {
  const E = new Entries(n), { ptr, idx } = lists;
  for (let m = 0; m + 1 < ptr.length; m++) {
    const lo = ptr[m]!, len = ptr[m + 1]! - lo;
    for (let e = lo; e < lo + len; e++) E.row(idx[e]!, idx, lo, len);
  }
  return E.csr();
}

/**
 * The pattern's entries (row, column) as they are found, in flat arrays; a
 * pass of two stable counting sorts (by column, then by row) and a dedup
 * turns them into CSR in O(entries + n). When the list outgrows its arrays
 * it is first deduplicated in place, so memory stays proportional to the
 * distinct entries however often an interaction repeats.
 */
class Entries {
  rows: Int32Array;
  cols: Int32Array;
  m = 0;
  /** the column last added to each row: an immediate repeat is dropped on the spot */
  private readonly last: Int32Array;
  constructor(readonly n: number) {
    // room for a few entries per row before the first dedup (which costs O(n) besides the entries)
    this.rows = new Int32Array(8 * n + 1024);
    this.cols = new Int32Array(8 * n + 1024);
    this.last = new Int32Array(n).fill(-1);
  }

  /** row i interacts with the columns from[o … o + len) */
  row(i: number, from: Int32Array, o: number, len: number): void {
    if (this.m + len > this.rows.length) this.room(len);
    const { rows, cols, last } = this;
    let m = this.m;
    for (let k = 0; k < len; k++) {
      const j = from[o + k]!;
      if (last[i] === j) continue;
      last[i] = j;
      rows[m] = i; cols[m++] = j;
    }
    this.m = m;
  }

  private room(len: number): void {
    this.compact();
    const need = this.m + len;
    if (need * 2 > this.rows.length) {
      let cap = this.rows.length * 2;
      while (cap < need * 2) cap *= 2;
      const r = new Int32Array(cap), c = new Int32Array(cap);
      r.set(this.rows.subarray(0, this.m)); c.set(this.cols.subarray(0, this.m));
      this.rows = r; this.cols = c;
    }
  }

  /** sorts by (row, column) and drops repeats, in place; returns the row pointers */
  private compact(): Int32Array {
    const rowPtr = new Int32Array(this.n + 1);
    this.m = sortUnique(this.rows, this.cols, this.m, this.n, rowPtr);
    return rowPtr;
  }

  csr(): Pattern {
    const rowPtr = this.compact();
    return { n: this.n, rowPtr, colIdx: this.cols.slice(0, this.m) };
  }
}

/**
 * Sorts the first m pairs (rows[e], cols[e]) by row, then column, drops
 * repeats, and returns how many remain; rowPtr (n + 1 entries, zeroed) gets
 * the CSR row pointers. One counting sort by row (O(m + n)), then each row's
 * columns sorted in place: by insertion where a row is short (a Hessian
 * pattern's rows usually are), natively where it is long.
 */
function sortUnique(rows: Int32Array, cols: Int32Array, m: number, n: number, rowPtr: Int32Array): number {
  const start = new Int32Array(n + 1), c2 = new Int32Array(m);
  for (let e = 0; e < m; e++) start[rows[e]! + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] = start[i + 1]! + start[i]!;
  const next = start.slice(0, n);
  for (let e = 0; e < m; e++) c2[next[rows[e]!]!++] = cols[e]!;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const lo = start[i]!, hi = start[i + 1]!;
    if (hi - lo > 32) c2.subarray(lo, hi).sort();
    else {
      for (let k = lo + 1; k < hi; k++) {
        const c = c2[k]!;
        let j = k - 1;
        while (j >= lo && c2[j]! > c) { c2[j + 1] = c2[j]!; j--; }
        c2[j + 1] = c;
      }
    }
    const w0 = w;
    for (let k = lo; k < hi; k++) {
      const c = c2[k]!;
      if (k > lo && c === c2[k - 1]) continue;
      rows[w] = i; cols[w++] = c;
    }
    rowPtr[i + 1] = rowPtr[i]! + (w - w0);
  }
  return w;
}

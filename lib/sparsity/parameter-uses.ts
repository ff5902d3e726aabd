/**
 * Where each parameter enters f, read off a recording: for a group of inputs
 * θ (one parameter tensor), its uses are the nodes and blocks that read a
 * slot of θ directly, and f(θ) = G(y₁(θ), y₂(θ), …) over their outputs y.
 * Each θᵢ reaches f only through the outputs S(i) that read it, so
 *
 *   ∂f/∂θᵢ = Σ_{c ∈ S(i)} Ḡ_c J_ci,   J_ci = ∂y_c/∂θᵢ (the use's own partial),
 *   ∂²f/∂θᵢ² = Σ_{c,c′ ∈ S(i)} J_ci J_c′i (H_G)_cc′ + Σ_c Ḡ_c ∂²y_c/∂θᵢ²,
 *
 * Ḡ the adjoint and H_G the Hessian of G in its arguments y — provided no use
 * has a second partial ∂²y/∂θᵢ∂u with u ≠ θᵢ depending on θ (then J_ci would
 * move with θᵢ along another path). A group meeting that is *separable*: a
 * use may be linear in θᵢ (W·u, u + b: ∂²y/∂θᵢ² = 0) or curved in it alone
 * (an L2 penalty θᵢ²). Where no two outputs of one S(i) interact in H_G
 * (detected on the recording: lib/sparsity/pattern.ts with the probes, the
 * ends of the use outputs' linear chains, as sources), only the diagonal of
 * H_G is needed:
 * ∂²f/∂θᵢ² = Σ_c J_ci² (H_G)_cc + Ḡ_c ∂²y_c/∂θᵢ².
 * lib/transforms/structured.ts computes it, and diag(JᵀJ) the same way,
 * where the first-order formula alone matters (so a use may be anything).
 */
import type { ArrayBlock } from '../tape/block.js';
import { forwardRuns } from '../tape/order.js';
import type { Tape } from '../tape/tape.js';
import { OP_NAMES } from '../rules/index.js';
import { NOPS, NPAR } from '../tape/node.js';
import { AB, secondOrderPattern } from '../tape/structure.js';
import { dependsOn, type Pattern } from './pattern.js';

/** A parameter: the inputs [start, start + size) (0-based input coordinates), named for reports. */
export interface ParamGroup { readonly name: string; readonly start: number; readonly size: number }

/** What detection found. */
export interface ParameterUses {
  /** per group: null when separable (see the file header), else why not (then every entry takes the dense lanes) */
  readonly why: (string | null)[];
  /** per input slot (1 … nIn) of a separable group: 1 where that entry alone is not (it takes the dense lanes) */
  readonly dense: Uint8Array;
  /** per group: why its dense entries are */
  readonly denseWhy: (string | null)[];
  /** elementary nodes that read a slot of a separable group */
  readonly nodes: Int32Array;
  /** blocks (indices into t.blocks) that read a slot of a separable group */
  readonly blocks: number[];
  /** the use outputs that read a separable group's slot (increasing) */
  readonly outputs: Int32Array;
  /**
   * Where each use output's curvature is read (its probe): the output itself,
   * or the end of the chain of purely linear nodes that is its only consumer
   * (y → y + b → …, each node's second partials all zero): for such a chain
   * r = g·y + (terms without y), H_yy = g² H_rr exactly.
   */
  readonly probeOf: Int32Array;
  /** the chain of each output: nodes chain[chainPtr[k] … chainPtr[k + 1]) from outputs[k] to probeOf[k] */
  readonly chainPtr: Int32Array;
  readonly chain: Int32Array;
  /** the distinct probes (increasing) */
  readonly probes: Int32Array;
}

/** at most this many groups get their own dependency bit; the rest share the last (stricter, never wrong) */
const BITS = 31;

/** Dependency sets asked about (is θᵢ among what u depends on?) are kept up to this many inputs; a larger one answers yes. */
const DEPENDENCY_LIMIT = 4096;

/**
 * Finds each group's uses and whether it is separable (see the file
 * header); with `firstOrder` (diag JᵀJ) a node use is never a reason not to
 * be. `outputs`: the slots f returns, read from outside the recording (a
 * chain never moves a probe past one).
 */
export function parameterUses(t: Tape, groups: readonly ParamGroup[], outputs: Int32Array, firstOrder = false): ParameterUses {
  const nIn = t.nIn, gid = new Int32Array(nIn + 1).fill(-1);
  groups.forEach((g, k) => gid.fill(k, g.start + 1, g.start + g.size + 1));
  const bit = (k: number) => 1 << Math.min(k, BITS - 1);
  const groupOf = (s: number) => (s >= 1 && s <= nIn ? gid[s]! : -1);
  // One forward pass: which groups each slot depends on (dep), which it reads directly (reads), the
  // groups some use is not linear in (why), and how often each slot is read (consumers: by one node, consumer)
  const dep = new Uint32Array(t.n), reads = new Uint32Array(t.n);
  for (let s = 1; s <= nIn; s++) if (gid[s]! >= 0) dep[s] = bit(gid[s]!);
  const why: (string | null)[] = groups.map(() => null);
  const fail = (k: number, reason: string) => { why[k] ??= reason; };
  const consumers = new Int32Array(t.n), consumer = new Int32Array(t.n).fill(-1);
  for (const o of outputs) consumers[o]++;
  const nodes: number[] = [], blocks: number[] = [];
  const asked: number[] = []; // (entry slot, other argument, node code) triples
  const run = (lo: number, hi: number) => {
    const { op, a, b, prm } = t;
    for (let i = lo; i < hi; i++) {
      const code = op[i]!;
      if (code < 0) continue;
      const ai = a[i]!, bi = b[i]!;
      dep[i] = dep[ai]! | dep[bi]!;
      consumers[ai]++; consumer[ai] = i;
      if (bi !== ai) { consumers[bi]++; consumer[bi] = i; }
      const ga = groupOf(ai), gb = groupOf(bi);
      if (ga < 0 && gb < 0) continue;
      // a second partial between θᵢ and another value that may depend on θ: asked per entry below (θᵢ·θⱼ is fine, θᵢ·u(θᵢ) is not)
      if (!firstOrder && ai !== bi && secondOrderPattern(code, prm[i]!) & AB) {
        if (ga >= 0 && dep[bi]! & bit(ga)) asked.push(ai, bi, code);
        if (gb >= 0 && dep[ai]! & bit(gb)) asked.push(bi, ai, code);
      }
      reads[i] = (ga >= 0 ? bit(ga) : 0) | (gb >= 0 ? bit(gb) : 0);
      nodes.push(i);
    }
  };
  forwardRuns(t, run, (blk, k) => {
    let hit = 0;
    const seen = new Set<number>();
    blk.structure((y, x) => {
      dep[y]! |= dep[x]!;
      consumers[x]++; consumer[x] = -1;
      const g = groupOf(x);
      if (g < 0) return;
      reads[y]! |= bit(g); hit |= bit(g); seen.add(g);
    }, (_y, x1, x2) => {
      const g1 = groupOf(x1), g2 = groupOf(x2);
      if (g1 >= 0 && dep[x2]! & bit(g1)) fail(g1, 'it enters a block bilinearly with itself');
      if (g2 >= 0 && dep[x1]! & bit(g2)) fail(g2, 'it enters a block bilinearly with itself');
    });
    if (!hit) return;
    if (!blk.squaredReverse) for (const g of seen) fail(g, `a ${blk.constructor.name} block reads it (not a linear map)`);
    blocks.push(k);
  });
  // the entries asked about: θᵢ with another argument that depends on θᵢ itself is not separable
  const dense = new Uint8Array(nIn + 1), denseWhy: (string | null)[] = groups.map(() => null);
  if (asked.length) {
    const others = new Int32Array(asked.length / 3);
    for (let q = 0; q < others.length; q++) others[q] = asked[3 * q + 1]!;
    const depends = dependsOn(t, others, DEPENDENCY_LIMIT);
    for (let q = 0; q < asked.length; q += 3) {
      const x = asked[q]!;
      if (dense[x] || !depends(asked[q + 1]!, x - 1)) continue;
      dense[x] = 1;
      denseWhy[gid[x]!] ??= `it enters ${OP_NAMES[asked[q + 2]! % NOPS]} together with a value that depends on it`;
    }
    allDense(groups, dense, denseWhy, why);
  }
  // groups sharing the last bit: a shared bit may flag a use that is in fact linear, never the reverse
  let linear = 0;
  why.forEach((w, k) => { if (w === null && k < BITS - 1) linear |= bit(k); });
  if (groups.length >= BITS) for (let k = BITS - 1; k < groups.length; k++) why[k] ??= `more than ${BITS - 1} parameters: only the first ${BITS - 1} are analysed`;
  const useOutputs: number[] = [];
  for (let s = nIn + 1; s < t.n; s++) if (reads[s]! & linear) useOutputs.push(s);
  const keep = (s: number) => (reads[s]! & linear) !== 0;
  // each output's chain of single-consumer linear nodes
  const chain: number[] = [], chainPtr = [0], probeOf: number[] = [];
  for (const y of useOutputs) {
    let r = y;
    for (;;) {
      const i = consumer[r]!;
      if (consumers[r] !== 1 || i < 0 || secondOrderPattern(t.op[i]!, t.prm[i]!) !== 0) break;
      chain.push(i);
      r = i;
    }
    chainPtr.push(chain.length);
    probeOf.push(r);
  }
  return {
    why, dense, denseWhy,
    nodes: Int32Array.from(nodes.filter(keep)),
    blocks: blocks.filter((k) => { const b = t.blocks[k]!; for (let y = b.out; y < b.out + b.size; y++) if (keep(y)) return true; return false; }),
    outputs: Int32Array.from(useOutputs),
    probeOf: Int32Array.from(probeOf),
    chainPtr: Int32Array.from(chainPtr),
    chain: Int32Array.from(chain),
    probes: Int32Array.from(new Set(probeOf)).sort(),
  };
}

/** g per use output: the product of the partials along its chain (1 for an output that is its own probe). */
export function chainGains(t: Tape, uses: ParameterUses): Float64Array {
  const { outputs, chainPtr, chain } = uses, g = new Float64Array(outputs.length);
  for (let k = 0; k < outputs.length; k++) {
    let prev = outputs[k]!, gain = 1;
    for (let e = chainPtr[k]!; e < chainPtr[k + 1]!; e++) {
      const i = chain[e]!;
      const q = i * NPAR, a = t.a[i] === prev, b = t.b[i] === prev;
      gain *= (a ? t.par[q]! : 0) + (b ? t.par[q + 1]! : 0); // both when the node reads it twice (y + y)
      prev = i;
    }
    g[k] = gain;
  }
  return g;
}

/**
 * Marks the entries θᵢ for which two use outputs c ≠ c′ that read θᵢ
 * interact in `pattern` (the Hessian in the probes, or the outputs' common
 * dependence for diag JᵀJ): their diagonal needs off-diagonal entries, so
 * they take the dense lanes (a group all of whose entries do is dense).
 * Entries with the same set S(i) are checked once (a weight column shares it).
 */
export function interactingUses(t: Tape, groups: readonly ParamGroup[], uses: ParameterUses, pattern: Pattern): void {
  const nIn = t.nIn, v = new Int32Array(t.n).fill(-1), pv = new Int32Array(t.n).fill(-1);
  uses.probes.forEach((s, k) => { pv[s] = k; });
  // an output's variable: its probe's index (two outputs with one probe interact through it)
  uses.outputs.forEach((s, k) => { v[s] = pv[uses.probeOf[k]!]!; });
  // S(i) as lists of probe indices per input slot, in CSR (two passes over the uses: count, fill)
  const ptr = new Int32Array(nIn + 2);
  const visit = (add: (x: number, c: number) => void) => {
    const { a, b } = t;
    for (const i of uses.nodes) { add(a[i]!, i); if (b[i] !== a[i]) add(b[i]!, i); }
    for (const k of uses.blocks) (t.blocks[k] as ArrayBlock).structure((y, x) => add(x, y), () => {});
  };
  const ok = (x: number) => x >= 1 && x <= nIn;
  visit((x, c) => { if (ok(x) && v[c]! >= 0) ptr[x + 1]++; });
  for (let x = 0; x <= nIn; x++) ptr[x + 1]! += ptr[x]!;
  const next = ptr.slice(0, nIn + 1), list = new Int32Array(ptr[nIn + 1]!);
  visit((x, c) => { if (ok(x) && v[c]! >= 0) list[next[x]!++] = c; });
  const checked = new Map<number, { S: Int32Array; meet: boolean }[]>();
  const { rowPtr, colIdx } = pattern;
  const has = (r: number, c: number) => {
    let lo = rowPtr[r]!, hi = rowPtr[r + 1]!;
    while (lo < hi) { const m = (lo + hi) >> 1, x = colIdx[m]!; if (x === c) return true; if (x < c) lo = m + 1; else hi = m; }
    return false;
  };
  const S = new Int32Array(uses.outputs.length);
  groups.forEach((g, k) => {
    if (uses.why[k] !== null) return;
    for (let x = g.start + 1; x <= g.start + g.size; x++) {
      if (uses.dense[x]) continue;
      // the distinct outputs reading θᵢ, as variables, sorted (insertion: these lists are short)
      const lo = ptr[x]!, hi = ptr[x + 1]!;
      list.subarray(lo, hi).sort();
      let m = 0;
      for (let e = lo; e < hi; e++) {
        if (e > lo && list[e] === list[e - 1]) continue;
        const u = v[list[e]!]!;
        let j = m++;
        while (j > 0 && S[j - 1]! > u) { S[j] = S[j - 1]!; j--; }
        S[j] = u;
      }
      let h = m;
      for (let e = 0; e < m; e++) h = (Math.imul(h, 31) + S[e]!) | 0;
      let same = checked.get(h);
      let meet = same?.find((T) => T.S.length === m && T.S.every((c, e) => c === S[e]))?.meet;
      if (meet === undefined) {
        meet = false;
        // (two outputs with one probe r interact through (H)_rr: the pattern's diagonal entry says whether it can be non-zero)
        for (let p = 0; p < m && !meet; p++) for (let q = p + 1; q < m && !meet; q++) meet = has(S[p]!, S[q]!);
        if (!same) checked.set(h, (same = []));
        same.push({ S: S.slice(0, m), meet });
      }
      if (meet) {
        uses.dense[x] = 1;
        uses.denseWhy[k] ??= 'two outputs it touches interact (its diagonal needs off-diagonal curvature)';
      }
    }
  });
  allDense(groups, uses.dense, uses.denseWhy, uses.why);
}

/** A group all of whose entries are dense is dense as a whole, for the same reason. */
function allDense(groups: readonly ParamGroup[], dense: Uint8Array, denseWhy: readonly (string | null)[], why: (string | null)[]): void {
  groups.forEach((g, k) => {
    if (why[k] !== null || denseWhy[k] === null || g.size === 0) return;
    for (let x = g.start + 1; x <= g.start + g.size; x++) if (!dense[x]) return;
    why[k] = denseWhy[k]!;
  });
}

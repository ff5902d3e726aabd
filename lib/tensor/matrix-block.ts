/**
 * The matrix block: one tape node applying a matrix rule (linalg-rules.ts)
 * to every item of a batch. Every sweep is the rule's hyper-dual forward
 * form or its adjoint, evaluated lane by lane on the lanes' components:
 *
 *   tangent         Ỹ = F(X + ε Ẋ)                                  → Ẏ
 *   Taylor-2        Ỹ = F(X + ε₁Ẋ + ε₂Ẋ + ε₁ε₂Ẍ)                    → Ẏ, Ÿ
 *   hyper-dual      Ỹ = F(X + ε₁X₁ + ε₂X₂ + ε₁ε₂X₁₂)                 → Y₁, Y₂, Y₁₂
 *   Laplacian       as Taylor-2 per lane, the lanes' ε₁ε₂ parts summed (L_X enters lane 0)
 *   reverse         X̄ += J(X)ᵀȲ
 *   fwd-over-rev    the adjoint on duals: (X̄, X̄̇) += J(X + εẊ)ᵀ(Ȳ + εȲ̇)
 *   third order     the adjoint on hyper-duals, its adjoints' components in
 *                   reverse order: the transpose of multiplication by
 *                   J̃ = J₀ + ε₁J₁ + ε₂J₂ + ε₁ε₂J₁₂ on (c₀, c₁, c₂, c₁₂) is
 *                   multiplication by J̃ᵀ on (c₁₂, c₂, c₁, c₀).
 *
 * So a rule is written twice (forward, adjoint) and no sweep names an op.
 * Arguments are runs of slots, item b of argument j at slot + b·r·c,
 * row-major; a constant argument (not live) has no perturbation and no adjoint.
 */
import type { ArrayBlock } from '../tape/block.js';
import type { HyperAdjoints, HyperLanes } from '../tape/node.js';
import type { Tape } from '../tape/tape.js';
import { HD, type Component, type Components } from './hyperdual-matrix.js';
import type { MatrixRule } from './linalg-rules.js';

/** One argument: its first slot, an item's shape r×c, and whether it is traced. */
export interface MatrixArg { readonly slot: number; readonly r: number; readonly c: number; readonly live: boolean }

/** Where a component is read or written: lane k of arr (stride K); null for an exact zero. */
type Src = { readonly arr: Float64Array; readonly K: number; readonly k: number } | null;
type Srcs = readonly [Src, Src, Src, Src];

const lane = (arr: Float64Array, K: number, k: number): Src => ({ arr, K, k });

/** the component at base … base + len: a view when the lanes are contiguous (K = 1; no rule writes into its arguments), else a copy */
function gather(s: Src, base: number, len: number): Component {
  if (!s) return null;
  if (s.K === 1) return s.arr.subarray(base, base + len);
  const x = new Float64Array(len), { arr, K, k } = s;
  for (let i = 0; i < len; i++) x[i] = arr[(base + i) * K + k]!;
  return x;
}

/** Is some entry non-zero? */
const moves = (c: Component): boolean => c !== null && c.some((v) => v !== 0);

/**
 * A perturbation component, or null when all its entries are 0: a direction
 * that does not move the item contributes nothing, exactly (a lane not
 * seeded upstream stays finite where the rule has no derivative, e.g. det at
 * a singular matrix), and costs nothing.
 */
const perturbation = (s: Src, base: number, len: number): Component => {
  const x = gather(s, base, len);
  return moves(x) ? x : null;
};

export class MatrixBlock<C> implements ArrayBlock {
  private caches: C[] = [];
  private readonly need: readonly boolean[];
  /**
   * @param out first output slot; item b's r×c result at out + b·r·c
   * @param items batch size
   */
  constructor(
    readonly out: number,
    readonly r: number,
    readonly c: number,
    readonly items: number,
    readonly args: readonly MatrixArg[],
    readonly rule: MatrixRule<C>,
  ) {
    this.need = args.map((a) => a.live);
  }
  get size(): number { return this.items * this.r * this.c; }
  get bytes(): number { return this.caches.reduce((s, c) => s + this.rule.bytes(c), 0); }
  signature(): readonly unknown[] {
    return ['matrix', this.out, this.r, this.c, this.items, this.rule, ...this.args.flatMap((a) => [a.slot, a.r, a.c, a.live])];
  }

  /** item b of argument j (or of the output, j = −1) with its components read from srcs */
  private load(j: number, b: number, srcs: Srcs): HD {
    const a = j < 0 ? { slot: this.out, r: this.r, c: this.c, live: true } : this.args[j]!;
    const len = a.r * a.c, base = a.slot + b * len;
    const p: Component[] = [gather(srcs[0], base, len), null, null, null];
    if (a.live) {
      p[1] = perturbation(srcs[1], base, len);
      p[2] = srcs[2] === srcs[1] ? p[1] : perturbation(srcs[2], base, len);
      p[3] = perturbation(srcs[3], base, len);
    }
    return new HD(a.r, a.c, p as Components);
  }
  private loadArgs(b: number, srcs: Srcs): HD[] { return this.args.map((_, j) => this.load(j, b, srcs)); }

  /** writes (or adds) x into lane s at item b of argument j (the output: j = −1); a null x writes zeros */
  private store(s: Src, j: number, b: number, x: Component, add: boolean): void {
    if (!s || (add && !x)) return;
    const a = j < 0 ? { slot: this.out, r: this.r, c: this.c } : this.args[j]!;
    const len = a.r * a.c, base = a.slot + b * len, { arr, K, k } = s;
    for (let i = 0; i < len; i++) {
      const v = x ? x[i]! : 0;
      if (add) arr[(base + i) * K + k] += v;
      else arr[(base + i) * K + k] = v;
    }
  }

  replay(t: Tape): void {
    const V = lane(t.val, 1, 0), len = this.r * this.c;
    for (let b = 0; b < this.items; b++) {
      const xs = this.loadArgs(b, [V, null, null, null]);
      this.caches[b] = this.rule.value(xs, t.val.subarray(this.out + b * len, this.out + (b + 1) * len), this.items > 1 ? ` (batch item ${b})` : '');
    }
  }

  /** the rule's hyper-dual form on item b, the arguments' components read from srcs */
  private forward(t: Tape, b: number, srcs: Srcs): HD {
    const y = this.load(-1, b, [lane(t.val, 1, 0), null, null, null]);
    return this.rule.forward(this.loadArgs(b, srcs), y, this.caches[b]!);
  }

  tangent(t: Tape, K: number, T: Float64Array): void {
    const V = lane(t.val, 1, 0);
    for (let k = 0; k < K; k++) {
      const s = lane(T, K, k);
      for (let b = 0; b < this.items; b++) this.store(s, -1, b, this.forward(t, b, [V, s, null, null]).p[1], false);
    }
  }
  second(t: Tape, K: number, T1: Float64Array, T2: Float64Array): void {
    const V = lane(t.val, 1, 0);
    for (let k = 0; k < K; k++) {
      const s1 = lane(T1, K, k), s2 = lane(T2, K, k);
      for (let b = 0; b < this.items; b++) {
        const y = this.forward(t, b, [V, s1, s1, s2]);
        this.store(s1, -1, b, y.p[1], false);
        this.store(s2, -1, b, y.p[3], false);
      }
    }
  }
  hyper(t: Tape, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
    const V = lane(t.val, 1, 0);
    for (let k = 0; k < K; k++) {
      const s1 = lane(T1, K, k), s2 = lane(T2, K, k), s12 = lane(T12, K, k);
      for (let b = 0; b < this.items; b++) {
        const y = this.forward(t, b, [V, s1, s2, s12]);
        this.store(s1, -1, b, y.p[1], false);
        this.store(s2, -1, b, y.p[2], false);
        this.store(s12, -1, b, y.p[3], false);
      }
    }
  }
  // L_Y = DF[L_X] + Σ_k D²F[Ẋ_k, Ẋ_k]: lane k as a Taylor-2 lane, L_X entering with lane 0 only
  laplacian(t: Tape, K: number, T: Float64Array, L: Float64Array): void {
    const V = lane(t.val, 1, 0), sL = lane(L, 1, 0);
    for (let b = 0; b < this.items; b++) this.store(sL, -1, b, null, false);
    for (let k = 0; k < K; k++) {
      const s = lane(T, K, k);
      for (let b = 0; b < this.items; b++) {
        const y = this.forward(t, b, [V, s, s, k === 0 ? sL : null]);
        this.store(s, -1, b, y.p[1], false);
        this.store(sL, -1, b, y.p[3], true);
      }
    }
  }

  /** the rule's adjoint on item b: arguments and output read from srcs, the output's adjoint from bar */
  private adjoint(t: Tape, b: number, srcs: Srcs, bar: Srcs): readonly (HD | null)[] {
    const ybar = this.load(-1, b, bar);
    if (!ybar.p.some(moves)) return []; // an output adjoint of exact zeros (a result f does not use) sends nothing back
    const xs = this.loadArgs(b, srcs), y = this.load(-1, b, srcs);
    return this.rule.adjoint(xs, y, ybar, this.caches[b]!, this.need);
  }
  /** adds component c of each argument's adjoint into dst[c] */
  private accumulate(b: number, adj: readonly (HD | null)[], dst: Srcs): void {
    this.args.forEach((a, j) => {
      const x = adj[j];
      if (!a.live || !x) return;
      for (let c = 0; c < 4; c++) this.store(dst[c]!, j, b, x.p[c]!, true);
    });
  }

  reverse(t: Tape, K: number, A: Float64Array): void {
    const V = lane(t.val, 1, 0);
    for (let k = 0; k < K; k++) {
      const a = lane(A, K, k);
      for (let b = 0; b < this.items; b++) this.accumulate(b, this.adjoint(t, b, [V, null, null, null], [a, null, null, null]), [a, null, null, null]);
    }
  }
  reverseTangent(t: Tape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
    this.reverse(t, 1, A);
    const V = lane(t.val, 1, 0), a = lane(A, 1, 0);
    for (let k = 0; k < K; k++) {
      const s = lane(T, K, k), at = lane(AT, K, k);
      for (let b = 0; b < this.items; b++) this.accumulate(b, this.adjoint(t, b, [V, s, null, null], [a, at, null, null]), [null, at, null, null]);
    }
  }
  reverseHyper(t: Tape, H: HyperLanes, A: HyperAdjoints): void {
    const V = lane(t.val, 1, 0), srcs: Srcs = [V, lane(H.T1, 1, 0), lane(H.T2, 1, 0), lane(H.T12, 1, 0)];
    const rev: Srcs = [lane(A.A12, 1, 0), lane(A.A2, 1, 0), lane(A.A1, 1, 0), lane(A.A0, 1, 0)];
    for (let b = 0; b < this.items; b++) this.accumulate(b, this.adjoint(t, b, srcs, rev), rev);
  }

  /**
   * Dense within an item: every output depends on every entry of every
   * traced argument of its item, and all of those may interact. The
   * interactions are reported as pair(y, x, y₀) for each argument entry x,
   * y₀ the item's first output: its dependency set and its tangent's
   * liveness are the item's (given by the dependencies, reported first), so
   * this stands for every pair of argument entries at a cost linear in them.
   * A superset of the true pattern (solve is linear in B), exact for det, inv and the like.
   */
  structure(dep: (y: number, x: number) => void, pair: (y: number, x1: number, x2: number) => void): void {
    const len = this.r * this.c;
    for (let b = 0; b < this.items; b++) {
      const y0 = this.out + b * len;
      for (const visit of [dep, (y: number, x: number) => pair(y, x, y0)]) {
        for (let y = y0; y < y0 + len; y++) {
          for (const a of this.args) {
            if (!a.live) continue;
            const n = a.r * a.c, x0 = a.slot + b * n;
            for (let x = x0; x < x0 + n; x++) visit(y, x);
          }
        }
      }
    }
  }
}

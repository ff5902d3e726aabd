/**
 * The tensor block nodes:
 *  - Elementwise: a run of elementary nodes (the broadcast is in their
 *    argument slots), stored and swept like scalar nodes, so every
 *    elementwise op reads the rule table and nothing else (a full sum too:
 *    a chain of adds);
 *  - Linear: y[to[e]] += w[e]·x[from[e]] (gathers, transpose, a slice that
 *    is not contiguous, take, concat, stack, sums over axes): no second
 *    derivative, each lane array maps through the same entries;
 *  - MatMul: the bilinear Z = X·Y, whose partials are the operands
 *    themselves (Ż = ẊY + XẎ, Z̈ = ẌY + XŸ + 2ẊẎ, X̄ += Z̄Yᵀ, Ȳ += XᵀZ̄).
 *  - Constant: values with zero derivatives (constant nodes);
 *  - Detached: a function of the primals with zero derivatives (a stop-gradient,
 *    e.g. the shift of a stable logsumexp), recomputed at replay.
 * Elementwise and Constant blocks are runs of elementary nodes in the tape's
 * own arrays (NodeRun), which the sweeps visit as scalar nodes; the others
 * implement every sweep.
 */
import type { ArrayBlock, NodeBlock } from '../tape/block.js';
import type { Tape } from '../tape/tape.js';
import { CONST, NPAR, evalNode, finitePartials } from '../tape/node.js';
import type { HyperAdjoints, HyperLanes } from '../tape/node.js';
import { elementLoop } from '../tape/codegen/record.js';
import { gemm, type Operand } from './gemm.js';

/**
 * A run of elementary nodes written in the tape's own arrays (op code,
 * arguments, parameter, partials) like any scalar node: the sweeps and the
 * passes over nodes visit it as such (NodeBlock), so a recording made only of
 * these and scalar nodes is swept, compacted and compiled like a scalar
 * recording. The block itself replays its nodes.
 */
abstract class NodeRun implements NodeBlock {
  readonly nodes = true as const;
  constructor(readonly out: number, readonly size: number) {}
  /** (its nodes are counted with the tape's) */
  get bytes(): number { return 0; }
  protected get end(): number { return this.out + this.size; }
  /** (its nodes' op codes and arguments are the tape's own) */
  signature(): readonly unknown[] { return [this.constructor, this.out, this.size]; }
  abstract replay(t: Tape): void;
}

/**
 * y_i = op(x[a_i], x[b_i]) for the block's slots i (b_i = 0, the zero node,
 * for unary ops; the caller writes the argument slots, so a broadcast or a
 * running sum is only a matter of which slots they are). It replays in one
 * loop: generated per op (codegen/record.ts), its rule calls naming one rule,
 * or evalNode per element.
 */
export class Elementwise extends NodeRun {
  constructor(t: Tape, out: number, size: number, readonly code: number, readonly p: number) {
    super(out, size);
    t.op.fill(code, out, out + size);
    t.prm.fill(p, out, out + size);
  }
  replay(t: Tape): void {
    const { out, end, code, p } = this, { val, par, a, b } = t;
    const loop = elementLoop(code, this.size);
    if (loop) {
      if (loop(val, par, a, b, out, end, p)) t.nonFinite = true;
      return;
    }
    let finite = true;
    for (let i = out; i < end; i++) {
      val[i] = evalNode(code, val[a[i]!]!, val[b[i]!]!, p, par, i * NPAR);
      if (finite && !finitePartials(par, i * NPAR)) finite = false;
    }
    if (!finite) t.nonFinite = true; // the whole recording sweeps carefully (a zero partial elsewhere may meet an ∞ tangent)
  }
}

/** Values with zero derivatives (a constant tensor used with traced ones): constant nodes. */
export class Constant extends NodeRun {
  readonly constant = true;
  constructor(t: Tape, out: number, readonly data: Float64Array) {
    super(out, data.length);
    const end = out + data.length;
    t.op.fill(CONST, out, end); t.a.fill(0, out, end); t.b.fill(0, out, end); t.prm.fill(0, out, end);
    t.par.fill(0, out * NPAR, end * NPAR);
  }
  replay(t: Tape): void { t.val.set(this.data, this.out); }
}

/**
 * y[to[e]] += w[e]·x_{src[e]}[from[e]] over entries e (w absent: all ones;
 * src absent: source 0), source s starting at slot bases[s]. The entries are
 * relative to the sources, so one set serves every recording of the same op
 * on the same shapes (lib/tensor/index-maps.ts keeps them).
 */
export class Linear implements ArrayBlock {
  constructor(
    readonly out: number,
    readonly size: number,
    readonly bases: Int32Array,
    readonly from: Int32Array,
    readonly to: Int32Array,
    readonly src: Int32Array | null,
    readonly w: Float64Array | null,
  ) {}
  get bytes(): number { return this.from.byteLength * 2 + (this.src?.byteLength ?? 0) + (this.w?.byteLength ?? 0); }
  signature(): readonly unknown[] { return ['linear', this.out, this.size, this.bases, this.from, this.to, this.src]; }

  /** the slot entry e reads */
  private slot(e: number): number { return this.bases[this.src ? this.src[e]! : 0]! + this.from[e]!; }

  /** Y[out + to[e]] += w[e]·X[slot(e)] for each lane. */
  private map(K: number, X: Float64Array, Y: Float64Array): void {
    const { from, to, w, out, src, bases } = this, b0 = bases[0]!;
    if (K === 1 && !src) {
      for (let e = 0; e < from.length; e++) Y[out + to[e]!] += (w ? w[e]! : 1) * X[b0 + from[e]!]!;
      return;
    }
    for (let e = 0; e < from.length; e++) {
      const c = w ? w[e]! : 1, xi = this.slot(e) * K, yi = (out + to[e]!) * K;
      for (let k = 0; k < K; k++) Y[yi + k] += c * X[xi + k]!;
    }
  }
  /** X[slot(e)] += w[e]·Y[out + to[e]] for each lane (the transpose). */
  private mapT(K: number, Y: Float64Array, X: Float64Array): void {
    const { from, to, w, out, src, bases } = this, b0 = bases[0]!;
    if (K === 1 && !src) {
      for (let e = from.length - 1; e >= 0; e--) X[b0 + from[e]!] += (w ? w[e]! : 1) * Y[out + to[e]!]!;
      return;
    }
    for (let e = from.length - 1; e >= 0; e--) {
      const c = w ? w[e]! : 1, xi = this.slot(e) * K, yi = (out + to[e]!) * K;
      for (let k = 0; k < K; k++) X[xi + k] += c * Y[yi + k]!;
    }
  }
  replay(t: Tape): void {
    t.val.fill(0, this.out, this.out + this.size);
    this.map(1, t.val, t.val);
  }
  structure(dep: (y: number, x: number) => void): void {
    for (let e = 0; e < this.from.length; e++) dep(this.out + this.to[e]!, this.slot(e));
  }
  tangent(_t: Tape, K: number, T: Float64Array): void { this.map(K, T, T); }
  second(_t: Tape, K: number, T1: Float64Array, T2: Float64Array): void { this.map(K, T1, T1); this.map(K, T2, T2); }
  hyper(_t: Tape, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
    this.map(K, T1, T1); this.map(K, T2, T2); this.map(K, T12, T12);
  }
  laplacian(_t: Tape, K: number, T: Float64Array, L: Float64Array): void { this.map(K, T, T); this.map(1, L, L); }
  reverseHyper(_t: Tape, _H: HyperLanes, A: HyperAdjoints): void {
    this.mapT(1, A.A0, A.A0); this.mapT(1, A.A1, A.A1); this.mapT(1, A.A2, A.A2); this.mapT(1, A.A12, A.A12);
  }
  reverse(_t: Tape, K: number, A: Float64Array): void { this.mapT(K, A, A); }
  reverseTangent(_t: Tape, K: number, _T: Float64Array, A: Float64Array, AT: Float64Array): void {
    this.mapT(1, A, A); this.mapT(K, AT, AT);
  }
  /** whether two entries join the same output slot to the same argument slot (then ∂y/∂x is their sum); found once */
  private repeats: boolean | undefined;
  // A[slot(e)] += w[e]²·A[out + to[e]], each (output, argument) pair being a single entry
  squaredReverse(_sq: Float64Array, A: Float64Array): boolean {
    if (this.repeats === undefined) {
      const seen = new Set<number>(), m = this.size;
      this.repeats = false;
      for (let e = 0; e < this.from.length && !this.repeats; e++) {
        const key = this.slot(e) * m + this.to[e]!;
        if (seen.has(key)) this.repeats = true;
        seen.add(key);
      }
    }
    if (this.repeats) return false;
    const { to, w, out } = this;
    for (let e = this.from.length - 1; e >= 0; e--) A[this.slot(e)] += (w ? w[e]! * w[e]! : 1) * A[out + to[e]!]!;
    return true;
  }
}

/** How a matrix operand of a MatMul is laid out: first slot, and the slot strides of a row and a column. */
export interface MatLayout { readonly base: number; readonly rs: number; readonly cs: number }

const T_ = (l: MatLayout): MatLayout => ({ base: l.base, rs: l.cs, cs: l.rs });
const op = (arr: Float64Array, l: MatLayout, lane: boolean): Operand => ({ arr, base: l.base, rs: l.rs, cs: l.cs, lane });

/** (i, j, c): component c of X·Y gets X_i·Y_j (components 0, 1, 2, 3 = value, ε₁, ε₂, ε₁ε₂). */
const HYPER_PRODUCTS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [1, 0, 1], [0, 1, 1], [2, 0, 2], [0, 2, 2], [3, 0, 3], [0, 3, 3], [1, 2, 3], [2, 1, 3],
];

/**
 * Z (m×n, at out) = X (m×q) · Y (q×n); operand layouts may be transposed
 * views. An operand that is a constant (xLive/yLive false: a weight matrix
 * given as data) has zero tangents and an unused adjoint, so every term that
 * reads its lanes or writes its adjoint is skipped.
 */
export class MatMul implements ArrayBlock {
  private readonly Z: MatLayout;
  private scratch: Float64Array | null = null;
  constructor(
    readonly out: number,
    readonly m: number,
    readonly q: number,
    readonly n: number,
    readonly X: MatLayout,
    readonly Y: MatLayout,
    readonly xLive = true,
    readonly yLive = true,
  ) {
    this.Z = { base: out, rs: n, cs: 1 };
  }
  get size(): number { return this.m * this.n; }
  get bytes(): number { return 0; }
  signature(): readonly unknown[] {
    const { out, m, q, n, X, Y, xLive, yLive } = this;
    return ['matmul', out, m, q, n, X.base, X.rs, X.cs, Y.base, Y.rs, Y.cs, xLive, yLive];
  }

  /** Z += α · x · y, lanes as flagged */
  private mm(K: number, alpha: number, x: Operand, y: Operand, z: Operand, m = this.m, q = this.q, n = this.n): void {
    gemm(m, q, n, K, alpha, x, y, z);
  }
  replay(t: Tape): void {
    t.val.fill(0, this.out, this.out + this.size);
    this.multiply(t.val, t.val, t.val);
  }
  // Z_ij depends on X_ip and Y_pj, bilinearly: ∂²Z_ij/∂X_ip∂Y_pj = 1
  structure(dep: (y: number, x: number) => void, pair: (y: number, x1: number, x2: number) => void): void {
    const { m, q, n, X, Y, Z } = this;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const z = Z.base + i * Z.rs + j * Z.cs;
      for (let p = 0; p < q; p++) {
        const x = X.base + i * X.rs + p * X.cs, y = Y.base + p * Y.rs + j * Y.cs;
        dep(z, x); dep(z, y); pair(z, x, y);
      }
    }
  }
  /** Z += X·Y on plain arrays laid out as this block's operands (a zeroed Z gives the product) */
  multiply(x: Float64Array, y: Float64Array, z: Float64Array): void {
    this.mm(1, 1, op(x, this.X, false), op(y, this.Y, false), op(z, this.Z, false));
  }
  // Ż = ẊY + XẎ
  tangent(t: Tape, K: number, T: Float64Array): void {
    const z = op(T, this.Z, true);
    if (this.xLive) this.mm(K, 1, op(T, this.X, true), op(t.val, this.Y, false), z);
    if (this.yLive) this.mm(K, 1, op(t.val, this.X, false), op(T, this.Y, true), z);
  }
  // Z₂ = X₂Y + XY₂ + 2X₁Y₁
  second(t: Tape, K: number, T1: Float64Array, T2: Float64Array): void {
    const z2 = op(T2, this.Z, true), { xLive, yLive } = this;
    if (xLive) this.mm(K, 1, op(T2, this.X, true), op(t.val, this.Y, false), z2);
    if (yLive) this.mm(K, 1, op(t.val, this.X, false), op(T2, this.Y, true), z2);
    if (xLive && yLive) this.mm(K, 2, op(T1, this.X, true), op(T1, this.Y, true), z2);
    this.tangent(t, K, T1);
  }
  // Z₁₂ = X₁₂Y + XY₁₂ + X₁Y₂ + X₂Y₁
  hyper(t: Tape, K: number, T1: Float64Array, T2: Float64Array, T12: Float64Array): void {
    const z = op(T12, this.Z, true), { xLive, yLive } = this;
    if (xLive) this.mm(K, 1, op(T12, this.X, true), op(t.val, this.Y, false), z);
    if (yLive) this.mm(K, 1, op(t.val, this.X, false), op(T12, this.Y, true), z);
    if (xLive && yLive) {
      this.mm(K, 1, op(T1, this.X, true), op(T2, this.Y, true), z);
      this.mm(K, 1, op(T2, this.X, true), op(T1, this.Y, true), z);
    }
    this.tangent(t, K, T1);
    this.tangent(t, K, T2);
  }
  // L_Z = L_X Y + X L_Y + 2 Σ_k Ẋ_k Ẏ_k
  laplacian(t: Tape, K: number, T: Float64Array, L: Float64Array): void {
    const z = op(L, this.Z, false);
    if (this.xLive) this.mm(1, 1, op(L, this.X, false), op(t.val, this.Y, false), z);
    if (this.yLive) this.mm(1, 1, op(t.val, this.X, false), op(L, this.Y, false), z);
    if (!(this.xLive && this.yLive)) return this.tangent(t, K, T);
    // the lane sum: each lane's product into a scratch lane array (kept across sweeps), then the lanes added up
    const need = this.size * K;
    if (!this.scratch || this.scratch.length < need) this.scratch = new Float64Array(need);
    const S = this.scratch;
    S.fill(0, 0, need);
    this.mm(K, 2, op(T, this.X, true), op(T, this.Y, true), op(S, { base: 0, rs: this.n, cs: 1 }, true));
    for (let s = 0; s < this.size; s++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += S[s * K + k]!;
      L[this.out + s] += acc;
    }
    this.tangent(t, K, T);
  }
  // Components 0 (value), 1, 2, 12 (ε₁ε₂): Z_c = Σ X_i Y_j over disjoint i ∪ j = c, so
  // X̄_i += Z̄_c Y_jᵀ and Ȳ_j += X_iᵀ Z̄_c for each such (i, j, c).
  reverseHyper(t: Tape, H: HyperLanes, A: HyperAdjoints): void {
    const { m, q, n } = this, V = [t.val, H.T1, H.T2, H.T12], B = [A.A0, A.A1, A.A2, A.A12];
    for (const [i, j, c] of HYPER_PRODUCTS) {
      // a constant operand's perturbed components are zero and its adjoints unused
      if ((i > 0 && !this.xLive) || (j > 0 && !this.yLive)) continue;
      if (this.xLive) this.mm(1, 1, op(B[c]!, this.Z, false), op(V[j]!, T_(this.Y), false), op(B[i]!, this.X, false), m, n, q);
      if (this.yLive) this.mm(1, 1, op(V[i]!, T_(this.X), false), op(B[c]!, this.Z, false), op(B[j]!, this.Y, false), q, m, n);
    }
  }
  // X̄ += Z̄Yᵀ, Ȳ += XᵀZ̄
  reverse(t: Tape, K: number, A: Float64Array): void {
    const { m, q, n } = this;
    if (this.xLive) this.mm(K, 1, op(A, this.Z, true), op(t.val, T_(this.Y), false), op(A, this.X, true), m, n, q);
    if (this.yLive) this.mm(K, 1, op(t.val, T_(this.X), false), op(A, this.Z, true), op(A, this.Y, true), q, m, n);
  }
  withInputsFixed(nIn: number): MatMul {
    const { out, m, q, n, X, Y } = this;
    return new MatMul(out, m, q, n, X, Y, this.xLive && X.base > nIn, this.yLive && Y.base > nIn);
  }
  // ∂Z_ij/∂X_ip = Y_pj and ∂Z_ij/∂Y_pj = X_ip, one term each: the reverse sweep over the squared values
  squaredReverse(sq: Float64Array, A: Float64Array): boolean {
    this.reverse({ val: sq } as Tape, 1, A);
    return true;
  }
  // X̄̇ += Z̄̇Yᵀ + Z̄Ẏᵀ, Ȳ̇ += XᵀZ̄̇ + ẊᵀZ̄ (and the primal adjoints as in reverse)
  reverseTangent(t: Tape, K: number, T: Float64Array, A: Float64Array, AT: Float64Array): void {
    const { m, q, n } = this;
    this.reverse(t, 1, A);
    const xa = op(AT, this.X, true), ya = op(AT, this.Y, true), { xLive, yLive } = this;
    if (xLive) this.mm(K, 1, op(AT, this.Z, true), op(t.val, T_(this.Y), false), xa, m, n, q);
    if (xLive && yLive) this.mm(K, 1, op(A, this.Z, false), op(T, T_(this.Y), true), xa, m, n, q);
    if (yLive) this.mm(K, 1, op(t.val, T_(this.X), false), op(AT, this.Z, true), ya, q, m, n);
    if (xLive && yLive) this.mm(K, 1, op(T, T_(this.X), true), op(A, this.Z, false), ya, q, m, n);
  }
}

/**
 * y = g(primals), recomputed by `compute` at replay, with zero derivatives
 * (a stop-gradient): every sweep leaves its slots alone (the work arrays of
 * a recording with such a block are zeroed whole).
 */
export class Detached implements ArrayBlock {
  constructor(readonly out: number, readonly size: number, private readonly compute: (val: Float64Array, out: number) => void) {}
  get bytes(): number { return 0; }
  signature(): readonly unknown[] { return ['detached', this.out, this.size]; }
  replay(t: Tape): void { this.compute(t.val, this.out); }
  structure(): void {}
  laplacian(): void {}
  reverseHyper(): void {}
  tangent(): void {}
  second(): void {}
  hyper(): void {}
  reverse(): void {}
  reverseTangent(): void {}
}

/**
 * Fused elementwise programs: a chain (a DAG) of elementwise ops over
 * arrays, run as one generated loop per sweep mode, the way XLA fuses. For
 * each element i the loop evaluates every instruction's value and partials
 * in locals (each rule's own d pasted in, or called: evaluate.ts,
 * inline.ts), carries the mode's lanes through them in locals, with the
 * terms of partials that are literal zeros left out, and touches memory only at the
 * program's leaves (its input arrays) and its root (the output array, or
 * the one slot of its sum). Nothing is stored per element between sweeps:
 * each sweep recomputes the partials, which costs less than streaming them
 * through memory. The formulas are those of lib/tape/formulas.ts (and the
 * third-order reverse of lib/tape/kernels.ts runReverseHyper), in IEEE
 * arithmetic: a program runs only while every partial, to third order, is
 * finite (the values pass says when one is not). The sweeps over a
 * folded program's partials are in ./folded.ts.
 */
import { BINARY, NU, P, UNARY } from '../../rules/index.js';
import { constantPartials, finitePartialsSource, ruleDeclarations } from './evaluate.js';
import { compileShared } from './compile.js';

/** Where element i of a leaf (an input array of the program) is: slot base + i (step 1), base (step 0), or base + idx[i]. */
export interface Leaf { readonly base: number; readonly step: 0 | 1; readonly idx: Int32Array | null }

/** The slot of element i of leaf l. */
export const leafSlot = (l: Leaf, i: number): number => (l.idx ? l.base + l.idx[i]! : l.base + l.step * i);

/** The generated source of the same: `const s<k> = …` for each leaf k, in element i (with `b<k>`, `x<k>` its base and index array). */
export const leafSlots = (pr: Program): string[] =>
  pr.leaves.map((l, k) => `const s${k} = ${l.idx ? `b${k} + x${k}[i]` : l.step ? `b${k} + i` : `b${k}`};`);

/**
 * One instruction: node code and parameter (lib/tape/node.ts), and its
 * arguments as references: r < L is leaf r, r ≥ L instruction r − L; b = −1
 * for a one-argument node. The last instruction is the root.
 */
export interface Instr { readonly code: number; readonly p: number; readonly a: number; readonly b: number }

/** A program over m elements; `reduce`: its output is Σᵢ root_i (one slot) rather than root_i at out + i. */
export interface Program {
  readonly leaves: readonly Leaf[];
  readonly instrs: readonly Instr[];
  readonly reduce: boolean;
}

export type FusedMode = 'values' | 'fold' | 'tangent' | 'second' | 'hyper' | 'laplacian' | 'reverse' | 'reverseTangent' | 'reverseHyper';

/**
 * A mode's loop: (val, LB (leaf bases), LX (leaf index arrays), PRM (instruction
 * parameters), CP (their constant partials, {@link programConstants}), m, out, K, X…)
 * with the mode's lane arrays X (values: none; returns true if some partial
 * is not finite).
 */
export type FusedFn = (
  val: Float64Array, LB: Int32Array, LX: readonly (Int32Array | null)[], PRM: Float64Array, CP: Float64Array, m: number, out: number, K: number,
  ...lanes: Float64Array[]
) => boolean | void;

/** The lane arrays each mode takes, in order. */
export const LANES: Record<FusedMode, readonly string[]> = {
  values: [], fold: ['G', 'H'], tangent: ['T'], second: ['T1', 'T2'], hyper: ['T1', 'T2', 'T12'], laplacian: ['T', 'L'], reverse: ['A'],
  reverseTangent: ['T', 'A', 'AT'], reverseHyper: ['T1', 'T2', 'T12', 'A0', 'A1', 'A2', 'A12'],
};

/** A constant partial as the key and the source see it: 0, 1 and −1 are literals, any other value is read at run time. */
const constantForm = (v: number): string => (v === 0 ? '0' : v === 1 ? '1' : v === -1 ? '-1' : 'c');

/**
 * What a program's generated source depends on: its leaves' kinds, its
 * instructions, whether it sums, the leaves held constant (a probe sweep's
 * inputs), and which partials are constant, and of those which are 0, 1 or
 * −1 (the other constants and the parameters are read at run time).
 */
function key(pr: Program, fixed: number): string {
  const leaves = pr.leaves.map((l) => (l.idx ? 'x' : String(l.step))).join('');
  const consts = pr.instrs.map((s) => { const c = constantPartials(s.code, s.p); return c ? Array.from(c, constantForm).join('') : '-'; });
  return `${leaves}|${pr.instrs.map((s) => `${s.code},${s.a},${s.b}`).join(';')}|${pr.reduce ? 1 : 0}|${fixed}|${consts.join(',')}`;
}

/*
 * Source arithmetic on expressions where '0', '1' and '-1' are literals: a
 * term with a factor 0 is dropped, a factor ±1 is a sign. V8 cannot do this
 * itself (0·x is NaN at x = ∞, x + 0 is not x at x = −0); here a zero is
 * structural, as the careful kernels take it (lib/tape/formulas.ts).
 */
const atom = (e: string): string => (/^[\w.$]+$/.test(e) ? e : `(${e})`);
function mul(...f: string[]): string {
  if (f.includes('0')) return '0';
  let neg = false;
  const keep: string[] = [];
  for (const x of f) {
    if (x === '1') continue;
    if (x === '-1') { neg = !neg; continue; }
    keep.push(atom(x));
  }
  if (!neg) return keep.join(' * ') || '1';
  return keep.length === 0 ? '-1' : `-${keep.length === 1 ? keep[0] : `(${keep.join(' * ')})`}`;
}
function add(...t: string[]): string {
  const u = t.filter((x) => x !== '0');
  return u.length ? u.join(' + ') : '0';
}

/** The sum of terms as a balanced tree of additions (each term parenthesised as needed). */
function tree(terms: readonly string[]): string {
  if (terms.length === 1) return atom(terms[0]!);
  const h = terms.length >> 1;
  return `(${tree(terms.slice(0, h))} + ${tree(terms.slice(h))})`;
}

/** The partials of instruction j in the source: g_a, g_b, h_aa, h_ab, h_bb, then the third t_aaa, t_aab, t_abb, t_bbb; each a literal or a local. */
type Partials = readonly string[];
const PARTIAL_NAMES = ['ga', 'gb', 'haa', 'hab', 'hbb', 'ta', 'tb', 'tc', 'td'];

/* An instruction's terms (partials h) for lane values at its arguments a and b (lib/tape/formulas.ts). */
/** first order: g_a a + g_b b */
const lin = (h: Partials, a: string, b: string): string => add(mul(h[0]!, a), mul(h[1]!, b));
/** Taylor-2 curvature: h_aa a² + 2 h_ab ab + h_bb b² */
const curv = (h: Partials, a: string, b: string): string => add(mul(h[2]!, a, a), mul('2', h[3]!, a, b), mul(h[4]!, b, b));
/** hyper-dual mixed term of lanes p and q: h_aa p_a q_a + h_ab (p_a q_b + q_a p_b) + h_bb p_b q_b */
const mixed = (h: Partials, pa: string, pb: string, qa: string, qb: string): string =>
  add(mul(h[2]!, pa, qa), mul(h[3]!, add(mul(pa, qb), mul(qa, pb))), mul(h[4]!, pb, qb));

/** The source of mode `mode`'s loop over program pr (leaves in `fixed`, a bitmask, held constant). */
function source(pr: Program, mode: FusedMode, fixed: number): string {
  const L = pr.leaves.length, n = pr.instrs.length, root = L + n - 1, need = new Set<string>();
  const lines: string[] = [];
  const isLeaf = (r: number) => r < L;
  const live = (l: number) => (fixed & (1 << l)) === 0;
  // values of reference r
  const v = (r: number) => (isLeaf(r) ? `v${r}` : `y${r - L}`);
  const lanes = LANES[mode];
  lines.push(...pr.leaves.map((l, k) => `const b${k} = LB[${k}], x${k} = LX[${k}];`));
  const outSlot = pr.reduce ? 'out' : '(out + i)';
  const evaluating = mode === 'values' || mode === 'fold';
  if (evaluating) lines.push('let chk = 0, acc = 0;');
  if (pr.reduce && !evaluating) {
    // the sum's lanes are summed over the elements, from 0
    const fwd = { tangent: ['T'], second: ['T1', 'T2'], hyper: ['T1', 'T2', 'T12'], laplacian: ['T'] } as Record<string, string[]>;
    for (const X of fwd[mode] ?? []) lines.push(`for (let k = 0; k < K; k++) ${X}[out * K + k] = 0;`);
    if (mode === 'laplacian') lines.push('L[out] = 0;');
  }
  const loopAt = lines.length, consts: string[] = [], checked: string[] = [], pt: Partials[] = [];
  lines.push('for (let i = 0; i < m; i++) {');
  lines.push(...leafSlots(pr), ...pr.leaves.map((_, k) => `const v${k} = val[s${k}];`));
  pr.instrs.forEach((s, j) => {
    // an affine op's partials are constants (read from CP before the loop): only its value is evaluated
    const c = constantPartials(s.code, s.p);
    const cs = c && Array.from(c, (x, k) => { const f = constantForm(x); return f === 'c' ? `c${j}_${k}` : f; });
    if (cs) cs.forEach((e, k) => { if (e.startsWith('c')) consts.push(`const ${e} = CP[${9 * j + k}];`); });
    // (the parameter read once, before the loop)
    consts.push(`const prm${j} = PRM[${j}];`);
    const [body, g, t] = finitePartialsSource(s.code, v(s.a), s.b < 0 ? '0' : v(s.b), `prm${j}`, need, cs);
    // the body's partials into locals named by instruction; literals and constants as they are
    const e = [...g, ...t], local = e.map((x) => x.startsWith('$'));
    const names = e.map((x, k) => (local[k] ? `${PARTIAL_NAMES[k]}${j}` : x));
    pt.push(names);
    lines.push(`let y${j}${names.filter((_, k) => local[k]).map((x) => `, ${x}`).join('')};`);
    lines.push(`{ ${body} y${j} = y;${e.map((x, k) => (local[k] ? ` ${names[k]} = ${x};` : '')).join('')} }`);
    // what the values pass tests (below): the partials the body computes, and those that copy an argument
    // (a constant partial is finite: constantPartials checks; so is a literal)
    if (!cs) checked.push(...names.filter((x, k) => local[k] || (x !== '0' && !/^-?\d/.test(x))));
    // evalNode: a unary op's partials are NaN at an infinite argument
    if (s.code < NU) checked.push(v(s.a));
  });
  if (evaluating) {
    // Every partial finite, as a node's would be (evalNode's conventions): the computed and copied partials and
    // the unary ops' arguments summed, as a balanced tree, without a branch, the sum tested once after the
    // loop. A NaN value gives NaN partials: it reaches the root's value (a binary op of a NaN has a NaN value
    // or NaN partials), whose NaN alone is tested (max(min(y, 0), −1) is NaN for NaN and finite for ±∞; a
    // select measured dearer); infinite values are let through, as nodes let them. A sum of finite numbers
    // that overflows is refused too: a refusal only costs a recording of nodes.
    lines.push(`chk += ${tree([...new Set(checked), `Math.max(Math.min(${v(root)}, 0), -1)`])};`);
  }
  lines.splice(loopAt, 0, ...consts);
  const yRoot = v(root);
  const two = (j: number) => pr.instrs[j]!.b >= 0;
  const arg = (lane: readonly string[], j: number) => [lane[pr.instrs[j]!.a]!, two(j) ? lane[pr.instrs[j]!.b]! : '0'] as const;
  // a forward lane through every instruction, named `nm` + reference; leaves read by `leaf(l)`; each reference's value returned
  const forward = (nm: string, leaf: (l: number) => string, step: (j: number, a: string, b: string) => string): string[] => {
    const lane: string[] = [];
    const name = (r: number, e: string) => {
      if (e === '0') return '0';
      lines.push(`const ${nm}${r} = ${e};`);
      return `${nm}${r}`;
    };
    pr.leaves.forEach((_, l) => lane.push(name(l, live(l) ? leaf(l) : '0')));
    pr.instrs.forEach((_, j) => lane.push(name(L + j, step(j, ...arg(lane, j)))));
    return lane;
  };
  const first = (j: number, a: string, b: string) => lin(pt[j]!, a, b);
  // the hyper-dual lanes 1, 2 and 12 forward, their leaves read by read(lane array, leaf)
  const hyperdual = (read: (X: string, l: number) => string): string[][] => {
    const p = forward('p', (l) => read('T1', l), first), q = forward('q', (l) => read('T2', l), first);
    const c = forward('c', (l) => read('T12', l), (j, a, b) => add(first(j, a, b), mixed(pt[j]!, ...arg(p, j), ...arg(q, j))));
    return [p, q, c];
  };
  // the root's lane value into lane array X (per lane: K lanes; else one value per slot): assigned, or summed for a reduction
  const write = (X: string, lane: string, value: string) => {
    const at = (slot: string) => (lane === 'k' ? `${slot} * K + k` : slot);
    if (pr.reduce) { if (value !== '0') lines.push(`${X}[${at('out')}] += ${value};`); } else lines.push(`${X}[${at('(out + i)')}] = ${value};`);
  };
  // adds each leaf's value of an adjoint channel into X
  const leafAdjoints = (X: string, at: (l: number) => string, adj: readonly string[]) =>
    pr.leaves.forEach((_, l) => { if (live(l) && adj[l] !== '0') lines.push(`${X}[${at(l)}] += ${adj[l]};`); });
  switch (mode) {
    case 'values':
      lines.push(pr.reduce ? `acc += ${yRoot};` : `val[out + i] = ${yRoot};`);
      break;
    case 'fold':
      lines.push(pr.reduce ? `acc += ${yRoot};` : `val[out + i] = ${yRoot};`);
      // the folded partials too: a product of finite partials can overflow (the node sweeps multiply by one factor at a time)
      { const folded = foldSource(lines, pr, pt); if (folded.length) lines.push(`chk += ${tree(folded)};`); }
      break;
    case 'tangent': {
      lines.push('for (let k = 0; k < K; k++) {');
      const t = forward('t', (l) => `T[s${l} * K + k]`, first);
      write('T', 'k', t[root]!);
      lines.push('}');
      break;
    }
    case 'second': {
      lines.push('for (let k = 0; k < K; k++) {');
      const p = forward('p', (l) => `T1[s${l} * K + k]`, first);
      const q = forward('q', (l) => `T2[s${l} * K + k]`, (j, a, b) => add(first(j, a, b), curv(pt[j]!, ...arg(p, j))));
      write('T1', 'k', p[root]!);
      write('T2', 'k', q[root]!);
      lines.push('}');
      break;
    }
    case 'hyper': {
      lines.push('for (let k = 0; k < K; k++) {');
      const [p, q, c] = hyperdual((X, l) => `${X}[s${l} * K + k]`);
      write('T1', 'k', p[root]!);
      write('T2', 'k', q[root]!);
      write('T12', 'k', c[root]!);
      lines.push('}');
      break;
    }
    case 'laplacian': {
      // the lanes' second-order terms summed per instruction, then the one summed value per slot carried through
      const z = pr.instrs.map((_, j) => `z${j}`), used = new Set<number>();
      const zAt = lines.length;
      lines.push('for (let k = 0; k < K; k++) {');
      const t = forward('t', (l) => `T[s${l} * K + k]`, first);
      pr.instrs.forEach((_, j) => { const e = curv(pt[j]!, ...arg(t, j)); if (e !== '0') { used.add(j); lines.push(`${z[j]} += ${e};`); } });
      write('T', 'k', t[root]!);
      lines.push('}');
      lines.splice(zAt, 0, ...[...used].map((j) => `let ${z[j]} = 0;`));
      const l = forward('l', (x) => `L[s${x}]`, (j, a, b) => add(first(j, a, b), used.has(j) ? z[j]! : '0'));
      write('L', '1', l[root]!);
      break;
    }
    case 'reverse': {
      lines.push('for (let k = 0; k < K; k++) {');
      const [w] = backward(lines, pr, ['w'], [`A[${outSlot} * K + k]`], (j, [wy]) => [[[mul(pt[j]![0]!, wy!)]], [[mul(pt[j]![1]!, wy!)]]]);
      leafAdjoints('A', (l) => `s${l} * K + k`, w!);
      lines.push('}');
      break;
    }
    case 'reverseTangent': {
      // the primal adjoint once, then per lane the tangent forward and the adjoint's tangent backward
      const [w] = backward(lines, pr, ['w'], [`A[${outSlot}]`], (j, [wy]) => [[[mul(pt[j]![0]!, wy!)]], [[mul(pt[j]![1]!, wy!)]]]);
      leafAdjoints('A', (l) => `s${l}`, w!);
      lines.push('for (let k = 0; k < K; k++) {');
      const t = forward('t', (l) => `T[s${l} * K + k]`, first);
      const [u] = backward(lines, pr, ['u'], [`AT[${outSlot} * K + k]`], (j, [uy]) => {
        const h = pt[j]!, [ta, tb] = arg(t, j), wy = w![L + j]!;
        return [
          [[mul(h[0]!, uy!), mul(wy, add(mul(h[2]!, ta), mul(h[3]!, tb)))]],
          [[mul(h[1]!, uy!), mul(wy, add(mul(h[3]!, ta), mul(h[4]!, tb)))]],
        ];
      });
      leafAdjoints('AT', (l) => `s${l} * K + k`, u!);
      lines.push('}');
      break;
    }
    case 'reverseHyper':
      reverseHyperSource(lines, pr, pt, hyperdual((X, l) => `${X}[s${l}]`), arg, outSlot, leafAdjoints);
      break;
  }
  lines.push('}');
  if (evaluating) lines.push(pr.reduce ? 'val[out] = acc;' : '', 'return chk - chk !== 0;');
  return [
    ...ruleDeclarations(need),
    `return function (val, LB, LX, PRM, CP, m, out, K${lanes.map((x) => `, ${x}`).join('')}) {`,
    ...lines,
    '};',
  ].join('\n');
}

/** Leaf pairs (l ≤ m) of L leaves, in the order of a folded program's second partials (see {@link foldSource}). */
export const pairsOf = (L: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let l = 0; l < L; l++) for (let m = l; m < L; m++) out.push([l, m]);
  return out;
};

/**
 * The root's partials in the leaves, into G (L per element) and H (one per
 * leaf pair l ≤ m, {@link pairsOf}), by the chain rule through the
 * instructions (partials pt) as compaction folds nodes: for y = op(a, b),
 *   ∂y/∂x_l = g_a ∂a/∂x_l + g_b ∂b/∂x_l,
 *   ∂²y/∂x_l∂x_m = g_a a_lm + g_b b_lm + h_aa a_l a_m + h_ab (a_l b_m + b_l a_m) + h_bb b_l b_m.
 * Terms that are structurally 0 (a leaf an argument does not depend on) are left out.
 * Returns the locals written (the entries that are not literals).
 */
function foldSource(lines: string[], pr: Program, pt: readonly Partials[]): string[] {
  const L = pr.leaves.length, pairs = pairsOf(L), root = L + pr.instrs.length - 1;
  const g: string[][] = [], h: string[][] = [];
  for (let l = 0; l < L; l++) { g.push(pr.leaves.map((_, k) => (k === l ? '1' : '0'))); h.push(pairs.map(() => '0')); }
  // a sum or product that is not a literal gets a local
  const name = (nm: string, e: string) => {
    if (e === '0' || e === '1' || e === '-1') return e;
    lines.push(`const ${nm} = ${e};`);
    return nm;
  };
  pr.instrs.forEach((s, j) => {
    const y = L + j, a = s.a, b = s.b, ga = g[a]!, gb = b >= 0 ? g[b]! : null, ha = h[a]!, hb = b >= 0 ? h[b]! : null;
    const [pa, pb, paa, pab, pbb] = pt[j]!;
    const gy = pr.leaves.map((_, l) => name(`G${y}_${l}`, add(mul(pa!, ga[l]!), gb ? mul(pb!, gb[l]!) : '0')));
    const hy = pairs.map(([l, m], k) => {
      const terms = [mul(pa!, ha[k]!), mul(paa!, ga[l]!, ga[m]!)];
      if (gb && hb) terms.push(mul(pb!, hb[k]!), mul(pbb!, gb[l]!, gb[m]!), mul(pab!, ga[l]!, gb[m]!), mul(pab!, gb[l]!, ga[m]!));
      return name(`H${y}_${k}`, add(...terms));
    });
    g.push(gy);
    h.push(hy);
  });
  pr.leaves.forEach((_, l) => lines.push(`G[i * ${L} + ${l}] = ${g[root]![l]};`));
  pairs.forEach((_, k) => lines.push(`H[i * ${pairs.length} + ${k}] = ${h[root]![k]};`));
  return [...g[root]!, ...h[root]!].filter((e) => e !== '0' && e !== '1' && e !== '-1');
}

/**
 * Adjoint channels backward through the instructions: channel c of
 * reference r is the local `${names[c]}${r}`, seeded at the root by
 * seeds[c]; instruction j adds to its arguments a and b, per channel, the
 * terms `terms(j, channels at y)` gives. A channel that gets no term is the
 * literal 0. Returns each channel's value at every reference.
 */
function backward(
  lines: string[], pr: Program, names: readonly string[], seeds: readonly string[],
  terms: (j: number, y: readonly string[]) => readonly [readonly (readonly string[])[], readonly (readonly string[])[]],
): string[][] {
  const L = pr.leaves.length, root = L + pr.instrs.length - 1;
  const got = names.map(() => Array.from({ length: root + 1 }, () => [] as string[]));
  const value = names.map(() => [] as string[]);
  const settle = (r: number) => names.forEach((nm, c) => {
    const e = r === root ? seeds[c]! : add(...got[c]![r]!);
    if (e === '0') { value[c]![r] = '0'; return; }
    lines.push(`const ${nm}${r} = ${e};`);
    value[c]![r] = `${nm}${r}`;
  });
  for (let j = pr.instrs.length - 1; j >= 0; j--) {
    const s = pr.instrs[j]!, y = L + j;
    settle(y);
    const [ta, tb] = terms(j, names.map((_, c) => value[c]![y]!));
    names.forEach((_, c) => {
      got[c]![s.a]!.push(...ta[c]!);
      if (s.b >= 0) got[c]![s.b]!.push(...tb[c]!);
    });
  }
  for (let l = 0; l < L; l++) settle(l);
  return value;
}

/**
 * Third order (one lane): given the hyper-dual forward lanes p, q, c
 * (components 1, 2, 12) in locals, the four adjoint components backward, as runReverseHyper
 * (lib/tape/kernels.ts) with every term live: the partials are finite here.
 */
function reverseHyperSource(
  lines: string[], pr: Program, pt: readonly Partials[], [p, q, c]: readonly (readonly string[])[],
  arg: (lane: readonly string[], j: number) => readonly [string, string],
  outSlot: string, leafAdjoints: (X: string, at: (l: number) => string, adj: readonly string[]) => void,
): void {
  const seeds = ['A0', 'A1', 'A2', 'A12'].map((X) => `${X}[${outSlot}]`);
  const [e, f, g, h] = backward(lines, pr, ['e', 'f', 'g', 'h'], seeds, (j, [ey, fy, gy, hy]) => {
    const two = pr.instrs[j]!.b >= 0, P = pt[j]!;
    const [a1, b1] = arg(p, j), [a2, b2] = arg(q, j), [a12, b12] = arg(c, j);
    // side a: g = g_a, (hx, hy) = (h_aa, h_ab), third (t0, t1, t2) = (t_aaa, t_aab, t_abb); side b: g_b, (h_ab, h_bb), (t_aab, t_abb, t_bbb)
    const side = (gx: string, hx: string, hy_: string, t0: string, t1: string, t2: string): string[][] => {
      const hyx = two ? hy_ : '0';
      const s1 = add(mul(hx, a1), mul(hyx, b1)), s2 = add(mul(hx, a2), mul(hyx, b2));
      const third = add(mul(hx, a12), mul(hyx, b12), mul(t0, a1, a2), two ? mul(t1, add(mul(a1, b2), mul(a2, b1))) : '0', two ? mul(t2, b1, b2) : '0');
      return [
        [mul(gx, ey!), mul(fy!, s1), mul(gy!, s2), mul(hy!, third)],
        [mul(gx, fy!), mul(hy!, s2)],
        [mul(gx, gy!), mul(hy!, s1)],
        [mul(gx, hy!)],
      ];
    };
    return [side(P[0]!, P[2]!, P[3]!, P[5]!, P[6]!, P[7]!), two ? side(P[1]!, P[3]!, P[4]!, P[6]!, P[7]!, P[8]!) : [[], [], [], []]];
  });
  leafAdjoints('A0', (l) => `s${l}`, e!);
  leafAdjoints('A1', (l) => `s${l}`, f!);
  leafAdjoints('A2', (l) => `s${l}`, g!);
  leafAdjoints('A12', (l) => `s${l}`, h!);
}

/** The instructions' constant partials, nine per instruction (codegen/evaluate.ts constantPartials; NaN where not constant). */
export function programConstants(pr: Program): Float64Array {
  const cp = new Float64Array(9 * pr.instrs.length).fill(NaN);
  pr.instrs.forEach((s, j) => { const c = constantPartials(s.code, s.p); if (c) cp.set(c, 9 * j); });
  return cp;
}

/**
 * A loop's source with one lane (K = 1): the lane loops and the lane index
 * arithmetic dropped (measured: a fused reverse loop a quarter faster).
 */
const oneLane = (src: string): string => src.replaceAll('for (let k = 0; k < K; k++) ', '').replaceAll(' * K + k]', ']');

/** loops made, by mode and program structure (the same f at the same shapes asks again at every one-shot call) */
const made = new Map<string, FusedFn | null>();

/**
 * Mode `mode`'s generated loop for program pr (leaves in `fixed` held
 * constant; `one`: for one lane only), or null when code cannot be compiled.
 */
export function fusedLoop(pr: Program, mode: FusedMode, fixed = 0, one = false): FusedFn | null {
  return loop(`fused-${mode}`, pr, fixed, one, () => source(pr, mode, fixed));
}

/** The loop of kind `kind` for program pr, made from `src` once per program structure (null: code refused). */
export function loop(kind: string, pr: Program, fixed: number, one: boolean, src: () => string): FusedFn | null {
  const k = `${kind}|${one ? 1 : 'K'}|${key(pr, fixed)}`;
  let fn = made.get(k);
  if (fn === undefined) {
    const make = compileShared(kind, ['P', 'U', 'B'], one ? oneLane(src()) : src()) as ((...a: unknown[]) => FusedFn) | null;
    fn = make && make(P, UNARY, BINARY);
    if (made.size >= 1024) made.clear();
    made.set(k, fn);
  }
  return fn;
}

/**
 * Fused elementwise programs: a chain (a DAG) of elementwise ops over
 * arrays, run as one generated loop per sweep mode, the way XLA fuses. For
 * each element i the loop evaluates every instruction's value and partials
 * in locals (the rule calls of evaluate.ts, so V8 inlines them), carries the
 * mode's lanes through them in locals, and touches memory only at the
 * program's leaves (its input arrays) and its root (the output array, or
 * the one slot of its sum). Nothing is stored per element between sweeps:
 * each sweep recomputes the partials, which costs less than streaming them
 * through memory. The formulas are those of lib/tape/formulas.ts (and the
 * third-order reverse of lib/tape/kernels.ts runReverseHyper), in IEEE
 * arithmetic: a program runs only while every partial, to third order, is
 * finite (the values pass says when one is not).
 */
import { BINARY, P, UNARY } from '../../rules/index.js';
import { constantPartials, partialsSource, ruleDeclarations } from './evaluate.js';
import { compileShared } from './compile.js';

/** Where element i of a leaf (an input array of the program) is: slot base + i (step 1), base (step 0), or base + idx[i]. */
export interface Leaf { readonly base: number; readonly step: 0 | 1; readonly idx: Int32Array | null }

/** The slot of element i of leaf l. */
export const leafSlot = (l: Leaf, i: number): number => (l.idx ? l.base + l.idx[i]! : l.base + l.step * i);

/** The generated source of the same: `const s<k> = …` for each leaf k, in element i (with `b<k>`, `x<k>` its base and index array). */
const leafSlots = (pr: Program): string[] =>
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
const LANES: Record<FusedMode, readonly string[]> = {
  values: [], fold: ['G', 'H'], tangent: ['T'], second: ['T1', 'T2'], hyper: ['T1', 'T2', 'T12'], laplacian: ['T', 'L'], reverse: ['A'],
  reverseTangent: ['T', 'A', 'AT'], reverseHyper: ['T1', 'T2', 'T12', 'A0', 'A1', 'A2', 'A12'],
};

/**
 * What a program's generated source depends on: its leaves' kinds, its
 * instructions, whether it sums, the leaves held constant (a probe sweep's
 * inputs), and which partials are constant, and of those which are zero (the
 * constants' values and the parameters are read at run time).
 */
function key(pr: Program, fixed: number): string {
  const leaves = pr.leaves.map((l) => (l.idx ? 'x' : String(l.step))).join('');
  const consts = pr.instrs.map((s) => { const c = constantPartials(s.code, s.p); return c ? Array.from(c, (v) => (v === 0 ? 0 : 1)).join('') : '-'; });
  return `${leaves}|${pr.instrs.map((s) => `${s.code},${s.a},${s.b}`).join(';')}|${pr.reduce ? 1 : 0}|${fixed}|${consts.join(',')}`;
}

/** The source of mode `mode`'s loop over program pr (leaves in `fixed`, a bitmask, held constant). */
function source(pr: Program, mode: FusedMode, fixed: number): string {
  const L = pr.leaves.length, n = pr.instrs.length, root = L + n - 1, need = new Set<string>();
  const lines: string[] = [];
  const isLeaf = (r: number) => r < L;
  const live = (l: number) => (fixed & (1 << l)) === 0;
  // values and partials of reference r
  const v = (r: number) => (isLeaf(r) ? `v${r}` : `y${r - L}`);
  const lanes = LANES[mode];
  lines.push(...pr.leaves.map((l, k) => `const b${k} = LB[${k}], x${k} = LX[${k}];`));
  const outSlot = pr.reduce ? 'out' : '(out + i)';
  const evaluating = mode === 'values' || mode === 'fold';
  if (evaluating) lines.push('let nf = false, acc = 0;');
  if (pr.reduce && !evaluating) {
    // the sum's lanes are summed over the elements, from 0
    const fwd = { tangent: ['T'], second: ['T1', 'T2'], hyper: ['T1', 'T2', 'T12'], laplacian: ['T'] } as Record<string, string[]>;
    for (const X of fwd[mode] ?? []) lines.push(`for (let k = 0; k < K; k++) ${X}[out * K + k] = 0;`);
    if (mode === 'laplacian') lines.push('L[out] = 0;');
  }
  const loopAt = lines.length, consts: string[] = [];
  lines.push('for (let i = 0; i < m; i++) {');
  lines.push(...leafSlots(pr), ...pr.leaves.map((_, k) => `const v${k} = val[s${k}];`));
  pr.instrs.forEach((s, j) => {
    // an affine op's partials are constants (read from CP before the loop): only its value is evaluated
    const c = constantPartials(s.code, s.p), cs = c && Array.from(c, (x, k) => (x === 0 ? '0' : `c${j}_${k}`));
    if (cs) cs.forEach((e, k) => { if (e !== '0') consts.push(`const ${e} = CP[${9 * j + k}];`); });
    const [body, g, t] = partialsSource(s.code, v(s.a), s.b < 0 ? '0' : v(s.b), `PRM[${j}]`, need, cs);
    lines.push(`let y${j}, ga${j}, gb${j}, haa${j}, hab${j}, hbb${j}, ta${j}, tb${j}, tc${j}, td${j};`);
    lines.push(`{ ${body} y${j} = y; ga${j} = ${g[0]}; gb${j} = ${g[1]}; haa${j} = ${g[2]}; hab${j} = ${g[3]}; hbb${j} = ${g[4]};`);
    lines.push(`  ta${j} = ${t[0]}; tb${j} = ${t[1]}; tc${j} = ${t[2]}; td${j} = ${t[3]}; }`);
    if (evaluating) {
      lines.push(`{ const s = ga${j} + gb${j} + haa${j} + hab${j} + hbb${j} + ta${j} + tb${j} + tc${j} + td${j}; if (s - s !== 0) nf = true; }`);
    }
  });
  lines.splice(loopAt, 0, ...consts);
  const yRoot = v(root);
  const two = (j: number) => pr.instrs[j]!.b >= 0;
  // a forward lane through every instruction: lane value of reference r named by `nm(r)`, leaves read by `leaf(l)`
  const forward = (nm: (r: number) => string, leaf: (l: number) => string, step: (j: number, a: string, b: string) => string) => {
    pr.leaves.forEach((_, l) => lines.push(`const ${nm(l)} = ${live(l) ? leaf(l) : '0'};`));
    pr.instrs.forEach((s, j) => lines.push(`const ${nm(L + j)} = ${step(j, nm(s.a), s.b < 0 ? '0' : nm(s.b))};`));
  };
  const lin = (j: number, a: string, b: string) => (two(j) ? `ga${j} * ${a} + gb${j} * ${b}` : `ga${j} * ${a}`);
  // Taylor-2 / Laplacian curvature term of instruction j for lane values (a, b)
  const curv = (j: number, a: string, b: string) => (two(j) ? `haa${j} * ${a} * ${a} + 2 * hab${j} * ${a} * ${b} + hbb${j} * ${b} * ${b}` : `haa${j} * ${a} * ${a}`);
  // the root's lane value into lane array X (per lane: K lanes; else one value per slot): assigned, or summed for a reduction
  const write = (X: string, lane: string, value: string) => {
    const at = (slot: string) => (lane === 'k' ? `${slot} * K + k` : slot);
    lines.push(pr.reduce ? `${X}[${at('out')}] += ${value};` : `${X}[${at('(out + i)')}] = ${value};`);
  };
  switch (mode) {
    case 'values':
      lines.push(pr.reduce ? `acc += ${yRoot};` : `val[out + i] = ${yRoot};`);
      break;
    case 'fold':
      lines.push(pr.reduce ? `acc += ${yRoot};` : `val[out + i] = ${yRoot};`);
      foldSource(lines, pr);
      break;
    case 'tangent':
      lines.push('for (let k = 0; k < K; k++) {');
      forward((r) => `t${r}`, (l) => `T[s${l} * K + k]`, lin);
      write('T', 'k', `t${root}`);
      lines.push('}');
      break;
    case 'second':
      lines.push('for (let k = 0; k < K; k++) {');
      forward((r) => `p${r}`, (l) => `T1[s${l} * K + k]`, lin);
      pr.leaves.forEach((_, l) => lines.push(`const q${l} = ${live(l) ? `T2[s${l} * K + k]` : '0'};`));
      pr.instrs.forEach((s, j) => {
        const a = s.a, b = s.b;
        lines.push(`const q${L + j} = ${lin(j, `q${a}`, `q${b}`)} + ${curv(j, `p${a}`, b < 0 ? '0' : `p${b}`)};`);
      });
      write('T1', 'k', `p${root}`);
      write('T2', 'k', `q${root}`);
      lines.push('}');
      break;
    case 'hyper':
      lines.push('for (let k = 0; k < K; k++) {');
      forward((r) => `p${r}`, (l) => `T1[s${l} * K + k]`, lin);
      forward((r) => `q${r}`, (l) => `T2[s${l} * K + k]`, lin);
      pr.leaves.forEach((_, l) => lines.push(`const c${l} = ${live(l) ? `T12[s${l} * K + k]` : '0'};`));
      pr.instrs.forEach((s, j) => {
        const a = s.a, b = s.b;
        const mixed = two(j)
          ? `haa${j} * p${a} * q${a} + hab${j} * (p${a} * q${b} + q${a} * p${b}) + hbb${j} * p${b} * q${b}`
          : `haa${j} * p${a} * q${a}`;
        lines.push(`const c${L + j} = ${lin(j, `c${a}`, `c${b}`)} + ${mixed};`);
      });
      write('T1', 'k', `p${root}`);
      write('T2', 'k', `q${root}`);
      write('T12', 'k', `c${root}`);
      lines.push('}');
      break;
    case 'laplacian': {
      // the lanes' second-order terms summed per instruction, then the one summed value per slot carried through
      pr.instrs.forEach((_, j) => lines.push(`let z${j} = 0;`));
      lines.push('for (let k = 0; k < K; k++) {');
      forward((r) => `t${r}`, (l) => `T[s${l} * K + k]`, lin);
      pr.instrs.forEach((s, j) => lines.push(`z${j} += ${curv(j, `t${s.a}`, s.b < 0 ? '0' : `t${s.b}`)};`));
      write('T', 'k', `t${root}`);
      lines.push('}');
      pr.leaves.forEach((_, l) => lines.push(`const l${l} = ${live(l) ? `L[s${l}]` : '0'};`));
      pr.instrs.forEach((s, j) => lines.push(`const l${L + j} = ${lin(j, `l${s.a}`, s.b < 0 ? '0' : `l${s.b}`)} + z${j};`));
      write('L', '1', `l${root}`);
      break;
    }
    case 'reverse':
      lines.push('for (let k = 0; k < K; k++) {');
      backward(lines, pr, (r) => `w${r}`, `A[${outSlot} * K + k]`);
      pr.leaves.forEach((_, l) => { if (live(l)) lines.push(`A[s${l} * K + k] += w${l};`); });
      lines.push('}');
      break;
    case 'reverseTangent':
      // the primal adjoint once, then per lane the tangent forward and the adjoint's tangent backward
      backward(lines, pr, (r) => `w${r}`, `A[${outSlot}]`);
      pr.leaves.forEach((_, l) => { if (live(l)) lines.push(`A[s${l}] += w${l};`); });
      lines.push('for (let k = 0; k < K; k++) {');
      forward((r) => `t${r}`, (l) => `T[s${l} * K + k]`, lin);
      for (let r = 0; r <= root; r++) lines.push(`let u${r} = ${r === root ? `AT[${outSlot} * K + k]` : '0'};`);
      for (let j = n - 1; j >= 0; j--) {
        const s = pr.instrs[j]!, y = L + j, a = s.a, b = s.b;
        if (b < 0) lines.push(`u${a} += ga${j} * u${y} + w${y} * haa${j} * t${a};`);
        else {
          lines.push(`u${a} += ga${j} * u${y} + w${y} * (haa${j} * t${a} + hab${j} * t${b});`);
          lines.push(`u${b} += gb${j} * u${y} + w${y} * (hab${j} * t${a} + hbb${j} * t${b});`);
        }
      }
      pr.leaves.forEach((_, l) => { if (live(l)) lines.push(`AT[s${l} * K + k] += u${l};`); });
      lines.push('}');
      break;
    case 'reverseHyper':
      reverseHyperSource(lines, pr, live, outSlot);
      break;
  }
  lines.push('}');
  if (evaluating) lines.push(pr.reduce ? 'val[out] = acc;' : '', 'return nf;');
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
 * instructions as compaction folds nodes: for y = op(a, b),
 *   ∂y/∂x_l = g_a ∂a/∂x_l + g_b ∂b/∂x_l,
 *   ∂²y/∂x_l∂x_m = g_a a_lm + g_b b_lm + h_aa a_l a_m + h_ab (a_l b_m + b_l a_m) + h_bb b_l b_m.
 * Terms that are structurally 0 (a leaf an argument does not depend on) are left out.
 */
function foldSource(lines: string[], pr: Program): void {
  const L = pr.leaves.length, pairs = pairsOf(L), root = L + pr.instrs.length - 1;
  const g: string[][] = [], h: string[][] = [];
  const mul = (...f: string[]) => (f.includes('0') ? '0' : f.filter((x) => x !== '1').join(' * ') || '1');
  const sum = (t: string[]) => { const u = t.filter((x) => x !== '0'); return u.length ? u.join(' + ') : '0'; };
  for (let l = 0; l < L; l++) { g.push(pr.leaves.map((_, k) => (k === l ? '1' : '0'))); h.push(pairs.map(() => '0')); }
  pr.instrs.forEach((s, j) => {
    const y = L + j, a = s.a, b = s.b, ga = g[a]!, gb = b >= 0 ? g[b]! : null, ha = h[a]!, hb = b >= 0 ? h[b]! : null;
    const gy = pr.leaves.map((_, l) => {
      const e = sum([mul(`ga${j}`, ga[l]!), gb ? mul(`gb${j}`, gb[l]!) : '0']);
      if (e === '0' || e === '1') return e;
      lines.push(`const G${y}_${l} = ${e};`);
      return `G${y}_${l}`;
    });
    const hy = pairs.map(([l, m], k) => {
      const terms = [mul(`ga${j}`, ha[k]!), mul(`haa${j}`, ga[l]!, ga[m]!)];
      if (gb && hb) {
        terms.push(mul(`gb${j}`, hb[k]!), mul(`hbb${j}`, gb[l]!, gb[m]!), mul(`hab${j}`, ga[l]!, gb[m]!), mul(`hab${j}`, gb[l]!, ga[m]!));
      }
      const e = sum(terms);
      if (e === '0') return e;
      lines.push(`const H${y}_${k} = ${e};`);
      return `H${y}_${k}`;
    });
    g.push(gy);
    h.push(hy);
  });
  pr.leaves.forEach((_, l) => lines.push(`G[i * ${L} + ${l}] = ${g[root]![l]};`));
  pairs.forEach((_, k) => lines.push(`H[i * ${pairs.length} + ${k}] = ${h[root]![k]};`));
}

/** The primal adjoint backward through the instructions, from `seed` at the root, in locals w(r). */
function backward(lines: string[], pr: Program, w: (r: number) => string, seed: string): void {
  const L = pr.leaves.length, root = L + pr.instrs.length - 1;
  for (let r = 0; r <= root; r++) lines.push(`let ${w(r)} = ${r === root ? seed : '0'};`);
  for (let j = pr.instrs.length - 1; j >= 0; j--) {
    const s = pr.instrs[j]!, y = L + j;
    lines.push(`${w(s.a)} += ga${j} * ${w(y)};`);
    if (s.b >= 0) lines.push(`${w(s.b)} += gb${j} * ${w(y)};`);
  }
}

/**
 * Third order (one lane): the hyper-dual forward (components 1, 2, 12) in
 * locals, then the four adjoint components backward, as runReverseHyper
 * (lib/tape/kernels.ts) with every term live: the partials are finite here.
 */
function reverseHyperSource(lines: string[], pr: Program, live: (l: number) => boolean, outSlot: string): void {
  const L = pr.leaves.length, n = pr.instrs.length, root = L + n - 1;
  pr.leaves.forEach((_, l) => lines.push(`const p${l} = ${live(l) ? `T1[s${l}]` : '0'}, q${l} = ${live(l) ? `T2[s${l}]` : '0'}, c${l} = ${live(l) ? `T12[s${l}]` : '0'};`));
  pr.instrs.forEach((s, j) => {
    const a = s.a, b = s.b, y = L + j;
    if (b < 0) {
      lines.push(`const p${y} = ga${j} * p${a}, q${y} = ga${j} * q${a}, c${y} = ga${j} * c${a} + haa${j} * p${a} * q${a};`);
    } else {
      lines.push(`const p${y} = ga${j} * p${a} + gb${j} * p${b}, q${y} = ga${j} * q${a} + gb${j} * q${b};`);
      lines.push(`const c${y} = ga${j} * c${a} + gb${j} * c${b} + haa${j} * p${a} * q${a} + hab${j} * (p${a} * q${b} + q${a} * p${b}) + hbb${j} * p${b} * q${b};`);
    }
  });
  for (let r = 0; r <= root; r++) {
    const seed = (X: string) => (r === root ? `${X}[${outSlot}]` : '0');
    lines.push(`let e${r} = ${seed('A0')}, f${r} = ${seed('A1')}, g${r} = ${seed('A2')}, h${r} = ${seed('A12')};`);
  }
  for (let j = n - 1; j >= 0; j--) {
    const s = pr.instrs[j]!, y = L + j, a = s.a, b = s.b, two = b >= 0;
    // side a: g = g_a, (hx, hy) = (h_aa, h_ab), third (t0, t1, t2) = (t_aaa, t_aab, t_abb); side b: g_b, (h_ab, h_bb), (t_aab, t_abb, t_bbb)
    const sides: [number, string, string, string, string, string, string][] = [[a, `ga${j}`, `haa${j}`, `hab${j}`, `ta${j}`, `tb${j}`, `tc${j}`]];
    if (two) sides.push([b, `gb${j}`, `hab${j}`, `hbb${j}`, `tb${j}`, `tc${j}`, `td${j}`]);
    const B = two ? b : -1;
    const a1 = `p${a}`, a2 = `q${a}`, a12 = `c${a}`, b1 = B < 0 ? '0' : `p${B}`, b2 = B < 0 ? '0' : `q${B}`, b12 = B < 0 ? '0' : `c${B}`;
    for (const [x, g, hx, hy, t0, t1, t2] of sides) {
      const hy_ = two ? hy : '0';
      lines.push(`h${x} += ${g} * h${y};`);
      lines.push(`f${x} += ${g} * f${y} + h${y} * (${hx} * ${a2} + ${hy_} * ${b2});`);
      lines.push(`g${x} += ${g} * g${y} + h${y} * (${hx} * ${a1} + ${hy_} * ${b1});`);
      lines.push(`e${x} += ${g} * e${y} + f${y} * (${hx} * ${a1} + ${hy_} * ${b1}) + g${y} * (${hx} * ${a2} + ${hy_} * ${b2})` +
        ` + h${y} * (${hx} * ${a12} + ${hy_} * ${b12} + ${t0} * ${a1} * ${a2}` +
        (two ? ` + ${t1} * (${a1} * ${b2} + ${a2} * ${b1}) + ${t2} * ${b1} * ${b2}` : '') + ');');
    }
  }
  pr.leaves.forEach((_, l) => {
    if (live(l)) lines.push(`A0[s${l}] += e${l}; A1[s${l}] += f${l}; A2[s${l}] += g${l}; A12[s${l}] += h${l};`);
  });
}

/** The instructions' constant partials, nine per instruction (codegen/evaluate.ts constantPartials; NaN where not constant). */
export function programConstants(pr: Program): Float64Array {
  const cp = new Float64Array(9 * pr.instrs.length).fill(NaN);
  pr.instrs.forEach((s, j) => { const c = constantPartials(s.code, s.p); if (c) cp.set(c, 9 * j); });
  return cp;
}

/** loops made, by mode and program structure (the same f at the same shapes asks again at every one-shot call) */
const made = new Map<string, FusedFn | null>();

/** Mode `mode`'s generated loop for program pr (leaves in `fixed` held constant), or null when code cannot be compiled. */
export function fusedLoop(pr: Program, mode: FusedMode, fixed = 0): FusedFn | null {
  return loop(`fused-${mode}`, pr, fixed, () => source(pr, mode, fixed));
}

/** The loop of kind `kind` for program pr, made from `src` once per program structure (null: code refused). */
function loop(kind: string, pr: Program, fixed: number, src: () => string): FusedFn | null {
  const k = `${kind}|${key(pr, fixed)}`;
  let fn = made.get(k);
  if (fn === undefined) {
    const make = compileShared(kind, ['P', 'U', 'B'], src()) as ((...a: unknown[]) => FusedFn) | null;
    fn = make && make(P, UNARY, BINARY);
    if (made.size >= 1024) made.clear();
    made.set(k, fn);
  }
  return fn;
}

/** A sweep over a folded program's partials: (val, LB, LX, PRM, CP, m, out, K, G, H, lanes…), as {@link FusedFn}. */
export type FoldedMode = 'tangent' | 'second' | 'hyper' | 'laplacian' | 'reverse' | 'reverseTangent';

/**
 * The source of mode `mode` over a folded program (lib/tensor/folded.ts):
 * each element a node whose arguments are the leaves, with first partials
 * g_l = G[i, l] and second h_lm = H[i, (l, m)], the formulas of
 * lib/tape/formulas.ts unrolled over the leaves (those in `fixed` read as 0,
 * not written).
 */
function foldedSource(pr: Program, mode: FoldedMode, fixed: number): string {
  const L = pr.leaves.length, pairs = pairsOf(L), HL = pairs.length, lines: string[] = [];
  const live = pr.leaves.map((_, l) => (fixed & (1 << l)) === 0), ls = pr.leaves.map((_, l) => l).filter((l) => live[l]);
  const hk = (l: number, m: number) => pairs.findIndex(([a, b]) => a === Math.min(l, m) && b === Math.max(l, m));
  const y = pr.reduce ? 'out' : '(out + i)';
  const write = (X: string, perLane: boolean, v: string) => {
    const at = perLane ? `${y} * K + k` : y;
    lines.push(pr.reduce ? `${X}[${at}] += ${v};` : `${X}[${at}] = ${v};`);
  };
  const lin = (x: (l: number) => string) => ls.map((l) => `g${l} * ${x(l)}`).join(' + ') || '0';
  // Σ_{l,m} h_lm a_l b_m over the live leaves (symmetric: the pairs l < m twice)
  const quad = (a: (l: number) => string, b: (l: number) => string) =>
    ls.flatMap((l) => ls.filter((m) => m >= l).map((m) => (l === m ? `h${hk(l, m)} * ${a(l)} * ${b(l)}` : `h${hk(l, m)} * (${a(l)} * ${b(m)} + ${a(m)} * ${b(l)})`))).join(' + ') || '0';
  const zero = (...X: string[]) => { if (pr.reduce) for (const A of X) lines.push(`for (let k = 0; k < K; k++) ${A}[out * K + k] = 0;`); };
  pr.leaves.forEach((_, k) => lines.push(`const b${k} = LB[${k}], x${k} = LX[${k}];`));
  if (mode === 'tangent') zero('T');
  if (mode === 'second') zero('T1', 'T2');
  if (mode === 'hyper') zero('T1', 'T2', 'T12');
  if (mode === 'laplacian') { zero('T'); if (pr.reduce) lines.push('L[out] = 0;'); }
  const reverse = mode === 'reverse' || mode === 'reverseTangent';
  lines.push(reverse ? 'for (let i = m - 1; i >= 0; i--) {' : 'for (let i = 0; i < m; i++) {');
  lines.push(...leafSlots(pr));
  ls.forEach((l) => lines.push(`const g${l} = G[i * ${L} + ${l}];`));
  if (mode !== 'tangent' && mode !== 'reverse') pairs.forEach(([a, b], k) => { if (live[a] && live[b]) lines.push(`const h${k} = H[i * ${HL} + ${k}];`); });
  const lane = (X: string) => (l: number) => `${X}${l}`;
  const read = (X: string, name: string) => ls.forEach((l) => lines.push(`const ${name}${l} = ${X}[s${l} * K + k];`));
  switch (mode) {
    case 'tangent':
      lines.push('for (let k = 0; k < K; k++) {'); read('T', 't');
      write('T', true, lin(lane('t'))); lines.push('}');
      break;
    case 'second':
      lines.push('for (let k = 0; k < K; k++) {'); read('T1', 'p'); read('T2', 'q');
      write('T1', true, lin(lane('p'))); write('T2', true, `${lin(lane('q'))} + ${quad(lane('p'), lane('p'))}`); lines.push('}');
      break;
    case 'hyper':
      lines.push('for (let k = 0; k < K; k++) {'); read('T1', 'p'); read('T2', 'q'); read('T12', 'c');
      write('T1', true, lin(lane('p'))); write('T2', true, lin(lane('q')));
      write('T12', true, `${lin(lane('c'))} + ${quad(lane('p'), lane('q'))}`); lines.push('}');
      break;
    case 'laplacian':
      lines.push(`let lap = ${ls.map((l) => `g${l} * L[s${l}]`).join(' + ') || '0'};`);
      lines.push('for (let k = 0; k < K; k++) {'); read('T', 't');
      write('T', true, lin(lane('t'))); lines.push(`lap += ${quad(lane('t'), lane('t'))};`, '}');
      write('L', false, 'lap');
      break;
    case 'reverse':
      lines.push('for (let k = 0; k < K; k++) {', `const w = A[${y} * K + k];`);
      ls.forEach((l) => lines.push(`A[s${l} * K + k] += g${l} * w;`));
      lines.push('}');
      break;
    case 'reverseTangent':
      lines.push(`const w = A[${y}];`);
      ls.forEach((l) => lines.push(`A[s${l}] += g${l} * w;`));
      lines.push('for (let k = 0; k < K; k++) {', `const u = AT[${y} * K + k];`); read('T', 't');
      ls.forEach((l) => lines.push(`AT[s${l} * K + k] += g${l} * u + w * (${ls.map((m) => `h${hk(l, m)} * t${m}`).join(' + ')});`));
      lines.push('}');
      break;
  }
  lines.push('}');
  return [`return function (val, LB, LX, PRM, CP, m, out, K, G, H${LANES[mode].map((x) => `, ${x}`).join('')}) {`, ...lines, '};'].join('\n');
}

/** Mode `mode`'s loop over a folded program (lib/tensor/folded.ts), or null when code cannot be compiled. */
export function foldedLoop(pr: Program, mode: FoldedMode, fixed = 0): FusedFn | null {
  return loop(`folded-${mode}`, pr, fixed, () => foldedSource(pr, mode, fixed));
}

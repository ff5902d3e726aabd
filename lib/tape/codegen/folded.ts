/**
 * The loops over a folded fused program (lib/tensor/folded.ts): a kept
 * recording stores, per element, the root's partials in its leaves (G, and
 * H per leaf pair), computed by the fold pass of ./fused.ts, and each sweep
 * reads them as a node whose arguments are the leaves.
 */
import { LANES, leafSlots, loop, pairsOf, type FusedFn, type Program } from './fused.js';

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

/** Mode `mode`'s loop over a folded program (lib/tensor/folded.ts; `one` as {@link fusedLoop}), or null when code cannot be compiled. */
export function foldedLoop(pr: Program, mode: FoldedMode, fixed = 0, one = false): FusedFn | null {
  return loop(`folded-${mode}`, pr, fixed, one, () => foldedSource(pr, mode, fixed));
}

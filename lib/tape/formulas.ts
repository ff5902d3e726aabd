/**
 * The propagation formulas, written once. For a node y = op(a, b) with
 * stored partials (g_a, g_b, h_aa, h_ab, h_bb) (lib/tape/node.ts), each mode
 * of sweep updates some channels — lane arrays such as the tangents T or
 * the adjoints A — at y (forward) or at its arguments a and b (reverse).
 * `X.a` is channel X at argument a, `X.y` at the node itself; a term is a
 * partial times channel values (or times a bracket of such products), `Σ`
 * before a term sums it over the lanes (a one-value-per-slot channel fed by
 * K-lane channels).
 *
 * The generated loops (codegen/emit.ts) render these terms as source. The
 * interpreted kernels (lib/tape/kernels.ts: K lanes, one lane, and the
 * careful ones with their structure passes in careful.ts) are written out by
 * hand, since a loop that interprets this table costs several times more per
 * node; spec/formulas.spec.ts checks every one of them, and the generated
 * loops, against a direct evaluation of the table (the careful ones with
 * each term taken as 0 when a factor is a structural zero).
 */

/** Where a channel value is read or written: at argument a, argument b, or the node y. */
export const AT_A = 0, AT_B = 1, AT_Y = 2;

/** One channel value of a term: channel index (into the formula's channels) and where. */
export interface Factor { readonly ch: number; readonly at: number }

/**
 * c · (partial p) · Σ over products Π factors (one product, or a bracket of
 * several of the same degree), summed over the lanes when `sum`
 */
export interface Term { readonly c: number; readonly p: number; readonly f: readonly (readonly Factor[])[]; readonly sum: boolean }

/** A term's number of channel factors: 1 (linear in the channels) or 2. */
export const degree = (t: Term): number => t.f[0]!.length;

/** channel `ch` at `at` (y: assigned; a or b: added to) gets the sum of the terms */
export interface Update { readonly ch: number; readonly at: number; readonly terms: readonly Term[] }

export interface Formula {
  /** the channels, in the order a sweep passes their arrays */
  readonly channels: readonly string[];
  /** per channel: K lanes per slot (true) or one value per slot */
  readonly wide: readonly boolean[];
  /** updates at the arguments (a reverse sweep, nodes visited backwards) */
  readonly reverse: boolean;
  readonly updates: readonly Update[];
  /** the source lines, as written above */
  readonly lines: readonly string[];
}

/** Stored partials by name: their index in a node's five (par[NPAR·i + p]). */
export const PARTIALS = ['ga', 'gb', 'haa', 'hab', 'hbb'] as const;

export const FORMULAS = {
  /** forward mode: ẏ = g_a ȧ + g_b ḃ */
  tangent: formula(['T'], [], [
    'T.y = ga T.a + gb T.b',
  ]),
  /** order-2 Taylor: ÿ = g_a ä + g_b b̈ + h_aa ȧ² + 2 h_ab ȧḃ + h_bb ḃ² (ä = 0 at an input: the path x + t·a) */
  second: formula(['T1', 'T2'], [], [
    'T1.y = ga T1.a + gb T1.b',
    'T2.y = ga T2.a + gb T2.b + haa T1.a T1.a + 2 hab T1.a T1.b + hbb T1.b T1.b',
  ]),
  /** hyper-dual: y₁₂ = g_a a₁₂ + g_b b₁₂ + h_aa a₁a₂ + h_ab (a₁b₂ + a₂b₁) + h_bb b₁b₂ */
  hyper: formula(['T1', 'T2', 'T12'], [], [
    'T1.y = ga T1.a + gb T1.b',
    'T2.y = ga T2.a + gb T2.b',
    'T12.y = ga T12.a + gb T12.b + haa T1.a T2.a + hab (T1.a T2.b + T2.a T1.b) + hbb T1.b T2.b',
  ]),
  /** forward Laplacian: K tangent lanes, one second-order value per slot summed over them */
  laplacian: formula(['T', 'L'], ['L'], [
    'T.y = ga T.a + gb T.b',
    'L.y = ga L.a + gb L.b + Σ haa T.a T.a + Σ 2 hab T.a T.b + Σ hbb T.b T.b',
  ]),
  /** reverse mode: ā += g_a ȳ, b̄ += g_b ȳ */
  reverse: formula(['A'], [], [
    'A.a += ga A.y',
    'A.b += gb A.y',
  ]),
  /** forward-over-reverse: one adjoint lane A, K tangent lanes T and the adjoint's tangents AT */
  reverseTangent: formula(['T', 'A', 'AT'], ['A'], [
    'A.a += ga A.y',
    'A.b += gb A.y',
    'AT.a += ga AT.y + haa A.y T.a + hab A.y T.b',
    'AT.b += gb AT.y + hab A.y T.a + hbb A.y T.b',
  ]),
};
export type Mode = keyof typeof FORMULAS;

/** Parses the lines of one mode (the small grammar used above). */
function formula(channels: string[], narrow: string[], lines: string[]): Formula {
  const factor = (s: string): Factor => {
    const [name, at] = s.split('.');
    const ch = channels.indexOf(name!), where = ['a', 'b', 'y'].indexOf(at!);
    if (ch < 0 || where < 0) throw new Error(`formulas: bad factor ${s}`);
    return { ch, at: where };
  };
  const term = (s: string): Term => {
    let words = s.trim().split(/\s+/), c = 1;
    const sum = words[0] === 'Σ';
    if (sum) words = words.slice(1);
    if (/^[0-9]/.test(words[0]!)) { c = Number(words[0]); words = words.slice(1); }
    const p = PARTIALS.indexOf(words[0] as (typeof PARTIALS)[number]);
    if (p < 0) throw new Error(`formulas: a term starts with a partial: ${s}`);
    const rest = words.slice(1).join(' ');
    // a bracket: hab (T1.a T2.b + T2.a T1.b)
    const products = rest.startsWith('(') ? rest.slice(1, -1).split(' + ') : [rest];
    return { c, p, f: products.map((x) => x.split(' ').map(factor)), sum };
  };
  const updates = lines.map((line) => {
    const [lhs, rhs] = line.split(/\+?=/);
    const target = factor(lhs!.trim());
    // the terms: split at the + signs outside brackets
    return { ch: target.ch, at: target.at, terms: rhs!.split(/ \+ (?![^(]*\))/).map(term) };
  });
  return { channels, wide: channels.map((c) => !narrow.includes(c)), reverse: updates[0]!.at !== AT_Y, updates, lines };
}

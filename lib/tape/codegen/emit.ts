/**
 * The source of one loop's sweep (lib/tape/codegen/loops.ts), for each
 * generated kernel: the terms of lib/tape/formulas.ts rendered as source
 * ({@link render}), the formulas of the interpreted kernels (kernels.ts);
 * only where a value lives changes.
 *
 * One lane: an argument that is a node of the same repetition ('local') or of
 * the previous one ('carried') is a variable — its value going forward, the
 * adjoint it collects going back — so chains such as s ← s + termᵢ stay in
 * registers. K lanes: per repetition the partials and slots are read once;
 * forward loops then go in blocks of four lanes, each lane's values of this
 * and the previous repetition in variables (short loops; longer ones, and the
 * reverse loop, run one lane at a time with earlier repetitions in memory).
 *
 * A generated function takes (par, …work arrays, …numbers), see PARAMS.
 */
import { NPAR } from '../node.js';
import { readsInput, targets, type Loop, type Operand } from './loops.js';
import { AT_A, AT_Y, FORMULAS, PARTIALS, degree, type Formula, type Term, type Update } from '../formulas.js';

/** Reads and writes of one loop's operands. */
class Emit {
  /** before the loop */
  readonly pre: string[] = [];
  /** after each repetition */
  readonly step: string[] = [];
  /** at the start of a repetition (lanes: slot × K of memory operands) */
  readonly rep = new Map<string, string>();
  /** the running slot variable of each strided operand, by (slot, stride): operands at one address share it */
  private strided = new Map<string, string>();
  /**
   * reverse, one lane: per input slot an accumulator of its contributions in
   * one repetition, added to memory once at its end (an input's adjoint is
   * read only after the sweep); accumulator → its memory location
   */
  readonly inputs = new Map<string, string>();
  /** accumulators already given a value in their scope (the first contribution assigns) */
  private assigned = new Set<string>();
  constructor(readonly L: Loop, readonly reverse: boolean) {}

  /** the running slot variable of a strided operand */
  private slotVar(o: number, side: number, op: { slot: number; d: number }): string {
    const key = `${op.slot},${op.d}`;
    let v = this.strided.get(key);
    if (v === undefined) {
      this.strided.set(key, (v = `x${o}_${side}`));
      this.pre.push(`let ${v} = ${this.reverse ? op.slot + (this.L.R - 1) * op.d : op.slot};`);
      this.step.push(`${v} ${this.reverse ? '-' : '+'}= ${op.d};`);
    }
    return v;
  }

  /** the slot an operand reads, as an expression */
  slot(op: Operand, o: number, side: number): string | null {
    switch (op.kind) {
      case 'zero': return null;
      case 'fixed': return String(op.slot);
      case 'local': return `i + ${op.o}`;
      case 'carried': return `i - ${this.L.p - op.o}`;
      case 'strided': return this.slotVar(o, side, op);
    }
  }

  /** lanes: the index of lane k of an operand's slot (its slot × K computed once per repetition) */
  lane(op: Operand, o: number, side: number): string | null {
    if (op.kind === 'zero') return null;
    if (op.kind === 'local') return `${this.out(op.o)} + k`;
    return `${this.base(op, o, side)} + k`;
  }

  /** lanes: an operand's slot × K, computed once per repetition */
  private base(op: Operand, o: number, side: number): string {
    const m = `m${o}_${side}`;
    if (!this.rep.has(m)) this.rep.set(m, `(${this.slot(op, o, side)}) * K`);
    return m;
  }

  /** a block of lanes: lane kb + l of the operand's value (this and the previous repetition's values are variables) */
  valueB(arr: string, op: Operand, o: number, side: number, l: number): string | null {
    switch (op.kind) {
      case 'zero': return null;
      case 'local': return `${arr}_v${op.o}_${l}`;
      case 'carried': return `${arr}_c${op.o}_${l}`;
      default: return `${arr}[${this.base(op, o, side)} + kb + ${l}]`;
    }
  }

  /** lanes: the index base of offset o's own slot */
  out(o: number): string {
    const y = `y${o}`;
    if (!this.rep.has(y)) this.rep.set(y, `(i + ${o}) * K`);
    return y;
  }

  /** forward, one lane: the operand's value in `arr` */
  value(arr: string, op: Operand, o: number, side: number): string | null {
    switch (op.kind) {
      case 'zero': return null;
      case 'local': return `${arr}_v${op.o}`;
      case 'carried': return `${arr}_c${op.o}`;
      default: return `${arr}[${this.slot(op, o, side)}]`;
    }
  }

  /** forward, lanes: lane k of the operand's value in `arr` (this repetition's values are variables) */
  valueK(arr: string, op: Operand, o: number, side: number): string | null {
    if (op.kind === 'zero') return null;
    if (op.kind === 'local') return `${arr}_v${op.o}`;
    return `${arr}[${this.lane(op, o, side)}]`;
  }

  /** the accumulators assigned so far, to emit two branches that contribute to the same ones */
  snapshot(): Set<string> { return new Set(this.assigned); }
  restore(to: Set<string>): void { this.assigned = new Set(to); }

  private accumulate(v: string, expr: string): string {
    const first = !this.assigned.has(v);
    this.assigned.add(v);
    return `${v} ${first ? '=' : '+='} ${expr};`;
  }

  /** reverse, one lane: adds `expr` to the operand's adjoint in `arr` */
  add(arr: string, op: Operand, o: number, side: number, expr: string): string {
    switch (op.kind) {
      case 'zero': return '';
      case 'local': return this.accumulate(`${arr}_l${op.o}`, expr);
      case 'carried': return this.accumulate(`${arr}_k${op.o}`, expr);
      default: {
        const at = `${arr}[${this.slot(op, o, side)}]`;
        if (!readsInput(this.L, op)) return `${at} += ${expr};`;
        // (x·x, or x read by several nodes: one read-modify-write of its adjoint per repetition, not one per use)
        let v = [...this.inputs].find(([, m]) => m === at)?.[0];
        if (v === undefined) this.inputs.set((v = `${arr}_in${this.inputs.size}`), at);
        return this.accumulate(v, expr);
      }
    }
  }

  /** reverse, lanes: adds `expr` to lane k of the operand's adjoint in `arr` */
  addK(arr: string, op: Operand, o: number, side: number, expr: string): string {
    if (op.kind === 'zero') return '';
    if (op.kind === 'local') return this.accumulate(`${arr}_l${op.o}`, expr);
    return `${arr}[${this.lane(op, o, side)}] += ${expr};`;
  }

  /** the per-repetition constants collected so far */
  repLines(): string[] {
    return [...this.rep].map(([v, x]) => `const ${v} = ${x};`);
  }
}

/**
 * Terms of a sum ordered by where their operand lives: memory, then this
 * repetition's locals, then the previous repetition's (the loop-carried
 * chain) last, so each link of the chain costs one multiply and one add.
 */
function chainLast(...terms: [Operand, string | null][]): (string | null)[] {
  const rank = (op: Operand) => (op.kind === 'carried' ? 2 : op.kind === 'local' ? 1 : 0);
  return terms.sort((x, y) => rank(x[0]) - rank(y[0])).map((t) => t[1]);
}

/** Σ of the non-null terms, or 0. */
const sum = (...terms: (string | null)[]): string => terms.filter((x): x is string => x !== null).join(' + ') || '0';

/**
 * The partials of offset o, as constants: all five, or (g_a, h_aa) when there
 * is no second argument; with `twice`, also 2·h_ab (as h2ab).
 */
function partials(o: number, opB: Operand, only?: readonly number[], twice = false): string {
  const names = ['ga', 'gb', 'haa', 'hab', 'hbb'];
  const which = (only ?? [0, 1, 2, 3, 4]).filter((k) => opB.kind !== 'zero' || k === 0 || k === 2);
  const extra = twice && which.includes(3) ? [`h2ab${o} = 2 * hab${o}`] : [];
  return `const ${[...which.map((k) => `${names[k]}${o} = par[q + ${NPAR * o + k}]`), ...extra].join(', ')};`;
}

/** `lin{o}`: all three second partials of offset o are 0 (a linear node: a sum, a difference, a scaling), read per repetition. */
function linear(o: number, opB: Operand): string {
  return `const lin${o} = ${opB.kind === 'zero' ? `haa${o} === 0` : `haa${o} === 0 && hab${o} === 0 && hbb${o} === 0`};`;
}

/** The new values of a node per channel, given its operands' values per channel. */
type NodeRule = (o: number, a: (string | null)[], b: (string | null)[], opA: Operand, opB: Operand) => string[];

interface ForwardSpec {
  /** channel arrays, one per Taylor coefficient */
  arrs: readonly string[];
  /** which partials the rule reads */
  used: readonly number[];
  /** channels that are 0 at the inputs (never read there) */
  zeroAtInputs: readonly string[];
  /** repetitions before `keepFrom` store only what is read from memory later (forward mode keeps no tape) */
  fewerStores: boolean;
  rule: NodeRule;
  /** K lanes: the rule at a linear node (no second partials), chosen per repetition */
  linearRule?: NodeRule;
  /** the channel that is 0 where the mask Z says so (lib/tape/zeros.ts): not read there, 0 written */
  zeroMask?: string;
  /** the rule reads 2·h_ab (as h2ab) */
  twiceHab?: boolean;
}

/** Lanes per block in the blocked K-lane form, and the longest pattern it is used for (its body is p × BLOCK nodes). */
const BLOCK = 4, BLOCK_MAX_PERIOD = 8;

/** Per repetition of a K-lane loop: the partials, and whether each node is linear (lin) or masked to zero (z). */
function laneConstants(L: Loop, f: ForwardSpec): string[] {
  return [
    ...L.ops.map(([, opB], o) => partials(o, opB, f.used, f.twiceHab)),
    ...(f.linearRule ? L.ops.map(([, opB], o) => linear(o, opB)) : []),
    ...(f.zeroMask ? L.ops.map((_, o) => `const z${o} = Z[i + ${o}] === 1;`) : []),
  ];
}

/**
 * The loop over repetitions: with f.fewerStores, first those before keepFrom
 * (storing only what is read later), then the rest storing everything;
 * `rep(storeAll)` gives one repetition's statements.
 */
function repetitions(L: Loop, f: ForwardSpec, e: Emit, rep: (storeAll: boolean) => string[]): string[] {
  const loop = [`let r = 0, i = ${L.lo}, q = ${L.lo * NPAR};`];
  const phase = (to: string, storeAll: boolean) => loop.push(`for (; r < ${to}; r++, i += ${L.p}, q += ${L.p * NPAR}) {`, ...rep(storeAll), ...e.step, '}');
  if (f.fewerStores) phase('keepFrom', false);
  phase(String(L.R), true);
  return loop;
}

/**
 * A forward loop over K lanes in blocks of BLOCK lanes, then a block of two
 * and one lane at a time for the rest (K = 2, a tridiagonal Hessian's
 * colours, is one pass, not two): within a block the previous repetition's
 * values stay in variables, as in the one-lane form, so only what is read
 * later is stored.
 */
function forwardBlocked(L: Loop, f: ForwardSpec): string {
  const block = (width: number, head: string, tail: string[] = []) => {
    const e = new Emit(L, false), carried = targets(L, 'carried'), lanes = [...Array(width).keys()];
    const init = carried.flatMap((o) => f.arrs.flatMap((arr) => lanes.map((l) => `let ${arr}_c${o}_${l} = ${arr}[${L.lo - L.p + o} * K + kb + ${l}];`)));
    const loop = repetitions(L, f, e, (storeAll) => {
      const body = lanes.flatMap((l) => forwardBody(L, e, f, 'block', storeAll, l));
      return [...laneConstants(L, f), ...e.repLines(), ...body];
    });
    return [head, ...e.pre, ...init, ...loop, ...tail, '}'];
  };
  return [
    'let kb = 0;', ...block(BLOCK, `for (; kb + ${BLOCK} <= K; kb += ${BLOCK}) {`),
    ...block(2, 'if (kb + 2 <= K) {', ['kb += 2;']),
    ...block(1, 'for (; kb < K; kb++) {'),
  ].join('\n');
}

/** A forward loop, one lane or K lanes. */
function forwardLoop(L: Loop, f: ForwardSpec, lanes: boolean): string {
  if (lanes && L.p <= BLOCK_MAX_PERIOD) return forwardBlocked(L, f);
  const e = new Emit(L, false), carried = targets(L, 'carried');
  if (!lanes) for (const o of carried) for (const arr of f.arrs) e.pre.push(`let ${arr}_c${o} = ${arr}[${L.lo - L.p + o}];`);
  const loop = repetitions(L, f, e, (storeAll) => {
    const body = forwardBody(L, e, f, lanes ? 'lanes' : 'one', storeAll);
    return lanes ? [...laneConstants(L, f), ...e.repLines(), 'for (let k = 0; k < K; k++) {', ...body, '}'] : body;
  });
  return [...e.pre, ...loop].join('\n');
}

/**
 * One repetition of a forward loop: 'one' lane; one lane k of 'lanes' (values
 * of earlier repetitions in memory); lane kb + l of a 'block' (values of the
 * previous repetition in variables suffixed _l).
 */
function forwardBody(L: Loop, e: Emit, f: ForwardSpec, mode: 'one' | 'lanes' | 'block', storeAll: boolean, l = 0): string[] {
  const body: string[] = [], carried = targets(L, 'carried'), lanes = mode !== 'one', sfx = mode === 'block' ? `_${l}` : '';
  for (let o = 0; o < L.p; o++) {
    const [opA, opB] = L.ops[o]!;
    // each operand read from memory once, into a constant (the formulas use some twice)
    const bind = (op: Operand, side: number) => f.arrs.map((arr) => {
      if (f.zeroAtInputs.includes(arr) && readsInput(L, op)) return null;
      const v = mode === 'one' ? e.value(arr, op, o, side) : mode === 'lanes' ? e.valueK(arr, op, o, side) : e.valueB(arr, op, o, side, l);
      // (the masked channel is read once, inside the branch that needs it)
      if (v === null || !v.includes('[') || arr === f.zeroMask) return v;
      const name = `${arr}_${side ? 'b' : 'a'}${o}${sfx}`;
      body.push(`const ${name} = ${v};`);
      return name;
    });
    const va = bind(opA, 0), vb = bind(opB, 1);
    if (!lanes) body.push(partials(o, opB, f.used, f.twiceHab));
    const full = f.rule(o, va, vb, opA, opB), lin = lanes && f.linearRule ? f.linearRule(o, va, vb, opA, opB) : full;
    const vals = full.map((v, c) => {
      const picked = v === lin[c] ? v : `lin${o} ? ${lin[c]} : ${v}`;
      return f.arrs[c] === f.zeroMask ? `${lanes ? `z${o}` : `Z[i + ${o}] === 1`} ? 0 : ${picked}` : picked;
    });
    // 'lanes': values of earlier repetitions are read from memory, so carried offsets are stored too
    const store = storeAll || L.read[o] || (mode === 'lanes' && carried.includes(o));
    f.arrs.forEach((arr, c) => {
      const at = mode === 'one' ? `i + ${o}` : mode === 'lanes' ? `${e.out(o)} + k` : `${e.out(o)} + kb + ${l}`;
      body.push(`const ${arr}_v${o}${sfx} = ${vals[c]};${store ? ` ${arr}[${at}] = ${arr}_v${o}${sfx};` : ''}`);
    });
  }
  if (mode !== 'lanes') for (const o of carried) for (const arr of f.arrs) body.push(`${arr}_c${o}${sfx} = ${arr}_v${o}${sfx};`);
  return body;
}

/**
 * A reverse loop with one-lane adjoint channels `arrs` (their carried and
 * local adjoints in variables); `node(o, w, e)` gives the statements of
 * offset o, w its adjoints. `lanes(e)`, if given, adds per repetition a loop
 * over K lanes after the one-lane part.
 */
function reverseLoop(L: Loop, arrs: readonly string[], node: (o: number, w: string[], e: Emit) => string[], lanes?: (e: Emit) => string[]): string {
  const e = new Emit(L, true), body: string[] = [];
  const carried = targets(L, 'carried'), local = targets(L, 'local');
  for (const o of carried) for (const arr of arrs) e.pre.push(`let ${arr}_k${o} = 0;`);
  // what the next repetition (processed just before) gave this one's nodes; each accumulator is then
  // assigned by its first contribution (every repetition has the same contributions)
  for (const o of carried) for (const arr of arrs) body.push(`const ${arr}_kin${o} = ${arr}_k${o};`);
  for (const o of local) for (const arr of arrs) body.push(`let ${arr}_l${o};`);
  for (let o = L.p - 1; o >= 0; o--) {
    const w = arrs.map((arr) => `${arr}_w${o}`);
    arrs.forEach((arr, c) => body.push(`const ${w[c]} = ${sum(`${arr}[i + ${o}]`, local.includes(o) ? `${arr}_l${o}` : null, carried.includes(o) ? `${arr}_kin${o}` : null)};`));
    body.push(...node(o, w, e));
  }
  if (lanes) {
    const laneBody = lanes(e);
    body.push(...e.repLines(), 'for (let k = 0; k < K; k++) {', ...laneBody, '}');
  }
  // the inputs' accumulators: declared with the locals, added to memory at the end of the repetition
  body.splice(carried.length * arrs.length, 0, ...[...e.inputs.keys()].map((v) => `let ${v};`));
  body.push(...[...e.inputs].map(([v, at]) => `${at} += ${v};`));
  const last = L.lo + (L.R - 1) * L.p;
  return [
    ...e.pre,
    `for (let r = ${L.R - 1}, i = ${last}, q = ${last * NPAR}; r >= 0; r--, i -= ${L.p}, q -= ${L.p * NPAR}) {`,
    ...body, ...e.step,
    '}',
    // the first repetition's contributions to the nodes before the loop
    ...carried.flatMap((o) => arrs.map((arr) => `${arr}[${L.lo - L.p + o}] += ${arr}_k${o};`)),
  ].join('\n');
}

/**
 * Update u of a formula (lib/tape/formulas.ts) as source, for offset o:
 * each term is its partial (`haa3`; 2·h_ab is `h2ab3`) times its factors'
 * values, `value(ch, at)` (null: a zero operand, and the term drops out).
 * Terms of two factors come first, grouped by their first factor
 * ((h_aa ȧ + 2h_ab ḃ)·ȧ: one multiply fewer); terms of one factor follow,
 * ordered by {@link chainLast}. `linearOnly`: the terms of one factor alone
 * (the update at a linear node).
 */
function render(u: Update, o: number, value: (ch: number, at: number) => string | null, ops: readonly Operand[], linearOnly = false): string {
  const name = (t: Term) => (t.c === 2 && t.p === 3 ? `h2ab${o}` : `${t.c === 1 ? '' : `${t.c} * `}${PARTIALS[t.p]}${o}`);
  const groups = new Map<string, string[]>(), linear: [Operand, string | null][] = [];
  for (const t of u.terms) {
    if (t.f.length > 1) throw new Error('emit: a bracket of products is not generated (no generated sweep uses one)');
    const f = t.f[0]!, vs = f.map((x) => value(x.ch, x.at));
    if (vs.some((v) => v === null)) continue;
    if (f.length === 1) linear.push([f[0]!.at === AT_Y ? ZERO : ops[f[0]!.at]!, `${name(t)} * ${vs[0]}`]);
    else if (!linearOnly) groups.set(vs[0]!, [...(groups.get(vs[0]!) ?? []), `${name(t)} * ${vs[1]}`]);
  }
  const quadratic = [...groups].map(([first, rest]) => (rest.length === 1 ? `${rest[0]} * ${first}` : `(${rest.join(' + ')}) * ${first}`));
  return sum(...quadratic, ...chainLast(...linear));
}
const ZERO: Operand = { kind: 'zero' };

/** The forward spec of a formula: its channels, the partials it reads, its rule (and the rule at a linear node). */
function forwardSpec(F: Formula, spec: Pick<ForwardSpec, 'zeroAtInputs' | 'fewerStores' | 'zeroMask'>): ForwardSpec {
  const terms = F.updates.flatMap((u) => u.terms);
  const rule = (linearOnly: boolean): NodeRule => (o, a, b, opA, opB) =>
    F.updates.map((u) => render(u, o, (ch, at) => (at === AT_A ? a : b)[ch]!, [opA, opB], linearOnly));
  const nonlinear = terms.some((t) => degree(t) > 1);
  return {
    ...spec, arrs: F.channels, used: [...new Set(terms.map((t) => t.p))].sort(), rule: rule(false),
    linearRule: nonlinear ? rule(true) : undefined, twiceHab: terms.some((t) => t.c === 2 && t.p === 3),
  };
}

const tangent = forwardSpec(FORMULAS.tangent, { zeroAtInputs: [], fewerStores: false });
// ä = 0 at an input (the sweep's contract: the path is x + t·a)
const second = forwardSpec(FORMULAS.second, { zeroAtInputs: ['T2'], fewerStores: true, zeroMask: 'T2' });

/** The same without the mask: for loops where it marks no node. */
const secondUnmasked: ForwardSpec = { ...second, zeroMask: undefined };

/**
 * The statements of a reverse formula's updates `which` at offset o (K lanes
 * with `lanes`): its values named by `value`, each contribution added to the
 * argument's adjoint in its channel.
 */
function adjoints(
  F: Formula, L: Loop, o: number, e: Emit, value: (ch: number, at: number) => string | null, which: (u: Update) => boolean,
  lanes = false, linearOnly = false,
): string[] {
  const ops = L.ops[o]!;
  return F.updates.filter(which).map((u) => {
    const expr = render(u, o, value, ops, linearOnly), ch = F.channels[u.ch]!, op = ops[u.at]!;
    return lanes ? e.addK(ch, op, o, u.at, expr) : e.add(ch, op, o, u.at, expr);
  });
}

const REVERSE = FORMULAS.reverse, FOR = FORMULAS.reverseTangent;
const isA = (u: Update) => FOR.channels[u.ch] === 'A', isAT = (u: Update) => !isA(u);

/** The emitters, by kernel; the `…K` forms sweep K lanes. */
export const emitters = {
  tangent: (L: Loop) => forwardLoop(L, tangent, false),
  second: (L: Loop) => forwardLoop(L, secondUnmasked, false),
  secondZ: (L: Loop) => forwardLoop(L, second, false),
  tangentK: (L: Loop) => forwardLoop(L, tangent, true),
  secondK: (L: Loop) => forwardLoop(L, secondUnmasked, true),
  secondZK: (L: Loop) => forwardLoop(L, second, true),
  // ā += g_a ȳ, b̄ += g_b ȳ
  reverse: (L: Loop) => reverseLoop(L, ['A'], (o, [w], e) => [
    partials(o, L.ops[o]![1], [0, 1]), ...adjoints(REVERSE, L, o, e, () => w!, () => true),
  ]),
  // the adjoint A and its tangent AT, one lane (the tangents ȧ, ḃ read into xa, yb); at a linear node
  // the tangent flows back like the adjoint and the tangents are not read, as in the K-lane form
  reverseTangent: (L: Loop) => reverseLoop(L, ['A', 'AT'], (o, [w, wt], e) => {
    const [opA, opB] = L.ops[o]!, sa = e.slot(opA, o, 0), sb = e.slot(opB, o, 1);
    const x = sa === null ? null : `xa${o}`, y = sb === null ? null : `yb${o}`;
    const value = (ch: number, at: number) => [at === AT_A ? x : y, w!, wt!][ch]!;
    const head = [partials(o, opB), ...adjoints(FOR, L, o, e, value, isA), linear(o, opB)];
    const before = e.snapshot();
    const lin = adjoints(FOR, L, o, e, value, isAT, false, true);
    e.restore(before);
    const full = [...(x ? [`const ${x} = T[${sa}];`] : []), ...(y ? [`const ${y} = T[${sb}];`] : []), ...adjoints(FOR, L, o, e, value, isAT)];
    // (both branches assign the same accumulators, which reverseLoop declares)
    return [...head, `if (lin${o}) { ${lin.join(' ')} } else { ${full.join(' ')} }`];
  }),
  // the adjoint A (one lane) as in reverseTangent; then per lane the adjoint's tangents AT
  // (at a linear node they flow back like adjoints: ā̇ += g_a ẏ̄, and the tangents are not read)
  reverseTangentK: (L: Loop) => reverseLoop(L, ['A'], (o, [w], e) => [
    partials(o, L.ops[o]![1]), ...adjoints(FOR, L, o, e, () => w!, isA), linear(o, L.ops[o]![1]),
  ], (e) => {
    const local = targets(L, 'local'), body: string[] = [];
    for (const o of local) body.push(`let AT_l${o};`);
    for (let o = L.p - 1; o >= 0; o--) {
      const [opA, opB] = L.ops[o]!;
      const wt = `AT_w${o}`, la = e.lane(opA, o, 0), lb = e.lane(opB, o, 1);
      const x = la === null ? null : `xa${o}`, y = lb === null ? null : `yb${o}`;
      const value = (ch: number, at: number) => [at === AT_A ? x : y, `A_w${o}`, wt][ch]!;
      body.push(`const ${wt} = ${sum(`AT[${e.out(o)} + k]`, local.includes(o) ? `AT_l${o}` : null)};`);
      const before = e.snapshot();
      const lin = adjoints(FOR, L, o, e, value, isAT, true, true);
      e.restore(before);
      const full = [...(x ? [`const ${x} = T[${la}];`] : []), ...(y ? [`const ${y} = T[${lb}];`] : []),
        ...adjoints(FOR, L, o, e, value, isAT, true)];
      body.push(`if (lin${o}) { ${lin.join(' ')} } else { ${full.join(' ')} }`);
    }
    return body;
  }),
};
export type Kernel = keyof typeof emitters;

/** Parameters of the generated function of each kernel (after `par`). */
export const PARAMS: Record<Kernel, string[]> = {
  tangent: ['T'], second: ['T1', 'T2', 'keepFrom', 'Z'], secondZ: ['T1', 'T2', 'keepFrom', 'Z'], reverse: ['A'], reverseTangent: ['T', 'A', 'AT'],
  tangentK: ['T', 'K'], secondK: ['T1', 'T2', 'keepFrom', 'Z', 'K'], secondZK: ['T1', 'T2', 'keepFrom', 'Z', 'K'], reverseTangentK: ['T', 'A', 'AT', 'K'],
};

/** The source of one loop's kernel. */
export function loopSource(L: Loop, k: Kernel): string {
  return emitters[k](L);
}

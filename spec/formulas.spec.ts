/**
 * lib/tape/formulas.ts is the one statement of each propagation formula.
 * The sweeps that do not read it directly are checked against it here: on
 * synthetic recordings (random arguments and partials, linear nodes, unary
 * nodes, an argument used twice), every sweep of lib/tape/sweeps.ts — the
 * interpreted kernels with one lane and with three, the generated loops
 * (codegen 'always', on a recording made of loops), and the careful kernels
 * (partials with ±∞ and NaN, structural zeros, computed zeros) — must give
 * what a direct evaluation of the table gives. For the careful kernels the
 * evaluation takes a term as 0 when a factor is a structural zero, after a
 * structure pass that is the same table evaluated in booleans.
 */
import { expect } from 'chai';
import { setCodegen } from '../lib/index.js';
import { AT_Y, FORMULAS, degree, type Formula, type Mode } from '../lib/tape/formulas.js';
import type { SweepTape } from '../lib/tape/block.js';
import { GA, GB, HAA, HAB, HBB } from '../lib/tape/structure.js';
import { forwardHyper, forwardLaplacian, forwardSecond, forwardTangent, reverse, reverseTangent } from '../lib/tape/sweeps.js';
import { generated } from '../lib/tape/codegen.js';
import { mulberry32 } from './support/random.js';

const BIT = [GA, GB, HAA, HAB, HBB];

interface Synthetic extends SweepTape { readonly pat: Uint16Array; nonFinite: boolean }

/**
 * A recording of `m` computed nodes after `nIn` inputs, arguments drawn by
 * `args(i)`; random partials (a third of the nodes linear, unary nodes with
 * no b partials). With `careful`: some partials are structural zeros (bit
 * clear), some computed zeros (bit set, value 0), some ±∞ or NaN.
 */
function synthetic(rand: () => number, nIn: number, m: number, args: (i: number) => [number, number], careful: boolean): Synthetic {
  const n = nIn + 1 + m, a = new Int32Array(n), b = new Int32Array(n), par = new Float64Array(5 * n), pat = new Uint16Array(n);
  for (let i = nIn + 1; i < n; i++) {
    [a[i], b[i]] = args(i);
    const linear = rand() < 0.3;
    for (let p = 0; p < 5; p++) {
      let v = 2 * rand() - 1, bit = true;
      if (b[i] === 0 && (p === 1 || p === 3 || p === 4)) { v = 0; bit = false; }
      else if (linear && p >= 2) { v = 0; bit = false; }
      else if (careful) {
        const u = rand();
        if (u < 0.2) { v = 0; bit = false; } else if (u < 0.3) v = 0; else if (u < 0.36) v = rand() < 0.5 ? Infinity : -Infinity; else if (u < 0.38) v = NaN;
      }
      par[5 * i + p] = v;
      if (bit) pat[i] |= BIT[p]!;
    }
  }
  return { n, nIn, a, b, par, pat, blocks: [], nonFinite: careful };
}

/** Random arguments among the earlier slots (slot 0: none), sometimes the same one twice. */
const scattered = (rand: () => number) => (i: number): [number, number] => {
  const x = 1 + Math.floor(rand() * (i - 1)), u = rand();
  return [x, u < 0.25 ? 0 : u < 0.35 ? x : 1 + Math.floor(rand() * (i - 1))];
};

/** Three nodes before a loop of R repetitions of four: (xᵣ₊₁, xᵣ₊₂), unary of it, with input 1, a running chain. */
const looped = (nIn: number) => (i: number): [number, number] => {
  const lo = nIn + 4, k = i - lo;
  if (k < 0) return [i - 1, k === -3 ? 2 : 1];
  const r = Math.floor(k / 4), o = k % 4;
  return o === 0 ? [r + 1, r + 2] : o === 1 ? [i - 1, 0] : o === 2 ? [i - 1, 1] : [i - 1, i - 4];
};

/** Entry of channel c at slot s, lane k. */
const at = (F: Formula, c: number, s: number, k: number, K: number) => (F.wide[c] ? s * K + k : s);

/**
 * Formula F evaluated directly over t's nodes (forward, or backwards for a
 * reverse formula). With `live` (one liveness array per channel, the
 * structure bits in t.pat): first the structure pass (the formula in
 * booleans, from the seeds already in X), then each term taken as 0 unless
 * its partial's bit is set or it is not 0 here, and every factor is live.
 */
function evaluate(F: Formula, t: Synthetic, K: number, X: Float64Array[], live?: Uint8Array[]): void {
  const order = [...Array(t.n - t.nIn - 1).keys()].map((j) => j + t.nIn + 1);
  if (F.reverse) order.reverse();
  const bits = (i: number) => BIT.reduce((s, bit, p) => s | (t.par[5 * i + p] !== 0 ? bit : 0), t.pat[i]!);
  const pass = (values: boolean) => {
    for (const i of order) {
      const slot = [t.a[i]!, t.b[i]!, i], s = bits(i);
      for (const u of F.updates) {
        for (let k = 0; k < (F.wide[u.ch] ? K : 1); k++) {
          let v = 0, l = false;
          for (const term of u.terms) {
            for (const kk of term.sum ? [...Array(K).keys()] : [k]) {
              if (live && !(s & BIT[term.p]!)) continue;
              // Σ of the live products (a product is live when all its factors are)
              let bracket = 0, any = false;
              for (const product of term.f) {
                let x = 1, all = true;
                for (const f of product) {
                  const e = at(F, f.ch, slot[f.at]!, kk, K);
                  if (live && !live[f.ch]![e]) all = false;
                  x *= X[f.ch]![e]!;
                }
                if (all) { bracket += x; any = true; }
              }
              if (any) { v += term.c * t.par[5 * i + term.p]! * bracket; l = true; }
            }
          }
          const e = at(F, u.ch, slot[u.at]!, k, K);
          if (!values) { if (F.reverse) { if (l) live![u.ch]![e] = 1; } else live![u.ch]![e] = l ? 1 : 0; }
          else if (F.reverse) X[u.ch]![e] += live && !l ? 0 : v;
          else X[u.ch]![e] = live && !l ? 0 : v;
        }
      }
    }
  };
  if (live) {
    // the seeds: a forward channel's non-zero entries at the inputs, a reverse channel's anywhere
    for (const c of new Set(F.updates.map((u) => u.ch))) {
      const end = F.reverse ? X[c]!.length : (t.nIn + 1) * (F.wide[c] ? K : 1);
      X[c]!.forEach((x, e) => { live[c]![e] = x !== 0 && e < end ? 1 : 0; });
    }
    pass(false);
    for (const c of new Set(F.updates.map((u) => u.ch))) live[c]!.fill(0, 0, F.wide[c] ? K : 1);
  }
  pass(true);
}

/** The sweep of each mode, channel arrays in the formula's order. */
const SWEEPS: Record<Mode, (t: Synthetic, K: number, X: Float64Array[]) => void> = {
  tangent: (t, K, [T]) => forwardTangent(t, K, T!),
  second: (t, K, [T1, T2]) => forwardSecond(t, K, T1!, T2!),
  hyper: (t, K, [T1, T2, T12]) => forwardHyper(t, K, T1!, T2!, T12!),
  laplacian: (t, K, [T, L]) => forwardLaplacian(t, K, T!, L!),
  reverse: (t, K, [A]) => reverse(t, K, A!),
  reverseTangent: (t, K, [T, A, AT]) => reverseTangent(t, K, T!, A!, AT!),
};

/**
 * Seeded channel arrays for mode m: forward directions at the inputs (some
 * lanes 0 there), an adjoint seed at the last node; forward-over-reverse
 * reads tangents from a tangent evaluation of the table.
 */
function seeds(m: Mode, t: Synthetic, K: number, rand: () => number, careful: boolean): Float64Array[] {
  const F: Formula = FORMULAS[m], X = F.channels.map((_, c) => new Float64Array(t.n * (F.wide[c] ? K : 1)));
  const seeded = (c: number) => F.updates.some((u) => u.ch === c && u.terms.every((term) => degree(term) === 1 && !term.sum));
  F.channels.forEach((_, c) => {
    if (F.reverse) {
      if (F.updates.every((u) => u.ch !== c)) return;
      const w = F.wide[c] ? K : 1;
      if (F.channels[c] === 'A') for (let k = 0; k < w; k++) X[c]![(t.n - 1) * w + k] = rand() < 0.2 ? 0 : 1 + rand();
    } else if (seeded(c) && F.wide[c]) {
      for (let s = 1; s <= t.nIn; s++) for (let k = 0; k < K; k++) X[c]![s * K + k] = rand() < 0.3 ? 0 : 2 * rand() - 1;
    }
  });
  if (m === 'reverseTangent') {
    const T = X[0]!;
    for (let s = 1; s <= t.nIn; s++) for (let k = 0; k < K; k++) T[s * K + k] = rand() < 0.3 ? 0 : 2 * rand() - 1;
    evaluate(FORMULAS.tangent, t, K, [T], careful ? [new Uint8Array(T.length)] : undefined);
  }
  return X;
}

/** Equal up to rounding; NaN and ±∞ exactly where expected. */
function expectSame(got: Float64Array, want: Float64Array, what: string): void {
  for (let e = 0; e < want.length; e++) {
    const x = got[e]!, y = want[e]!;
    const ok = Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= 1e-11 * Math.max(1, Math.abs(y));
    if (!ok) expect.fail(`${what}: entry ${e} is ${x}, the table gives ${y}`);
  }
}

function check(m: Mode, t: Synthetic, K: number, rand: () => number): void {
  const F: Formula = FORMULAS[m], X = seeds(m, t, K, rand, t.nonFinite), Y = X.map((x) => x.slice());
  const live = t.nonFinite ? F.channels.map((_, c) => new Uint8Array(X[c]!.length)) : undefined;
  // forward-over-reverse reads its tangents: their liveness comes from their seeds, by the tangent formula
  if (live && m === 'reverseTangent') evaluate(FORMULAS.tangent, t, K, [X[0]!.slice()], [live[0]!]);
  SWEEPS[m](t, K, X);
  evaluate(F, t, K, Y, live);
  F.channels.forEach((name, c) => {
    if (!F.updates.some((u) => u.ch === c)) return;
    // a generated reverse loop keeps the adjoints of the nodes inside it in variables: compare at the inputs
    const end = F.reverse && generated(t) ? (t.nIn + 1) * (F.wide[c] ? K : 1) : X[c]!.length;
    expectSame(X[c]!.subarray(0, end), Y[c]!.subarray(0, end), `${m}, K = ${K}, channel ${name}`);
  });
}

const MODES = Object.keys(FORMULAS) as Mode[];

describe('formulas: every sweep is the table (lib/tape/formulas.ts)', () => {
  it('the table parses into updates whose terms name known channels and partials', () => {
    for (const m of MODES) {
      const F: Formula = FORMULAS[m];
      expect(F.updates.length, m).to.equal(F.lines.length);
      for (const u of F.updates) expect(u.at === AT_Y, `${m}: forward formulas write y, reverse ones a and b`).to.equal(!F.reverse);
    }
  });

  for (const K of [1, 3]) {
    it(`the interpreted kernels, ${K} lane${K === 1 ? '' : 's'}, on random recordings`, () => {
      const old = setCodegen('off');
      try {
        for (let trial = 0; trial < 6; trial++) {
          const rand = mulberry32(100 + trial), t = synthetic(rand, 5, 40, scattered(rand), false);
          for (const m of MODES) check(m, t, K, rand);
        }
      } finally { setCodegen(old); }
    });

    it(`the careful kernels, ${K} lane${K === 1 ? '' : 's'}: ±∞ and NaN partials, structural and computed zeros`, () => {
      let nonFinite = 0;
      for (let trial = 0; trial < 12; trial++) {
        const rand = mulberry32(200 + trial), t = synthetic(rand, 5, 40, scattered(rand), true);
        for (const m of MODES) check(m, t, K, rand);
        if (t.par.some((v) => !Number.isFinite(v))) nonFinite++;
      }
      expect(nonFinite, 'recordings with non-finite partials').to.be.at.least(8);
    });

    it(`the generated loops, ${K} lane${K === 1 ? '' : 's'}, on a recording made of loops`, () => {
      const old = setCodegen('always');
      try {
        for (let trial = 0; trial < 4; trial++) {
          const rand = mulberry32(300 + trial), R = 12, t = synthetic(rand, R + 2, 3 + 4 * R, looped(R + 2), false);
          for (const m of MODES) check(m, t, K, rand);
          expect(generated(t)?.loops, 'one loop generated').to.equal(1);
        }
      } finally { setCodegen(old); }
    });
  }
});

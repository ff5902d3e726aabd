/**
 * Every convention the rule table states (its `convention` strings), tested
 * in every mode: plain numbers, hand-made Dual / Taylor2 / HyperDual, the
 * forward transforms, and the tape's gradient, hvp, Hessian and diagonals.
 * A rule that gains a convention without a spec here fails the first spec.
 */
import { expect } from 'chai';
import {
  Dual, HyperDual, Taylor2, abs, acosh, asin, atan2, atanh, cbrt, digamma, div, grad, hessian, hypot, lgamma, log, log1mexp,
  logaddexp, logsumexp, max, min, pow, relu, sigmoid, softplus, sqrt, sub, valueAndGrad, xlogy, type Num,
} from '../lib/index.js';
import { BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules } from '../lib/rules/index.js';
import { checkDerivatives } from './support/check.js';
import { binaryModes, unaryModes, type Reading, type Reading2 } from './support/modes.js';

/** What a reading must be: a number (NaN matches NaN; +0 matches −0) or a named predicate. */
type Want = number | { desc: string; ok: (x: number) => boolean };

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
/** Not a finite number: ±∞ or NaN (a point where the derivative does not exist must never give a finite number). */
const nonFinite: Want = { desc: '±∞ or NaN', ok: (x) => !Number.isFinite(x) };
const oneOf = (...vs: number[]): Want => ({ desc: `one of ${vs.join(', ')}`, ok: (x) => vs.some((v) => same(x, v)) });

function check(what: string, mode: string, key: string, got: number | undefined, want: Want | undefined): void {
  if (want === undefined || got === undefined) return;
  const ok = typeof want === 'number' ? same(got, want) : want.ok(got);
  expect(ok, `${what}, ${mode}: ${key} is ${got}, expected ${typeof want === 'number' ? want : want.desc}`).to.equal(true);
}

/** Every mode's reading of f at x matches `want` (keys a mode does not compute are skipped). */
function expectUnary(what: string, rs: Reading[], want: { value?: Want; d1?: Want; d2?: Want }): void {
  for (const r of rs) for (const k of ['value', 'd1', 'd2'] as const) check(what, r.mode, k, r[k], want[k]);
}

function expectBinary(what: string, rs: Reading2[], want: { value?: Want; fa?: Want; fb?: Want; faa?: Want; fab?: Want; fbb?: Want }): void {
  for (const r of rs) for (const k of ['value', 'fa', 'fb', 'faa', 'fab', 'fbb'] as const) check(what, r.mode, k, r[k], want[k]);
}

/** f′, f″, f‴ exactly as the rule table states them at x. */
function rulePartials(name: keyof typeof unaryRules, x: number, p = 0): number[] {
  const r = unaryRules[name], o = new Float64Array(4);
  o[0] = r.f(x, p);
  r.d(x, o[0], o, p);
  return [...o];
}

/** Within `tol` relative of v (for values that are not exactly representable). */
const near = (v: number, tol = 4e-16): Want => ({ desc: `${v} (to ${tol} relative)`, ok: (x) => Math.abs(x - v) <= tol * Math.abs(v) });

/** Exactly 0, ±∞ or NaN. */
const zeroOrNonFinite: Want = { ok: (v: number) => v === 0 || !Number.isFinite(v), desc: '0, ±∞ or NaN' };

/** One spec per op whose rule states a convention; the title quotes it. */
const SPECS: Record<string, () => void> = {
  sqrt: () => {
    expectUnary('sqrt at 0', unaryModes(sqrt, 0), { value: 0, d1: Infinity, d2: nonFinite });
    // The rule states the one-sided limit f″(0) = −∞. The modes form f′·x″ + f″·x′² with x″ = 0,
    // and ∞·0 = NaN, so they give NaN there: never a finite number.
    expect(rulePartials('sqrt', 0).slice(1, 3)).to.deep.equal([Infinity, -Infinity]);
    expectUnary('sqrt at −1', unaryModes(sqrt, -1), { value: NaN, d1: NaN, d2: NaN });
  },
  cbrt: () => {
    expectUnary('cbrt at 0', unaryModes(cbrt, 0), { value: 0, d1: Infinity, d2: nonFinite });
    expectUnary('cbrt at −8', unaryModes(cbrt, -8), { value: -2, d1: 1 / 12 });
  },
  log: () => {
    expectUnary('log at 0', unaryModes(log, 0), { value: -Infinity, d1: Infinity, d2: nonFinite });
    expectUnary('log at −1', unaryModes(log, -1), { value: NaN, d1: NaN, d2: NaN });
    expectUnary('log at −1e-300', unaryModes(log, -1e-300), { value: NaN, d1: NaN, d2: NaN });
  },
  asin: () => {
    expectUnary('asin at 1', unaryModes(asin, 1), { value: Math.PI / 2, d1: Infinity, d2: nonFinite });
    expectUnary('asin at −1', unaryModes(asin, -1), { value: -Math.PI / 2, d1: Infinity, d2: nonFinite });
    expectUnary('asin at 1.5', unaryModes(asin, 1.5), { value: NaN, d1: NaN, d2: NaN });
    expectUnary('asin at −1.5', unaryModes(asin, -1.5), { value: NaN, d1: NaN, d2: NaN });
  },
  acosh: () => {
    expectUnary('acosh at 1', unaryModes(acosh, 1), { value: 0, d1: Infinity, d2: nonFinite });
    expectUnary('acosh at 0.5', unaryModes(acosh, 0.5), { value: NaN, d1: NaN, d2: NaN });
  },
  atanh: () => {
    expectUnary('atanh at 1', unaryModes(atanh, 1), { value: Infinity, d1: Infinity, d2: nonFinite });
    expectUnary('atanh at −1', unaryModes(atanh, -1), { value: -Infinity, d1: Infinity, d2: nonFinite });
  },
  abs: () => {
    expectUnary('abs at 0', unaryModes(abs, 0), { value: 0, d1: 0, d2: 0 });
    expectUnary('abs at −0', unaryModes(abs, -0), { value: 0, d1: 0, d2: 0 });
    expectUnary('abs at 1.5', unaryModes(abs, 1.5), { value: 1.5, d1: 1, d2: 0 });
    expectUnary('abs at −1.5', unaryModes(abs, -1.5), { value: 1.5, d1: -1, d2: 0 });
  },
  relu: () => {
    expectUnary('relu at 0', unaryModes(relu, 0), { value: 0, d1: 0, d2: 0 });
    expectUnary('relu at 2', unaryModes(relu, 2), { value: 2, d1: 1, d2: 0 });
    expectUnary('relu at −2', unaryModes(relu, -2), { value: 0, d1: 0, d2: 0 });
    expectUnary('relu at NaN', unaryModes(relu, NaN), { value: NaN, d1: NaN, d2: NaN });
    // on the tape NaN can only arise inside f: relu(log x) at x = −1
    const vg = valueAndGrad((x) => relu(log(x[0]!)), [-1]);
    expect(vg.value).to.be.NaN;
    expect(vg.grad[0]).to.be.NaN;
  },
  sigmoid: () => {
    expectUnary('sigmoid at 800', unaryModes(sigmoid, 800), { value: 1, d1: 0, d2: 0 });
    expectUnary('sigmoid at −800', unaryModes(sigmoid, -800), { value: 0, d1: 0, d2: 0 });
    expectUnary('sigmoid at 0', unaryModes(sigmoid, 0), { value: 0.5, d1: 0.25, d2: 0 });
  },
  softplus: () => {
    expectUnary('softplus at 800', unaryModes(softplus, 800), { value: 800, d1: 1, d2: 0 });
    expectUnary('softplus at −800', unaryModes(softplus, -800), { value: 0, d1: 0, d2: 0 });
    expectUnary('softplus at 0', unaryModes(softplus, 0), { value: Math.LN2, d1: 0.5, d2: 0.25 });
  },
  powc: () => {
    // a zero coefficient gives an exact zero, never 0·∞ = NaN
    expectUnary('pow(x, 0) at 0', unaryModes((x) => pow(x, 0), 0), { value: 1, d1: 0, d2: 0 });
    expectUnary('pow(x, 1) at 0', unaryModes((x) => pow(x, 1), 0), { value: 0, d1: 1, d2: 0 });
    expectUnary('pow(x, 2) at 0', unaryModes((x) => pow(x, 2), 0), { value: 0, d1: 0, d2: 2 });
    expectUnary('pow(x, 3) at 0', unaryModes((x) => pow(x, 3), 0), { value: 0, d1: 0, d2: 0 });
    expect(rulePartials('powc', 0, 2)).to.deep.equal([0, 0, 2, 0]);
    expect(rulePartials('powc', 0, 0)).to.deep.equal([1, 0, 0, 0]);
    expect(rulePartials('powc', 0, 1)).to.deep.equal([0, 1, 0, 0]);
    expectUnary('pow(x, 0.5) at −2', unaryModes((x) => pow(x, 0.5), -2), { value: NaN, d1: NaN, d2: NaN });
    // an integer exponent is fine at a negative x
    expectUnary('pow(x, 3) at −2', unaryModes((x) => pow(x, 3), -2), { value: -8, d1: 12, d2: -12 });
  },
  lgamma: () => {
    for (const x of [0, -1, -2, -7]) expectUnary(`lgamma at the pole ${x}`, unaryModes(lgamma, x), { value: Infinity, d1: NaN, d2: NaN });
    expectUnary('lgamma at −∞', unaryModes(lgamma, -Infinity), { value: Infinity, d1: NaN });
    // Γ(−½) = −2√π: log|Γ| = log(2√π); ψ(−½) = ψ(½) + 2 = 2 − γ − 2 ln 2; ψ₁(−½) = ψ₁(½) + 4 = π²/2 + 4
    expectUnary('lgamma at −½', unaryModes(lgamma, -0.5), {
      value: near(1.2655121234846454), d1: near(0.03648997397857652, 1e-14), d2: near(Math.PI ** 2 / 2 + 4, 1e-15),
    });
    expectUnary('lgamma at 1', unaryModes(lgamma, 1), { value: 0, d1: near(-0.5772156649015329), d2: near(Math.PI ** 2 / 6) });
  },
  digamma: () => {
    for (const x of [0, -1, -3]) expectUnary(`digamma at the pole ${x}`, unaryModes(digamma, x), { value: NaN, d1: NaN, d2: NaN });
    // ψ(1) = −γ, ψ₁(1) = π²/6, ψ₂(1) = −2ζ(3)
    expectUnary('digamma at 1', unaryModes(digamma, 1), { value: near(-0.5772156649015329), d1: near(Math.PI ** 2 / 6), d2: near(-2.4041138063191885) });
  },
  log1mexp: () => {
    expectUnary('log1mexp at 0', unaryModes(log1mexp, 0), { value: -Infinity, d1: -Infinity, d2: nonFinite });
    expectUnary('log1mexp at 1', unaryModes(log1mexp, 1), { value: NaN, d1: NaN, d2: NaN });
    // log(1 − e^−ln2) = −ln 2, f′ = −1/(e^ln2 − 1) = −1, f″ = −q(1 + q) = −2
    expectUnary('log1mexp at −ln 2', unaryModes(log1mexp, -Math.LN2), { value: near(-Math.LN2), d1: near(-1, 1e-15), d2: near(-2, 1e-15) });
    // no cancellation near 0 (log(1 − e^x) would give −∞) and no overflow far out
    expectUnary('log1mexp at −1e−20', unaryModes(log1mexp, -1e-20), { value: near(Math.log(1e-20)), d1: near(-1e20, 1e-15) });
    expectUnary('log1mexp at −800', unaryModes(log1mexp, -800), { value: 0, d1: 0, d2: 0 });
  },
  logaddexp: () => {
    expectBinary('logaddexp(−∞, −∞)', binaryModes(logaddexp, -Infinity, -Infinity), { value: -Infinity, fa: NaN, fb: NaN });
    expectBinary('logaddexp(∞, ∞)', binaryModes(logaddexp, Infinity, Infinity), { value: Infinity, fa: NaN, fb: NaN });
    expectBinary('logaddexp(−∞, 1)', binaryModes(logaddexp, -Infinity, 1), { value: 1, fa: 0, fb: 1 });
    expectBinary('logaddexp(800, 800)', binaryModes(logaddexp, 800, 800), { value: 800 + Math.LN2, fa: 0.5, fb: 0.5, faa: 0.25, fab: -0.25, fbb: 0.25 });
    expectBinary('logaddexp(−800, 0)', binaryModes(logaddexp, -800, 0), { value: 0, fa: 0, fb: 1, faa: 0, fab: 0, fbb: 0 });
  },
  xlogy: () => {
    expectBinary('xlogy(0, 0)', binaryModes(xlogy, 0, 0), { value: 0, fa: -Infinity, fb: 0, faa: 0, fab: Infinity, fbb: 0 });
    expectBinary('xlogy(0, −1)', binaryModes(xlogy, 0, -1), { value: 0, fa: NaN, fb: 0, faa: 0, fbb: 0 });
    expectBinary('xlogy(0, 2)', binaryModes(xlogy, 0, 2), { value: 0, fa: Math.LN2, fb: 0, faa: 0, fab: 0.5, fbb: 0 });
    expectBinary('xlogy(1, 0)', binaryModes(xlogy, 1, 0), { value: -Infinity, fa: -Infinity, fb: Infinity });
    expectBinary('xlogy(0, NaN)', binaryModes(xlogy, 0, NaN), { value: NaN, fa: NaN, fb: NaN });
    expect(xlogy(0, Infinity)).to.equal(0);
  },
  div: () => {
    // a/b is linear in a: ∂²/∂a² is exactly 0 (a zero factor wins over the infinite ∂²/∂a∂b), the rest ±∞ or NaN
    expectBinary('div(1, 0)', binaryModes(div, 1, 0), { value: Infinity, fa: nonFinite, fb: nonFinite, faa: zeroOrNonFinite, fab: nonFinite, fbb: nonFinite });
    expectBinary('div(−1, 0)', binaryModes(div, -1, 0), { value: -Infinity, fa: nonFinite, fb: nonFinite });
    expectBinary('div(0, 0)', binaryModes(div, 0, 0), { value: NaN, fa: NaN, fb: NaN, faa: NaN, fab: NaN, fbb: NaN });
  },
  pow: () => {
    // traced exponent at a = 0: the ln a terms are taken at their limit 0
    expectBinary('pow(a, b) at (0, 2)', binaryModes(pow, 0, 2), { value: 0, fa: 0, fb: 0, faa: 2, fab: 0, fbb: 0 });
    expectBinary('pow(a, b) at (0, 3)', binaryModes(pow, 0, 3), { value: 0, fa: 0, fb: 0, faa: 0, fab: 0, fbb: 0 });
    // a < 0: ∂/∂b is NaN (ln a undefined). The forward modes form f_a·ȧ + f_b·ḃ, so ḃ = 0 still meets
    // NaN·0; f_a is then −4 (tape) or NaN (forward): never a wrong finite number.
    expectBinary('pow(a, b) at (−2, 2)', binaryModes(pow, -2, 2), { value: 4, fa: oneOf(-4, NaN), fb: NaN });
    expect(grad((x) => pow(x[0]!, x[1]!), [-2, 2])[0]).to.equal(-4);
    expectBinary('pow(a, b) at (−2, 0.5)', binaryModes(pow, -2, 0.5), { value: NaN, fa: NaN, fb: NaN, fab: NaN });
  },
  atan2: () => {
    expectBinary('atan2 at (0, 0)', binaryModes(atan2, 0, 0), { value: 0, fa: NaN, fb: NaN, faa: NaN, fab: NaN, fbb: NaN });
  },
  hypot: () => {
    expectBinary('hypot at (0, 0)', binaryModes(hypot, 0, 0), { value: 0, fa: 0, fb: 0, faa: 0, fab: 0, fbb: 0 });
    // consistent with abs′(0) = 0: hypot(x, 0) = |x|
    expectUnary('hypot(x, 0) at 0', unaryModes((x) => hypot(x, 0), 0), { value: 0, d1: 0, d2: 0 });
  },
  max: () => {
    expectBinary('max(a, b) at a = b = 1', binaryModes(max, 1, 1), { value: 1, fa: 1, fb: 0, faa: 0, fab: 0, fbb: 0 });
    expectBinary('max(b, a) at a = b = 1', binaryModes((a, b) => max(b, a), 1, 1), { value: 1, fa: 0, fb: 1 });
    expectUnary('max(x, 1) at x = 1', unaryModes((x) => max(x, 1), 1), { value: 1, d1: 1, d2: 0 });
    expectUnary('max(1, x) at x = 1', unaryModes((x) => max(1, x), 1), { value: 1, d1: 0, d2: 0 });
    expect(grad((x) => max(x[0]!, x[1]!), [-0.5, -0.5])).to.deep.equal(Float64Array.of(1, 0));
    expect(grad((x) => max(x[1]!, x[0]!), [-0.5, -0.5])).to.deep.equal(Float64Array.of(0, 1));
    expectBinary('max(NaN, 1)', binaryModes(max, NaN, 1), { value: NaN, fa: NaN, fb: NaN });
    expectBinary('max(1, NaN)', binaryModes(max, 1, NaN), { value: NaN, fa: NaN, fb: NaN });
    expect(grad((x) => max(log(x[0]!), x[1]!), [-1, 1])[1]).to.be.NaN;
  },
  min: () => {
    expectBinary('min(a, b) at a = b = 1', binaryModes(min, 1, 1), { value: 1, fa: 1, fb: 0, faa: 0, fab: 0, fbb: 0 });
    expectBinary('min(b, a) at a = b = 1', binaryModes((a, b) => min(b, a), 1, 1), { value: 1, fa: 0, fb: 1 });
    expectUnary('min(x, 1) at x = 1', unaryModes((x) => min(x, 1), 1), { value: 1, d1: 1, d2: 0 });
    expectUnary('min(1, x) at x = 1', unaryModes((x) => min(1, x), 1), { value: 1, d1: 0, d2: 0 });
    expect(grad((x) => min(x[0]!, x[1]!), [2, 2])).to.deep.equal(Float64Array.of(1, 0));
    expect(grad((x) => min(x[1]!, x[0]!), [2, 2])).to.deep.equal(Float64Array.of(0, 1));
    expectBinary('min(NaN, 1)', binaryModes(min, NaN, 1), { value: NaN, fa: NaN, fb: NaN });
    expectBinary('min(1, NaN)', binaryModes(min, 1, NaN), { value: NaN, fa: NaN, fb: NaN });
  },
};

const conventionOf = (name: string): string | undefined =>
  (unaryRules as Record<string, { convention?: string }>)[name]?.convention ??
  (binaryRules as Record<string, { convention?: string }>)[name]?.convention;

describe('conventions at non-smooth and edge points', () => {
  it('every rule that states a convention has a spec here', () => {
    const stated = [...UNARY_NAMES, ...BINARY_NAMES].filter((n) => conventionOf(n) !== undefined);
    expect(Object.keys(SPECS).sort()).to.include.members(stated);
    for (const name of Object.keys(SPECS)) expect(conventionOf(name), `rule ${name} states a convention`).to.be.a('string');
  });

  for (const [name, body] of Object.entries(SPECS)) {
    it(`${name}: ${conventionOf(name) ?? '(no convention stated)'}`, body);
  }
});

describe('stability at |x| = 800', () => {
  const huge = [800, -800];

  it('sigmoid and softplus: finite values, derivatives checked by every path and by finite differences', () => {
    for (const x of huge) {
      checkDerivatives((xs) => sigmoid(xs[0]!), [x], { label: `sigmoid at ${x}` });
      checkDerivatives((xs) => softplus(xs[0]!), [x], { label: `softplus at ${x}` });
    }
    checkDerivatives((xs) => softplus(sub(xs[0]!, xs[1]!)), [800.5, 0.25], { label: 'softplus(x₀ − x₁) near 800' });
  });

  it('sigmoid′ keeps its relative accuracy in the tails (σ′(x) = σ(x)σ(−x))', () => {
    // σ′(±30) ≈ 9.4e-14: computing it as σ(1 − σ) at x = 30 loses all but ~3 digits to cancellation
    for (const x of [30, -30, 20, -20]) {
      const exact = Math.exp(-Math.abs(x)) / (1 + Math.exp(-Math.abs(x))) ** 2;
      const d1 = grad((xs) => sigmoid(xs[0]!), [x])[0]!;
      expect(Math.abs(d1 - exact) / exact, `σ′(${x}) = ${d1}, exact ${exact}`).to.be.below(1e-12);
      const s2 = grad((xs) => softplus(xs[0]!), [x]);
      expect(s2[0]).to.be.closeTo(1 / (1 + Math.exp(-x)), 1e-15);
      const h = hessian((xs) => softplus(xs[0]!), [x])[0]![0]!;
      expect(Math.abs(h - exact) / exact, `softplus″(${x}) = ${h}, exact ${exact}`).to.be.below(1e-12);
    }
  });

  it('logsumexp: 800 + ln 2 at (800, 800, −800), gradient the softmax, Hessian diag(p) − ppᵀ', () => {
    const lse = (xs: Num[]) => logsumexp(xs);
    const x = [800, 800, -800];
    const r = checkDerivatives(lse, x, { label: 'logsumexp at (800, 800, −800)' });
    expect(r.value).to.equal(800 + Math.LN2);
    expect([...r.grad]).to.deep.equal([0.5, 0.5, 0]);
    expect(r.hessian.map((row) => [...row])).to.deep.equal([[0.25, -0.25, 0], [-0.25, 0.25, 0], [0, 0, 0]]);
    for (const y of [[-800, -800], [800, -800, 0], [-800, -799]]) {
      const q = checkDerivatives(lse, y, { label: `logsumexp at (${y})` });
      expect(q.value).to.be.finite;
    }
    expect(logsumexp([-800, -800])).to.equal(-800 + Math.LN2);
    // hand-made numbers
    expect((logsumexp([new Dual(800, 1), new Dual(800, 0), new Dual(-800, 0)]) as Dual).d).to.equal(0.5);
    const t = logsumexp([new Taylor2(800, 1, 0), new Taylor2(800, 0, 0)]) as Taylor2;
    expect([t.v, t.d1, t.d2]).to.deep.equal([800 + Math.LN2, 0.5, 0.25]);
    const h = logsumexp([new HyperDual(800, 1, 0, 0), new HyperDual(800, 0, 1, 0)]) as HyperDual;
    expect([h.d1, h.d2, h.d12]).to.deep.equal([0.5, 0.5, -0.25]);
  });
});


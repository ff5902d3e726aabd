/**
 * The special functions' values against reference values, to a few ulps,
 * and their derivatives in models that use them (every path through
 * checkDerivatives). The rule-by-rule derivative checks, in every mode, are
 * generated from the table in spec/rules.spec.ts; the conventions at poles
 * and edges are in spec/conventions.spec.ts.
 *
 * References: closed forms where there are some (DLMF 5.4.12 Γ(½) = √π,
 * 5.4.13 ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, 5.15.2 ψₙ(1) = (−1)ⁿ⁺¹ n! ζ(n + 1),
 * ψ₁(½) = π²/2, lgamma(n) = ln (n − 1)!), the others evaluated to 40 digits
 * with mpmath and rounded to the nearest double (the erf/erfc values agree
 * with Abramowitz & Stegun table 7.1 to the digits it prints).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  add, digamma, erf, erfc, grad, hessian, lgamma, log, log1mexp, logaddexp, mul, neg, sub, sum, xlogy, gradHyperdual, type Num,
} from '../lib/index.js';
import { polygamma } from '../lib/rules/special/gamma.js';
import { checkDerivatives } from './support/check.js';

/** Tolerance in units in the last place of the reference, for x > 0 (the largest seen over dense grids: 4). */
const ULPS = 4;
/** Negative x: the reflection formulas keep absolute accuracy, relative to max(1, |f|). */
const NEG_TOL = 2e-15;

/** The spacing of doubles at v (the unit in the last place). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -1022) return 2 ** -1074;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 52);
}
const ulpsOff = (got: number, want: number): number => (got === want ? 0 : Math.abs(got - want) / ulp(want));

function expectUlps(name: string, f: (x: number) => number, table: readonly (readonly [number, number])[]): void {
  for (const [x, want] of table) {
    const got = f(x);
    expect(ulpsOff(got, want), `${name}(${x}) = ${got}, reference ${want}`).to.be.at.most(ULPS);
  }
}
function expectAbs(name: string, f: (x: number) => number, table: readonly (readonly [number, number])[]): void {
  for (const [x, want] of table) {
    const got = f(x);
    expect(Math.abs(got - want), `${name}(${x}) = ${got}, reference ${want}`).to.be.at.most(NEG_TOL * Math.max(1, Math.abs(want)));
  }
}

const EULER = 0.5772156649015329, ZETA3 = 1.2020569031595942;

/** Seeded points over each function's range, by mpmath at 40 digits (scripts/special/reference.py). */
const REFERENCE = JSON.parse(readFileSync(new URL('../../spec/fixtures/special-reference.json', import.meta.url), 'utf8')) as Record<string, [number, number][]>;

describe('special functions: values to a few ulps', () => {
  it(`erf to ${ULPS} ulps`, () => {
    expectUlps('erf', erf, [
      [1e-10, 1.1283791670955126e-10], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [1.5, 0.9661051464753108], [2, 0.9953222650189527], [3, 0.9999779095030014], [4, 0.9999999845827421],
      [5.5, 0.9999999999999927], [-0.5, -0.5204998778130465], [-2, -0.9953222650189527],
    ]);
    expect([erf(0), erf(-0), erf(6), erf(Infinity), erf(-Infinity)]).to.deep.equal([0, -0, 1, 1, -1]);
    expect(erf(NaN)).to.be.NaN;
  });

  it(`erfc to ${ULPS} ulps, with its relative accuracy in the far tail`, () => {
    expectUlps('erfc', erfc, [
      [-1, 1.8427007929497148], [0.1, 0.8875370839817152], [0.5, 0.4795001221869535], [1, 0.15729920705028513],
      [2, 0.004677734981047266], [3, 2.209049699858544e-5], [5, 1.5374597944280349e-12], [10, 2.088487583762545e-45],
      [15, 7.212994172451207e-100], [20, 5.395865611607901e-176], [26, 5.663192408856143e-296],
    ]);
    expect([erfc(0), erfc(Infinity), erfc(-Infinity), erfc(30)]).to.deep.equal([1, 0, 2, 0]);
    expect(erfc(NaN)).to.be.NaN;
  });

  it(`lgamma to ${ULPS} ulps for x > 0 (exact zeros at 1 and 2), to ${NEG_TOL} absolute for x < 0`, () => {
    expectUlps('lgamma', lgamma, [
      [1e-300, 690.7755278982137], [1e-8, 18.42068073818021], [0.5, 0.5723649429247001], [1.5, -0.12078223763524522],
      [2.5, 0.2846828704729192], [3, Math.LN2], [10, 12.801827480081469], [100, 359.1342053695754],
      [1e5, 1051287.7089736569], [1e300, 6.897755278982137e302],
    ]);
    expect([lgamma(1), lgamma(2), lgamma(Infinity)]).to.deep.equal([0, 0, Infinity]);
    // log|Γ(−½)| = log(2√π), log|Γ(−3/2)| = log(4√π/3)
    expectAbs('lgamma', lgamma, [[-0.5, 1.2655121234846454], [-1.5, 0.860047015376481], [-2.5, -0.056243716497674054], [-10.3, -14.457515440024205]]);
  });

  it(`digamma to ${ULPS} ulps for x > 0, relative accuracy at its positive root too`, () => {
    expectUlps('digamma', digamma, [
      [1e-5, -100000.57719921568], [0.5, -1.9635100260214235], [1, -EULER], [2, 1 - EULER], [10, 2.251752589066721],
      [100, 4.600161852738087], [1e10, 23.025850929890456],
    ]);
    // the double nearest the root x₀ = 1.46163214496836234126…: ψ there is −ψ₁(x₀)·(x₀ − x) ≈ −9.24e-17
    expectUlps('digamma', digamma, [[1.4616321449683622, -9.241265521729427e-17]]);
    expectAbs('digamma', digamma, [[-0.5, 0.03648997397857652], [-2.5, 1.103156640645243]]);
  });

  it(`polygamma ψₙ (the derivatives of digamma) to ${ULPS} ulps`, () => {
    expectUlps('ψ₁', (x) => polygamma(1, x), [[1, Math.PI ** 2 / 6], [0.5, Math.PI ** 2 / 2], [10, 0.10516633568168575], [1e-3, 1000001.6425331959]]);
    expectUlps('ψ₂', (x) => polygamma(2, x), [[1, -2 * ZETA3], [0.1, -2001.861457378344], [10, -0.011049834970802067]]);
    expectUlps('ψ₃', (x) => polygamma(3, x), [[1, Math.PI ** 4 / 15], [2.5, 0.22390584881725206]]);
    // ψₙ(1) = (−1)ⁿ⁺¹ n! ζ(n + 1)
    expect(ulpsOff(polygamma(2, 1), -2.404113806319188)).to.be.at.most(ULPS);
    expectAbs('ψ₁', (x) => polygamma(1, x), [[-0.5, 8.934802200544679]]);
    expectAbs('ψ₃', (x) => polygamma(3, x), [[-0.5, 193.40909103400244]]);
    expect([polygamma(1, 0), polygamma(1, -2), polygamma(2, -2), polygamma(0, -2)]).to.deep.equal([Infinity, Infinity, NaN, NaN]);
  });

  it(`over seeded points of their ranges: ${ULPS} ulps for x > 0, ${NEG_TOL} absolute for x < 0 (reflection)`, () => {
    const fns: Record<string, (x: number) => number> = {
      erf, erfc, lgamma, lgamma_negative: lgamma, digamma,
      trigamma: (x) => polygamma(1, x), tetragamma: (x) => polygamma(2, x), pentagamma: (x) => polygamma(3, x),
    };
    for (const [name, rows] of Object.entries(REFERENCE)) {
      const f = fns[name]!;
      expect(rows.length, name).to.be.above(50);
      // erf and erfc have no reflection: their negative arguments are held to ulps too
      const odd = name === 'erf' || name === 'erfc';
      expectUlps(name, f, rows.filter(([x]) => x > 0 || odd));
      expectAbs(name, f, rows.filter(([x]) => x < 0 && !odd));
    }
  });

  it('log1mexp, logaddexp, xlogy: stable values', () => {
    expectUlps('log1mexp', log1mexp, [
      [-1e-20, -46.051701859880914], [-1e-5, -11.512930464966061], [-0.5, -0.9327521295671886], [-Math.LN2, -Math.LN2],
      [-1, -0.4586751453870819], [-10, -4.540096037048921e-5], [-40, -4.248354255291589e-18],
    ]);
    expectUlps('logaddexp(x, x − 1)', (x) => logaddexp(x, x - 1), [[1000, 1000.3132616875182], [2, 2.313261687518223]]);
    expectUlps('logaddexp(x − 1, x)', (x) => logaddexp(x - 1, x), [[-1000, -999.6867383124818]]);
    expect(logaddexp(1000, 1000)).to.equal(1000 + Math.LN2);
    expect([xlogy(0, 0), xlogy(0, -1), xlogy(0, Infinity), xlogy(2, Math.E), xlogy(3, 1)]).to.deep.equal([0, 0, 0, 2, 0]);
    expect(xlogy(0, NaN)).to.be.NaN;
    expect(xlogy(NaN, 1)).to.be.NaN;
  });
});

describe('special functions: derivatives in models', () => {
  it('at closed-form points: ∇ lgamma(1) = −γ, H = π²/6, third derivative ψ₂(1) = −2ζ(3)', () => {
    const f = (x: Num[]) => lgamma(x[0]!);
    expect(grad(f, [1])[0]).to.be.closeTo(-EULER, 1e-16);
    expect(hessian(f, [1])[0]![0]).to.be.closeTo(Math.PI ** 2 / 6, 4e-16);
    expect(gradHyperdual(f, [1], [1], [1]).grad[0]).to.be.closeTo(-2 * ZETA3, 1e-15);
    // erf′(0) = 2/√π, erf‴(0) = −4/√π
    const g = (x: Num[]) => erf(x[0]!);
    expect(grad(g, [0])[0]).to.be.closeTo(2 / Math.sqrt(Math.PI), 1e-16);
    expect(gradHyperdual(g, [0], [1], [1]).grad[0]).to.be.closeTo(-4 / Math.sqrt(Math.PI), 1e-15);
  });

  it('a Poisson log-likelihood Σ xlogy(k, λ) − λ − lgamma(k + 1) in λ and k (as continuous)', () => {
    const f = (x: Num[]) => sum([0, 1, 2].map((i) => sub(sub(xlogy(x[i + 3]!, x[i]!), x[i]!), lgamma(add(x[i + 3]!, 1)))));
    checkDerivatives(f, [0.7, 2.5, 4.1, 0.5, 2.2, 3.7], { label: 'Poisson log-likelihood' });
  });

  it('a probit log-likelihood log Φ(z) = log(erfc(−z/√2)/2), far into the tail', () => {
    const f = (x: Num[]) => log(mul(0.5, erfc(mul(-Math.SQRT1_2, add(mul(x[0]!, x[1]!), x[2]!)))));
    checkDerivatives(f, [0.8, 1.3, -0.4], { label: 'probit' });
    checkDerivatives(f, [3, -4, 2], { label: 'probit at z = −10 (erfc ≈ 1.5e-23)' });
  });

  it('a mixture log-density logaddexp(log w + a, log(1 − w) + b) with log1mexp, and digamma inside', () => {
    const f = (x: Num[]) => logaddexp(add(x[0]!, mul(x[1]!, x[1]!)), add(log1mexp(x[0]!), neg(digamma(x[2]!))));
    checkDerivatives(f, [-0.3, 0.9, 1.7], { label: 'mixture' });
  });
});

/**
 * Specs generated from the rule table: for every unary and binary rule, at
 * seeded points of its domain, the derivatives it states (to third order)
 * against Ridders finite differences of its own lower derivatives, then the
 * op through the public free function run by checkDerivatives, and nested
 * transforms (jets) against the tape. A new entry in the table is covered by
 * these loops without a line here.
 */
import { expect } from 'chai';
import * as hyperad from '../lib/index.js';
import { add, grad, gradHyperdual, hessian, hyperdual, jvp, mul, pow, Value, type Num } from '../lib/index.js';
import {
  BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules, type BinaryRule, type Interval, type UnaryRule,
} from '../lib/rules/index.js';
import { FD_STEP, checkDerivatives } from './support/check.js';
import { TOL, note, relErr } from './support/agreement.js';
import { derivative, ridders } from './support/fd.js';
import { interiorPoint, mulberry32, uniform } from './support/random.js';

/**
 * Rule derivatives against Ridders differences of the rule's own lower
 * derivative. The differenced functions are closed forms evaluated to a few
 * ulps, so the extrapolation reaches ~1e-11; 1e-8 relative (to max(1, |FD|))
 * still flags any wrong coefficient or sign.
 */
const RULE_TOL = 1e-8;
/** Seeded points per domain interval for the rule checks. */
const POINTS = 4;

/** A seed per op name, so adding an op does not move the points of the others. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** f, f′, f″, f‴ as the rule states them. */
function unaryPartials(rule: UnaryRule, x: number, p: number): Float64Array {
  const o = new Float64Array(4);
  o[0] = rule.f(x, p);
  rule.d(x, o[0], o, p);
  return o;
}

/** f and every partial to third order as the rule states them (slots of `B`). */
function binaryPartials(rule: BinaryRule, a: number, b: number): Float64Array {
  const o = new Float64Array(10);
  o[0] = rule.f(a, b);
  rule.d(a, b, o[0], o);
  return o;
}

/** Names of the binary slots, for messages. */
const SLOT = ['f', 'f_a', 'f_b', 'f_aa', 'f_ab', 'f_bb', 'f_aaa', 'f_aab', 'f_abb', 'f_bbb'];
/** Slot of ∂/∂a (resp. ∂/∂b) of slot s, for s = f … f_bb. */
const D_A = [1, 3, 4, 6, 7, 8];
const D_B = [2, 4, 5, 7, 8, 9];

/** FD step at a point `room` away from its interval's ends (the samples stay inside). */
const stepFor = (room: number, spread = 1): number => Math.min(FD_STEP, room / (2 * Math.max(1, spread)));

/** The public function behind a parametric unary rule (reached through another name). */
const PARAMETRIC: Record<string, (x: Num, p: number) => Num> = {
  powc: (x, p) => pow(x, p),
};

/** The public unary function for rule `name` with parameter p. */
function publicUnary(name: string, p: number): (x: Num) => Num {
  const via = PARAMETRIC[name];
  if (via) return (x) => via(x, p);
  const fn = (hyperad as unknown as Record<string, unknown>)[name];
  expect(fn, `hyperad exports a function '${name}' for the rule of that name`).to.be.a('function');
  return fn as (x: Num) => Num;
}

function publicBinary(name: string): (a: Num, b: Num) => Num {
  const fn = (hyperad as unknown as Record<string, unknown>)[name];
  expect(fn, `hyperad exports a function '${name}' for the rule of that name`).to.be.a('function');
  return fn as (a: Num, b: Num) => Num;
}

/** Calls the method form x.name(…) on a hyperad value. */
function method(x: Num, name: string, ...args: Num[]): Num {
  const m = (x as unknown as Record<string, (...a: Num[]) => Num>)[name];
  expect(m, `method .${name}() on a ${(x as Value).kind}`).to.be.a('function');
  return m!.apply(x, args);
}

/**
 * Nested transforms (jets) against the tape: ∇(∇f·v) = H·v and ∇(aᵀHb) by a
 * nested hyperdual against gradHyperdual (third order), to TOL.path.
 */
function checkNested(f: (xs: Num[]) => Num, x: number[], label: string): void {
  const n = x.length, v = x.map((_, i) => 1 - 0.3 * i), a = x.map((_, i) => 0.5 + 0.2 * i), b = x.map((_, i) => (i % 2 ? -1 : 1));
  const H = hessian(f, x), Hv = H.map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0));
  const nestedHv = grad((xs) => jvp(f, xs, v).tangent as Num, x);
  const g3 = gradHyperdual(f, x, a, b).grad, nested3 = grad((xs) => hyperdual(f, xs, a, b).dab as Num, x);
  for (let i = 0; i < n; i++) {
    const e1 = relErr(nestedHv[i]!, Hv[i]!), e3 = relErr(nested3[i]!, g3[i]!);
    note('path', Math.max(e1, e3), `${label}: nested`);
    expect(e1, `${label}: grad(jvp) [${i}] = ${nestedHv[i]}, H·v = ${Hv[i]}`).to.be.at.most(TOL.path);
    expect(e3, `${label}: grad(hyperdual.dab) [${i}] = ${nested3[i]}, gradHyperdual = ${g3[i]}`).to.be.at.most(TOL.path);
  }
}

describe('rule table: unary rules', () => {
  for (const name of UNARY_NAMES) {
    const rule = unaryRules[name];
    const params = rule.params ?? [0];
    for (const p of params) {
      const tag = rule.params ? `${name} (p = ${p})` : name;
      const op = (x: Num): Num => publicUnary(name, p)(x);

      describe(tag, () => {
        it(`f′, f″, f‴ agree with finite differences at ${POINTS} seeded points per domain interval`, () => {
          const rand = mulberry32(seedOf(tag));
          let worst = 0;
          for (const [lo, hi] of rule.domain) {
            for (let k = 0; k < POINTS; k++) {
              const { x, room } = interiorPoint(rand, lo, hi);
              const h = stepFor(room);
              const o = unaryPartials(rule, x, p);
              expect(o[0], `${tag}(${x}) is finite`).to.satisfy(Number.isFinite);
              for (let order = 1; order <= 3; order++) {
                const fd = derivative((t) => unaryPartials(rule, t, p)[order - 1]!, x, h);
                const e = relErr(o[order]!, fd);
                worst = Math.max(worst, e);
                note('rules', e, `${tag}: order ${order} at ${x}`);
                expect(e, `${tag}: derivative of order ${order} at x = ${x}: rule ${o[order]}, FD ${fd}`).to.be.at.most(RULE_TOL);
              }
            }
          }
          expect(worst).to.be.at.most(RULE_TOL);
        });

        it('plain numbers through the public function give the rule\'s value', () => {
          const rand = mulberry32(seedOf(tag) + 1);
          for (const [lo, hi] of rule.domain) {
            const { x } = interiorPoint(rand, lo, hi);
            expect(op(x)).to.equal(rule.f(x, p));
          }
        });

        it('checkDerivatives on x ↦ op(x₀) at a point of each domain interval', () => {
          const rand = mulberry32(seedOf(tag) + 2);
          for (const [lo, hi] of rule.domain) {
            const { x, room } = interiorPoint(rand, lo, hi);
            checkDerivatives((xs) => op(xs[0]!), [x], { label: `${tag}(x₀) at ${x}`, fdStep: stepFor(room) });
          }
        });

        it('checkDerivatives on x ↦ op(x₀x₁ + x₂)', () => {
          const rand = mulberry32(seedOf(tag) + 3);
          for (const [lo, hi] of rule.domain) {
            const { x: u, room } = interiorPoint(rand, lo, hi);
            const x0 = uniform(rand, 0.5, 1.5), x1 = uniform(rand, -1.5, 1.5);
            const x2 = u - x0 * x1;
            checkDerivatives((xs) => op(add(mul(xs[0]!, xs[1]!), xs[2]!)), [x0, x1, x2], {
              label: `${tag}(x₀x₁ + x₂) at u = ${u}`,
              fdStep: stepFor(room, Math.max(Math.abs(x0), Math.abs(x1))),
              seed: seedOf(tag),
            });
          }
        });

        it('nested transforms (jets) agree with the tape to second and third order on op(x₀x₁ + x₂)', () => {
          const rand = mulberry32(seedOf(tag) + 5);
          for (const [lo, hi] of rule.domain) {
            const { x: u } = interiorPoint(rand, lo, hi);
            const x0 = uniform(rand, 0.5, 1.5), x1 = uniform(rand, -1.5, 1.5);
            checkNested((xs) => op(add(mul(xs[0]!, xs[1]!), xs[2]!)), [x0, x1, u - x0 * x1], `${tag} at u = ${u}`);
          }
        });

        if (!(name in PARAMETRIC)) {
          it('the method form x.op() records the same derivatives as the free function', () => {
            const [lo, hi] = rule.domain[0]!;
            const x = [lo + 0.37 * (hi - lo)];
            const viaMethod = (xs: Num[]) => method(xs[0]!, name);
            expect(grad(viaMethod, x)).to.deep.equal(grad((xs) => op(xs[0]!), x));
            expect(hessian(viaMethod, x)).to.deep.equal(hessian((xs) => op(xs[0]!), x));
          });
        }
      });
    }
  }
});

describe('rule table: binary rules', () => {
  for (const name of BINARY_NAMES) {
    const rule = binaryRules[name];
    const [da, db] = rule.domain;

    describe(name, () => {
      const op = (a: Num, b: Num): Num => publicBinary(name)(a, b);
      /** (a, b) inside the domain and the room to its edges */
      const sample = (rand: () => number) => {
        const A = interiorPoint(rand, ...(da as Interval)), Bp = interiorPoint(rand, ...(db as Interval));
        return { a: A.x, b: Bp.x, room: Math.min(A.room, Bp.room), roomA: A.room, roomB: Bp.room };
      };

      it(`every partial to third order agrees with finite differences at ${POINTS} seeded points`, () => {
        const rand = mulberry32(seedOf(name));
        for (let k = 0; k < POINTS; k++) {
          const { a, b, room } = sample(rand);
          const h = stepFor(room);
          const o = binaryPartials(rule, a, b);
          expect(o[0], `${name}(${a}, ${b}) is finite`).to.satisfy(Number.isFinite);
          const byA = ridders((t) => binaryPartials(rule, t, b), a, h).d;
          const byB = ridders((t) => binaryPartials(rule, a, t), b, h).d;
          for (let s = 0; s < 6; s++) {
            for (const [slot, fd, wrt] of [[D_A[s]!, byA[s]!, 'a'], [D_B[s]!, byB[s]!, 'b']] as const) {
              const e = relErr(o[slot]!, fd);
              note('rules', e, `${name}: ${SLOT[slot]} as ∂${SLOT[s]}/∂${wrt} at (${a}, ${b})`);
              expect(e, `${name} at (${a}, ${b}): ${SLOT[slot]} = ${o[slot]}, FD of ${SLOT[s]} in ${wrt} = ${fd}`)
                .to.be.at.most(RULE_TOL);
            }
          }
        }
      });

      it('plain numbers through the public function give the rule\'s value', () => {
        const { a, b } = sample(mulberry32(seedOf(name) + 1));
        expect(op(a, b)).to.equal(rule.f(a, b));
      });

      it('checkDerivatives on x ↦ op(x₀, x₁), op(x₀, c) and op(c, x₀)', () => {
        const rand = mulberry32(seedOf(name) + 2);
        for (let k = 0; k < 2; k++) {
          const { a, b, room, roomA, roomB } = sample(rand);
          checkDerivatives((xs) => op(xs[0]!, xs[1]!), [a, b], { label: `${name}(x₀, x₁) at (${a}, ${b})`, fdStep: stepFor(room) });
          checkDerivatives((xs) => op(xs[0]!, b), [a], { label: `${name}(x₀, ${b})`, fdStep: stepFor(roomA) });
          checkDerivatives((xs) => op(a, xs[0]!), [b], { label: `${name}(${a}, x₀)`, fdStep: stepFor(roomB) });
        }
      });

      it('checkDerivatives on x ↦ op(x₀x₁ + x₂, x₀x₃)', () => {
        const rand = mulberry32(seedOf(name) + 3);
        for (let k = 0; k < 2; k++) {
          const { a: u, b: w, roomA, roomB } = sample(rand);
          const x0 = uniform(rand, 0.5, 1.5), x1 = uniform(rand, -1.5, 1.5);
          const x2 = u - x0 * x1, x3 = w / x0;
          const spread = Math.max(Math.abs(x0), Math.abs(x1), Math.abs(x3));
          checkDerivatives(
            (xs) => op(add(mul(xs[0]!, xs[1]!), xs[2]!), mul(xs[0]!, xs[3]!)),
            [x0, x1, x2, x3],
            { label: `${name}(x₀x₁ + x₂, x₀x₃) at (${u}, ${w})`, fdStep: stepFor(Math.min(roomA, roomB), spread), seed: seedOf(name) },
          );
        }
      });

      it('nested transforms (jets) agree with the tape to second and third order on op(x₀x₁ + x₂, x₀x₃)', () => {
        const rand = mulberry32(seedOf(name) + 5);
        const { a: u, b: w } = sample(rand);
        const x0 = uniform(rand, 0.5, 1.5), x1 = uniform(rand, -1.5, 1.5);
        checkNested((xs) => op(add(mul(xs[0]!, xs[1]!), xs[2]!), mul(xs[0]!, xs[3]!)), [x0, x1, u - x0 * x1, w / x0], `${name} at (${u}, ${w})`);
      });

      it('the method form a.op(b) records the same derivatives as the free function', () => {
        const { a, b } = sample(mulberry32(seedOf(name) + 4));
        const viaMethod = (xs: Num[]) => method(xs[0]!, name, xs[1]!);
        const viaFree = (xs: Num[]) => op(xs[0]!, xs[1]!);
        expect(grad(viaMethod, [a, b])).to.deep.equal(grad(viaFree, [a, b]));
        expect(hessian(viaMethod, [a, b])).to.deep.equal(hessian(viaFree, [a, b]));
      });
    });
  }
});

describe('rule table: coverage', () => {
  it('every rule has a domain of non-empty intervals, and every parametric rule has a public form', () => {
    for (const name of UNARY_NAMES) {
      const rule = unaryRules[name];
      expect(rule.domain.length, `${name} domain`).to.be.above(0);
      for (const [lo, hi] of rule.domain) expect(lo, `${name} domain [${lo}, ${hi}]`).to.be.below(hi);
      if (rule.params) expect(PARAMETRIC, `public form of parametric rule ${name}`).to.have.property(name);
    }
    for (const name of BINARY_NAMES) {
      for (const [lo, hi] of binaryRules[name].domain) expect(lo, `${name} domain`).to.be.below(hi);
    }
  });
});

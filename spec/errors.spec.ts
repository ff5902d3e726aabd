/**
 * Bad input gives a clear error that names the function and the argument —
 * never a wrong number. Every transform is driven through the same table so
 * a new transform is added in one place.
 */
import { expect } from 'chai';
import {
  Dual, HyperDual, Taylor2, Value, add, directional, grad, hessian, hessianDiagonal, hvp, hyperdual, jacobian, jvp,
  mul, sin, valueAndGrad, type Num,
} from '../lib/index.js';

type F = (x: Num[]) => Num;
/** Every transform called with f, x and (where it takes some) directions d. */
const TRANSFORMS: Record<string, (f: F, x: unknown, d?: unknown) => unknown> = {
  valueAndGrad: (f, x) => valueAndGrad(f, x as number[]),
  grad: (f, x) => grad(f, x as number[]),
  jvp: (f, x, d) => jvp(f, x as number[], d as number[]),
  directional: (f, x, d) => directional(f, x as number[], d as number[]),
  hyperdual: (f, x, d) => hyperdual(f, x as number[], d as number[], d as number[]),
  hvp: (f, x, d) => hvp(f, x as number[], d as number[]),
  hessian: (f, x) => hessian(f, x as number[]),
  hessianDiagonal: (f, x) => hessianDiagonal(f, x as number[]),
  "hessianDiagonal('hvp')": (f, x) => hessianDiagonal(f, x as number[], { method: 'hvp' }),
  jacobian: (f, x) => jacobian((xs) => [f(xs)], x as number[]),
};
/** The name a transform's messages start with. */
const nameOf = (t: string): string => t.replace(/\(.*$/, '');
/** Transforms with a direction argument, and its name. */
const DIRECTIONS: Record<string, string> = { jvp: 'v', directional: 'a', hyperdual: 'a', hvp: 'v' };

const ok: F = (x) => mul(x[0]!, sin(x[0]!));

/** Runs fn, expects it to throw `type` with a message starting `prefix: ` and containing every fragment. */
function expectError(fn: () => unknown, type: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, prefix: string, ...fragments: (string | RegExp)[]): Error {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected ${prefix} to throw`).to.be.instanceOf(Error);
  const e = err as Error;
  expect(e, e.message).to.be.instanceOf(type);
  expect(e.message.startsWith(`${prefix}: `), `message "${e.message}" starts with "${prefix}: "`).to.equal(true);
  for (const f of fragments) {
    if (typeof f === 'string') expect(e.message).to.include(f);
    else expect(e.message).to.match(f);
  }
  return e;
}

describe('bad input: clear errors naming the function and the argument', () => {
  describe('the point x', () => {
    for (const [t, call] of Object.entries(TRANSFORMS)) {
      it(`${t}: x not an array, with NaN / Infinity / a string, or empty`, () => {
        const T = nameOf(t), d = [1, 1];
        expectError(() => call(ok, 3, d), TypeError, T, 'x must be', 'got 3');
        expectError(() => call(ok, 'abc', d), TypeError, T, 'x must be', 'got a string ("abc")');
        expectError(() => call(ok, undefined, d), TypeError, T, 'x must be', 'got undefined');
        expectError(() => call(ok, [1, NaN], d), RangeError, T, 'x[1] is NaN');
        expectError(() => call(ok, [Infinity, 1], d), RangeError, T, 'x[0] is Infinity');
        expectError(() => call(ok, [1, -Infinity], d), RangeError, T, 'x[1] is -Infinity');
        expectError(() => call(ok, [1, '2'], d), TypeError, T, 'x[1] is a string ("2"), not a number');
        expectError(() => call(ok, [1, null], d), TypeError, T, 'x[1] is null');
        expectError(() => call(ok, [], []), RangeError, T, 'x is empty');
      });
    }
  });

  describe('the direction', () => {
    for (const [t, which] of Object.entries(DIRECTIONS)) {
      it(`${t}: ${which} of the wrong length, with NaN, or not an array`, () => {
        const call = TRANSFORMS[t]!, x = [1, 2, 3, 4, 5];
        expectError(() => call(ok, x, [1, 2, 3, 4]), RangeError, t, `${which} has length 4, x has length 5`);
        expectError(() => call(ok, x, [1, 2, 3, 4, 5, 6]), RangeError, t, `${which} has length 6, x has length 5`);
        expectError(() => call(ok, x, [1, 2, NaN, 4, 5]), RangeError, t, `${which}[2] is NaN`);
        expectError(() => call(ok, x, 7), TypeError, t, `${which} must be`, 'got 7');
      });
    }
    it('hyperdual names b when only b is wrong', () => {
      expectError(() => hyperdual(ok, [1, 2], [1, 0], [1]), RangeError, 'hyperdual', 'b has length 1, x has length 2');
    });
    it('hvp: "hvp: v has length 4, x has length 5"', () => {
      expectError(() => hvp(ok, [1, 2, 3, 4, 5], [1, 2, 3, 4]), RangeError, 'hvp', 'hvp: v has length 4, x has length 5');
    });
  });

  describe('the function f', () => {
    for (const [t, call] of Object.entries(TRANSFORMS)) {
      const T = nameOf(t), where = T === 'jacobian' ? 'F (entry 0)' : 'f';
      it(`${t}: f not a function, or returning undefined / an array / a Promise / a string / an object`, () => {
        if (T !== 'jacobian') expectError(() => call(3 as unknown as F, [1], [1]), TypeError, T, 'f must be a function, got 3');
        const bad = (y: unknown): F => () => y as Num;
        expectError(() => call(bad(undefined), [1], [1]), TypeError, T, `${where} must return a scalar`, 'got undefined');
        expectError(() => call(bad('hello'), [1], [1]), TypeError, T, `${where} must return a scalar`, 'got a string ("hello")');
        expectError(() => call(bad(true), [1], [1]), TypeError, T, `${where} must return a scalar`, 'got a boolean (true)');
        expectError(() => call(bad({}), [1], [1]), TypeError, T, `${where} must return a scalar`, 'got an object');
        expectError(() => call((async (x: Num[]) => x[0]!) as unknown as F, [1], [1]), TypeError, T, `${where} must return a scalar`, 'a Promise');
        expectError(() => call(((x: Num[]) => [x[0]!, x[0]!]) as unknown as F, [1], [1]), TypeError, T, 'got an array of length 2');
      });
    }

    it('f returning an array points at jacobian', () => {
      expectError(() => grad((x) => x as unknown as Num, [1, 2]), TypeError, 'grad', 'f must return a scalar', 'an array of length 2', 'jacobian');
    });

    it('jacobian: F not a function, or not returning an array', () => {
      expectError(() => jacobian(3 as never, [1]), TypeError, 'jacobian', 'must be a function', 'got 3');
      expectError(() => jacobian(() => undefined as never, [1]), TypeError, 'jacobian', 'F must return an array', 'got undefined');
      expectError(() => jacobian((x) => x[0]! as never, [1]), TypeError, 'jacobian', 'F must return an array');
      expectError(() => jacobian((x) => [x[0]!, 'a' as never], [1]), TypeError, 'jacobian', 'F (entry 1)', 'a string ("a")');
    });

    for (const [t, call] of Object.entries(TRANSFORMS)) {
      it(`${t}: an error thrown by f surfaces unchanged, and the next call works`, () => {
        const boom = new RangeError('boom from f');
        expect(() => call(() => { throw boom; }, [1, 2], [1, 1])).to.throw(boom);
        const thrownValue = { reason: 'not an Error' };
        try { call(() => { throw thrownValue; }, [1, 2], [1, 1]); expect.fail('f threw'); } catch (e) { expect(e).to.equal(thrownValue); }
        // f that throws after doing some work on the tape / numbers
        expect(() => call((x) => { mul(x[0]!, x[1]!); throw boom; }, [1, 2], [1, 1])).to.throw(boom);
        // the failed evaluation is closed: the next call works, and messages no longer name it
        expect(grad(ok, [0.5])[0]).to.be.closeTo(Math.sin(0.5) + 0.5 * Math.cos(0.5), 1e-15);
        expectError(() => sin('x' as never), TypeError, 'hyperad', 'sin', 'a string ("x")');
      });
    }
  });

  describe('a value kept from an earlier evaluation', () => {
    /** Runs a transform whose f smuggles out its first input; returns that stale value. */
    const keep = (run: (f: F) => unknown): Value => {
      const box: { kept?: Num } = {};
      run((x) => { box.kept = x[0]!; return x[0]!; });
      expect(box.kept).to.be.instanceOf(Value);
      return box.kept as Value;
    };
    const staleVar = () => keep((f) => grad(f, [1]));
    const staleHessianVar = () => keep((f) => hessian(f, [1]));
    const staleDual = () => keep((f) => jvp(f, [1], [1]));

    it('a tape value combined with this evaluation\'s values (either order) names the earlier evaluation', () => {
      const k = staleVar();
      expectError(() => grad((x) => mul(x[0]!, k), [2]), Error, 'grad', 'earlier grad evaluation');
      expectError(() => grad((x) => mul(k, x[0]!), [2]), Error, 'grad', 'earlier grad evaluation');
      const kh = staleHessianVar();
      expectError(() => hvp((x) => add(x[0]!, kh), [2], [1]), Error, 'hvp', 'earlier hessian evaluation');
    });

    it('a stale tape value alone: a unary op on it, or returned as f\'s result', () => {
      const k = staleVar();
      expectError(() => grad((x) => add(x[0]!, sin(k)), [2]), Error, 'grad', 'earlier grad evaluation');
      expectError(() => grad(() => k, [2]), Error, 'grad', 'earlier grad evaluation');
      expectError(() => sin(k), Error, 'hyperad', 'earlier grad evaluation');
    });

    it('a stale dual number in a later forward transform', () => {
      const k = staleDual();
      expectError(() => jvp((x) => mul(x[0]!, k), [2], [1]), Error, 'jvp', 'earlier jvp evaluation');
      expectError(() => jvp(() => sin(k), [2], [1]), Error, 'jvp', 'earlier jvp evaluation');
    });

    it('a stale value of another kind (tape value in jvp, dual number in grad) names the earlier evaluation', () => {
      const kv = staleVar(), kd = staleDual();
      expectError(() => jvp((x) => mul(x[0]!, kv), [2], [1]), Error, 'jvp', 'earlier grad evaluation');
      expectError(() => grad((x) => mul(x[0]!, kd), [2]), Error, 'grad', 'earlier jvp evaluation');
    });

    it('a hand-made dual number inside a transform is refused, not silently mixed', () => {
      expectError(() => grad(() => new Dual(1, 1), [2]), Error, 'grad');
      expectError(() => jvp((x) => mul(x[0]!, new Dual(3, 1)), [2], [1]), Error, 'jvp', 'mul', 'hand-made');
      expectError(() => grad((x) => mul(x[0]!, new Dual(3, 1)), [2]), Error, 'grad', 'mul');
    });
  });

  describe('JavaScript operators on hyperad values', () => {
    const values = (): [string, Value][] => [
      ['Dual', new Dual(1, 1)],
      ['HyperDual', new HyperDual(1, 1, 1, 0)],
      ['Taylor2', new Taylor2(1, 1, 0)],
    ];
    const operators: [string, (x: never) => unknown][] = [
      ['x * 2', (x) => (x as number) * 2],
      ['x + 1', (x) => (x as number) + 1],
      ['x < 1', (x) => (x as number) < 1],
      ['−x', (x) => -(x as number)],
      ['Math.sin(x)', (x) => Math.sin(x)],
    ];
    it('throw a TypeError on Dual, HyperDual and Taylor2 values', () => {
      for (const [kind, v] of values()) {
        for (const [op, apply] of operators) {
          expect(() => apply(v as never), `${op} on a ${kind}`).to.throw(TypeError, /JavaScript operator/);
        }
      }
    });
    it('throw a TypeError on tape values inside f (the error surfaces from the transform)', () => {
      for (const [op, apply] of operators) {
        expect(() => grad((x) => apply(x[0]! as never) as Num, [1]), op).to.throw(TypeError, /JavaScript operator/);
        expect(() => hvp((x) => apply(x[0]! as never) as Num, [1], [1]), op).to.throw(TypeError, /JavaScript operator/);
      }
    });
    it('string conversion is allowed (for printing)', () => {
      expect(`${new Dual(1, 2)}`).to.be.a('string').and.include('1');
      expect(String(new HyperDual(1, 2, 3, 4))).to.include('4');
    });
  });

  describe('options', () => {
    const f: F = (x) => mul(x[0]!, x[1]!), x = [1, 2];
    it('unknown keys are named with the known ones', () => {
      expectError(() => hessian(f, x, { lane: 2 } as never), TypeError, 'hessian', "unknown option 'lane'", 'lanes');
      expectError(() => hessianDiagonal(f, x, { methd: 'hvp' } as never), TypeError, 'hessianDiagonal', "unknown option 'methd'", 'method');
      expectError(() => jacobian((xs) => [f(xs)], x, { Lanes: 2 } as never), TypeError, 'jacobian', "unknown option 'Lanes'");
    });
    it('wrong values are named with what is allowed', () => {
      for (const lanes of [0, -1, 1.5, NaN, Infinity, '4', null]) {
        expectError(() => hessian(f, x, { lanes } as never), RangeError, 'hessian', "option 'lanes' must be a positive integer");
        expectError(() => hessianDiagonal(f, x, { lanes } as never), RangeError, 'hessianDiagonal', "option 'lanes' must be a positive integer");
        expectError(() => jacobian((xs) => [f(xs)], x, { lanes } as never), RangeError, 'jacobian', "option 'lanes' must be a positive integer");
      }
      expectError(() => hessianDiagonal(f, x, { method: 'newton' } as never), RangeError, 'hessianDiagonal',
        "option 'method' must be one of 'auto', 'hyperdual', 'hvp', 'sparse'", 'got a string ("newton")');
    });
    it('options that are not an object', () => {
      for (const bad of ['hvp', 5, [], null]) {
        expectError(() => hessianDiagonal(f, x, bad as never), TypeError, 'hessianDiagonal', 'options must be an object');
        expectError(() => hessian(f, x, bad as never), TypeError, 'hessian', 'options must be an object');
      }
    });
  });

  describe('nested transforms: the right answer, never perturbation confusion', () => {
    /** d/dy at y0 of g(y) by transform `inner` */
    const INNER: Record<string, (g: (y: Num) => Num, y0: number) => number> = {
      grad: (g, y0) => grad((y) => g(y[0]!), [y0])[0]!,
      jvp: (g, y0) => jvp((y) => g(y[0]!), [y0], [1]).tangent,
      hyperdual: (g, y0) => hyperdual((y) => g(y[0]!), [y0], [1], [1]).da,
    };
    /** d/dx at x0 of h(x) by transform `outer` */
    const OUTER: Record<string, (h: (x: Num) => Num, x0: number) => number> = {
      grad: (h, x0) => grad((x) => h(x[0]!), [x0])[0]!,
      valueAndGrad: (h, x0) => valueAndGrad((x) => h(x[0]!), [x0]).grad[0]!,
      jvp: (h, x0) => jvp((x) => h(x[0]!), [x0], [1]).tangent,
      directional: (h, x0) => directional((x) => h(x[0]!), [x0], [1]).first,
      hyperdual: (h, x0) => hyperdual((x) => h(x[0]!), [x0], [1], [1]).da,
    };
    /** d²/dx² at x0 of h(x) by second-order transform `outer` */
    const OUTER2: Record<string, (h: (x: Num) => Num, x0: number) => number> = {
      hessian: (h, x0) => hessian((x) => h(x[0]!), [x0])[0]![0]!,
      hvp: (h, x0) => hvp((x) => h(x[0]!), [x0], [1])[0]!,
      hessianDiagonal: (h, x0) => hessianDiagonal((x) => h(x[0]!), [x0])[0]!,
      directional: (h, x0) => directional((x) => h(x[0]!), [x0], [1]).second,
      hyperdual: (h, x0) => hyperdual((x) => h(x[0]!), [x0], [1], [1]).dab,
    };

    /** Perturbations each transform seeds (a nested run carries the sum; the rule table allows 3). */
    const TAGS: Record<string, number> = { grad: 1, valueAndGrad: 1, jvp: 1, directional: 2, hyperdual: 2, hessian: 2, hvp: 2, hessianDiagonal: 2 };
    /**
     * The right answer when the nesting needs at most 3 perturbations (jets are
     * exact arithmetic: only rounding may differ); beyond that, the clear error
     * that says how deep the nesting is. Never a wrong number.
     */
    function rightOrClear(compute: () => number, right: number, what: string): void {
      const [o, i] = what.split(/[∘ ]/) as [string, string];
      if (TAGS[o]! + TAGS[i]! > 3) {
        expect(compute, what).to.throw(RangeError, /need 4 live perturbations .* at most 3/);
        return;
      }
      const got = compute();
      expect(Math.abs(got - right), `${what} returned ${got}`).to.be.at.most(1e-13 * Math.max(1, Math.abs(right)));
    }

    for (const [o, outer] of Object.entries(OUTER)) {
      for (const [i, inner] of Object.entries(INNER)) {
        it(`${o} over ${i}: d/dx [x · d/dy (x + y)] is 1 (never 2), d/dx [x · d/dy (x·y)] is 2x`, () => {
          rightOrClear(() => outer((x) => mul(x, inner((y) => add(x, y), 0.5)), 2), 1, `${o}∘${i} on x·d/dy(x + y)`);
          rightOrClear(() => outer((x) => mul(x, inner((y) => mul(x, y), 0.5)), 3), 6, `${o}∘${i} on x·d/dy(x·y)`);
          // the nested run closed every evaluation
          expect(grad(ok, [0.5])[0]).to.be.closeTo(Math.sin(0.5) + 0.5 * Math.cos(0.5), 1e-15);
        });
      }
    }

    for (const [o, outer] of Object.entries(OUTER2)) {
      for (const [i, inner] of Object.entries(INNER)) {
        it(`${o} over ${i}: d²/dx² [x · d/dy (x·y)] = d²/dx² x² is 2, d²/dx² [x · d/dy (x + y)] is 0`, () => {
          rightOrClear(() => outer((x) => mul(x, inner((y) => mul(x, y), 0.5)), 3), 2, `${o}∘${i} on x·d/dy(x·y)`);
          rightOrClear(() => outer((x) => mul(x, inner((y) => add(x, y), 0.5)), 3), 0, `${o}∘${i} on x·d/dy(x + y)`);
        });
      }
    }

    it('grad inside grad gives 1 for d/dx [x · d/dy (x + y)]', () => {
      const f = (xs: Num[]) => mul(xs[0]!, grad((y) => add(xs[0]!, y[0]!), [0.5])[0]!);
      expect(grad(f, [2])[0]).to.equal(1);
    });
  });
});

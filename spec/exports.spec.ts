/**
 * The public surface issue 2 names: every function and class exists, with the
 * stated arity, argument and result types (the type annotations below are
 * checked by tsc), and values carry the ops as methods (x.mul(y).sin()).
 * The op list is the rule table's; that index.ts and ops/scalar.ts export
 * every op is checked by the compiler (`OpFunctions`).
 */
import { expect } from 'chai';
import * as hyperad from '../lib/index.js';
import {
  DEFAULT_LANES, Dual, HyperDual, Taylor2, Value, add, directional, dot, grad, hessian, hessianDiagonal, hvp, hyperdual,
  hypot, jacobian, jvp, logsumexp, mul, pow, sin, sum, valueAndGrad, Var, type Num,
} from '../lib/index.js';
import { BINARY_NAMES, UNARY_NAMES } from '../lib/rules/index.js';
import { BINARY_OP_NAMES, OPS, UNARY_OP_NAMES } from '../lib/ops/methods.js';

/** The elementary functions, by arity: every op of the rule table (powc is reached through pow). */
const UNARY_OPS: readonly string[] = UNARY_OP_NAMES;
const BINARY_OPS: readonly string[] = BINARY_OP_NAMES;
/** Reductions and their array arguments. */
const REDUCTIONS: Record<string, number> = { sum: 1, logsumexp: 1, dot: 2 };
/** Transforms and their required arguments (an optional options object may follow). */
const TRANSFORMS: Record<string, number> = {
  valueAndGrad: 2, grad: 2, jvp: 3, directional: 3, hyperdual: 4, hvp: 3, hessian: 2, hessianDiagonal: 2, jacobian: 2,
};
const OPTIONAL = new Set(['hessian', 'hessianDiagonal', 'jacobian']);

const api = hyperad as unknown as Record<string, unknown>;

describe('public surface', () => {
  it('exports every elementary function as a free function of the right arity', () => {
    for (const name of UNARY_OPS) {
      expect(api[name], name).to.be.a('function');
      expect((api[name] as Function).length, `${name}.length`).to.equal(1);
    }
    for (const name of BINARY_OPS) {
      expect(api[name], name).to.be.a('function');
      expect((api[name] as Function).length, `${name}.length`).to.equal(2);
    }
    for (const [name, n] of Object.entries(REDUCTIONS)) {
      expect(api[name], name).to.be.a('function');
      // n array arguments; a tensor form may add an optional axis
      expect((api[name] as Function).length, `${name}.length`).to.be.within(n, n + 1);
    }
  });

  it('exports every op of the rule table (except the parametric powc, reached through pow), the functions the methods call', () => {
    for (const name of [...UNARY_NAMES, ...BINARY_NAMES]) if (name !== 'powc') expect(api[name], name).to.be.a('function');
    expect([...UNARY_OPS, ...BINARY_OPS].sort()).to.deep.equal([...UNARY_NAMES, ...BINARY_NAMES].filter((n) => n !== 'powc').sort());
    for (const name of [...UNARY_OPS, ...BINARY_OPS]) expect(api[name], name).to.equal((OPS as unknown as Record<string, unknown>)[name]);
  });

  it('exports the transforms with the stated arity', () => {
    for (const [name, n] of Object.entries(TRANSFORMS)) {
      expect(api[name], name).to.be.a('function');
      const len = (api[name] as Function).length;
      if (OPTIONAL.has(name)) expect(len, `${name}.length`).to.be.within(n, n + 1);
      else expect(len, `${name}.length`).to.equal(n);
    }
    expect(DEFAULT_LANES).to.satisfy(Number.isInteger).and.to.be.above(0);
  });

  it('transforms return the stated types', () => {
    const f = (x: Num[]): Num => mul(sin(x[0]!), x[1]!), x = [0.5, 2];
    const vg: { value: number; grad: Float64Array } = valueAndGrad(f, x);
    expect(vg.value).to.be.a('number');
    expect(vg.grad).to.be.instanceOf(Float64Array).with.length(2);
    const g: Float64Array = grad(f, x);
    expect(g).to.be.instanceOf(Float64Array);
    const j: { value: number; tangent: number } = jvp(f, x, [1, 0]);
    expect(j).to.have.keys('value', 'tangent');
    const d: { value: number; first: number; second: number } = directional(f, x, [1, 0]);
    expect(d).to.have.keys('value', 'first', 'second');
    const h: { value: number; da: number; db: number; dab: number } = hyperdual(f, x, [1, 0], [0, 1]);
    expect(h).to.have.keys('value', 'da', 'db', 'dab');
    const hv: Float64Array = hvp(f, x, [1, 0]);
    expect(hv).to.be.instanceOf(Float64Array).with.length(2);
    const H: Float64Array[] = hessian(f, x);
    expect(H).to.be.an('array').with.length(2);
    for (const row of H) expect(row).to.be.instanceOf(Float64Array).with.length(2);
    expect(H[0]![1]).to.equal(H[1]![0]);
    const dg: Float64Array = hessianDiagonal(f, x, { method: 'hyperdual' });
    expect(dg).to.be.instanceOf(Float64Array).with.length(2);
    const J: Float64Array[] = jacobian((xs) => [f(xs), add(xs[0]!, xs[1]!), 3], x);
    expect(J).to.be.an('array').with.length(3);
    for (const row of J) expect(row).to.be.instanceOf(Float64Array).with.length(2);
    expect([...J[2]!]).to.deep.equal([0, 0]);
  });

  it('free functions take plain numbers and return numbers', () => {
    expect(sin(0.5)).to.equal(Math.sin(0.5));
    expect(pow(2, 10)).to.equal(1024);
    expect(hypot(3, 4)).to.equal(5);
    expect(sum([1, 2, 3])).to.equal(6);
    expect(dot([1, 2], [3, 4])).to.equal(11);
    expect(logsumexp([0, 0])).to.equal(Math.LN2);
    for (const name of UNARY_OPS) expect((api[name] as (x: number) => unknown)(0.5), name).to.be.a('number');
    for (const name of BINARY_OPS) expect((api[name] as (a: number, b: number) => unknown)(0.5, 1.5), name).to.be.a('number');
  });

  describe('number types', () => {
    it('Dual: v + d·ε, arithmetic and methods (x.mul(y).sin())', () => {
      const x = new Dual(2, 1), y = new Dual(3, 0);
      const z: Dual = x.mul(y).sin();
      expect(z).to.be.instanceOf(Dual).and.instanceOf(Value);
      expect(z.v).to.equal(Math.sin(6));
      expect(z.d).to.be.closeTo(3 * Math.cos(6), 1e-15);
      const w: Dual = sin(x);
      expect(w.d).to.equal(Math.cos(2));
      expect(add(1, x)).to.be.instanceOf(Dual);
      expect(x.pow(3).d).to.equal(12);
      expect(x.pow(y).d).to.be.closeTo(3 * 4, 1e-14);
    });

    it('HyperDual: new HyperDual(x, 1, 1, 0) and .d12 (the second derivative)', () => {
      const x = 0.7, y = new HyperDual(x, 1, 1, 0).sin();
      expect(y).to.be.instanceOf(HyperDual);
      expect(y.d12).to.equal(-Math.sin(x));
      expect([y.v, y.d1, y.d2]).to.deep.equal([Math.sin(x), Math.cos(x), Math.cos(x)]);
      // ∂²(xy)/∂x∂y = 1, by seeding ε₁ on x and ε₂ on y
      const p = new HyperDual(2, 1, 0, 0).mul(new HyperDual(3, 0, 1, 0));
      expect([p.v, p.d1, p.d2, p.d12]).to.deep.equal([6, 3, 2, 1]);
      const q = new HyperDual(1.5, 1, 1, 0).mul(new HyperDual(2, 0, 0, 0)).sin();
      expect(q.d12).to.be.closeTo(-4 * Math.sin(3), 1e-15);
    });

    it('Taylor2: value, first and second derivative along the seed', () => {
      const t = new Taylor2(0.3, 1, 0).exp().mul(2);
      expect(t).to.be.instanceOf(Taylor2);
      expect([t.v, t.d1, t.d2]).to.deep.equal([2 * Math.exp(0.3), 2 * Math.exp(0.3), 2 * Math.exp(0.3)]);
    });

    it('every value kind has every op as a method', () => {
      const samples: Value[] = [new Dual(0.5, 1), new HyperDual(0.5, 1, 1, 0), new Taylor2(0.5, 1, 0)];
      grad((x) => { samples.push(x[0] as Value); return 0; }, [0.5]);
      for (const v of samples) {
        const m = v as unknown as Record<string, unknown>;
        for (const name of [...UNARY_OPS, ...BINARY_OPS]) expect(m[name], `${v.kind}.${name}`).to.be.a('function');
      }
    });

    it('tape values inside f chain methods too: x.mul(y).sin()', () => {
      const g = grad((x) => (x[0] as Var).mul(x[1]!).sin(), [2, 3]);
      expect(g[0]).to.be.closeTo(3 * Math.cos(6), 1e-15);
      expect(g[1]).to.be.closeTo(2 * Math.cos(6), 1e-15);
    });

    it('Num covers numbers and every hyperad value', () => {
      const xs: Num[] = [1, new Dual(1), new HyperDual(1), new Taylor2(1)];
      expect(xs).to.have.length(4);
    });
  });
});

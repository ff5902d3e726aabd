/**
 * Functions whose gradient and Hessian are known in closed form, checked
 * against that form and by checkDerivatives; property specs (fast-check) on
 * random points; and the seed problem of issue 2 (an MLP's input Hessian).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  add, atan2, cos, div, dot, exp, grad, hessian, hessianDiagonal, hvp, hyperdual, hypot, log1p, logsumexp, mul,
  pow, sigmoid, sin, softplus, sqrt, sub, sum, tanh, type Num,
} from '../lib/index.js';
import { checkDerivatives } from './support/check.js';
import { TOL, note, relErr } from './support/agreement.js';
import { mulberry32, randomVector } from './support/random.js';

/** Entrywise comparison with the closed form, at the tolerance between AD paths (both are exact up to rounding). */
function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = TOL.path): void {
  expect(got.length, `${what} length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const e = relErr(got[i]!, want[i]!);
    note('path', e, `${what} vs closed form [${i}]`);
    expect(e, `${what}[${i}] = ${got[i]}, closed form ${want[i]}`).to.be.at.most(tol);
  }
}

function expectMatrix(what: string, got: readonly ArrayLike<number>[], want: readonly ArrayLike<number>[]): void {
  expect(got.length, `${what} rows`).to.equal(want.length);
  want.forEach((row, i) => expectClose(`${what} row ${i}`, got[i]!, row));
}

const zeros = (n: number): number[][] => Array.from({ length: n }, () => new Array<number>(n).fill(0));
const sq = (u: Num): Num => mul(u, u);

describe('closed forms', () => {
  describe('extended Rosenbrock Σ 100(x₂ᵢ₊₁ − x₂ᵢ²)² + (1 − x₂ᵢ)²', () => {
    const f = (x: Num[]): Num => {
      let s: Num = 0;
      for (let i = 0; i + 1 < x.length; i += 2) {
        s = add(s, add(mul(100, sq(sub(x[i + 1]!, sq(x[i]!)))), sq(sub(1, x[i]!))));
      }
      return s;
    };
    const closed = (x: number[]) => {
      const n = x.length, g = new Array<number>(n).fill(0), H = zeros(n);
      for (let i = 0; i + 1 < n; i += 2) {
        const u = x[i]!, w = x[i + 1]!;
        g[i] = -400 * u * (w - u * u) - 2 * (1 - u);
        g[i + 1] = 200 * (w - u * u);
        H[i]![i] = 1200 * u * u - 400 * w + 2;
        H[i]![i + 1] = H[i + 1]![i] = -400 * u;
        H[i + 1]![i + 1] = 200;
      }
      return { g, H };
    };

    it('matches the closed-form gradient and block-diagonal Hessian at seeded points', () => {
      const rand = mulberry32(11);
      for (let k = 0; k < 4; k++) {
        const x = randomVector(rand, 8, -2, 2);
        const r = checkDerivatives(f, x, { label: `extended Rosenbrock at point ${k}`, seed: k });
        const { g, H } = closed(x);
        expectClose('∇f', r.grad, g);
        expectMatrix('H', r.hessian, H);
        expectClose('diagonal', hessianDiagonal(f, x), H.map((row, i) => row[i]!));
      }
    });

    it('has gradient exactly 0 at the minimum x = 1, Hessian [[802, −400], [−400, 200]] blocks', () => {
      const x = new Array<number>(6).fill(1);
      const r = checkDerivatives(f, x, { label: 'extended Rosenbrock at its minimum' });
      expect(r.value).to.equal(0);
      expect([...r.grad]).to.deep.equal(new Array<number>(6).fill(0));
      expectMatrix('H', r.hessian, closed(x).H);
    });
  });

  describe('chained Rosenbrock Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²', () => {
    const f = (x: Num[]): Num => {
      let s: Num = 0;
      for (let i = 0; i + 1 < x.length; i++) s = add(s, add(mul(100, sq(sub(x[i + 1]!, sq(x[i]!)))), sq(sub(1, x[i]!))));
      return s;
    };
    it('matches the closed-form tridiagonal Hessian', () => {
      const x = randomVector(mulberry32(12), 7, -1.5, 1.5), n = x.length;
      const g = new Array<number>(n).fill(0), H = zeros(n);
      for (let i = 0; i + 1 < n; i++) {
        const u = x[i]!, w = x[i + 1]!;
        g[i] += -400 * u * (w - u * u) - 2 * (1 - u);
        g[i + 1] += 200 * (w - u * u);
        H[i]![i] += 1200 * u * u - 400 * w + 2;
        H[i]![i + 1] = H[i + 1]![i] = -400 * u;
        H[i + 1]![i + 1] += 200;
      }
      const r = checkDerivatives(f, x, { label: 'chained Rosenbrock' });
      expectClose('∇f', r.grad, g);
      expectMatrix('H', r.hessian, H);
    });
  });

  describe('Σ sin xᵢ', () => {
    const f = (x: Num[]): Num => sum(x.map(sin));
    it('has gradient cos xᵢ, diagonal −sin xᵢ by both methods, and no off-diagonal entries at all', () => {
      const x = randomVector(mulberry32(13), 9, -4, 4);
      const r = checkDerivatives(f, x, { label: 'Σ sin xᵢ' });
      expectClose('∇f', r.grad, x.map(Math.cos));
      const diag = x.map((xi) => -Math.sin(xi));
      for (const method of ['hyperdual', 'hvp'] as const) expectClose(`diagonal (${method})`, hessianDiagonal(f, x, { method }), diag);
      r.hessian.forEach((row, i) => row.forEach((h, j) => {
        if (i === j) expect(h).to.equal(-Math.sin(x[i]!));
        else expect(h, `H[${i}][${j}]`).to.equal(0);
      }));
    });
  });

  describe('softmax cross-entropy logsumexp(z) − z_k', () => {
    const k = 2;
    const f = (z: Num[]): Num => sub(logsumexp(z), z[k]!);
    const softmax = (z: number[]) => {
      const m = Math.max(...z), e = z.map((zi) => Math.exp(zi - m)), s = e.reduce((a, b) => a + b, 0);
      return e.map((ei) => ei / s);
    };
    for (const [name, shift] of [['moderate logits', 0], ['logits near 800', 800], ['logits near −800', -800]] as const) {
      it(`has gradient p − e_k and Hessian diag(p) − ppᵀ (${name})`, () => {
        const z = randomVector(mulberry32(14), 6, -3, 3).map((zi) => zi + shift);
        const p = softmax(z);
        const r = checkDerivatives(f, z, { label: `softmax cross-entropy, ${name}` });
        expectClose('∇f', r.grad, p.map((pi, i) => pi - (i === k ? 1 : 0)));
        expectMatrix('H', r.hessian, p.map((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj)));
        // shifting every logit changes nothing: H·1 = 0
        const h1 = hvp(f, z, new Array<number>(z.length).fill(1));
        for (const v of h1) expect(Math.abs(v)).to.be.below(1e-15);
      });
    }
  });

  describe('the seed problem: MLP 5 → 100 (tanh) → 10, log-softmax, NLL of class 0', () => {
    const rand = mulberry32(2024);
    const W1 = Array.from({ length: 100 }, () => randomVector(rand, 5, -1, 1).map((w) => w / Math.sqrt(5)));
    const b1 = randomVector(rand, 100, -0.1, 0.1);
    const W2 = Array.from({ length: 10 }, () => randomVector(rand, 100, -1, 1).map((w) => w / Math.sqrt(100)));
    const b2 = randomVector(rand, 10, -0.1, 0.1);
    const f = (x: Num[]): Num => {
      const h = W1.map((row, j) => tanh(add(dot(row, x), b1[j]!)));
      const z = W2.map((row, k) => add(dot(row, h), b2[k]!));
      return sub(logsumexp(z), z[0]!);
    };
    /** The closed form: H = J_zᵀ(diag p − ppᵀ)J_z + Σⱼ (W2ᵀr)ⱼ tanh″(aⱼ) W1ⱼW1ⱼᵀ, r = p − e₀. */
    const closed = (x: number[]) => {
      const a = W1.map((row, j) => row.reduce((s, w, i) => s + w * x[i]!, b1[j]!));
      const h = a.map(Math.tanh), t1 = h.map((hj) => 1 - hj * hj), t2 = h.map((hj, j) => -2 * hj * t1[j]!);
      const z = W2.map((row, k) => row.reduce((s, w, j) => s + w * h[j]!, b2[k]!));
      const m = Math.max(...z), e = z.map((zk) => Math.exp(zk - m)), S = e.reduce((s, v) => s + v, 0);
      const p = e.map((v) => v / S), r = p.map((pk, k) => pk - (k === 0 ? 1 : 0));
      const back = h.map((_, j) => W2.reduce((s, row, k) => s + row[j]! * r[k]!, 0)); // (W2ᵀ r)ⱼ
      const g = x.map((_, i) => W1.reduce((s, row, j) => s + row[i]! * t1[j]! * back[j]!, 0));
      const Jz = W2.map((row) => x.map((_, i) => row.reduce((s, w, j) => s + w * t1[j]! * W1[j]![i]!, 0)));
      const H = x.map((_, i) => x.map((_, l) => {
        let s = 0;
        for (let k = 0; k < 10; k++) for (let q = 0; q < 10; q++) s += Jz[k]![i]! * ((k === q ? p[k]! : 0) - p[k]! * p[q]!) * Jz[q]![l]!;
        for (let j = 0; j < 100; j++) s += back[j]! * t2[j]! * W1[j]![i]! * W1[j]![l]!;
        return s;
      }));
      return { value: Math.log(S) + m - z[0]!, g, H };
    };

    it('all paths agree, and match the closed-form gradient and Hessian', () => {
      const x = randomVector(mulberry32(5), 5, -1, 1);
      const r = checkDerivatives(f, x, { label: 'seed problem (MLP)' });
      const c = closed(x);
      expect(relErr(r.value, c.value)).to.be.at.most(TOL.path);
      expectClose('∇f', r.grad, c.g);
      expectMatrix('H', r.hessian, c.H);
      for (const method of ['hyperdual', 'hvp'] as const) {
        expectClose(`diagonal (${method})`, hessianDiagonal(f, x, { method }), c.H.map((row, i) => row[i]!));
      }
    });
  });

  describe('edge shapes', () => {
    it('the identity, a constant, unused inputs, a repeated input, one variable', () => {
      const id = checkDerivatives((x) => x[0]!, [0.3, -1.2], { label: 'x ↦ x₀' });
      expect([...id.grad]).to.deep.equal([1, 0]);
      expect(id.hessian.map((r) => [...r])).to.deep.equal([[0, 0], [0, 0]]);
      const c = checkDerivatives(() => 3, [0.3, -1.2], { label: 'x ↦ 3' });
      expect(c.value).to.equal(3);
      expect([...c.grad]).to.deep.equal([0, 0]);
      const u = checkDerivatives((x) => mul(x[1]!, x[1]!), [5, 0.7, 9], { label: 'x ↦ x₁² (x₀, x₂ unused)' });
      expect([...u.grad]).to.deep.equal([0, 1.4, 0]);
      expect(u.hessian.map((r) => [...r])).to.deep.equal([[0, 0, 0], [0, 2, 0], [0, 0, 0]]);
      const rep = checkDerivatives((x) => mul(mul(x[0]!, x[0]!), x[0]!), [1.5], { label: 'x ↦ x·x·x' });
      expect(rep.hessian[0]![0]).to.be.closeTo(9, 1e-14);
    });

    it('accepts a Float64Array point and gives the same results as an array', () => {
      const f = (x: Num[]) => mul(sin(x[0]!), exp(x[1]!));
      const x = [0.4, -0.3];
      expect(grad(f, Float64Array.from(x))).to.deep.equal(grad(f, x));
      expect(hessian(f, Float64Array.from(x))).to.deep.equal(hessian(f, x));
    });

    it('a long computation (2 000 nodes) keeps the paths in agreement', () => {
      const f = (x: Num[]): Num => {
        let s: Num = 0;
        for (let k = 0; k < 250; k++) s = add(s, mul(sin(add(mul(x[k % 4]!, 0.01 * k), x[(k + 1) % 4]!)), 0.01));
        return s;
      };
      checkDerivatives(f, [0.1, 0.2, -0.3, 0.4], { label: 'long chain of 250 terms' });
    });
  });
});

describe('properties on random points (fast-check)', () => {
  /** A smooth function of four variables touching most of the table (every op smooth on ℝ⁴). */
  const mixed = (x: Num[]): Num => {
    const [a, b, c, d] = x as [Num, Num, Num, Num];
    const terms: Num[] = [
      sin(mul(a, b)),
      mul(exp(mul(0.5, c)), tanh(sub(d, a))),
      log1p(mul(b, b)),
      mul(softplus(c), sigmoid(d)),
      atan2(a, add(2, mul(b, b))),
      hypot(c, add(1, mul(d, d))),
      sqrt(add(1, mul(a, a))),
      pow(add(mul(b, b), 1), 1.5),
      pow(add(2, sin(c)), d),
      div(a, add(2, cos(b))),
    ];
    return sum(terms);
  };
  const point = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 });
  /** fast-check settings: seeded (reproducible), few runs (each run is a full checkDerivatives). */
  const settings = { seed: 20240601, numRuns: 25 };

  it('every path agrees with every other and with finite differences', () => {
    fc.assert(
      fc.property(point, fc.integer({ min: 1, max: 1 << 30 }), (x, seed) => {
        checkDerivatives(mixed, x, { label: `mixed at (${x.join(', ')})`, seed });
      }),
      settings,
    );
  });

  it('the Hessian is symmetric: raw H·eⱼ columns and hyper-dual aᵀHb = bᵀHa', () => {
    fc.assert(
      fc.property(point, (x) => {
        const n = x.length;
        const cols = Array.from({ length: n }, (_, j) => hvp(mixed, x, x.map((_, i) => (i === j ? 1 : 0))));
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < i; j++) {
            const e = relErr(cols[j]![i]!, cols[i]![j]!);
            note('path', e, 'mixed: H·eⱼ symmetry');
            expect(e, `H[${i}][${j}] = ${cols[j]![i]} vs H[${j}][${i}] = ${cols[i]![j]}`).to.be.at.most(TOL.path);
          }
        }
        const rand = mulberry32(n * 7919);
        const a = randomVector(rand, n), b = randomVector(rand, n);
        const ab = hyperdual(mixed, x, a, b).dab, ba = hyperdual(mixed, x, b, a).dab;
        expect(relErr(ab, ba)).to.be.at.most(TOL.path);
      }),
      settings,
    );
  });

  it('a quadratic Σ Aᵢⱼxᵢxⱼ + bᵀx has Hessian A + Aᵀ and gradient (A + Aᵀ)x + b', () => {
    const n = 4;
    const matrix = fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n });
    const vec = fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(matrix, vec, vec, (A, b, x) => {
        const f = (xs: Num[]): Num => {
          let s: Num = dot(b, xs);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s = add(s, mul(A[i]![j]!, mul(xs[i]!, xs[j]!)));
          return s;
        };
        const r = checkDerivatives(f, x, { label: 'random quadratic' });
        expectMatrix('H', r.hessian, A.map((row, i) => row.map((aij, j) => aij + A[j]![i]!)));
        expectClose('∇f', r.grad, x.map((_, i) => A[i]!.reduce((s, aij, j) => s + (aij + A[j]![i]!) * x[j]!, b[i]!)));
      }),
      settings,
    );
  });
});

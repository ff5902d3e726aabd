/**
 * No silent values at singular points (issue 17): random programs with sqrt,
 * log and pow at points where inputs are exactly 0, in every mode, against a
 * reference that follows "a structural zero wins; a computed 0·∞ is NaN"
 * (spec/support/zero-points.ts). Where the reference gives NaN, every mode
 * must give NaN, not a finite number; elsewhere the same number.
 */
import { expect } from 'chai';
import {
  directional, grad, hessian, hessianDiagonal, hvp, hyperdual, jvp, laplacian, mul, prepare, valueAndGrad, type Num,
} from '../lib/index.js';
import { mulberry32 } from './support/random.js';
import { zeroFunction, zeroPoint, zeroProgram, zeroReference, zeroSource } from './support/zero-points.js';

const SEED = 20261206;
const COUNT = 500;

/**
 * Same derivative: equal, or finite and close; where the reference is not
 * finite, any non-finite value. Above all, where the reference gives NaN no
 * mode may give a finite number. (±∞ and NaN may differ between modes: they
 * associate the chain rule's products differently, and at max(u, u) — a tie,
 * ∂/∂b = 0 computed — forward mode multiplies that 0 by u's tangent while
 * reverse mode multiplies it by an adjoint; with u = log x at 0 one of them
 * forms 0·∞ and the other does not.)
 */
function same(got: number, want: number): boolean {
  if (!Number.isFinite(want)) return !Number.isFinite(got) && (Number.isNaN(want) || Number.isNaN(got) || got === want);
  return got === want || (Number.isFinite(got) && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)));
}

describe('singular points: a structural zero wins, a computed 0·∞ is NaN (fuzzed, every mode)', function () {
  this.timeout(120000);

  it(`${COUNT} random programs with sqrt, log and pow at points with exact zeros agree with the reference`, () => {
    const rnd = mulberry32(SEED), wrong: string[] = [];
    let nanRows = 0, rows = 0;
    for (let i = 0; i < COUNT && wrong.length < 5; i++) {
      const n = 1 + Math.floor(rnd() * 3), prog = zeroProgram(rnd, n, 3 + Math.floor(rnd() * 6)), x = zeroPoint(rnd, n);
      const f = zeroFunction(prog), e = (j: number) => x.map((_, k) => (k === j ? 1 : 0));
      const ref = x.map((_, j) => zeroReference(prog, x, j));
      const outer = (inner: () => Num): number => grad((z) => mul(z[0]!, inner()), [1])[0]!;
      const from = x.map((v) => v + 0.75);
      const P = prepare(f, x), Q = prepare(f, from).at(x);
      const got: Record<string, (j: number) => [first: number | null, second: number | null]> = {
        Dual: (j) => [jvp(f, x, e(j)).tangent, null],
        Taylor2: (j) => { const d = directional(f, x, e(j)); return [d.first, d.second]; },
        HyperDual: (j) => { const h = hyperdual(f, x, e(j), e(j)); return [h.da, h.dab]; },
        jet: (j) => [outer(() => jvp(f, x, e(j)).tangent as Num), outer(() => directional(f, x, e(j)).second as Num)],
        'tape grad, hessian': (j) => [valueAndGrad(f, x).grad[j]!, hessian(f, x)[j]![j]!],
        'tape hvp': (j) => [null, hvp(f, x, e(j))[j]!],
        "tape diagonal ('hyperdual', one lane)": (j) => [null, hessianDiagonal(f, x, { method: 'hyperdual', lanes: 1 })[j]!],
        "tape diagonal ('hvp')": (j) => [null, hessianDiagonal(f, x, { method: 'hvp' })[j]!],
        'tape diagonal (sparse)': (j) => [null, hessianDiagonal(f, x, { method: 'sparse' })[j]!],
        prepared: (j) => { P.grad(); P.grad(); P.grad(); return [P.grad()[j]!, P.hessian()[j]![j]!]; },
        'prepared, moved here': (j) => [Q.grad()[j]!, Q.hessianDiagonal()[j]!],
      };
      const before = wrong.length;
      for (let j = 0; j < n && wrong.length === before; j++) {
        const r = ref[j]!;
        rows++;
        if (Number.isNaN(r.second) || Number.isNaN(r.first)) nanRows++;
        for (const [mode, read] of Object.entries(got)) {
          const [first, second] = read(j);
          if (first !== null && !same(first, r.first)) wrong.push(`${mode} first ${first}, reference ${r.first}`);
          if (second !== null && !same(second, r.second)) wrong.push(`${mode} second ${second}, reference ${r.second}`);
        }
        if (wrong.length > before) wrong.splice(before, 0, `program ${i}: ${zeroSource(prog)} at x = [${x}], direction e${j}:`);
      }
      // the trace: NaN as soon as one diagonal entry is
      const tr = ref.reduce((s, r) => s + r.second, 0), lap = laplacian(f, x);
      if (wrong.length === before && !same(lap, tr)) wrong.push(`program ${i}: ${zeroSource(prog)} at x = [${x}]: laplacian ${lap}, reference ${tr}`);
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
    // the search reaches the singular points it is for
    expect(nanRows, 'rows where the reference gives NaN').to.be.greaterThan(rows / 10);
  });
});

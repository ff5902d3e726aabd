/**
 * Rules inlined into generated loops (lib/tape/codegen/inline.ts): which
 * rules are taken, that what is taken gives d's numbers at random points,
 * that the literal zeros it finds are zeros, and that a body it cannot
 * prove self-contained is refused.
 */
import { expect } from 'chai';
import { BINARY, NU, OP_NAMES, UNARY } from '../lib/rules/index.js';
import { declareOutputs, inlinedRule, pasted } from '../lib/tape/codegen/inline.js';
import { mulberry32 } from './support/random.js';

/** the inlined form of rule `code` as a function (x, z, y, p) → its outputs */
function compiled(code: number): (x: number, z: number, y: number, p: number) => number[] {
  const r = inlinedRule(code)!;
  return new Function('$x', '$z', 'y', '$p', `const $y = y; ${declareOutputs(r.n)} { ${r.bind} ${r.body} }
    return [${Array.from({ length: r.n }, (_, k) => `$o${k + 1}`).join(', ')}];`) as (x: number, z: number, y: number, p: number) => number[];
}

describe('inlined rules (generated loops read a rule\'s own d)', () => {
  it('takes the common rules, whose bodies are self-contained', () => {
    const taken = OP_NAMES.filter((_, c) => inlinedRule(c));
    for (const name of ['mul', 'div', 'max', 'min', 'pow', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh', 'powc', 'abs', 'relu']) expect(taken).to.include(name);
  });

  it('gives d\'s numbers bit for bit at random points of each domain', () => {
    const rand = mulberry32(20261207);
    OP_NAMES.forEach((name, code) => {
      if (!inlinedRule(code)) return;
      const fn = compiled(code), unary = code < NU, n = unary ? 3 : 9;
      const pick = (iv: readonly (readonly [number, number])[]) => { const [lo, hi] = iv[Math.floor(rand() * iv.length)]!; return lo + rand() * (hi - lo); };
      for (let t = 0; t < 200; t++) {
        const out = new Float64Array(n + 1).fill(NaN);
        let x: number, z = 0, p = 0, y: number;
        if (unary) {
          const u = UNARY[code]!;
          x = pick(u.domain); p = u.params ? u.params[t % u.params.length]! : 0; y = u.f(x, p);
          out[0] = y; u.d(x, y, out, p);
        } else {
          const b = BINARY[code - NU]!;
          x = pick([b.domain[0]]); z = pick([b.domain[1]]); y = b.f(x, z);
          out[0] = y; b.d(x, z, y, out);
        }
        const got = fn(x, z, y, p);
        for (let k = 0; k < n; k++) expect(Object.is(got[k], out[k + 1]), `${name}: out[${k + 1}] at ${x}, ${z}, p = ${p}`).to.equal(true);
      }
    });
  });

  it('says which outputs are literals or copies of an argument, and they are', () => {
    // x·y: f_a = y, f_b = x, f_ab = 1, every other partial 0
    expect(inlinedRule(OP_NAMES.indexOf('mul'))!.fixed).to.deep.equal([null, '$z', '$x', '0', '1', '0', '0', '0', '0', '0']);
    // exp: every derivative is the value; sin computes its own
    expect(inlinedRule(OP_NAMES.indexOf('exp'))!.fixed).to.deep.equal([null, '$y', '$y', '$y']);
    expect(inlinedRule(OP_NAMES.indexOf('sin'))!.fixed.slice(1)).to.deep.equal([null, null, null]);
    // and what is claimed holds against d at random points of every rule
    const rand = mulberry32(7);
    OP_NAMES.forEach((name, code) => {
      const r = inlinedRule(code);
      if (!r) return;
      const unary = code < NU;
      for (let t = 0; t < 50; t++) {
        const out = new Float64Array(r.n + 1);
        let x: number, z = 0, p = 0;
        if (unary) { const u = UNARY[code]!; const [lo, hi] = u.domain[0]!; x = lo + rand() * (hi - lo); p = u.params?.[t % u.params.length] ?? 0; out[0] = u.f(x, p); u.d(x, out[0], out, p); }
        else { const b = BINARY[code - NU]!; x = b.domain[0][0] + rand() * (b.domain[0][1] - b.domain[0][0]); z = b.domain[1][0] + rand() * (b.domain[1][1] - b.domain[1][0]); out[0] = b.f(x, z); b.d(x, z, out[0], out); }
        const arg: Record<string, number> = { $x: x, $z: z, $y: out[0]!, $p: p };
        r.fixed.forEach((f, k) => { if (f !== null) expect(Object.is(out[k]!, f.startsWith('$') ? arg[f] : Number(f)), `${name} out[${k}] = ${f}`).to.equal(true); });
      }
    });
  });

  it('refuses a body that is not self-contained (its value is kept as a call)', () => {
    // sigmoid's d calls a module function: it cannot be pasted into a loop
    expect(inlinedRule(OP_NAMES.indexOf('sigmoid'))).to.equal(null);
    const helper = (x: number) => x;
    const refused: ((x: number, y: number, o: Float64Array, p: number) => void)[] = [
      (x, _y, o) => { o[1] = helper(x); o[2] = 0; o[3] = 0; }, // a name from outside
      (x, _y, o) => { if (x > 0) return; o[1] = 1; }, // a return would leave the loop
      (_x, _y, o) => { for (let k = 1; k < 4; k++) o[k] = 0; }, // out indexed by a variable
      (x, _y, o) => { o[1] = x; o.fill(0); }, // out used otherwise
      (x, _y, o) => { const f = (u: number) => u; o[1] = f(x); }, // a closure
      (x, _y, o) => { o[1] = Number('1') * x; }, // a string (and a global)
    ];
    for (const d of refused) expect(pasted(d, true), String(d)).to.equal(null);
    // a plain one is taken, with what it says of its outputs
    expect(pasted((x: number, y: number, o: Float64Array) => { const c = 2 * x; o[1] = c; o[2] = y; o[3] = 0; }, true)!.fixed).to.deep.equal([null, null, '$y', '0']);
    // an output written twice, or under an if, is not a fixed one; any assignment operator counts as a write
    expect(pasted((x: number, _y: number, o: Float64Array) => { o[1] = 1; if (x > 0) { o[1] = 2; } o[2] = 0; o[2] ||= 5; o[3] = 0; }, true)!.fixed).to.deep.equal([null, null, null, '0']);
  });
});

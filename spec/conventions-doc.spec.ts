/**
 * Every claim of docs/conventions.md, in every mode (issue 9): plain numbers,
 * hand-made Dual / Taylor2 / HyperDual numbers, the forward transforms, jets
 * (nested transforms), the tape (one lane and the default), a prepared
 * recording (where it was recorded, and moved there from elsewhere by .at),
 * and the same arithmetic through elementwise tensor blocks. The doc's
 * tables are rendered from the same claims (spec/support/edge-claims.ts), and
 * every convention string of the rule table appears in the doc verbatim.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules } from '../lib/rules/index.js';
import { CLAIMS, MODES, claimTable, expected, readModes, show, type Expect, type Quantity } from './support/edge-claims.js';

const doc = readFileSync(new URL('../../docs/conventions.md', import.meta.url), 'utf8');

/** Same number: identical (NaN, ±∞, ±0 alike), or finite and within 1e-12 relative. */
function same(got: number, want: number): boolean {
  if (Object.is(got, want) || (got === want && got !== 0)) return true;
  if (got === 0 && want === 0) return true; // 0 and −0 are one derivative
  return Number.isFinite(got) && Number.isFinite(want) && Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want));
}
function sameDeep(got: unknown, want: Expect): boolean {
  if (typeof want === 'number') return typeof got === 'number' && same(got, want);
  return Array.isArray(got) && got.length === want.length && want.every((w, i) => sameDeep(got[i], w as Expect));
}

describe('numerical conventions (docs/conventions.md), every claim in every mode', () => {
  it('the doc quotes every convention string of the rule table verbatim', () => {
    for (const name of [...UNARY_NAMES, ...BINARY_NAMES]) {
      const c = (unaryRules as Record<string, { convention?: string }>)[name]?.convention ?? (binaryRules as Record<string, { convention?: string }>)[name]?.convention;
      if (c) expect(doc, `the convention of ${name}`).to.include(c);
    }
  });

  for (const section of ['edge', 'kink', 'overflow', 'chain'] as const) {
    it(`the doc's ${section} table is the one rendered from the claims`, () => {
      expect(doc, `docs/conventions.md: regenerate the ${section} table (node build/scripts/conventions.js)`).to.include(claimTable(section));
    });
  }

  for (const c of CLAIMS) {
    it(`${c.id}: ${c.expr}`, () => {
      const readings = readModes(c), wrong: string[] = [];
      for (const m of MODES) {
        for (const [q, got] of Object.entries(readings[m]) as [Quantity, number | number[] | number[][]][]) {
          const want = expected(c, m, q);
          if (want === undefined) continue;
          if (!sameDeep(got, want)) wrong.push(`${m} ${q}: ${show(got as Expect)}, the doc says ${show(want)}`);
        }
      }
      expect(wrong, wrong.join('\n')).to.deep.equal([]);
    });
  }
});

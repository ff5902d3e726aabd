/**
 * Regenerates the tables of docs/conventions.md from the claims the spec
 * checks (spec/support/edge-claims.ts) and the rule table's convention
 * strings: the text between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->` is replaced. Run after changing a claim or a
 * rule's convention: `node build/scripts/conventions.js` (after a build), or
 * from a private mirror: `HYPERAD_BUILD=build-x node scripts/build.mjs && node build-x/scripts/conventions.js`
 * (the doc is found relative to the mirror, so either writes docs/conventions.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BINARY_NAMES, UNARY_NAMES, binaryRules, unaryRules } from '../lib/rules/index.js';
import { claimTable } from '../spec/support/edge-claims.js';

/** Every rule that states a convention, quoted verbatim. */
export function ruleConventions(): string {
  const rows: string[] = [];
  for (const name of [...UNARY_NAMES, ...BINARY_NAMES]) {
    const c = (unaryRules as Record<string, { convention?: string }>)[name]?.convention ?? (binaryRules as Record<string, { convention?: string }>)[name]?.convention;
    if (c) rows.push(`- \`${name}\`: ${c}`);
  }
  return rows.join('\n');
}

const file = new URL('../../docs/conventions.md', import.meta.url);
let doc = readFileSync(file, 'utf8');
const parts: Record<string, string> = {
  rules: ruleConventions(), edge: claimTable('edge'), kink: claimTable('kink'), overflow: claimTable('overflow'), chain: claimTable('chain'),
};
for (const [name, text] of Object.entries(parts)) {
  const open = `<!-- generated:${name} -->`, close = `<!-- /generated:${name} -->`;
  const i = doc.indexOf(open), j = doc.indexOf(close);
  if (i < 0 || j < i) throw new Error(`docs/conventions.md: markers for ${name} not found`);
  doc = `${doc.slice(0, i + open.length)}\n${text}\n${doc.slice(j)}`;
}
writeFileSync(file, doc);
console.log('docs/conventions.md: tables regenerated');

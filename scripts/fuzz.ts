/**
 * npm run fuzz -- --seconds N --seed S [--tensor-share p] [--no-shrink] [--no-fd]
 * npm run fuzz -- --zeros --seconds N --seed S
 *
 * With --zeros: the search at singular points (spec/support/zero-points.ts):
 * programs with sqrt, log and pow at points with exact zeros, every mode
 * against a reference that follows "a structural zero wins; a computed 0·∞
 * is NaN". Exits 1 on a disagreement.
 *
 * Differential fuzzing: random programs over every op of the rule table and
 * every tensor op, each run through every path of the library and compared
 * with the others and with finite differences (spec/support/differential.ts).
 * Prints progress, the programs run, every distinct failure with a shrunk
 * reproducer, and the worst agreement of each kind. Exits 1 on a failure.
 */
import { fuzz } from '../spec/support/fuzzer.js';
import { zeroFuzz } from '../spec/support/zero-points.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const seconds = Number(arg('seconds') ?? 60), seed = Number(arg('seed') ?? Date.now() % 1e9);
const count = arg('count') === undefined ? undefined : Number(arg('count'));
const tensorShare = Number(arg('tensor-share') ?? 0.5);
if (!(seconds > 0) || !Number.isInteger(seed) || !(tensorShare >= 0 && tensorShare <= 1)) {
  console.error('usage: fuzz [--seconds N] [--seed S] [--count N] [--tensor-share p] [--no-shrink] [--no-fd]');
  process.exit(2);
}
if (flag('zeros')) {
  const r = zeroFuzz({ seed, ...(count !== undefined ? { count } : { seconds }), maxWrong: 20 });
  console.log(`fuzz --zeros: seed ${seed}: ${r.programs} programs, ${r.rows} directions, ${r.nanRows} where the reference is NaN`);
  console.log(r.wrong.length ? r.wrong.join('\n') : 'no disagreement');
  process.exit(r.wrong.length ? 1 : 0);
}
console.log(`fuzz: seed ${seed}, ${count !== undefined ? `${count} programs` : `${seconds} s`}, tensor share ${tensorShare}`);
const rep = fuzz({
  seed, ...(count !== undefined ? { count } : { seconds }), tensorShare, shrink: !flag('no-shrink'), fd: !flag('no-fd'),
  log: (line) => console.log(line),
});
const w = rep.worst, e = (x: { err: number; where: string }) => `${x.err.toExponential(2)} (${x.where})`;
console.log([
  '',
  `programs run: ${rep.programs} (${rep.scalar} scalar, ${rep.tensor} tensor; ${rep.bindings} bindings) in ${(rep.ms / 1000).toFixed(1)} s, seed ${seed}`,
  `comparisons: ${rep.comparisons}; finite differences: ${rep.fd.made} compared, ${rep.fd.skipped} skipped (unreliable estimate), ` +
    `${rep.fd.redraws} points redrawn near a kink, ${rep.fd.without} programs without finite differences`,
  `worst agreement: paths ${e(w.path)}; replay ${e(w.replay)}; finite differences ${e(w.fd)}`,
  `invalid samples: ${rep.invalid.length}${rep.invalid.length ? `\n  ${rep.invalid.slice(0, 5).join('\n  ')}` : ''}`,
  `distinct failures: ${rep.failures.length}`,
  ...rep.failures.map((f) => `  ${f.signature} (first in program ${f.program}, ${f.count} program(s))`),
].join('\n'));
process.exit(rep.failures.length ? 1 : 0);

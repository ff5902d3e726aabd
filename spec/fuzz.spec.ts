/**
 * Differential fuzzing, fixed seed (issue 9): random programs over every op
 * of the rule table and every tensor op, each run through every path of the
 * library (spec/support/differential.ts lists them) and compared with the
 * others and with Ridders finite differences. `npm run fuzz -- --seconds N
 * --seed S` runs the same loop for longer.
 *
 * A failure prints a shrunk reproducer: the program as TypeScript, its point,
 * the directions and the pair of paths that disagree.
 */
import { expect } from 'chai';
import { BINARY_NAMES, UNARY_NAMES, unaryRules } from '../lib/rules/index.js';
import { fuzz, reproducer, sampleOf, shrink } from './support/fuzzer.js';
import { invalidAt, runSample, signature, TOL } from './support/differential.js';
import { programSource, type Program, type Sample, type ScalarProgram } from './support/programs.js';

/** The run's seed and size: about 300 programs, well under a minute (measured: ~30 ms a program). */
const SEED = 20260901;
const COUNT = 300;

/** Every kind of tensor binding the generator knows. */
const TENSOR_KINDS = [
  'sum', 'mean', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'dot', 'outer', 'mseLoss', 'transpose', 'reshape', 'slice', 'take',
  'index', 'stack', 'concat', 'where', 'crossEntropy', 'nllLoss', 'linear',
];

describe('differential fuzzing (fixed seed)', function () {
  this.timeout(120000);

  it('the generator reaches every op of the rule table (every powc exponent), scalar and tensor, and every tensor op', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const p = sampleOf(SEED, i).program;
      for (const l of p.lets) {
        seen.add(`${p.kind}:${l.k === 'unary' || l.k === 'binary' ? l.op : l.k === 'powc' ? `powc ${l.p}` : l.k}`);
      }
    }
    const want = [
      ...UNARY_NAMES.filter((n) => n !== 'powc'), ...BINARY_NAMES, ...unaryRules.powc.params!.map((p) => `powc ${p}`),
    ];
    for (const kind of ['scalar', 'tensor']) for (const op of want) expect(seen, `${kind} programs use ${op}`).to.include(`${kind}:${op}`);
    for (const op of ['sum', 'logsumexp', 'dot', 'branch']) expect(seen, `scalar programs use ${op}`).to.include(`scalar:${op}`);
    for (const op of TENSOR_KINDS) expect(seen, `tensor programs use ${op}`).to.include(`tensor:${op}`);
  });

  it('every generated program stays inside its ops\' domains at both of its points', () => {
    for (let i = 0; i < 400; i++) {
      const s = sampleOf(SEED, i);
      expect(invalidAt(s.program, [...s.x0]) ?? invalidAt(s.program, [...s.x1]), `program ${i}:\n${programSource(s.program, s.x0)}`).to.equal(null);
    }
  });

  it('a planted disagreement is caught, shrunk to a few bindings and printed as TypeScript with its pair of paths', () => {
    // the tensor form computes cos where the program says sin: every path through it must disagree
    const tamper = (p: Program): Program => ({ ...p, lets: p.lets.map((l) => (l.k === 'unary' && l.op === 'sin' ? { ...l, op: 'cos' } : l)) } as Program);
    const program: ScalarProgram = {
      kind: 'scalar', n: 3,
      lets: [
        { k: 'binary', op: 'mul', a: { in: 0 }, b: { in: 1 } },
        { k: 'unary', op: 'tanh', a: { let: 0 } },
        { k: 'unary', op: 'sin', a: { in: 2 } },
        { k: 'binary', op: 'add', a: { let: 1 }, b: { let: 2 } },
        { k: 'unary', op: 'exp', a: { let: 3 } },
      ],
      out: { let: 4 },
    };
    const s: Sample = { program, x0: [0.3, -0.7, 1.1], x1: [0.4, -0.5, 1.2] };
    const out = runSample(s, { seed: 5, tamper });
    const lifted = out.failures.filter((f) => f.a.includes('lifted onto rank-0 tensors'));
    expect(lifted.length, 'failures through the (tampered) tensor form').to.be.above(5);
    expect(out.failures.every((f) => f.a.includes('lifted onto rank-0 tensors')), 'the scalar API paths still agree').to.equal(true);
    const first = lifted[0]!, small = shrink(s, first, { seed: 5, tamper });
    expect(small.sample.program.lets.length, programSource(small.sample.program)).to.be.at.most(2);
    const again = runSample(small.sample, { seed: 5, tamper, redraw: false }).failures.find((f) => signature(f) === signature(first))!;
    const text = reproducer(small.sample, again, 5, program.lets.length);
    for (const part of ['const f = (x: Num[]): Num =>', 'sin(', 'const x = [', 'const x1 = [', 'const a = [', first.a, first.b, 'shrunk from 5 to']) {
      expect(text, text).to.include(part);
    }
  });

  it(`${COUNT} random programs (seed ${SEED}): every path agrees with every other (≤ ${TOL.path}), replays with fresh recordings (≤ ${TOL.replay}), and finite differences (≤ ${TOL.fd})`, () => {
    const rep = fuzz({ seed: SEED, count: COUNT });
    const w = rep.worst, e = (x: { err: number; where: string }) => `${x.err.toExponential(1)}`;
    console.log(`      ${rep.programs} programs (${rep.scalar} scalar, ${rep.tensor} tensor, ${rep.bindings} bindings), ${rep.comparisons} comparisons ` +
      `(${rep.fd.made} with finite differences, ${rep.fd.skipped} skipped as unreliable, ${rep.fd.redraws} points redrawn off a kink) ` +
      `in ${(rep.ms / 1000).toFixed(1)} s; worst: paths ${e(w.path)}, replay ${e(w.replay)}, finite differences ${e(w.fd)}`);
    expect(rep.invalid, 'generated programs that could not run').to.deep.equal([]);
    expect(rep.fd.without, 'programs without finite differences').to.be.below(COUNT / 20);
    expect(rep.failures.map((f) => f.reproducer), rep.failures.map((f) => `${f.signature}\n${f.reproducer}`).join('\n\n')).to.deep.equal([]);
  });
});

/**
 * The issues' targets, checked against the bench's rows and printed after
 * the table (and kept in docs/bench.json).
 */
import { fmtRatio } from './report.js';
import type { Row } from './rows.js';

const TARGET = { ratio: 50, colours: 3, autoOverhead: 0.05 };
/** issue 4's targets (prepared path, × plain f): W3 n = 1000 grad and hvp, W1 hessian; one 'hyperdual' lane ÷ one 'hvp' lane */
const TARGET4 = { grad: 10, hvp: 20, hessian: 30, lane: 0.5 };
/**
 * Issue 14's targets (× plain f): tensor-form W2 and W3 at n = 100000 (one-shot
 * grad, hvp, exact diagonal; prepared hvp), the seed MLP's input and the batch
 * MLP's weights (one-shot grad, hvp); the recording's bytes per element per
 * op, the ops' own storage ("≤ 24 for elementwise ops": the inputs' nodes,
 * 68 B per input element whatever f does, are reported beside it).
 */
const TARGET14 = {
  chain: { grad: 10, hvp: 20, preparedHvp: 8, diagonal: 40 },
  seed: { grad: 10, hvp: 20 },
  batch: { grad: 6, hvp: 15 },
  bytesPerElementOp: 24,
};

export interface Target { issue: number; what: string; measured: string; target: string; reached: boolean }

/** Every target the rows measure, with whether it was reached. */
export function issueTargets(rows: readonly Row[]): Target[] {
  const targets: Target[] = [];
  const ratioTarget = (workload: string, n: number, quantity: string, max: number, what: string) => {
    const r = rows.find((q) => q.workload === workload && q.n === n && q.quantity === quantity && q.preparedRatio !== undefined);
    if (r) targets.push({ issue: 4, what: `${workload} n = ${n}: ${what}, prepared`, measured: `${fmtRatio(r.preparedRatio)}× f`, target: `≤ ${max}× f`, reached: r.preparedRatio! <= max });
  };
  ratioTarget('W3 rosenbrock', 1000, 'valueAndGrad', TARGET4.grad, 'gradient');
  ratioTarget('W3 rosenbrock', 1000, 'hvp', TARGET4.hvp, 'hvp');
  ratioTarget('W1 mlp', 5, 'hessian', TARGET4.hessian, 'hessian');
  for (const r of rows.filter((q) => q.laneRatio !== undefined)) {
    targets.push({
      issue: 4, what: `${r.workload} n = ${r.n}: one 'hyperdual' lane ÷ one 'hvp' lane, K = ${r.lanes}`,
      measured: r.laneRatio!.toFixed(2), target: `≤ ${TARGET4.lane}`, reached: r.laneRatio! <= TARGET4.lane,
    });
  }
  for (const wl of ['W2 sines', 'W3 rosenbrock']) {
    const r = rows.find((q) => q.workload === wl && q.n === 100_000 && q.quantity === `diagonal 'sparse'`);
    if (!r) continue;
    targets.push({
      issue: 7, what: `${wl} n = 100000: exact diagonal, 'sparse' prepared`,
      measured: `${fmtRatio(r.preparedRatio)}× f, ${r.colours} colour${r.colours === 1 ? '' : 's'} (fresh call ${fmtRatio(r.transformRatio)}× f)`,
      target: `≤ ${TARGET.ratio}× f, ≤ ${TARGET.colours} colours`,
      reached: r.preparedRatio! <= TARGET.ratio && r.colours! <= TARGET.colours,
    });
  }
  for (const r of rows.filter((q) => q.overhead !== undefined)) {
    targets.push({
      issue: 7, what: `${r.workload} n = ${r.n}: 'auto' on a dense f`,
      measured: `${r.overhead! >= 0 ? '+' : ''}${(100 * r.overhead!).toFixed(1)}% over 'hyperdual'`,
      target: `≤ +${100 * TARGET.autoOverhead}%`,
      reached: r.overhead! <= TARGET.autoOverhead,
    });
  }
  // issue 13: the calls users make, not only the prepared sweeps
  const rowOf = (workload: string, n: number | undefined, quantity: string) => rows.find((q) => q.workload === workload && (n === undefined || q.n === n) && q.quantity === quantity);
  /** what the lean recorder of the same nodes measured in this run (scripts/bench/floor.ts), in the target row's unit, and what it did */
  type Floor = [(r: Row) => number | undefined, string];
  /** `floor`: printed beside the measured figure */
  const targetOn = (issue: number) => (what: string, r: Row | undefined, get: (r: Row) => number | undefined, max: number, unit = '× f', floor?: Floor) => {
    const m = r && get(r), fl = r && floor?.[0](r);
    const beside = fl === undefined || !Number.isFinite(fl) ? '' : `; floor (${floor![1]}) ${fl.toFixed(1)}${unit}`;
    if (m !== undefined) targets.push({ issue, what, measured: `${m.toFixed(1)}${unit}${beside}`, target: `≤ ${max}${unit}`, reached: m <= max });
  };
  const target13 = targetOn(13);
  // the recorder's speed is the one-shot recording's (its arrays reused); a kept recording (prepare) also pays for fresh
  // memory, which the lean recorder (reusing its arrays) does not, so the floor is printed beside the one-shot row only
  const perNode = (q: Row) => q.transformNs! / Number(/^(\d+) nodes/.exec(q.note ?? '')?.[1]);
  const leanRow = (n: number) => rowOf('W3 rosenbrock', n, 'floor: lean record');
  for (const [n, max] of [[1000, 20], [100_000, 40]] as const) {
    const lean = leanRow(n), perNodeFloor: Floor = [() => lean && perNode(lean), 'lean recorder'];
    target13(`W3 rosenbrock n = ${n}: recording, ns per node (one-shot)`, rowOf('W3 rosenbrock', n, 'record (one-shot)'), perNode, max, ' ns', perNodeFloor);
    target13(`W3 rosenbrock n = ${n}: recording, ns per node (prepare, kept)`, rowOf('W3 rosenbrock', n, 'record (tape)'), perNode, max, ' ns');
  }
  // (the lean recording's time over the target row's own plain f: each row times its plain f beside it, and those differ by up to a third)
  const lean1000 = leanRow(1000);
  const leanGrad: Floor = [(q) => lean1000 && lean1000.transformNs! / q.transformPlainNs!, 'the lean recording alone'];
  target13('W3 rosenbrock n = 1000: grad(f, x), one-shot', rowOf('W3 rosenbrock', 1000, 'valueAndGrad'), (q) => q.transformRatio, 100, '× f', leanGrad);
  target13('W3 rosenbrock n = 1000: hvp(f, x, v), one-shot', rowOf('W3 rosenbrock', 1000, 'hvp'), (q) => q.transformRatio, 130, '× f', leanGrad);
  target13("W3 rosenbrock n = 1000: p.at(x') then .grad()", rowOf('W3 rosenbrock', 1000, 'valueAndGrad'), (q) => q.atRatio, 25);
  target13("W3 rosenbrock n = 1000: exact diagonal, one-shot", rowOf('W3 rosenbrock', 1000, `diagonal 'sparse'`), (q) => q.transformRatio, 200);
  target13("W3 rosenbrock n = 1000: exact diagonal, one-shot on a new f", rowOf('W3 rosenbrock', 1000, `diagonal 'sparse'`), (q) => q.firstRatio, 200);
  for (const [wl, max] of [['W2 sines', 50], ['W3 rosenbrock', 600]] as const) {
    target13(`${wl} n = 100000: exact diagonal, one-shot`, rowOf(wl, 100_000, `diagonal 'sparse'`), (q) => q.transformRatio, max);
    target13(`${wl} n = 100000: exact diagonal, one-shot on a new f`, rowOf(wl, 100_000, `diagonal 'sparse'`), (q) => q.firstRatio, max);
  }
  target13('W1 mlp n = 5: grad(f, x), one-shot (scalar-op form)', rowOf('W1 mlp', 5, 'valueAndGrad'), (q) => q.transformRatio, 20);
  target13("W1 mlp n = 5: p.at(x') then .grad() (scalar-op form)", rowOf('W1 mlp', 5, 'valueAndGrad'), (q) => q.atRatio, 25);
  // issue 14: tensor programs, one-shot calls as users make them
  const target15 = targetOn(15);
  target15("W1 mlp weights n = 1610: exact diagonal ('auto': structured), one-shot", rowOf('W1 mlp weights (tensors)', 1610, `diagonal 'auto'`), (q) => q.transformRatio, 100);
  target15("W1 mlp weights n = 1610: exact diagonal, prepared", rowOf('W1 mlp weights (tensors)', 1610, `diagonal 'auto'`), (q) => q.preparedRatio, 100);
  target15("W6 batch mlp: exact diagonal ('auto': structured), one-shot", rowOf('W6 batch mlp (tensors)', undefined, `diagonal 'auto'`), (q) => q.transformRatio, 50);
  target15("W6 batch mlp: exact diagonal, prepared", rowOf('W6 batch mlp (tensors)', undefined, `diagonal 'auto'`), (q) => q.preparedRatio, 50);
  const target14 = targetOn(14);
  for (const wl of ['W2 sines (tensor)', 'W3 rosenbrock (tensor)']) {
    const at = (quantity: string) => rowOf(wl, 100_000, quantity), T = TARGET14.chain;
    target14(`${wl} n = 100000: grad(f, x), one-shot`, at('valueAndGrad'), (q) => q.transformRatio, T.grad);
    target14(`${wl} n = 100000: hvp(f, x, v), one-shot`, at('hvp'), (q) => q.transformRatio, T.hvp);
    target14(`${wl} n = 100000: hvp, prepared`, at('hvp'), (q) => q.preparedRatio, T.preparedHvp);
    target14(`${wl} n = 100000: exact diagonal, one-shot`, at(`diagonal 'auto'`), (q) => q.transformRatio, T.diagonal);
    target14(`${wl} n = 100000: recording, the ops' bytes per element per op (prepared)`, at('record (tape)'), (q) => q.bytesPerElementOp, TARGET14.bytesPerElementOp, ' bytes');
    target14(`${wl} n = 100000: recording, the ops' bytes per element per op (one-shot)`, at('record (one-shot)'), (q) => q.bytesPerElementOp, TARGET14.bytesPerElementOp, ' bytes');
  }
  for (const [wl, n, T] of [['W1 mlp (tensors)', 5, TARGET14.seed], ['W6 batch mlp (tensors)', 101_770, TARGET14.batch]] as const) {
    target14(`${wl} n = ${n}: grad(f, x), one-shot`, rowOf(wl, n, 'valueAndGrad'), (q) => q.transformRatio, T.grad);
    target14(`${wl} n = ${n}: hvp(f, x, v), one-shot`, rowOf(wl, n, 'hvp'), (q) => q.transformRatio, T.hvp);
  }
  return targets;
}

/** The targets as printed lines, by issue. */
export function targetLines(targets: readonly Target[]): string[] {
  const out: string[] = [];
  for (const issue of [4, 7, 13, 14, 15]) {
    out.push('', `targets (issue ${issue}):`);
    for (const t of targets.filter((q) => q.issue === issue)) out.push(`  ${t.reached ? 'reached' : 'MISSED '}  ${t.what}: ${t.measured} (target ${t.target})`);
  }
  return out;
}

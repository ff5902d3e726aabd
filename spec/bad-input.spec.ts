/**
 * The bad-input matrix (issue 9): one row per (public function × bad input).
 * Each row states the error type and message fragments it expects; the
 * message must name the function (it starts with `fn: `, or `hyperad: fn: `
 * for an op called outside any transform) and the argument.
 *
 * spec/errors.spec.ts already covers the point x, the directions, f and the
 * options of valueAndGrad, grad, jvp, directional, hyperdual, hvp, hessian,
 * hessianDiagonal and jacobian, stale values, JavaScript operators and
 * nesting; this table covers every other public function, tensor and record
 * points, prepared recordings, huge inputs and reuse across evaluations.

 */
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import * as hyperad from '../lib/index.js';
import {
  Dual, HyperDual, Taylor2, Tensor, arange, concat, crossEntropy, directional, full, grad, gradDirectional, gradHyperdual, hessian,
  hessianDiagonal, hessianDiagonalEstimate, hessianSparsity, hessianTraceEstimate, hvp, hyperdual, jvp, laplacian, linear, logSoftmax,
  logsumexp, matmul, mean, mlp, mseLoss, mul, mulberry32, nllLoss, ones, outer, prepare, rand, randn, reshape, sin, slice, softmax, sparseHessian,
  stack, sum, take, tensor, transpose, valueAndGrad, where, zeros, dot, type Num,
} from '../lib/index.js';
import { BINARY_NAMES, UNARY_NAMES } from '../lib/rules/index.js';

type Ctor = new (...a: never[]) => Error;

interface Row {
  /** the public function under test (as its messages name it) */
  fn: string;
  /** the argument at fault */
  arg: string;
  /** how the message names it, when not by its parameter name (a shape, a role: "inner dimensions") */
  names?: string;
  /** what is wrong */
  input: string;
  call: () => unknown;
  /** the expected error and message fragments */
  type: Ctor;
  fragments?: (string | RegExp)[];
}

/** Rows where the right answer is a value, not an error (documented results at the edges of the input space). */
interface ValueRow { fn: string; input: string; call: () => unknown; check: (r: unknown) => void }

const rows: Row[] = [];
const valueRows: ValueRow[] = [];
const row = (r: Row) => rows.push(r);

// ---------------------------------------------------------------- shared fixtures

type F = (x: Num[]) => Num;
const f: F = (x) => mul(x[0]!, sin(x[x.length - 1]!));
const fT = (t: Tensor): Num => sum(mul(t, t));
const fR = (p: { a: Tensor; b: Tensor }): Num => sum(mul(p.a, p.b));
const T23 = () => tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const rec = () => ({ a: tensor([1, 2]), b: tensor([3, 4]) });
/** A traced tensor kept from an earlier evaluation. */
const keptTensor = (): Tensor => { let k: Tensor | undefined; grad((t: Tensor) => { k = t; return sum(t); }, tensor([1, 2])); return k!; };
/** A tape value kept from an earlier evaluation. */
const keptVar = (): Num => { let k: Num | undefined; grad((x) => { k = x[0]!; return x[0]!; }, [1]); return k!; };

/** Every transform of f, x (and directions d, options o), by the name its messages use. */
const TRANSFORMS: Record<string, { call: (f: never, x: unknown, d?: unknown, o?: unknown) => unknown; dirs: string[] }> = {
  valueAndGrad: { call: (f, x) => valueAndGrad(f, x as number[]), dirs: [] },
  grad: { call: (f, x) => grad(f, x as number[]), dirs: [] },
  jvp: { call: (f, x, d) => jvp(f, x as number[], d as number[]), dirs: ['v'] },
  directional: { call: (f, x, d) => directional(f, x as number[], d as number[]), dirs: ['a'] },
  hyperdual: { call: (f, x, d) => hyperdual(f, x as number[], d as number[], d as number[]), dirs: ['a'] },
  hvp: { call: (f, x, d) => hvp(f, x as number[], d as number[]), dirs: ['v'] },
  hessian: { call: (f, x, _d, o) => hessian(f, x as number[], o as never), dirs: [] },
  hessianDiagonal: { call: (f, x, _d, o) => hessianDiagonal(f, x as number[], o as never), dirs: [] },
  hessianSparsity: { call: (f, x) => hessianSparsity(f, x as number[]), dirs: [] },
  sparseHessian: { call: (f, x, _d, o) => sparseHessian(f, x as number[], o as never), dirs: [] },
  laplacian: { call: (f, x, _d, o) => laplacian(f, x as number[], o as never), dirs: [] },
  gradDirectional: { call: (f, x, d) => gradDirectional(f, x as number[], d as number[]), dirs: ['a'] },
  gradHyperdual: { call: (f, x, d) => gradHyperdual(f, x as number[], d as number[], d as number[]), dirs: ['a'] },
  prepare: { call: (f, x) => prepare(f, x as number[]), dirs: [] },
  hessianTraceEstimate: { call: (f, x, _d, o) => hessianTraceEstimate(f, x as number[], o as never), dirs: [] },
  hessianDiagonalEstimate: { call: (f, x, _d, o) => hessianDiagonalEstimate(f, x as number[], o as never), dirs: [] },
};
/** Those errors.spec.ts does not already drive through its point / f / direction rows. */
const NEW = ['hessianSparsity', 'sparseHessian', 'laplacian', 'gradDirectional', 'gradHyperdual', 'prepare', 'hessianTraceEstimate', 'hessianDiagonalEstimate'];

// ---------------------------------------------------------------- transforms: the point, f, the directions (arrays)

for (const fn of NEW) {
  const { call } = TRANSFORMS[fn]!, d = [1, 1];
  const x = (input: string, bad: unknown, type: Ctor, arg: string, ...fragments: string[]) =>
    row({ fn, arg, input: `x ${input}`, call: () => call(f as never, bad, d), type, fragments });
  x('= 3 (not an array)', 3, TypeError, 'x', 'x must be', 'got 3');
  x('= "abc"', 'abc', TypeError, 'x', 'got a string ("abc")');
  x('= undefined', undefined, TypeError, 'x', 'got undefined');
  x('= a Map', new Map(), TypeError, 'x', 'got a Map');
  x('with NaN', [1, NaN], RangeError, 'x[1]', 'x[1] is NaN');
  x('with Infinity', [Infinity, 1], RangeError, 'x[0]', 'x[0] is Infinity');
  x('with −Infinity', [1, -Infinity], RangeError, 'x[1]', 'x[1] is -Infinity');
  x('with a string entry', [1, '2'], TypeError, 'x[1]', 'x[1] is a string ("2"), not a number');
  x('with a hole', [1, , 2], TypeError, 'x[1]', 'x[1] is undefined');
  x('with a bigint', [1n, 2], TypeError, 'x[0]', 'x[0] is a bigint');
  x('empty', [], RangeError, 'x', 'x is empty');
  x('= a DataView', new DataView(new ArrayBuffer(16)), TypeError, 'x', 'x must be an array of numbers');
  // an array-like object is not read as a record of tensors named '0', '1', … (which said "x.0 must be a Tensor")
  x('= an array-like object { length: 5, 0: 1, … }', { length: 5, 0: 1, 1: 2, 2: 3, 3: 4, 4: 5 }, TypeError, 'x',
    'x must be an array, a typed array, a Tensor or a record of Tensors, got an array-like object of length 5', 'Array.from(x)');

  const bad = (input: string, g: unknown, type: Ctor, ...fragments: string[]) => row({ fn, arg: 'f', input, call: () => call(g as never, [1, 2], d), type, fragments });
  bad('f = 3 (not a function)', 3, TypeError, 'f must be a function, got 3');
  bad('f returns undefined', () => undefined, TypeError, 'f must return a scalar', 'got undefined');
  bad('f returns an array', (x: Num[]) => x, TypeError, 'f must return a scalar', 'an array of length 2', 'jacobian');
  bad('f returns a Promise', async (x: Num[]) => x[0], TypeError, 'f must return a scalar', 'a Promise (f must be synchronous)');
  bad('f returns a string', () => 'y', TypeError, 'f must return a scalar', 'a string ("y")');
  const stale = keptVar();
  bad('f returns a value of an earlier evaluation', () => stale, Error, 'earlier grad evaluation');

  for (const dir of TRANSFORMS[fn]!.dirs) {
    const dd = (input: string, v: unknown, type: Ctor, ...fragments: string[]) =>
      row({ fn, arg: dir, input: `${dir} ${input}`, call: () => call(f as never, [1, 2, 3], v), type, fragments });
    dd('of length 2 for x of length 3', [1, 2], RangeError, `${dir} has length 2, x has length 3`);
    dd('with NaN', [1, NaN, 0], RangeError, `${dir}[1] is NaN`);
    dd('with Infinity', [1, 0, Infinity], RangeError, `${dir}[2] is Infinity`);
    dd('= 7', 7, TypeError, `${dir} must be`, 'got 7');
    dd('missing', undefined, TypeError, `${dir} must be`, 'got undefined');
    dd('holding a tape value of an earlier evaluation', [keptVar(), 0, 0], TypeError, `${dir}[0] is a tape value, not a number`);
  }
}
row({ fn: 'gradHyperdual', arg: 'b', input: 'b of the wrong length (a right)', call: () => gradHyperdual(f, [1, 2], [1, 0], [1]), type: RangeError, fragments: ['b has length 1, x has length 2'] });

// ---------------------------------------------------------------- transforms: tensor and record points, for every transform

for (const [fn, { call, dirs }] of Object.entries(TRANSFORMS)) {
  const fnName = fn;
  row({ fn: fnName, arg: 'x[1]', input: 'a Tensor x holding NaN', call: () => call(fT as never, tensor([1, NaN]), tensor([1, 1])), type: RangeError, fragments: ['x[1] is NaN'] });
  row({ fn: fnName, arg: 'x', input: 'x a traced tensor kept from an earlier evaluation', call: () => call(fT as never, keptTensor(), [1, 1]), type: TypeError, fragments: ['x is a traced tensor from an evaluation; pass constant data'] });
  row({ fn: fnName, arg: 'x.b', input: 'a record x with a non-Tensor value', call: () => call(fR as never, { a: tensor([1, 2]), b: 3 }, [1, 1]), type: TypeError, fragments: ['x.b must be a Tensor, got 3'] });
  row({ fn: fnName, arg: 'x', input: 'an empty record x', call: () => call((() => 0) as never, {}, []), type: RangeError, fragments: ['x is an empty record'] });
  row({ fn: fnName, arg: 'f', input: 'f returns a tensor of more than one element', call: () => call(((t: Tensor) => mul(t, t)) as never, tensor([1, 2]), [1, 1]), type: TypeError, fragments: ['f must return a scalar, got a Tensor of shape [2]', 'reduce it'] });
  for (const dir of dirs) {
    const dd = (input: string, v: unknown, x: unknown, type: Ctor, arg: string, ...fragments: string[]) =>
      row({ fn: fnName, arg, input, call: () => call((x instanceof Tensor ? fT : fR) as never, x, v), type, fragments });
    dd(`${dir} a Tensor of the wrong shape`, tensor([1, 2]), T23(), RangeError, dir, `${dir} has shape [2], x has shape [2, 3]`);
    dd(`${dir} flat, of the wrong length, for a Tensor x`, [1, 2], T23(), RangeError, dir, `${dir} has length 2, x has length 6`);
    dd(`${dir} a traced tensor kept from an earlier evaluation`, keptTensor(), tensor([1, 2]), TypeError, dir, `${dir} is a traced tensor`);
    dd(`${dir} a record lacking a key of x`, { a: tensor([1, 2]) }, rec(), RangeError, dir, `${dir} lacks key 'b'`);
    dd(`${dir} a record with a key x lacks`, { ...rec(), c: tensor([1]) }, rec(), RangeError, dir, `${dir} has keys x lacks: c`);
    dd(`${dir} a record whose entry has the wrong shape`, { a: tensor([1, 2]), b: tensor([1, 2, 3]) }, rec(), RangeError, `${dir}.b`, `${dir}.b has shape [3], x.b has shape [2]`);
    dd(`${dir} neither a record nor an array, for a record x`, 5, rec(), TypeError, dir, `${dir} must be a record with the keys of x (a, b)`);
  }
}

// ---------------------------------------------------------------- transforms: options

const optionRows: [string, (o: unknown) => unknown, string, unknown, Ctor, string[]][] = [
  ['sparseHessian', (o) => sparseHessian(f, [1, 2], o as never), 'lanes', 0, RangeError, ["option 'lanes' must be a positive integer, got 0"]],
  ['sparseHessian', (o) => sparseHessian(f, [1, 2], o as never), 'lane', 2, TypeError, ["unknown option 'lane' (known: lanes)"]],
  ['laplacian', (o) => laplacian(f, [1, 2], o as never), 'terms', 'yes', TypeError, ["option 'terms' must be true or false", 'got a string ("yes")']],
  ['laplacian', (o) => laplacian(f, [1, 2], o as never), 'method', 'sparse', RangeError, ["option 'method' must be one of 'auto', 'dense'"]],
  ['laplacian', (o) => laplacian(f, [1, 2], o as never), 'lanes', 1.5, RangeError, ["option 'lanes' must be a positive integer, got 1.5"]],
  ['laplacian', (o) => laplacian(f, [1, 2], o as never), 'foo', 1, TypeError, ["unknown option 'foo' (known: lanes, terms, method)"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'samples', 0, RangeError, ["option 'samples' must be a positive integer, got 0"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'seed', -1, RangeError, ["option 'seed' must be an integer from 0 to 4294967295, got -1"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'seed', 2 ** 32, RangeError, ["option 'seed' must be an integer from 0 to 4294967295"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'method', 'diag++', RangeError, ["option 'method' must be one of 'hutchinson', 'hutch++'"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'path', 'reverse', RangeError, ["option 'path' must be one of 'forward', 'hvp'"]],
  ['hessianTraceEstimate', (o) => hessianTraceEstimate(f, [1, 2], o as never), 'foo', 1, TypeError, ["unknown option 'foo'"]],
  ['hessianDiagonalEstimate', (o) => hessianDiagonalEstimate(f, [1, 2], o as never), 'method', 'hutch++', RangeError, ["option 'method' must be one of 'hutchinson', 'diag++'"]],
  ['hessianDiagonalEstimate', (o) => hessianDiagonalEstimate(f, [1, 2], o as never), 'path', 'hvp', TypeError, ["unknown option 'path' (known: samples, seed, method, lanes)"]],
  ['hessianDiagonalEstimate', (o) => hessianDiagonalEstimate(f, [1, 2], o as never), 'lanes', -2, RangeError, ["option 'lanes' must be a positive integer, got -2"]],
  ['prepare', (o) => prepare(f, [1, 2], o as never), 'vector', 1, TypeError, ["option 'vector' must be true or false, got 1"]],
  ['prepare', (o) => prepare(f, [1, 2], o as never), 'foo', true, TypeError, ["unknown option 'foo' (known: vector)"]],
];
for (const [fn, call, key, value, type, fragments] of optionRows) {
  row({ fn, arg: `option '${key}'`, input: `options { ${key}: ${JSON.stringify(value) ?? String(value)} }`, call: () => call({ [key]: value }), type, fragments: fragments.map((s) => s.replace(/^option /, "option ")) });
}
row({ fn: 'hessianTraceEstimate', arg: "method 'hutch++'", input: "method 'hutch++' with samples 2", call: () => hessianTraceEstimate(f, [1, 2], { method: 'hutch++', samples: 2 }), type: RangeError, fragments: ["method 'hutch++' needs samples ≥ 3", 'got 2'] });
row({ fn: 'hessianDiagonalEstimate', arg: 'options', input: 'options = "fast" (not an object)', call: () => hessianDiagonalEstimate(f, [1, 2], 'fast' as never), type: TypeError, fragments: ['options must be an object'] });
row({ fn: 'laplacian', arg: 'options', input: 'options = [] (not an object)', call: () => laplacian(f, [1, 2], [] as never), type: TypeError, fragments: ['options must be an object'] });

// ---------------------------------------------------------------- prepared recordings

const P2 = () => prepare(f, [1, 2]);
const prepRows: [string, string, () => unknown, Ctor, string[]][] = [
  ['prepare.at', 'x', () => P2().at([1] as never), RangeError, ['x has length 1, the recorded point has length 2']],
  ['prepare.at', 'x[1]', () => P2().at([1, NaN]), RangeError, ['x[1] is NaN']],
  ['prepare.at', 'x[0]', () => P2().at([-Infinity, 1]), RangeError, ['x[0] is -Infinity']],
  ['prepare.at', 'x', () => P2().at(tensor([1, 2]) as never), TypeError, ['x must be an array of numbers', 'got a Tensor']],
  ['prepare.at', 'x', () => prepare(fT, T23()).at(tensor([1, 2, 3, 4, 5, 6], [3, 2])), RangeError, ['x has shape [3, 2], the recorded point has shape [2, 3]']],
  ['prepare.at', 'x', () => prepare(fR, rec()).at({ a: tensor([1, 2]) } as never), RangeError, ["x lacks key 'b'"]],
  ['prepare.at', 'x', () => prepare(fR, rec()).at([1, 2, 3, 4] as never), TypeError, ['x must be a record with the keys of the recorded point (a, b)', 'got an array of length 4']],
  ['prepare.at', 'x', () => prepare(fT, tensor([1, 2])).at(keptTensor()), TypeError, ['x is a traced tensor']],
  ['prepare', 'v', () => P2().hvp([1]), RangeError, ['v has length 1, x has length 2']],
  ['prepare', 'v[1]', () => P2().jvp([1, NaN]), RangeError, ['v[1] is NaN']],
  ['prepare', 'a', () => P2().directional(undefined as never), TypeError, ['a must be', 'got undefined']],
  ['prepare', 'b', () => P2().hyperdual([1, 0], [1, 2, 3]), RangeError, ['b has length 3, x has length 2']],
  ['prepare', 'a[0]', () => P2().gradHyperdual([Infinity, 0], [1, 0]), RangeError, ['a[0] is Infinity']],
  ['prepare', 'a', () => P2().gradDirectional('a' as never), TypeError, ['a must be', 'got a string ("a")']],
  ['prepare', "option 'lanes'", () => P2().hessian({ lanes: -1 }), RangeError, ["option 'lanes' must be a positive integer, got -1"]],
  ['prepare', "option 'method'", () => P2().hessianDiagonal({ method: 'exact' } as never), RangeError, ["option 'method' must be one of"]],
  ['prepare', "option 'lanes'", () => P2().sparseHessian({ lanes: 0 }), RangeError, ["option 'lanes' must be a positive integer"]],
  ['prepare', "option 'terms'", () => P2().laplacian({ terms: 1 } as never), TypeError, ["option 'terms' must be true or false"]],
  ['prepare', "option 'lane'", () => prepare((x: Num[]) => [x[0]!], [1, 2], { vector: true }).jacobian({ lane: 1 } as never), TypeError, ["unknown option 'lane'"]],
  ['prepare', 'F', () => prepare((x: Num[]) => [x[0]!], [1, 2], { vector: true }).grad(), TypeError, ['this recording is of a vector-valued F; use .jacobian()']],
  ['hessianTraceEstimate', "option 'samples'", () => P2().hessianTraceEstimate({ samples: -1 } as never), RangeError, ["option 'samples' must be a positive integer"]],
];
for (const [fn, arg, call, type, fragments] of prepRows) row({ fn, arg, input: `${arg} bad`, call, type, fragments });

// the many-direction methods check their flat directions and their lane count
const P2many: [string, string, () => unknown, Ctor, string[]][] = [
  ['.hvps() with a direction of length 1 for x of length 2', 'directions[0]', () => P2().hvps([Float64Array.of(1)]), RangeError, ['prepare.hvps: directions[0] has length 1, x has length 2']],
  ['.quadraticForms() with a direction of length 3 for x of length 2', 'directions[0]', () => P2().quadraticForms([Float64Array.of(1, 1, 1)]), RangeError, ['prepare.quadraticForms: directions[0] has length 3, x has length 2']],
  ['.quadraticForms() with a NaN direction', 'directions[0][0]', () => P2().quadraticForms([Float64Array.of(NaN, 1)]), RangeError, ['prepare.quadraticForms: directions[0][0] is NaN']],
  ['.hvps() with an Infinity in the second direction', 'directions[1][1]', () => P2().hvps([Float64Array.of(1, 0), Float64Array.of(1, Infinity)]), RangeError, ['prepare.hvps: directions[1][1] is Infinity']],
  ['.hvps() with directions a single Float64Array (not a list of them)', 'directions', () => P2().hvps(Float64Array.of(1, 2) as never), TypeError, ['prepare.hvps: directions must be an array of vectors, got a Float64Array of length 2']],
  ['.hvps(directions, 0)', "option 'lanes'", () => P2().hvps([Float64Array.of(1, 1)], 0), RangeError, ["prepare.hvps: option 'lanes' must be a positive integer, got 0"]],
  ['.quadraticForms(directions, 0)', "option 'lanes'", () => P2().quadraticForms([Float64Array.of(1, 1)], 0), RangeError, ["prepare.quadraticForms: option 'lanes' must be a positive integer, got 0"]],
  ['.hvps(directions, 1.5)', "option 'lanes'", () => P2().hvps([Float64Array.of(1, 1), Float64Array.of(0, 1)], 1.5), RangeError, ["prepare.hvps: option 'lanes' must be a positive integer, got 1.5"]],
];
for (const [input, arg, call, type, fragments] of P2many) row({ fn: 'prepare', arg, input, call, type, fragments });
// a right-length plain array is a direction too
valueRows.push({ fn: 'prepare', input: '.hvps() with a number[] direction', call: () => P2().hvps([[1, 1] as never]), check: (r) => expect((r as Float64Array[])[0]!.length).to.equal(2) });

// ---------------------------------------------------------------- elementary ops

const api = hyperad as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const op of UNARY_NAMES.filter((n) => n !== 'powc')) {
  for (const [input, v, got] of [['a string', 'x', 'a string ("x")'], ['undefined', undefined, 'undefined'], ['an array', [1], 'an array of length 1'], ['a bigint', 2n, 'a bigint (2)']] as const) {
    row({ fn: op, arg: 'x', input: `x ${input}`, call: () => api[op]!(v), type: TypeError, fragments: [`hyperad: ${op}: x must be a number or a hyperad value, got ${got}`] });
  }
}
for (const op of BINARY_NAMES) {
  row({ fn: op, arg: 'a', input: 'a null', call: () => api[op]!(null, 1), type: TypeError, fragments: [`hyperad: ${op}: a must be a number or a hyperad value, got null`] });
  row({ fn: op, arg: 'b', input: 'b a string', call: () => api[op]!(1, '2'), type: TypeError, fragments: [`hyperad: ${op}: b must be a number or a hyperad value, got a string ("2")`] });
  row({ fn: op, arg: 'b', input: 'b an object', call: () => api[op]!(new Dual(1, 1), {}), type: TypeError, fragments: [`hyperad: ${op}: b must be a number or a hyperad value, got an object`] });
  row({ fn: op, arg: 'b', input: 'a Dual and b a HyperDual', call: () => api[op]!(new Dual(1, 1), new HyperDual(2, 1, 0, 0)), type: Error, fragments: [`hyperad: ${op} cannot combine a Dual with a HyperDual`] });
  row({
    fn: op, arg: 'b', input: 'a Taylor2 and b a tape value of an ended evaluation', call: () => api[op]!(new Taylor2(1, 1, 0), keptVar()), type: Error, fragments: [`hyperad: ${op}: b is a value from an earlier grad evaluation`],
  });
}
// plain numbers follow IEEE: NaN and ±∞ are values, not errors (conventions: docs/conventions.md)
for (const op of UNARY_NAMES.filter((n) => n !== 'powc')) {
  valueRows.push({ fn: op, input: 'x = NaN', call: () => api[op]!(NaN), check: (r) => expect(r).to.be.NaN });
}
valueRows.push({ fn: 'hessian', input: 'lanes 2⁵³ (more lanes than inputs: one sweep)', call: () => hessian(f, [1, 2], { lanes: 2 ** 53 }), check: (r) => expect((r as Float64Array[]).length).to.equal(2) });
valueRows.push({ fn: 'exp', input: 'x = Infinity', call: () => hyperad.exp(Infinity), check: (r) => expect(r).to.equal(Infinity) });
valueRows.push({ fn: 'exp', input: 'x = −Infinity', call: () => hyperad.exp(-Infinity), check: (r) => expect(r).to.equal(0) });
valueRows.push({ fn: 'tanh', input: 'x = Infinity', call: () => hyperad.tanh(Infinity), check: (r) => expect(r).to.equal(1) });
valueRows.push({ fn: 'sigmoid', input: 'x = −Infinity', call: () => hyperad.sigmoid(-Infinity), check: (r) => expect(r).to.equal(0) });
valueRows.push({ fn: 'div', input: 'b = 0', call: () => hyperad.div(1, 0), check: (r) => expect(r).to.equal(Infinity) });
// hand-made numbers check their components
for (const [K, arg, make, got] of [['Dual', 'v', () => new Dual('a' as never, 1), 'a string ("a")'], ['HyperDual', 'd1', () => new HyperDual(1, 'b' as never, 0, 0), 'a string ("b")'], ['Taylor2', 'd2', () => new Taylor2(1, 1, {} as never), 'an object']] as const) {
  row({
    fn: K, arg, input: `new ${K}(…) with a non-number component`, call: () => sin(make()), type: TypeError, fragments: [`hyperad: ${K}: ${arg} must be a number, got ${got}`],
  });
}

// ---------------------------------------------------------------- reductions on arrays

row({ fn: 'sum', arg: 'xs', input: 'xs a string', call: () => sum('abc' as never), type: TypeError, fragments: ['hyperad: sum: xs must be an array, got a string ("abc")'] });
row({ fn: 'logsumexp', arg: 'xs', input: 'xs a number', call: () => logsumexp(5 as never), type: TypeError, fragments: ['hyperad: logsumexp: xs must be an array, got 5'] });
row({ fn: 'dot', arg: 'ys', input: 'ys shorter than xs', call: () => dot([1, 2], [1]), type: RangeError, fragments: ['hyperad: dot: xs has length 2, ys has length 1'] });
row({ fn: 'dot', arg: 'ys', input: 'ys not an array', call: () => dot([1, 2], 3 as never), type: TypeError, fragments: ['hyperad: dot: ys must be an array'] });
row({ fn: 'dot', arg: 'xs', names: 'shapes [2, 3] and [2, 3]', input: 'xs and ys matrices', call: () => dot(T23(), T23()), type: RangeError, fragments: ['hyperad: dot: needs two vectors, got shapes [2, 3] and [2, 3]'] });
row({
  fn: 'sum', arg: 'xs[1]', input: 'xs with a string entry', call: () => sum([1, 'a' as never]), type: TypeError, fragments: ['sum: xs[1]'],
});
valueRows.push({ fn: 'sum', input: 'xs = [] (the empty sum)', call: () => sum([]), check: (r) => expect(r).to.equal(0) });
valueRows.push({ fn: 'logsumexp', input: 'xs = [] (log 0)', call: () => logsumexp([]), check: (r) => expect(r).to.equal(-Infinity) });
valueRows.push({ fn: 'dot', input: 'xs = ys = []', call: () => dot([], []), check: (r) => expect(r).to.equal(0) });

// ---------------------------------------------------------------- tensors: constructors

const tRows: [string, string, () => unknown, Ctor, string[]][] = [
  ['tensor', 'data', () => tensor('abc' as never), TypeError, ['data must be an array, a typed array or a number, got a string ("abc")']],
  ['tensor', 'data', () => tensor([[1, 2], [3]]), RangeError, ['ragged nested array']],
  ['tensor', 'data', () => tensor([1, 'a' as never]), TypeError, ['data must hold numbers, found a string ("a")']],
  ['tensor', 'shape', () => tensor([1, 2], [3]), RangeError, ['shape [3] holds 3 values, data has 2']],
  ['tensor', 'shape', () => tensor([1, 2], [2 ** 53, 1]), RangeError, ['shape [9007199254740992, 1] holds']],
  ['full', 'shape', () => zeros(-1 as never), TypeError, ['full: shape must be an array of non-negative integers, got -1']],
  ['full', 'shape', () => ones([2.5]), TypeError, ['full: shape must be an array of non-negative integers']],
  ['full', 'shape', () => full([NaN], 1), TypeError, ['full: shape must be an array of non-negative integers']],
  ['randn', 'shape', () => randn([-1], 1), TypeError, ['randn: shape must be an array of non-negative integers']],
  ['rand', 'shape', () => rand('3' as never, 1), TypeError, ['rand: shape must be an array of non-negative integers, got a string ("3")']],
  ['arange', 'step', () => arange(0, 5, 0), RangeError, ['arange: step must be a non-zero finite number, got 0']],
  ['arange', 'step', () => arange(0, 5, Infinity), RangeError, ['arange: step must be a non-zero finite number, got Infinity']],
];
for (const [fn, arg, call, type, fragments] of tRows) {
  const names = fn === 'tensor' && arg === 'data' && fragments[0]!.startsWith('ragged') ? 'ragged nested array' : undefined;
  row({ fn, arg, ...(names && { names }), input: `${arg} bad`, call, type, fragments });
}
row({
  fn: 'full', arg: 'value', input: 'value a string', call: () => full([2], 'a' as never), type: TypeError, fragments: ['full: value must be a number'],
});
row({
  fn: 'arange', arg: 'stop', input: 'arange(NaN)', call: () => arange(NaN), type: RangeError, fragments: ['hyperad: arange: stop must be a finite number, got NaN'],
});
row({
  fn: 'randn', arg: 'seed', input: 'randn([2]) without a seed', call: () => randn([2], undefined as never), type: TypeError, fragments: ['randn: seed must be'],
});
row({
  fn: 'mulberry32', arg: 'seed', input: 'mulberry32("x")', call: () => mulberry32('x' as never), type: TypeError, fragments: ['mulberry32: seed must be'],
});
row({
  fn: 'full', arg: 'shape', input: 'zeros: shape [1e5, 1e5] (1e10 values; zeros is full with 0)', call: () => zeros([1e5, 1e5]), type: RangeError, fragments: ['hyperad: full: shape [100000, 100000] holds 10000000000 values, more than the limit of 2147483648'],
});
row({
  fn: 'arange', arg: 'stop', input: 'arange(1e10)', call: () => arange(1e10), type: RangeError, fragments: ['hyperad: arange: start 0, stop 10000000000, step 1 give 10000000000 values, more than the limit of 2147483648'],
});

// ---------------------------------------------------------------- tensors: ops

const T = T23;
/** fn, arg, call, error, fragments, and how the message names the argument when not by its parameter name */
const opRows: [string, string, () => unknown, Ctor, string[], string?][] = [
  ['reshape', 'shape', () => reshape(T(), [4]), RangeError, ['reshape: cannot reshape [2, 3] (6 values) to [4]']],
  ['reshape', 'shape', () => reshape(T(), [2.5, 2]), TypeError, ['reshape: shape must be an array of non-negative integers']],
  ['reshape', 'shape', () => reshape(T(), [-1, -1]), TypeError, ['reshape: shape must be an array of non-negative integers']],
  ['transpose', 'perm', () => transpose(T(), [0, 0]), RangeError, ['transpose: perm [0, 0] is not a permutation of 2 axes']],
  ['transpose', 'axis', () => transpose(T(), [0, 5]), RangeError, ['transpose: axis 5 is out of range for a tensor of rank 2']],
  ['mean', 'axis', () => mean(T(), 5), RangeError, ['mean: axis 5 is out of range for a tensor of rank 2']],
  ['sum', 'axis', () => sum(T(), 1.5), RangeError, ['sum: axis 1.5 is out of range']],
  ['logsumexp', 'axis', () => logsumexp(T(), -3), RangeError, ['logsumexp: axis -3 is out of range']],
  ['matmul', 'b', () => matmul(T(), T()), RangeError, ['matmul: inner dimensions differ: [2, 3] · [2, 3]'], 'inner dimensions'],
  ['matmul', 'b', () => matmul(T(), [1, 2, 3] as never), TypeError, ['matmul: both arguments must be Tensors, got a Tensor and an array of length 3']],
  ['matmul', 'a', () => matmul(tensor(1), T()), RangeError, ['matmul: needs vectors or matrices, got shapes [] and [2, 3]'], 'shapes [] and [2, 3]'],
  ['outer', 'x', () => outer(T(), T()), RangeError, ['outer: needs two vectors, got shapes [2, 3] and [2, 3]'], 'shapes [2, 3] and [2, 3]'],
  ['concat', 'tensors', () => concat([]), TypeError, ['concat: needs a non-empty array of tensors, got an array of length 0']],
  ['concat', 'tensors', () => concat(T() as never), TypeError, ['concat: needs a non-empty array of tensors, got a Tensor']],
  ['concat', 'tensors', () => concat([T(), tensor([1, 2])]), RangeError, ['concat: shapes [2, 3], [2] differ off axis 0'], 'shapes [2, 3], [2]'],
  ['concat', 'axis', () => concat([T(), T()], 2), RangeError, ['concat: axis 2 is out of range for a tensor of rank 2']],
  ['stack', 'xs', () => stack(3 as never), TypeError, ['stack: needs an array of scalars, got 3'], 'needs an array of scalars'],
  ['stack', 'entry 0', () => stack([T()]), RangeError, ['stack: entry 0 has shape [2, 3], not a scalar']],
  ['slice', 'index', () => slice(T(), [5]), RangeError, ['slice: index 5 is out of range for axis 0 of size 2']],
  ['slice', 'range', () => slice(T(), [[2, 1]]), RangeError, ['slice: range [2, 1) is invalid for axis 0 of size 2']],
  ['slice', 'spec', () => slice(T(), [0, 0, 0]), TypeError, ['slice: needs at most 2 entries (one per axis)'], 'entries (one per axis)'],
  ['take', 'index', () => take(T(), [7]), RangeError, ['take: index 7 is out of range for axis 0 of size 2']],
  ['take', 'index', () => take(T(), Int32Array.of(0, -1)), RangeError, ['take: index -1 is out of range for axis 0 of size 2']],
  ['take', 'indices', () => take(T(), [0, 0.5]), TypeError, ['take: entry 1 of indices is 0.5, not an integer']],
  ['take', 'axis', () => take(T(), [1], 4), RangeError, ['take: axis 4 is out of range for a tensor of rank 2']],
  ['where', 'cond', () => where([1, 0], T(), 0), RangeError, ['where: shapes [2] and [2, 3] do not broadcast'], 'shapes [2] and [2, 3]'],
  ['where', 'a', () => where(T(), 'a' as never, 0), TypeError, ['where: tensors are recorded on a tape and cannot take a string ("a")']],
  ['add', 'b', () => hyperad.add(T(), tensor([1, 2])), RangeError, ['add: shapes [2, 3] and [2] do not broadcast'], 'shapes [2, 3] and [2]'],
  ['add', 'b', () => sin(new Dual(1, 1)).add(T() as never), TypeError, ['add: tensors are recorded on a tape and cannot take a Dual'], 'cannot take a Dual'],
  ['index', 'index', () => T().index(5, 0), RangeError, ['index: index 5 is out of range for axis 0 of size 2']],
  ['index', 'indices', () => T().index(0), RangeError, ['index: a tensor of shape [2, 3] needs 2 indices, got 1'], 'needs 2 indices'],
  ['.value/.item()', 'tensor', () => T().item(), RangeError, ['.value/.item() needs a one-element tensor, this one has shape [2, 3]'], 'this one has shape'],
  ['nllLoss', 'target[1]', () => nllLoss(T(), [0, 5]), RangeError, ['nllLoss: target[1] = 5 is not a class index in [0, 3)']],
  ['nllLoss', 'target', () => nllLoss(T(), [0]), RangeError, ['nllLoss: target has 1 entries, logProbs has 2 rows']],
  ['nllLoss', 'target', () => nllLoss(T(), 'a' as never), RangeError, ['nllLoss: target must be a class index or an array of them, got a string ("a")']],
  ['nllLoss', 'logProbs', () => nllLoss(zeros([2, 2, 2]), 0), RangeError, ['nllLoss: logProbs must have shape [C] or [N, C], got [2, 2, 2]']],
  ['nllLoss', 'target[1]', () => crossEntropy(T(), [0, 9]), RangeError, ['nllLoss: target[1] = 9 is not a class index in [0, 3)']],
  ['sub', 'b', () => mseLoss(T(), tensor([1, 2])), RangeError, ['sub: shapes [2, 3] and [2] do not broadcast'], 'shapes [2, 3] and [2]'],
  ['linear', 'W', () => linear(T(), tensor([[1, 2]])), RangeError, ['linear: inner dimensions differ: [2, 3] · [1, 2]ᵀ'], '[1, 2]ᵀ'],
  ['linear', 'x', () => linear([1] as never, [1] as never), TypeError, ['linear: both arguments must be Tensors'], 'both arguments'],
  ['mlp', 'sizes', () => mlp([3]), RangeError, ['mlp: sizes must list at least two positive layer widths, got an array of length 1']],
  ['mlp', 'sizes', () => mlp([3, 0]), RangeError, ['mlp: sizes must list at least two positive layer widths']],
  ['mlp', 'sizes', () => mlp('3,4' as never), RangeError, ['mlp: sizes must list at least two positive layer widths, got a string ("3,4")']],
];
for (const [fn, arg, call, type, fragments, names] of opRows) {
  row({ fn, arg, ...(names && { names }), input: `${arg} bad${names ? ` (the message names it as "${names}")` : ''}`, call, type, fragments });
}

// tensor ops given something that is not a tensor
const notTensor: [string, string, () => unknown][] = [
  ['reshape', 'x', () => reshape([1, 2] as never, [2])],
  ['transpose', 'x', () => transpose(3 as never)],
  ['mean', 'x', () => mean([1, 2] as never)],
  ['softmax', 'x', () => softmax([1, 2] as never)],
  ['logSoftmax', 'x', () => logSoftmax(3 as never)],
  ['outer', 'x', () => outer([1] as never, [2] as never)],
  ['concat', 'tensors[1]', () => concat([T(), 3 as never])],
  ['slice', 'x', () => slice([1, 2] as never, [0])],
  ['take', 'x', () => take([1, 2] as never, [0])],
  ['take', 'indices', () => take(T(), 3 as never)],
  ['take', 'indices', () => take(T(), BigInt64Array.of(0n) as never)],
  ['nllLoss', 'logProbs', () => nllLoss([1, 2] as never, 0)],
  ['mseLoss', 'a', () => mseLoss(1, 2)],
];
for (const [fn, arg, call] of notTensor) {
  row({
    fn, arg, input: `${arg} not a Tensor`, call, type: TypeError, fragments: [`${fn}: ${arg} must be`],
  });
}
row({
  fn: 'mlp', arg: "option 'seeds'", input: 'options with an unknown key', call: () => mlp([2, 3], { seeds: 1 } as never), type: TypeError, fragments: ["mlp: unknown option 'seeds'"],
});
row({
  fn: 'mlp', arg: "option 'seed'", input: 'seed a string', call: () => mlp([2, 3], { seed: 'x' as never }), type: TypeError, fragments: ["mlp: option 'seed'"],
});

// ---------------------------------------------------------------- huge inputs (each in a child process: a failure must not take this one down)

/**
 * Runs `code` (with the library imported as L) in a child process and reports
 * what the call threw, and whether the next transform in that process still
 * works. A row whose call would exhaust memory is never run.
 */
function inChild(code: string): { threw?: { name: string; message: string }; next: string; status: number | null } {
  const lib = new URL('../lib/index.js', import.meta.url).href;
  const script = `const L = await import(${JSON.stringify(lib)}); const out = {};
    try { ${code}; } catch (e) { out.threw = { name: e?.constructor?.name, message: String(e?.message) }; }
    try { out.next = String(L.grad((x) => L.sin(x[0]), [0])[0]); } catch (e) { out.next = 'threw ' + (e instanceof Error ? e.message : JSON.stringify(e)); }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return { ...(JSON.parse(line.startsWith('{') ? line : '{}') as { threw?: { name: string; message: string }; next: string }), status: r.status };
}

describe('huge inputs: a clear error or a documented limit, never a crash of the process', function () {
  this.timeout(120000);
  it('grad with x of length 1e8 (the tape would need ~54 GB): "grad: x has length 100000000 …", and the next transform works', () => {
    const r = inChild('L.grad((x) => x[0], new Float64Array(1e8))');
    expect(r.status, 'the process survives').to.equal(0);
    expect(r.threw?.name).to.equal('RangeError');
    expect(r.threw?.message).to.match(/^grad: x has length 100000000/);
    expect(r.next).to.equal('1');
  });
  it('a tensor of 1e10 elements: a RangeError naming the constructor and the shape; the next transform works', () => {
    const r = inChild('L.zeros([1e5, 1e5])');
    expect(r.threw?.name).to.equal('RangeError');
    expect(r.threw?.message).to.match(/^hyperad: full: shape \[100000, 100000\]/);
    expect(r.next).to.equal('1');
  });
  it('hessian / jacobian with n = 1e5 refuse a dense result of 1e10 entries (75 GiB) with a RangeError naming the size; the next transform works', () => {
    for (const code of ['L.hessian((x) => L.mul(x[0], x[1]), new Float64Array(1e5))', 'L.jacobian((x) => x, new Float64Array(1e5))', 'L.prepare((x) => L.mul(x[0], x[1]), new Float64Array(1e5)).hessian()']) {
      const r = inChild(code), fn = code.includes('jacobian') ? 'jacobian' : 'hessian';
      expect(r.status, `${code}: the process survives`).to.equal(0);
      expect(r.threw?.name, code).to.equal('RangeError');
      expect(r.threw?.message, code).to.match(new RegExp(`^${fn}: a dense 100000 × 100000 result would need 74\\.5 GiB \\(limit 268435456 entries\\)`));
      expect(r.next, code).to.equal('1');
    }
  });
  it('the dense limit is 2²⁸ entries: hessian with n = 16385 (n² just over 2²⁸) refuses before allocating', () => {
    const r = inChild('L.hessian((x) => L.mul(x[0], x[1]), new Float64Array(16385))');
    expect(r.threw?.name).to.equal('RangeError');
    expect(r.threw?.message).to.match(/^hessian: a dense 16385 × 16385 result would need 2\.0 GiB/);
    expect(r.next).to.equal('1');
  });
});

// ---------------------------------------------------------------- the runner

function check(fn: () => unknown, type: Ctor, name: string, arg: string, fragments: (string | RegExp)[]): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected an error`).to.be.instanceOf(Error);
  const e = err as Error;
  expect(e, `${e.constructor.name}: ${e.message}`).to.be.instanceOf(type);
  // names the function: `fn: …`, or `hyperad: fn: …` for an op called outside a transform (or `fn …` for a combining error)
  expect(new RegExp(`^(hyperad: )?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[:. ]`).test(e.message), `"${e.message}" names ${name}`).to.equal(true);
  expect(e.message, `names the argument (${arg})`).to.include(arg.replace(/^option /, ''));
  for (const f of fragments) {
    if (typeof f === 'string') expect(e.message).to.include(f);
    else expect(e.message).to.match(f);
  }
}

describe('bad-input matrix: every public function × bad input gives a clear error naming the function and the argument', () => {
  const byFn = new Map<string, Row[]>();
  for (const r of rows) byFn.set(r.fn, [...(byFn.get(r.fn) ?? []), r]);
  for (const [fn, rs] of byFn) {
    describe(fn, () => {
      for (const r of rs) it(`${r.input} → ${r.type.name}`, () => check(r.call, r.type, r.fn, r.names ?? r.arg, r.fragments ?? []));
    });
  }

  describe('documented values at the edges of the input space (no error)', () => {
    for (const v of valueRows) it(`${v.fn}: ${v.input}`, () => v.check(v.call()));
  });
});

describe('bad input: f that throws surfaces unchanged, and no state leaks into the next call', () => {
  for (const [fn, { call }] of Object.entries(TRANSFORMS)) {
    it(`${fn}: an Error, a non-Error value, and an error after some work all surface unchanged`, () => {
      const boom = new SyntaxError('boom from f'), thrown = { reason: 'not an Error' };
      expect(() => call((() => { throw boom; }) as never, [1, 2], [1, 1])).to.throw(boom);
      try { call((() => { throw thrown; }) as never, [1, 2], [1, 1]); expect.fail('f threw'); } catch (e) { expect(e).to.equal(thrown); }
      expect(() => call(((x: Num[]) => { sin(mul(x[0]!, x[1]!)); throw boom; }) as never, [1, 2], [1, 1])).to.throw(boom);
      expect(() => call(((t: Tensor) => { sum(mul(t, t)); throw boom; }) as never, tensor([1, 2]), tensor([1, 1]))).to.throw(boom);
      // closed: the next call works, and an op outside any transform names no transform
      expect(grad(f, [0.5, 0.25])[0]).to.be.closeTo(Math.sin(0.25), 1e-15);
      expect(() => sin('x' as never)).to.throw(TypeError, /^hyperad: sin:/);
    });
  }

  it('prepare(f, x).at(y) where f (which reads a primal, so it is recorded afresh) throws at y: the error surfaces, the recording stays at the previous point', () => {
    const g = (x: Num[]): Num => { if ((x[0] as hyperad.Value).value > 5) throw new RangeError('too big'); return mul(x[0]!, x[1]!); };
    const P = prepare(g, [1, 2]);
    expect(() => P.at([6, 2])).to.throw(RangeError, 'too big');
    expect(P.value).to.equal(2);
    expect(Array.from(P.grad())).to.deep.equal([2, 1]);
    P.at([3, 4]);
    expect(Array.from(P.grad())).to.deep.equal([4, 3]);
    expect(() => sin('x' as never)).to.throw(TypeError, /^hyperad: sin:/);
  });
});

describe('bad input: values kept from an earlier evaluation, and prepared recordings moved or re-recorded', () => {
  it('a tape value kept from a prepared recording is stale after the recording (and after .at re-records)', () => {
    let kept: Num | undefined;
    const g = (x: Num[]): Num => { kept = x[0]!; return (x[0] as hyperad.Value).value > 0 ? mul(x[0]!, x[1]!) : x[1]!; };
    const P = prepare(g, [1, 2]), first = kept;
    P.at([-1, 2]); // re-records (g read a primal)
    expect(P.rerecords).to.equal(1);
    expect(() => grad((x) => mul(x[0]!, first!), [1])).to.throw(Error, /^grad: mul: b is a value from an earlier prepare evaluation/);
    expect(() => grad((x) => mul(x[0]!, kept!), [1])).to.throw(Error, /^grad: mul: b is a value from an earlier prepare evaluation/);
    expect(() => sin(first!)).to.throw(Error, /^hyperad: a value from an earlier prepare evaluation/);
  });

  it('results taken before .at() are copies: later sweeps and moves never change them', () => {
    const g = (x: Num[]): Num => mul(x[0]!, mul(x[1]!, x[1]!));
    const P = prepare(g, [1, 2]);
    const g0 = P.grad(), h0 = P.hvp([1, 0]), d0 = P.hessianDiagonal(), H0 = P.hessian(), S0 = P.sparseHessian();
    const snap = JSON.stringify([g0, h0, d0, H0, S0.values].map((a) => Array.from(a as ArrayLike<number>, (v) => (typeof v === 'number' ? v : Array.from(v)))));
    P.at([5, 6]); P.grad(); P.hvp([0, 1]); P.hessianDiagonal(); P.hessian(); P.sparseHessian(); P.laplacian();
    expect(JSON.stringify([g0, h0, d0, H0, S0.values].map((a) => Array.from(a as ArrayLike<number>, (v) => (typeof v === 'number' ? v : Array.from(v)))))).to.equal(snap);
    const Q = prepare(fT, tensor([1, 2])), gt = Q.grad() as Tensor;
    Q.at(tensor([5, 6])); Q.grad();
    expect(Array.from(gt.data)).to.deep.equal([2, 4]);
  });

  it('a traced tensor kept from one evaluation and used in another names the earlier evaluation', () => {
    const k = keptTensor();
    expect(() => grad((t: Tensor) => sum(mul(t, k)), tensor([1, 2]))).to.throw(Error, /^grad: a value from an earlier grad evaluation/);
    expect(() => hvp((t: Tensor) => sum(mul(k, t)), tensor([1, 2]), tensor([1, 0]))).to.throw(Error, /^hvp: a value from an earlier grad evaluation/);
  });

  it('f that swallows every exception does not hide a nested transform: the outer one still restarts nested', () => {
    // d/dx [d/dy (x·y)] = d/dx x = 1. The inner grad signals the outer one to restart in nested mode; a catch-all in f
    // swallows the signal, and the outer transform must notice anyway (not return the fallback's derivative, 3).
    const h = (x: Num[]): Num => { try { return grad((y) => mul(x[0]!, y[0]!), [1])[0]!; } catch { return mul(x[0]!, 3); } };
    expect(grad(h, [2])[0]).to.equal(1);
    expect(hvp(h, [2], [1])[0]).to.equal(0);
    // and nothing is left signalled: the next plain transform is plain
    expect(grad((x) => mul(x[0]!, 3), [2])[0]).to.equal(3);
  });

  it('logsumexp over an array recomputes its shift when a prepared recording moves (.at)', () => {
    const lse = (x: Num[]): Num => logsumexp([x[0]!, x[1]!]);
    const want = valueAndGrad(lse, [800, 799]);
    expect(want.value).to.be.closeTo(800 + Math.log1p(Math.exp(-1)), 1e-12);
    // recorded at a regular point, at a point whose largest entry is 0 (once taken as no shift at all), and on rank-0 tensor entries
    const lseT = (t: Tensor): Num => logsumexp([slice(t, [0]), slice(t, [1])]);
    const moved: [string, { value: number | Float64Array; grad(): unknown }][] = [
      ['recorded at (0.5, 0.25)', prepare(lse, [0.5, 0.25]).at([800, 799])],
      ['recorded at (0, −1)', prepare(lse, [0, -1]).at([800, 799])],
      ['rank-0 tensor entries, recorded at (0.5, 0.25)', prepare(lseT, tensor([0.5, 0.25])).at(tensor([800, 799]))],
      ['rank-0 tensor entries, recorded at (0, −1)', prepare(lseT, tensor([0, -1])).at(tensor([800, 799]))],
    ];
    for (const [how, P] of moved) {
      expect(P.value as number, how).to.be.closeTo(want.value, 1e-12);
      const g = P.grad(), flat = Array.from(g instanceof Tensor ? g.data : (g as Float64Array));
      flat.forEach((v, i) => expect(v, `${how}: ∂/∂x${i}`).to.be.closeTo(want.grad[i]!, 1e-12));
    }
  });

  it('prepare(f, x).grad() equals grad(f, x) at a point with an infinite partial (the compacted recording forms no ∞·0)', () => {
    const g = (x: Num[]): Num => hyperad.add(hyperad.sqrt(x[0]!), mul(x[1]!, x[1]!));
    expect(Array.from(grad(g, [0, 1]))).to.deep.equal([Infinity, 2]);
    expect(Array.from(prepare(g, [0, 1]).grad())).to.deep.equal([Infinity, 2]);
    expect(Array.from(prepare(g, [1, 1]).at([0, 1]).grad())).to.deep.equal([Infinity, 2]);
  });
});

/**
 * Method forms of the ops (x.sin(), x.mul(y)), installed once on every
 * hyperad value from the same functions the free forms use.
 */
import { BINARY_NAMES, UNARY_NAMES, type BinaryName } from '../rules/index.js';
import { Value, type Num, type UnaryMethodName } from '../value.js';
import { ownCopy } from '../tape/codegen/compile.js';
import * as scalar from './scalar.js';
import type { BinaryFn, UnaryFn } from './scalar.js';

/** Names of the public unary ops, in the table's order. */
export const UNARY_OP_NAMES: readonly UnaryMethodName[] = UNARY_NAMES.filter((n): n is UnaryMethodName => n !== 'powc');
/** Names of the public binary ops (every binary rule). */
export const BINARY_OP_NAMES: readonly BinaryName[] = BINARY_NAMES;


/**
 * One public function per op of the rule table, keyed by its name. Typed as
 * an exhaustive map, so an op of the table that `ops/scalar.ts` does not
 * export is a compile error here (and `index.ts` checks its own exports
 * against the same type).
 */
export type OpFunctions = { readonly [K in UnaryMethodName]: UnaryFn } & { readonly [K in BinaryName]: BinaryFn };
export const OPS: OpFunctions = scalar;

// each method its own compiled copy (ownCopy): one shared literal would make the call of f megamorphic
const unaryMethod = (f: UnaryFn) => function (this: Value) { return f(this); };
const binaryMethod = (f: BinaryFn) => function (this: Value, y: Num) { return f(this, y); };
const proto = Value.prototype as unknown as Record<string, unknown>;
for (const name of UNARY_OP_NAMES) {
  const f = OPS[name];
  proto[name] = ownCopy(unaryMethod, name, [f], (m) => Object.is(m.call(0.5 as never), f(0.5)));
}
for (const name of BINARY_OP_NAMES) {
  const f = OPS[name];
  proto[name] = ownCopy(binaryMethod, name, [f], (m) => Object.is(m.call(0.5 as never, 0.25), f(0.5, 0.25)));
}

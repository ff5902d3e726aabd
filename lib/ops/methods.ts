/**
 * Method forms of the ops (x.sin(), x.mul(y)), installed once on every
 * hyperad value from the same functions the free forms use.
 */
import { BINARY_NAMES, UNARY_NAMES, type BinaryName, type UnaryName } from '../rules/index.js';
import { Value, type Num } from '../numbers/value.js';
import * as scalar from './scalar.js';

/** The public unary ops (the table's `powc` is reached through `pow`). */
export type UnaryMethodName = Exclude<UnaryName, 'powc'>;

/** The op methods of a value of type T. */
export type Methods<T> = { [K in UnaryMethodName]: () => T } & { [K in BinaryName]: (y: Num) => T };

const proto = Value.prototype as unknown as Record<string, unknown>;
const fns = scalar as unknown as Record<string, (...a: Num[]) => Num>;
for (const name of UNARY_NAMES) {
  if (name === 'powc') continue;
  const f = fns[name]!;
  proto[name] = function (this: Value) { return f(this); };
}
for (const name of BINARY_NAMES) {
  const f = fns[name]!;
  proto[name] = function (this: Value, y: Num) { return f(this, y); };
}

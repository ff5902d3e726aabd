/**
 * Compiling generated sources, shared by every recording with the same code
 * (the same f at the same size: a one-shot transform in an optimiser's loop,
 * a re-recording, one prepare per quantity). A new function starts in V8's
 * interpreter and is optimised only after it has run for a while; the shared
 * one stays optimised. Cleared when it grows past FUNCTION_CACHE functions or
 * SOURCE_BUDGET characters. `new Function` may be refused (a strict Content
 * Security Policy): then null, and callers run the interpreted kernels.
 */

/** at most this many functions, and this many characters of source, are kept */
const FUNCTION_CACHE = 4096, SOURCE_BUDGET = 4_000_000;
const functions = new Map<string, (...args: never[]) => unknown>();
let cachedChars = 0;

/** Can this environment compile generated code (is `new Function` allowed)? Asked when code is about to be built. */
export function canCompile(): boolean {
  try {
    new Function('return 0');
    return true;
  } catch {
    return false;
  }
}

/** The function `(params…) => { source }` of kind `kind`, from the cache when the same source was compiled before; null if refused. */
export function compileShared(kind: string, params: readonly string[], source: string): ((...args: never[]) => unknown) | null {
  const key = `${kind}\n${source}`;
  let fn = functions.get(key);
  if (!fn) {
    if (functions.size >= FUNCTION_CACHE || cachedChars + key.length > SOURCE_BUDGET) { functions.clear(); cachedChars = 0; }
    try {
      // (the sourceURL names the kind in stack traces and CPU profiles: hyperad-generated/reverse, …)
      fn = new Function(...params, `'use strict';\n${source}\n//# sourceURL=hyperad-generated/${kind}`) as (...args: never[]) => unknown;
    } catch {
      return null;
    }
    functions.set(key, fn);
    cachedChars += key.length;
  }
  return fn;
}

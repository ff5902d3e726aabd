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

/** The Function constructor last asked, and its answer (a policy does not change while the constructor stays the same). */
let asked: unknown = null, allowed = false;

/**
 * Can this environment compile generated code (is `new Function` allowed)?
 * Asked when code is about to be built; tried once per Function constructor
 * (trying cost a microsecond per one-shot call; specs replace the
 * constructor to simulate a refusal, and are asked again).
 */
export function canCompile(): boolean {
  if (globalThis.Function === asked) return allowed;
  asked = globalThis.Function;
  try {
    new Function('return 0');
    allowed = true;
  } catch {
    allowed = false;
  }
  return allowed;
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

/**
 * `factory(...args)`, made by a copy of `factory` compiled from its own
 * text, named `tag` (one per copy). The closures one function literal
 * makes share their type feedback, so a call inside them that reaches a
 * different function for each closure (each op its recorder) is
 * megamorphic and never inlined; closures made by copies have feedback of
 * their own. `factory` must refer to
 * nothing but its parameters and globals (its text is compiled alone).
 * Where `new Function` is refused, or what the copy made fails `check` (a
 * factory whose text a coverage tool rewrote with counters), it is
 * `factory(...args)` itself.
 */
export function ownCopy<A extends unknown[], R>(factory: (...args: A) => R, tag: string, args: A, check: (made: R) => boolean): R {
  // (asked first: under a Content Security Policy each refused attempt may be reported, and the ops are many)
  if (!canCompile()) return factory(...args);
  try {
    // (`tag` makes each copy's text its own: V8 hands out one compiled function, shared feedback and all, for one text)
    const copy = new Function(`'use strict';\nreturn (${factory.toString()});\n//# sourceURL=hyperad-generated/${factory.name}/${tag}`)() as (...args: A) => R;
    const made = copy(...args);
    if (check(made)) return made;
  } catch {
    // refused, or not self-contained: the factory itself
  }
  return factory(...args);
}

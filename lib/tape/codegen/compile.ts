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
 * Asked when code is about to be built, and when the ops are made (at
 * import: {@link ownCopy}); tried once per Function constructor (trying
 * cost a microsecond per one-shot call; specs replace the constructor to
 * simulate a refusal, and are asked again).
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
 * their own. `factory` must refer to nothing but its parameters, the names
 * it declares and a few globals: a text that names anything else (a helper
 * a compiler or a coverage tool wrote in) is not copied, and neither is one
 * where `new Function` is refused or what the copy made fails `check`; then
 * it is `factory(...args)` itself. Copies run under every codegen mode (they
 * are the ops' dispatch, not generated numerics); a debugger or a coverage
 * report sees them as `hyperad-generated/<factory>/<tag>`.
 */
export function ownCopy<A extends unknown[], R>(factory: (...args: A) => R, tag: string, args: A, check: (made: R) => boolean): R {
  // (asked first: under a Content Security Policy each refused attempt may be reported, and the ops are many)
  const text = canCompile() ? copyable(factory) : null;
  if (text === null) return factory(...args);
  try {
    // (`tag` makes each copy's text its own: V8 hands out one compiled function, shared feedback and all, for one text)
    const copy = new Function(`'use strict';\nreturn (${text});\n//# sourceURL=hyperad-generated/${factory.name}/${tag}`)() as (...args: A) => R;
    const made = copy(...args);
    if (check(made)) return made;
  } catch {
    // refused, or not self-contained after all: the factory itself
  }
  return factory(...args);
}

/** A function's text (taken once: a later patch of the global Function cannot change what a text reads as). */
export const fnText = Function.prototype.toString;

/** each factory's text, or null when it is not {@link selfContained} (read once per factory, not once per copy) */
const texts = new Map<Function, string | null>();
const copyable = (factory: Function): string | null => {
  let text = texts.get(factory);
  if (text === undefined) {
    const t = fnText.call(factory);
    texts.set(factory, (text = selfContained(t) ? t : null));
  }
  return text;
};

/** The names in source `code`: identifiers not read as a property (after a dot). */
export const namesIn = (code: string): string[] => [...code.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*/g)].map((t) => t[0]);

/** Words a self-contained factory may use besides its own names. */
const WORDS = new Set([
  'function', 'return', 'if', 'else', 'const', 'let', 'typeof', 'instanceof', 'new', 'this', 'null', 'undefined', 'true', 'false',
  'Math', 'NaN', 'Infinity',
]);

/**
 * Does a function's text name only its parameters, the names it declares
 * (`const`/`let`, parameters of inner functions, its own name) and
 * {@link WORDS}? Strings and comments are left out first; a property
 * (after a dot) is not a name. Errs on the side of no: a text it cannot
 * read is refused.
 */
export function selfContained(text: string): boolean {
  if (/[`\\]/.test(text)) return false;
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'[^'\n]*'|"[^"\n]*"/g, ' ');
  const own = new Set<string>();
  // parameter lists: (a, b) => …, x => …, function name(a, b) …
  for (const m of code.matchAll(/function\s*([A-Za-z_$][\w$]*)?\s*\(([^()]*)\)|\(([^()]*)\)\s*=>|([A-Za-z_$][\w$]*)\s*=>/g)) {
    if (m[1]) own.add(m[1]);
    for (const p of (m[2] ?? m[3] ?? m[4] ?? '').split(',')) if (p.trim()) own.add(p.trim());
  }
  // declarations: const a = …, b = …; let c; (the commas of calls in an initialiser taken out first)
  for (const m of code.matchAll(/\b(?:const|let)\s+([^;]*)/g)) {
    let decl = m[1]!;
    for (let was = ''; was !== decl; ) { was = decl; decl = decl.replace(/\([^()]*\)/g, '0'); }
    for (const d of decl.matchAll(/(?:^|,)\s*([A-Za-z_$][\w$]*)/g)) own.add(d[1]!);
  }
  return namesIn(code).every((t) => own.has(t) || WORDS.has(t));
}

/**
 * Which copy of hyperad this is. A program can load two: the ESM build
 * (dist/index.js) through `import` and the CommonJS one (dist/index.cjs)
 * through `require` — the dual-package hazard — and then a value made by one
 * copy is not a value to the other (`instanceof` fails). Every value carries
 * its copy's mark under a key shared by all copies (`Symbol.for`), so an
 * error message can name the cause instead of calling it a foreign object.
 */

/** set per bundle by scripts/build.mjs: 'ESM' or 'CommonJS'; absent when lib/ runs as it is */
declare const __HYPERAD_FORMAT__: string | undefined;

/** the key of a value's copy mark, the same in every copy */
export const COPY_KEY: unique symbol = /* @__PURE__ */ Symbol.for('hyperad.copy') as never;

/** this copy's mark */
export const COPY: { readonly format: string } = {
  format: typeof __HYPERAD_FORMAT__ === 'string' ? __HYPERAD_FORMAT__ : 'source (lib/)',
};

/**
 * If x is a hyperad value made by another copy of hyperad, a sentence saying
 * so; else null.
 */
export function otherCopy(x: object): string | null {
  const mark = (x as { [COPY_KEY]?: { format?: unknown } })[COPY_KEY];
  if (mark === undefined || mark === COPY) return null;
  const theirs = typeof mark?.format === 'string' ? mark.format : 'of unknown format';
  return theirs === COPY.format
    ? `two copies of hyperad are loaded (both ${theirs}, from two paths or bundles): a value of one copy ` +
      'cannot enter the other; make every import of hyperad resolve to one file'
    : `two copies of hyperad are loaded (ESM and CommonJS? this one is ${COPY.format}, the value's ${theirs}): ` +
      'a value of one copy cannot enter the other; load hyperad one way only (all `import` or all `require`)';
}

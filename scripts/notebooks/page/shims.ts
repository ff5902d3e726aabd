/**
 * What the notebooks' helper module (../notebook.ts) takes from Node,
 * for the page bundle: the page has a DOM of its own (linkedom is never
 * called), `inspect` becomes a small formatter, `Buffer` only base64-encodes.
 */
export function parseHTML(): { window: unknown } {
  return { window: globalThis };
}

/** A short rendering of a value, close to Node's util.inspect for what the notebooks print. */
export function inspect(v: unknown, _opts?: unknown, depth = 0): string {
  if (typeof v === 'string') return depth ? `'${v}'` : v;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object' || v === null) return String(v);
  if (depth > 4) return '[Object]';
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = Array.from(v as unknown as ArrayLike<number>);
    return `${v.constructor.name}(${a.length}) [ ${a.map((x) => inspect(x, _opts, depth + 1)).join(', ')} ]`;
  }
  if (Array.isArray(v)) return `[ ${v.map((x) => inspect(x, _opts, depth + 1)).join(', ')} ]`;
  if (v instanceof Error) return v.stack ?? String(v);
  if (typeof (v as { toString?: unknown }).toString === 'function' && (v as object).toString !== Object.prototype.toString) return String(v);
  const entries = Object.entries(v).map(([k, x]) => `${k}: ${inspect(x, _opts, depth + 1)}`);
  const name = v.constructor && v.constructor !== Object ? `${v.constructor.name} ` : '';
  return `${name}{ ${entries.join(', ')} }`;
}

/** Buffer.from(text).toString('base64'), the one use the helper makes of Buffer. */
export const Buffer = {
  from(s: string) {
    return { toString: () => btoa(Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join('')) };
  },
};

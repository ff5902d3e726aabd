/**
 * The engine's own elementary functions, pinned for a comparison across
 * engines. JavaScript leaves Math.sin and its kin implementation-defined, and
 * V8 has changed them: Chromium 143's Math.sin, Math.cos and Math.pow differ
 * from Node 20's in the last bit on a few percent of arguments (measured on
 * 20 000 random points each). So spec/browser.spec.ts records, in Node, every
 * call the cases make to these functions (argument bits → result bits), and
 * the page answers the same calls from that record: what is then compared is
 * hyperad's own arithmetic, bit for bit. The page counts how often its own
 * function would have answered otherwise.
 * (Math.sqrt is correctly rounded by IEEE 754 and needs no pinning.)
 */
export const LIBM = [
  'sin', 'cos', 'tan', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'cbrt', 'sinh', 'cosh', 'tanh',
  'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'atan2', 'pow', 'hypot',
] as const;

/** name(argument bits…) → result bits, all in hex */
export type LibmTable = Record<string, string>;

type Fn = (...args: number[]) => number;
const M = Math as unknown as Record<string, Fn>;
const bits = new Float64Array(1), bytes = new Uint8Array(bits.buffer);
const hex = (v: number): string => {
  bits[0] = v;
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
};
const unhex = (s: string): number => {
  for (let i = 0; i < 8; i++) bytes[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return bits[0]!;
};
const key = (name: string, args: ArrayLike<number>): string => {
  let k = `${name}(`;
  for (let i = 0; i < args.length; i++) k += hex(args[i]!);
  return `${k})`;
};

/** Wraps the functions on Math so every call lands in `table` (until `restore()`). */
export function recordLibm(): { table: LibmTable; restore(): void } {
  const table: LibmTable = {}, natives = LIBM.map((n) => M[n]!);
  LIBM.forEach((name, i) => {
    const native = natives[i]!;
    M[name] = function (this: unknown, ...args: number[]) {
      const r = native(...args);
      table[key(name, args)] = hex(r);
      return r;
    };
  });
  return { table, restore: () => LIBM.forEach((name, i) => { M[name] = natives[i]!; }) };
}

/** Replaces the functions on Math by lookups in `table`; counts calls it lacks, and calls the engine answers otherwise. */
export function replayLibm(table: LibmTable): { calls: number; misses: number; differing: number } {
  const count = { calls: 0, misses: 0, differing: 0 };
  for (const name of LIBM) {
    const native = M[name]!;
    M[name] = function (this: unknown, ...args: number[]) {
      const r = native(...args), v = table[key(name, args)];
      count.calls++;
      if (v === undefined) { count.misses++; return r; }
      if (v !== hex(r)) count.differing++;
      return unhex(v);
    };
  }
  return count;
}

/**
 * What the renderer adds around a notebook's cells (inside a worker, one per
 * notebook): `console` captured per cell, and the sink that the notebooks'
 * helper module (`notebook.ts`: `display`, `table`, the DOM for Plot, the
 * rounding of printed numbers) sends its displays to. In a Jupyter kernel the
 * same helper sends them to the kernel instead.
 */
import { SINK, display, formatArgs, table, type DisplayKind, type Sink } from './notebook.js';

/** One output of a cell, as the worker reports it. */
export type Output =
  | { readonly type: 'stream'; readonly name: 'stdout' | 'stderr'; text: string }
  | { readonly type: 'display'; readonly kind: DisplayKind; readonly data: Readonly<Record<string, string>> };

export interface Session {
  /** outputs per run cell, in cell order */
  readonly outputs: Output[][];
  /** index of the running cell (-1 before the first) */
  current: number;
}

/** Installs console capture and the display sink into the worker's globals. */
export function install(cells: number): Session {
  const session: Session = { outputs: Array.from({ length: cells }, () => []), current: -1 };
  const out = (): Output[] => {
    if (session.current < 0) throw new Error('a notebook wrote output before its first cell');
    return session.outputs[session.current]!;
  };
  const write = (name: 'stdout' | 'stderr', args: unknown[]) => {
    const text = formatArgs(args);
    const o = out(), last = o[o.length - 1];
    if (last && last.type === 'stream' && last.name === name) last.text += text;
    else o.push({ type: 'stream', name, text });
  };
  for (const m of ['log', 'info', 'debug'] as const) console[m] = (...a: unknown[]) => write('stdout', a);
  for (const m of ['warn', 'error'] as const) console[m] = (...a: unknown[]) => write('stderr', a);
  console.table = (rows: unknown) => display(table(rows as Record<string, unknown>[]));
  const sink: Sink = (kind, data) => { out().push({ type: 'display', kind, data }); };
  (globalThis as { [SINK]?: Sink })[SINK] = sink;
  return session;
}

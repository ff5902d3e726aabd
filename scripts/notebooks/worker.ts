/**
 * Runs one compiled notebook (a worker thread per notebook, so each starts
 * from a fresh copy of the library) and posts its outputs, or the error and
 * the cell it came from.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { install, type Output } from './runtime.js';

export interface WorkerInput {
  /** the compiled module (with an inline source map naming the .md) */
  readonly modulePath: string;
  /** path of the .md as a stack trace names it */
  readonly mdPath: string;
  readonly cells: number;
}

export interface CellError {
  /** index of the run cell that threw */
  readonly cell: number;
  readonly name: string;
  readonly message: string;
  /** the innermost stack frame in the .md (1-based), if any */
  readonly line: number | null;
  readonly column: number | null;
  readonly stack: string;
}

export type WorkerResult = { readonly outputs: Output[][]; readonly error: CellError | null };

const input = workerData as WorkerInput;
process.setSourceMapsEnabled(true);
const session = install(input.cells);
(globalThis as Record<string, unknown>).__notebook = {
  cell(k: number): Promise<void> {
    session.current = k;
    return Promise.resolve();
  },
};

function cellError(e: unknown): CellError {
  const err = e instanceof Error ? e : new Error(String(e));
  const stack = err.stack ?? String(err);
  // frames look like "at f (file:///…/docs/notebooks/x.md:12:7)" or "at /…/x.md:12:7"
  const esc = input.mdPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${esc}:(\\d+):(\\d+)`).exec(stack);
  return {
    cell: session.current,
    name: err.name,
    message: err.message,
    line: m ? Number(m[1]) : null,
    column: m ? Number(m[2]) : null,
    stack,
  };
}

let done = false;
const finish = (error: CellError | null) => {
  if (done) return;
  done = true;
  parentPort!.postMessage({ outputs: session.outputs, error } satisfies WorkerResult);
};
process.on('unhandledRejection', (e) => finish(cellError(e)));
process.on('uncaughtException', (e) => finish(cellError(e)));

import(pathToFileURL(input.modulePath).href).then(() => finish(null), (e: unknown) => finish(cellError(e)));

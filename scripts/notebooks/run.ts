/**
 * Runs a notebook's cells: compile to one module, run it in a fresh worker,
 * collect per-cell outputs. A cell that throws fails the run with an error
 * that names the .md line (the innermost frame in the notebook, or the cell's
 * first line when the stack has none).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compileNotebook } from './compile.js';
import type { CodeCell, NotebookSource } from './parse.js';
import type { Output } from './runtime.js';
import type { WorkerInput, WorkerResult } from './worker.js';

export interface RunOptions {
  /** project root (notebook paths are relative to it) */
  readonly root: string;
  /** file URL of the library module that `hyperad` names */
  readonly libUrl: string;
  /** file URL of the helpers module that `./notebook` names */
  readonly helperUrl: string;
  /** folder for the compiled modules (inside the project, so Node finds node_modules) */
  readonly workDir: string;
  /** milliseconds before a notebook is stopped (default 120 s) */
  readonly timeout?: number;
}

/** A notebook failed: the message starts with `path:line:column`. */
export class NotebookError extends Error {
  override name = 'NotebookError';
}

/** Outputs of each run cell, in order of the notebook's run cells. */
export async function runNotebook(nb: NotebookSource, opts: RunOptions): Promise<Output[][]> {
  const code = await compileNotebook(opts.root, nb, opts.libUrl, opts.helperUrl);
  mkdirSync(opts.workDir, { recursive: true });
  const modulePath = join(opts.workDir, `${nb.name}.mjs`);
  writeFileSync(modulePath, code);
  const runCells = nb.cells.filter((c): c is CodeCell => c.kind === 'code' && c.run);
  const input: WorkerInput = { modulePath, mdPath: `${opts.root}/${nb.path}`, cells: runCells.length };

  const result = await new Promise<WorkerResult>((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, stdout: false, stderr: false });
    const limit = opts.timeout ?? 120_000;
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new NotebookError(`${nb.path}: still running after ${limit / 1000} s (a cell that never ends?)`));
    }, limit);
    worker.once('message', (r: WorkerResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    });
    worker.once('error', (e) => { clearTimeout(timer); reject(e); });
  });

  const e = result.error;
  if (e) {
    const cell = runCells[e.cell];
    const at = e.line !== null ? `${nb.path}:${e.line}:${e.column}` : cell ? `${nb.path}:${cell.line}` : `${nb.path}${importLine(runCells, e.message)}`;
    const which = cell ? `cell ${e.cell + 1} (line ${cell.line})` : 'loading the imports';
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 6).join('\n');
    throw new NotebookError(`${at}: ${which} threw ${e.name}: ${e.message}\n${frames}`);
  }
  return result.outputs;
}

/** For a link error naming an import ("does not provide an export named 'x'"): ":line" of the import that names it. */
function importLine(cells: readonly CodeCell[], message: string): string {
  const name = /export named '([^']+)'/.exec(message)?.[1];
  if (!name) return '';
  const word = new RegExp(`\\b${name.replace(/[$]/g, '\\$&')}\\b`);
  for (const c of cells) {
    const lines = c.source.split('\n');
    let inImport = false;
    for (let i = 0; i < lines.length; i++) {
      if (/^import\b/.test(lines[i]!)) inImport = true;
      if (inImport && word.test(lines[i]!)) return `:${c.line + i}`;
      if (/from\s+['"]/.test(lines[i]!)) inImport = false;
    }
  }
  return '';
}

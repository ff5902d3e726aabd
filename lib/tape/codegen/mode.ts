/**
 * When generated code runs (sweeps, replays, recorders): the one switch
 * every generator reads.
 */

/**
 * 'auto' (default): generate sweeps for recordings of at least
 * `CODEGEN_MIN_NODES` computed nodes, on the third sweep over recordings of
 * one structure (one recording swept three times, or three one-shot calls),
 * when loops cover at least half of the nodes; a recording's loop replay on its second move
 * and its compacted recording's loop refresh on the second refresh (same size
 * rule); an op's recorder and node replayer after `GENERATE_AFTER` nodes of
 * it in the process. 'always': all of them at once, for every recording of
 * scalar nodes, loops of three repetitions or more (the specs use it to run
 * the generated code on small functions). 'off': interpreted only. (The
 * ops themselves are compiled copies of one lifting function under every
 * mode, wherever `new Function` is allowed: their dispatch, not generated
 * numerics; see `ownCopy`, ./compile.ts.)
 */
export type CodegenMode = 'auto' | 'always' | 'off';
const MODES: readonly CodegenMode[] = ['auto', 'always', 'off'];

let mode: CodegenMode = 'auto';

/**
 * Chooses when generated code runs (see {@link CodegenMode}); returns
 * the previous mode. Results are the same either way up to rounding: the
 * generated code evaluates the kernels' formulas, summing some adjoints in a
 * different order.
 */
export function setCodegen(m: CodegenMode): CodegenMode {
  if (!MODES.includes(m)) throw new TypeError(`setCodegen: mode must be one of ${MODES.map((s) => `'${s}'`).join(', ')}, got ${String(m)}`);
  const old = mode;
  mode = m;
  for (const f of changed) f();
  return old;
}

const changed: (() => void)[] = [];
/** Calls `f` after every {@link setCodegen} (holders of generated code drop what they hold, so a new mode takes effect at once). */
export function onModeChange(f: () => void): void {
  changed.push(f);
}

/** The current mode. */
export const codegenMode = (): CodegenMode => mode;

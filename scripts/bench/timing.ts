/**
 * The bench's timing harness: a warm-up, then samples of as many calls as
 * make ≥ 5 ms each; the median sample per call. Paired with a reference
 * (the hand-written plain-JS f), every sample follows one of the reference
 * taken just before it, and the ratio is the median of the pairs' ratios, so
 * load that drifts on a shared machine cancels instead of skewing one side.
 */
import { Tensor, type TensorRecord } from '../../lib/index.js';
import { SETTINGS } from './settings.js';

/** results are added here so that no timed call is optimised away */
export let sink = 0;
const keep = (r: unknown) => {
  if (typeof r === 'number') sink += r;
  else if (r instanceof Float64Array) sink += r[0]!;
  else if (Array.isArray(r)) sink += (r[0] as Float64Array)[0]!;
  else if (r instanceof Tensor) sink += r.values()[0]!;
  else if (typeof (r as { value?: unknown }).value === 'number') sink += (r as { value: number }).value;
  else sink += (Object.values(r as TensorRecord)[0]!).values()[0]!;
};

export interface Timing {
  /** median nanoseconds per call */
  ns: number;
  /** median over samples of (this sample ÷ the plain-f sample taken just before it) */
  ratio: number;
  /** median of those plain-f samples (ns per call) */
  plainNs?: number;
  reps: number;
  samples: number;
}

/** The reference: plain f and how many calls make one sample of it. */

export interface Reference {
  fn: () => unknown;
  reps: number;
}

export const now = () => process.hrtime.bigint();
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** ns per call over `reps` calls of fn */
function sample(fn: () => unknown, reps: number): number {
  const t0 = now();
  for (let r = 0; r < reps; r++) keep(fn());
  return Number(now() - t0) / reps;
}

/**
 * Median time per call of fn: warm up, then samples of ≥ sampleMs each. With
 * a reference, each sample is preceded by a sample of plain f, and the ratio
 * is the median of the paired ratios: load from other processes that drifts
 * during the run then cancels instead of skewing one side. `limits` override
 * SETTINGS (fewer samples for the slowest quantities).
 */
export function time(fn: () => unknown, ref?: Reference, limits: Partial<typeof SETTINGS> = {}): Timing {
  const S = { ...SETTINGS, ...limits };
  const perCall: number[] = [];
  const warmEnd = now() + BigInt(S.warmupMs * 1e6);
  do perCall.push(sample(fn, 1));
  while (now() < warmEnd || perCall.length < S.minWarm);
  const estimate = Math.max(median(perCall.slice(perCall.length >> 1)), 1);
  const reps = Math.max(1, Math.ceil((S.sampleMs * 1e6) / estimate));
  const ns: number[] = [], ratios: number[] = [], bases: number[] = [];
  const stop = now() + BigInt(S.maxMs * 1e6);
  while (ns.length < S.samples && (ns.length < S.minSamples || now() < stop)) {
    const base = ref ? sample(ref.fn, ref.reps) : 0;
    const t = sample(fn, reps);
    ns.push(t);
    if (ref) { ratios.push(t / base); bases.push(base); }
  }
  return { ns: median(ns), ratio: ref ? median(ratios) : 1, plainNs: ref ? median(bases) : undefined, reps, samples: ns.length };
}

const started = now();
/** seconds since the bench started */
export const elapsed = () => Number(now() - started) / 1e9;

export const progressOn = Boolean(process.stderr.isTTY);
/** A progress line on stderr (when it is a terminal), with the seconds so far. */
export function progress(what: string): void {
  if (progressOn) process.stderr.write(`\r\x1b[K[${elapsed().toFixed(0)} s] ${what}`);
}

/**
 * The fuzzer's tensor programs, ready to call: for the specs that run every
 * path of the library over them (fast paths against plain ones).
 */
import type { Num } from '../../lib/index.js';
import { sampleOf } from './fuzzer.js';
import { shapePoint, tensorFunction, type TensorPoint } from './interpret.js';
import type { TensorProgram } from './programs.js';

/** One tensor program of the fuzzer's stream: f, its two sample points, and a flat vector shaped like them. */
export interface TensorCase {
  /** its index in the stream */
  readonly i: number;
  readonly program: TensorProgram;
  readonly f: (x: TensorPoint) => Num;
  readonly x0: TensorPoint;
  readonly x1: TensorPoint;
  shaped(v: readonly number[]): TensorPoint;
}

/** The first `count` tensor programs of stream `seed` (among its first `limit` samples). */
export function tensorCases(seed: number, count: number, limit = 10 * count): TensorCase[] {
  const out: TensorCase[] = [];
  for (let i = 0; out.length < count && i < limit; i++) {
    const s = sampleOf(seed, i, 1);
    if (s.program.kind !== 'tensor') continue;
    const p = s.program as TensorProgram;
    out.push({ i, program: p, f: tensorFunction(p), x0: shapePoint(p, s.x0), x1: shapePoint(p, s.x1), shaped: (v) => shapePoint(p, v) });
  }
  return out;
}

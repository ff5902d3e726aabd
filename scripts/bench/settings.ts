/**
 * The bench's settings, read from the command line (`--quick`): how long each
 * quantity is warmed up and sampled, and the sizes of the workloads.
 */
export const quick = process.argv.slice(2).includes('--quick');

/**
 * Per quantity: warm up for warmupMs (and at least minWarm calls), then up to
 * `samples` samples of ≥ sampleMs each, stopping after maxMs once there are
 * minSamples. The warm-up is long enough for V8 to optimise the generated
 * sweeps of a recording met for the first time in the process (they start in
 * its interpreter; measured: 40–80 ms until W1's Hessian settles).
 */
export const SETTINGS = quick
  ? { warmupMs: 10, minWarm: 3, sampleMs: 5, samples: 3, minSamples: 1, maxMs: 100 }
  : { warmupMs: 150, minWarm: 3, sampleMs: 5, samples: 11, minSamples: 3, maxMs: 2000 };
export const SIZES = [100, 1000, 100_000];
/** dense methods (n sweeps) only up to this n */
export const DENSE_MAX = 1000;
export const LANE_SWEEP = [1, 2, 4, 8, 16, 32];
/** sizes of W2 and W3 with a sparse-diagonal row */
export const SPARSE_SIZES = [1000, 100_000];
/** sizes of W3 with issue 13's floor rows (a lean recorder of the same nodes) */
export const FLOOR_SIZES = [1000, 100_000];
/** sizes of W4 with an 'auto' overhead row */
export const AUTO_SIZES = [100, 1000];
/** sizes of the tensor-form W2 and W3 (issue 14) */
export const TENSOR_SIZES = [1000, 100_000];
/** limits for quantities of ~0.1 s a call and more (the one-shot diagonal at n = 100000) */
export const SLOW = quick ? {} : { minWarm: 2, samples: 5, maxMs: 800 };

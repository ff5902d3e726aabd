/**
 * The benchmark workloads (issue 4), with exactly the data other libraries
 * can rebuild: see each file for the function, its seed and its closed forms.
 */
export { mulberry32, symmetric } from './random.js';
export type { Workload } from './types.js';
export { matVec, diagonal, rel } from './types.js';
export { mlp, SEED_VALUE } from './mlp.js';
export { sines, rosenbrock, chainData } from './chains.js';
export { trigonometric } from './trigonometric.js';
export { logistic } from './logistic.js';
export { tensorSines, tensorRosenbrock, tensorMlpInput, tensorMlpWeights, batchMlp, type TensorWorkload } from './tensors.js';

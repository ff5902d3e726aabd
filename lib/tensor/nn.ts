/** Layers and losses for models written the way PyTorch users write them. */
import type { Num } from '../value.js';
import { currentName } from '../trace.js';
import { describe } from '../describe.js';
import { add, pow, sub, tanh } from '../ops/scalar.js';
import { applyLinear } from './linear.js';
import { checkSeed, logSoftmax, mean, product, tensorArg } from './ops.js';
import { options } from '../check.js';
import { mulberry32 } from './random.js';
import { shapeString } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Negative log-likelihood: −logProbs[target] for a vector of log-probabilities
 * and a class index, or −(1/N) Σᵢ logProbs[i, targetᵢ] for an [N, C] batch
 * and N indices. One linear node.
 */
export function nllLoss(logProbs: Tensor, target: number | readonly number[]): Tensor {
  tensorArg('nllLoss', 'logProbs', logProbs);
  const s = logProbs.shape, fail = (m: string): never => { throw new RangeError(`${currentName()}: nllLoss: ${m}`); };
  const rows = s.length === 1 ? 1 : s.length === 2 ? s[0]! : fail(`logProbs must have shape [C] or [N, C], got ${shapeString(s)}`);
  const C = s[s.length - 1]!;
  const ts = typeof target === 'number' ? [target] : Array.isArray(target) ? target : fail(`target must be a class index or an array of them, got ${describe(target)}`);
  if (ts.length !== rows) fail(`target has ${ts.length} entries, logProbs has ${rows} rows`);
  const from = new Int32Array(rows);
  ts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= C) fail(`target[${i}] = ${c} is not a class index in [0, ${C})`);
    from[i] = i * C + c;
  });
  return applyLinear('nllLoss', [logProbs], { from, to: new Int32Array(rows), w: new Float64Array(rows).fill(-1 / rows) }, []);
}

/** Cross-entropy of logits against class indices: nllLoss(logSoftmax(logits), target). */
export function crossEntropy(logits: Tensor, target: number | readonly number[]): Tensor {
  return nllLoss(logSoftmax(logits, -1), target);
}

/** Mean squared error: mean((a − b)²). */
export function mseLoss(a: Num, b: Num): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new TypeError(`${currentName()}: mseLoss: a must be a Tensor (or b one), got ${describe(a)} and ${describe(b)}`);
  }
  return mean(pow(sub(a, b) as Tensor, 2));
}

/** An affine layer as in PyTorch: x·Wᵀ + b, with W of shape [out, in] and x of shape [in] or [N, in]. */
export function linear(x: Tensor, W: Tensor, b?: Tensor): Tensor {
  const y = product('linear', x, W, false, true);
  return b === undefined ? y : add(y, b);
}

/** A multilayer perceptron: parameters in a record (W1, b1, W2, b2, …) and the function that applies them. */
export interface Mlp {
  readonly params: Record<string, Tensor>;
  /** the network at `params` on input x; the activation after every layer but the last */
  apply(params: Record<string, Tensor>, x: Tensor): Tensor;
}

/**
 * An MLP with layer widths `sizes` (e.g. [5, 100, 10]), initialised as
 * PyTorch does (W and b uniform in ±1/√fan_in), from mulberry32(seed).
 */
export function mlp(sizes: readonly number[], opts: { seed?: number; activation?: (x: Tensor) => Tensor } = {}): Mlp {
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${currentName()}: mlp: sizes must list at least two positive layer widths, got ${describe(sizes)}`);
  }
  options('mlp', opts, { seed: 'integer', activation: 'function' });
  const u = mulberry32(checkSeed('mlp', opts.seed ?? 0)), act = opts.activation ?? ((x: Tensor) => tanh(x));
  const params: Record<string, Tensor> = {};
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1]!, fanOut = sizes[l]!, r = 1 / Math.sqrt(fanIn);
    const draw = (n: number) => Float64Array.from({ length: n }, () => (2 * u() - 1) * r);
    params[`W${l}`] = Tensor.constant(draw(fanOut * fanIn), [fanOut, fanIn]);
    params[`b${l}`] = Tensor.constant(draw(fanOut), [fanOut]);
  }
  const layers = sizes.length - 1;
  return {
    params,
    apply(p, x) {
      let h = x;
      for (let l = 1; l <= layers; l++) {
        h = linear(h, p[`W${l}`]!, p[`b${l}`]);
        if (l < layers) h = act(h);
      }
      return h;
    },
  };
}


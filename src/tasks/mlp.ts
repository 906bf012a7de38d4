import type * as tfjs from '@tensorflow/tfjs';
import { TaskError } from '../errors.js';
import { type DenseForm, dense } from './dense.js';
import { glorotUniform, mixSeed, Random } from './random.js';
import { type Model, type ParameterSpec, parameterCount, type Tf } from './task.js';

/** Options of {@link createMlp}. */
export interface MlpOptions {
  /** Widths from input to output, e.g. [784, 256, 128, 10]: at least two, each a positive integer. */
  readonly layerSizes: readonly number[];
  /** Seed of the Glorot-uniform initialization. */
  readonly seed: number;
  /** Dense-layer gradient form; default 'auto' (see `dense`). */
  readonly denseForm?: DenseForm;
}

// A stream tag, so a task can use the same user seed for its data and its initialization independently.
const INIT_STREAM = 0x6d6c70;

function checkLayerSizes(layerSizes: readonly number[]): void {
  if (layerSizes.length < 2 || !layerSizes.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new TaskError(
      'ERR_TASK_ARGUMENT',
      `layerSizes must list at least two positive integers (input width … classes), received [${layerSizes.join(', ')}]`,
    );
  }
}

/**
 * The parameter list of an MLP, in flat order: `w0` [in, h1], `b0` [h1], `w1` [h1, h2], `b1` [h2], ….
 *
 * @example
 * mlpParameters([16, 32, 4]).map((p) => p.name); // ['w0', 'b0', 'w1', 'b1']
 */
export function mlpParameters(layerSizes: readonly number[]): ParameterSpec[] {
  checkLayerSizes(layerSizes);
  const specs: ParameterSpec[] = [];
  for (let l = 0; l + 1 < layerSizes.length; l++) {
    const fanIn = layerSizes[l]!;
    const fanOut = layerSizes[l + 1]!;
    specs.push({ name: `w${l}`, shape: [fanIn, fanOut] }, { name: `b${l}`, shape: [fanOut] });
  }
  return specs;
}

/**
 * A multi-layer perceptron classifier: dense layers with ReLU between them, logits out, softmax
 * cross-entropy loss (mean over the batch); labels are int32 class ids. Weights start Glorot-uniform
 * (seeded), biases at zero. The first layer treats its input as data (no input gradient is computed).
 *
 * @example
 * const model = createMlp({ layerSizes: [784, 256, 128, 10], seed: 1 }); // 235,146 parameters
 */
export function createMlp(options: MlpOptions): Model {
  const { layerSizes, seed } = options;
  const parameters = mlpParameters(layerSizes);
  const classes = layerSizes[layerSizes.length - 1]!;
  const form = options.denseForm ?? 'auto';
  const count = parameterCount(parameters);
  const initSeed = mixSeed(seed, INIT_STREAM); // refuses a bad seed here, not at the first initialParameters()

  const logits = (tf: Tf, params: readonly tfjs.Tensor[], x: tfjs.Tensor2D): tfjs.Tensor2D => {
    let h = x;
    const layers = params.length / 2;
    for (let l = 0; l < layers; l++) {
      const w = params[2 * l] as tfjs.Tensor2D;
      const b = params[2 * l + 1] as tfjs.Tensor1D;
      const z = dense(tf, h, w, b, { form, constantInput: l === 0 });
      h = l + 1 < layers ? tf.relu(z) : z;
    }
    return h;
  };

  return {
    parameters,
    initialParameters(): Float32Array {
      const flat = new Float32Array(count);
      const random = new Random(initSeed);
      let offset = 0;
      for (let l = 0; l + 1 < layerSizes.length; l++) {
        const fanIn = layerSizes[l]!;
        const fanOut = layerSizes[l + 1]!;
        glorotUniform(fanIn, fanOut, random, flat.subarray(offset, offset + fanIn * fanOut));
        offset += fanIn * fanOut + fanOut; // biases stay zero
      }
      return flat;
    },
    loss(tf, params, x, labels) {
      const oneHot = tf.oneHot(labels as tfjs.Tensor1D, classes);
      return tf.losses.softmaxCrossEntropy(oneHot, logits(tf, params, x)) as tfjs.Scalar;
    },
    evaluate(tf, params, x, labels) {
      const out = logits(tf, params, x);
      const oneHot = tf.oneHot(labels as tfjs.Tensor1D, classes);
      const lossSum = tf.losses.softmaxCrossEntropy(oneHot, out, undefined, undefined, tf.Reduction.SUM);
      const correct = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'int32'));
      return { lossSum: lossSum as tfjs.Scalar, correct: correct as tfjs.Scalar };
    },
  };
}

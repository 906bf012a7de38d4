import type * as tfjs from '@tensorflow/tfjs';
import { TaskError } from '../errors.js';
import { checkModel, type Dataset, type Model, parameterCount, type Tf, tensorSize } from '../tasks/index.js';

/** The result of one {@link GradientComputer.compute}. */
export interface GradientResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Gradient of the mean loss, flat, in parameter order. The computer's own buffer: overwritten by the next compute(). */
  readonly grad: Float32Array;
}

/** The result of {@link GradientComputer.evaluate}: means over the whole data set. */
export interface Evaluation {
  readonly loss: number;
  /** Fraction of correct predictions; absent when the model reports no `correct` count (regression). */
  readonly accuracy?: number;
}

/** Batch size of {@link GradientComputer.evaluate} when none is given. */
export const DEFAULT_EVAL_BATCH_SIZE = 512;

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TaskError('ERR_TASK_ARGUMENT', `batchSize must be a positive integer, received ${batchSize}`);
  }
}

/** Values per example of a batch buffer, checking that it divides evenly. */
function widthOf(name: string, length: number, batchSize: number): number {
  if (length === 0 || length % batchSize !== 0) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `${name} must hold batchSize × (values per example) numbers: ${length} is not a positive multiple of batchSize ${batchSize}; pass a view of exactly the batch`,
    );
  }
  return length / batchSize;
}

function labelsTensor(tf: Tf, labels: Int32Array | Float32Array, batchSize: number): tfjs.Tensor {
  const width = widthOf('labels', labels.length, batchSize);
  if (labels instanceof Int32Array) {
    if (width !== 1) {
      throw new TaskError(
        'ERR_TASK_SHAPE',
        `class-id labels (Int32Array) hold one value per example: expected ${batchSize}, received ${labels.length}`,
      );
    }
    return tf.tensor1d(labels, 'int32');
  }
  return tf.tensor2d(labels, [batchSize, width]);
}

/**
 * Computes the loss and the flat gradient of a functional {@link Model} with TensorFlow.js (or with the model's
 * own closed-form {@link Model.gradient}, when it has one, and then tfjs never runs). Every call
 * builds the parameter tensors from views of the flat vector, runs `tf.valueAndGrads` inside `tf.tidy`
 * and copies each gradient into one preallocated Float32Array, so the live tensor count does not grow
 * across steps. Not re-entrant: one computer per model and thread.
 *
 * @example
 * const { loss, grad } = new GradientComputer(tf, model).compute(params, x, labels, 64);
 */
export class GradientComputer {
  /** Length of the flat parameter and gradient vectors. */
  readonly parameterCount: number;
  readonly #tf: Tf;
  readonly #model: Model;
  readonly #shapes: readonly number[][];
  readonly #offsets: readonly number[];
  readonly #grad: Float32Array;

  constructor(tf: Tf, model: Model) {
    checkModel(model, 'the model');
    this.#tf = tf;
    this.#model = model;
    this.#shapes = model.parameters.map((p) => [...p.shape]);
    const offsets: number[] = [];
    let offset = 0;
    for (const shape of this.#shapes) {
      offsets.push(offset);
      offset += tensorSize(shape);
    }
    this.#offsets = offsets;
    this.parameterCount = parameterCount(model.parameters);
    this.#grad = new Float32Array(this.parameterCount);
  }

  /**
   * Loss and gradient of the model's mean loss on one batch. `x` and `labels` must hold exactly
   * `batchSize` examples (pass views of reused buffers); `grad` in the result is reused by the next call.
   */
  compute(
    params: Float32Array,
    x: Float32Array,
    labels: Int32Array | Float32Array,
    batchSize: number,
  ): GradientResult {
    this.#checkParams(params);
    checkBatchSize(batchSize);
    const tf = this.#tf;
    const inputSize = widthOf('x', x.length, batchSize);
    if (this.#model.gradient !== undefined) return this.#closedForm(params, x, labels, batchSize);
    let loss = Number.NaN;
    // The tidy returns nothing: returning a typed array from tf.tidy makes it walk every element.
    tf.tidy(() => {
      const tensors = this.#parameterTensors(params);
      const xs = tf.tensor2d(x, [batchSize, inputSize]);
      const ys = labelsTensor(tf, labels, batchSize);
      const { value, grads } = tf.valueAndGrads((...p: tfjs.Tensor[]) => this.#model.loss(tf, p, xs, ys))(
        tensors,
      );
      for (const [i, g] of grads.entries()) this.#grad.set(g.dataSync(), this.#offsets[i]);
      loss = value.dataSync()[0]!;
    });
    return { loss, grad: this.#grad };
  }

  /**
   * Mean loss (and accuracy, for classification) over a whole data set, in consecutive batches of
   * `batchSize` examples (the last one may be smaller).
   */
  evaluate(params: Float32Array, dataset: Dataset, batchSize: number = DEFAULT_EVAL_BATCH_SIZE): Evaluation {
    this.#checkParams(params);
    checkBatchSize(batchSize);
    const { size, inputSize, targetSize } = dataset;
    if (size < 1 || dataset.x.length !== size * inputSize || dataset.labels.length !== size * targetSize) {
      throw new TaskError(
        'ERR_TASK_SHAPE',
        `dataset must hold size × inputSize features and size × targetSize labels with size ≥ 1: size ${size}, inputSize ${inputSize}, targetSize ${targetSize}, x.length ${dataset.x.length}, labels.length ${dataset.labels.length}`,
      );
    }
    const tf = this.#tf;
    let lossSum = 0;
    let correct = 0;
    let classifies = false;
    const tensors = tf.tidy(() => this.#parameterTensors(params));
    try {
      for (let start = 0; start < size; start += batchSize) {
        const n = Math.min(batchSize, size - start);
        tf.tidy(() => {
          const xs = tf.tensor2d(dataset.x.subarray(start * inputSize, (start + n) * inputSize), [
            n,
            inputSize,
          ]);
          const ys = labelsTensor(
            tf,
            dataset.labels.subarray(start * targetSize, (start + n) * targetSize),
            n,
          );
          const result = this.#model.evaluate(tf, tensors, xs, ys);
          lossSum += result.lossSum.dataSync()[0]!;
          if (result.correct !== undefined) {
            correct += result.correct.dataSync()[0]!;
            classifies = true;
          }
        });
      }
    } finally {
      tf.dispose(tensors);
    }
    return classifies ? { loss: lossSum / size, accuracy: correct / size } : { loss: lossSum / size };
  }

  /** The model's own {@link Model.gradient}, into the computer's buffer; a loss that is not a number is refused. */
  #closedForm(
    params: Float32Array,
    x: Float32Array,
    labels: Int32Array | Float32Array,
    batchSize: number,
  ): GradientResult {
    const loss = this.#model.gradient!(params, x, labels, batchSize, this.#grad);
    if (typeof loss !== 'number') {
      throw new TaskError(
        'ERR_TASK_INVALID',
        `the model's gradient() must return the mean loss as a number, received ${typeof loss}; return it after writing the gradient into out`,
      );
    }
    return { loss, grad: this.#grad };
  }

  #checkParams(params: Float32Array): void {
    if (!(params instanceof Float32Array) || params.length !== this.parameterCount) {
      throw new TaskError(
        'ERR_TASK_SHAPE',
        `params must be a Float32Array of the model's ${this.parameterCount} parameters, received ${params instanceof Float32Array ? `length ${params.length}` : typeof params}`,
      );
    }
  }

  #parameterTensors(params: Float32Array): tfjs.Tensor[] {
    return this.#shapes.map((shape, i) => {
      const offset = this.#offsets[i]!;
      return this.#tf.tensor(params.subarray(offset, offset + tensorSize(shape)), shape, 'float32');
    });
  }
}

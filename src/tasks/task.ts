/**
 * The task interface: what a user implements to train their own model with dptrain.
 *
 * A task is an ES module whose default export (or named export `task`) is a {@link Task}. The model is
 * *functional*: it owns no tensors and no tf.Variables. dptrain keeps all parameters in ONE flat
 * Float32Array (the tensors of {@link Model.parameters}, each row-major, concatenated in that order),
 * builds tensors from views of it on every step and asks the model for the loss; TensorFlow.js
 * differentiates that function. Optimizers run on the flat vector, outside tfjs. A model whose gradient has a
 * closed form (and a benchmark's task, which must cost nothing to compute) may give it itself with
 * {@link Model.gradient}; tfjs then never runs for the training step.
 *
 * @example
 * // my-task.mjs — a linear classifier, 8 features, 3 classes
 * export default {
 *   name: 'linear',
 *   createModel: ({ seed }) => ({
 *     parameters: [{ name: 'w', shape: [8, 3] }, { name: 'b', shape: [3] }],
 *     initialParameters: () => new Float32Array(8 * 3 + 3),
 *     loss: (tf, [w, b], x, labels) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), tf.add(tf.matMul(x, w), b)),
 *     evaluate: (tf, [w, b], x, labels) => { … return { lossSum, correct }; },
 *   }),
 *   loadData: async (split, { seed, limit }) => ({ size, inputSize: 8, x, labels, targetSize: 1 }),
 * };
 */
import type * as tfjs from '@tensorflow/tfjs';
import { TaskError } from '../errors.js';
import type { DenseForm } from './dense.js';

/** The TensorFlow.js namespace the worker passes in (`@tensorflow/tfjs`, or `@tensorflow/tfjs-node` where installed). */
export type Tf = typeof tfjs;

/** One parameter tensor: its name (for checkpoints and reports) and shape. Its size is the product of the shape. */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A whole split held in memory, row-major. */
export interface Dataset {
  /** Number of examples. */
  readonly size: number;
  /** Features per example. */
  readonly inputSize: number;
  /** `size * inputSize` features; example i is `x.subarray(i * inputSize, (i + 1) * inputSize)`. */
  readonly x: Float32Array;
  /** Class ids (Int32Array, `size` values, targetSize 1) or regression targets (Float32Array, `size * targetSize`). */
  readonly labels: Int32Array | Float32Array;
  /** Label values per example: 1 for class ids. */
  readonly targetSize: number;
}

/**
 * Where the process that loads a task stands in the run, as torchrun's `RANK` and `WORLD_SIZE` say: given in a
 * worker (its rank, 0 to worldSize − 1, and the workers of the run when it joined), absent where the launcher
 * counts the examples. Every rank must still build the same model and load the same data: dptrain shards it.
 */
export interface RankOptions {
  readonly rank?: number;
  readonly worldSize?: number;
}

/** Options dptrain passes to {@link Task.createModel}. */
export interface ModelOptions extends RankOptions {
  /** Seed for {@link Model.initialParameters}: equal seeds must give bit-identical vectors. */
  readonly seed: number;
  /**
   * Which gradient form dptrain's `dense()` layer uses: 'auto' (default) = the fast custom gradient on
   * the wasm backend and the built-in one elsewhere. Models that do not use `dense()` may ignore it.
   */
  readonly denseForm?: DenseForm;
}

/** Options dptrain passes to {@link Task.loadData}. */
export interface LoadDataOptions extends RankOptions {
  /** Seed for generated or shuffled data: every worker loads the same data set from the same seed. */
  readonly seed: number;
  /** Keep only the first `limit` examples (quick runs and tests). */
  readonly limit?: number;
}

/** A model as pure functions of its parameter tensors. */
export interface Model {
  /** The parameter tensors, in the order they are concatenated in the flat vector. */
  readonly parameters: readonly ParameterSpec[];
  /** A fresh flat vector of initial values, deterministic from the seed given to `createModel`. */
  initialParameters(): Float32Array;
  /**
   * The MEAN loss over the batch, as a scalar. Called inside `tf.tidy` and `tf.valueAndGrads`: use only
   * the tensors given (`params` in the order of `parameters`; `x` of shape [batch, inputSize]; `labels`
   * int32 [batch] for class ids or float32 [batch, targetSize] for targets) and `tf` ops on them. Do not
   * read tensor values (no `dataSync`), do not dispose or keep tensors.
   */
  loss(tf: Tf, params: readonly tfjs.Tensor[], x: tfjs.Tensor2D, labels: tfjs.Tensor): tfjs.Scalar;
  /**
   * Optional: the gradient in closed form, without tfjs. Writes the gradient of the MEAN loss over the batch into
   * `out` (flat, in parameter order, `params.length` floats) and returns that mean loss. `x` holds `size`
   * examples of `inputSize` features, `labels` their labels, as `loss` gets them; read them, keep none of the
   * arrays (they are reused buffers). When present the worker calls it instead of differentiating `loss`, so it
   * must be the gradient of the same function: `loss` still serves for reference, and `evaluate` for evaluation.
   */
  gradient?(
    params: Float32Array,
    x: Float32Array,
    labels: Int32Array | Float32Array,
    size: number,
    out: Float32Array,
  ): number;
  /**
   * Evaluation of one batch: the SUMMED loss over its examples and, for classification, the number of
   * correct predictions (omit `correct` for regression). Same rules as `loss`.
   */
  evaluate(
    tf: Tf,
    params: readonly tfjs.Tensor[],
    x: tfjs.Tensor2D,
    labels: tfjs.Tensor,
  ): { lossSum: tfjs.Scalar; correct?: tfjs.Scalar };
}

/** A named model family and the data it trains on. */
export interface Task {
  /** Short name shown in logs and reports. */
  readonly name: string;
  /** Builds the model; called once per process. */
  createModel(options: ModelOptions): Model;
  /** Loads (or generates) one split. Everything must come from local files or the seed: no downloads. */
  loadData(split: 'train' | 'test', options: LoadDataOptions): Promise<Dataset>;
  /**
   * Optional: the number of examples `loadData(split, options)` would return, found cheaply (from a file
   * header or a constant) without loading the data. The launcher needs it to compute `steps_per_epoch`
   * before it starts any process; when a task lacks it, dptrain calls `loadData` once to count.
   */
  size?(split: 'train' | 'test', options: { readonly limit?: number }): number | Promise<number>;
}

/**
 * Number of scalars in one parameter tensor (1 for a scalar of shape []).
 *
 * @example
 * tensorSize([784, 256]); // 200704
 */
export function tensorSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Length of the flat parameter vector: the sum of the tensor sizes.
 *
 * @example
 * parameterCount([{ name: 'w', shape: [8, 3] }, { name: 'b', shape: [3] }]); // 27
 */
export function parameterCount(parameters: readonly ParameterSpec[]): number {
  return parameters.reduce((sum, p) => sum + tensorSize(p.shape), 0);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string '${value}'`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isShape(shape: unknown): boolean {
  return Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n >= 1);
}

function parameterProblems(parameters: unknown): string[] {
  if (!Array.isArray(parameters) || parameters.length === 0) {
    return ['parameters (a non-empty array of { name, shape })'];
  }
  const problems: string[] = [];
  for (const [i, p] of parameters.entries()) {
    const spec = p as Partial<ParameterSpec> | null;
    if (typeof spec?.name !== 'string') problems.push(`parameters[${i}].name (a string)`);
    if (!isShape(spec?.shape)) problems.push(`parameters[${i}].shape (an array of positive integers)`);
  }
  return problems;
}

function functionProblems(value: Record<string, unknown>, names: readonly string[]): string[] {
  return names.filter((name) => typeof value[name] !== 'function').map((name) => `${name}() (a function)`);
}

/**
 * Throws a TaskError (ERR_TASK_INVALID) listing every member of the Task interface that `value` lacks.
 * `source` names where the value came from, for the message.
 *
 * @example
 * checkTask(module.default, './my-task.mjs');
 */
export function checkTask(value: unknown, source: string): asserts value is Task {
  if (typeof value !== 'object' || value === null) {
    throw new TaskError(
      'ERR_TASK_INVALID',
      `${source}: a task must be an object, received ${describe(value)}`,
    );
  }
  const record = value as Record<string, unknown>;
  const problems = functionProblems(record, ['createModel', 'loadData']);
  if (typeof record['name'] !== 'string' || record['name'] === '')
    problems.unshift('name (a non-empty string)');
  if (problems.length > 0) {
    throw new TaskError(
      'ERR_TASK_INVALID',
      `${source} does not implement Task: missing or wrong ${problems.join(', ')}`,
    );
  }
}

/**
 * Throws a TaskError (ERR_TASK_INVALID) listing every member of the Model interface that `value` lacks.
 *
 * @example
 * checkModel(task.createModel({ seed: 1 }), `task '${task.name}'`);
 */
export function checkModel(value: unknown, source: string): asserts value is Model {
  if (typeof value !== 'object' || value === null) {
    throw new TaskError(
      'ERR_TASK_INVALID',
      `${source}: a model must be an object, received ${describe(value)}`,
    );
  }
  const record = value as Record<string, unknown>;
  const problems = [
    ...parameterProblems(record['parameters']),
    ...functionProblems(record, ['initialParameters', 'loss', 'evaluate']),
    ...(record['gradient'] === undefined ? [] : functionProblems(record, ['gradient'])),
  ];
  if (problems.length > 0) {
    throw new TaskError(
      'ERR_TASK_INVALID',
      `${source} does not implement Model: missing or wrong ${problems.join(', ')}`,
    );
  }
}

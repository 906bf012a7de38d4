import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset, Model, ModelOptions, Task, Tf } from '../tasks/index.js';

const { fround } = Math;

/** `B` of the bench task's loss Σⱼ (B/2 · vⱼ² + aᵣ · vⱼ): exact in float32, so `B · v` rounds once. */
export const VECTOR_TASK_CURVATURE = 0.25;
/** Examples in the bench task's data set: the gradient does not read them, the data plan only needs some. */
export const VECTOR_TASK_EXAMPLES = 1024;

/**
 * The bench task's `aᵣ` for a rank: rank + 1, so that every rank's gradient differs (a process without a rank,
 * such as the launcher counting examples, counts as rank 0).
 *
 * @example
 * vectorTaskOffset(3); // 4
 */
export function vectorTaskOffset(rank: number | undefined): number {
  return (rank ?? 0) + 1;
}

/**
 * The bench task's initial value of parameter j: (j mod 256) ÷ 64 − 2, in [−2, 2) and exact in float32, so that
 * neighbouring floats differ and a misplaced chunk of the vector changes the result.
 *
 * @example
 * vectorTaskInitial(130); // 0.03125
 */
export function vectorTaskInitial(j: number): number {
  return (j % 256) / 64 - 2;
}

/**
 * The task `dptrain bench` trains: one parameter tensor `v` of `params` floats and, on rank r, the loss
 * Σⱼ (B/2 · vⱼ² + aᵣ · vⱼ) with aᵣ = r + 1 and B = {@link VECTOR_TASK_CURVATURE}. Its closed-form gradient,
 * gⱼ = f(f(B · vⱼ) + aᵣ) (f = float32 rounding), is one pass over the parameters ({@link Model.gradient}: tfjs never
 * runs) and fresh every round: it depends on the rank and, through the parameters, on every step applied before.
 * With SGD at lr · B < 2 the parameters contract towards −mean(a)/B, so every value stays finite however long it
 * runs. The data set (x = i for example i) is only there for the data plan; every example has the same loss.
 *
 * @example
 * // a task module: export default vectorTask(1_000_000);
 * const model = vectorTask(1000).createModel({ seed: 1, rank: 0 }); // model.gradient(params, x, labels, 1, out)
 */
export function vectorTask(params: number): Task {
  if (!Number.isInteger(params) || params < 1) {
    throw new RangeError(`the bench task's params must be a positive integer, received ${params}`);
  }
  return {
    name: 'bench-vector',
    createModel: (options: ModelOptions) => vectorModel(params, vectorTaskOffset(options.rank)),
    loadData: async (_split, options): Promise<Dataset> => {
      const size = Math.min(options.limit ?? VECTOR_TASK_EXAMPLES, VECTOR_TASK_EXAMPLES);
      const x = new Float32Array(size);
      for (let i = 0; i < size; i++) x[i] = i;
      return { size, inputSize: 1, x, labels: new Int32Array(size), targetSize: 1 };
    },
    size: (_split, options) => Math.min(options.limit ?? VECTOR_TASK_EXAMPLES, VECTOR_TASK_EXAMPLES),
  };
}

function vectorModel(params: number, offset: number): Model {
  const curvature = VECTOR_TASK_CURVATURE;
  const loss = (tf: Tf, [v]: readonly tfjs.Tensor[]): tfjs.Scalar =>
    tf.sum(tf.mul(v!, tf.add(tf.mul(v!, curvature / 2), offset))) as tfjs.Scalar;
  return {
    parameters: [{ name: 'v', shape: [params] }],
    initialParameters: () => {
      const v = new Float32Array(params);
      for (let j = 0; j < params; j++) v[j] = vectorTaskInitial(j);
      return v;
    },
    loss,
    evaluate: (tf, tensors, x) => ({ lossSum: tf.mul(loss(tf, tensors), x.shape[0]) as tfjs.Scalar }),
    gradient: (v, _x, _labels, _size, out) => {
      let sum = 0;
      for (let j = 0; j < v.length; j++) {
        const value = v[j]!;
        out[j] = fround(fround(curvature * value) + offset);
        sum += value * ((curvature / 2) * value + offset);
      }
      return sum;
    },
  };
}

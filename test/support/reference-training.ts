/**
 * A single-process, plain TensorFlow.js reference for data-parallel runs: tf.variables, built-in
 * gradients (`tf.variableGrads`, the model built with the plain dense form) and SGD or Momentum
 * updates as float32 tensor ops. A correct N-worker run over the same global batches (the
 * concatenation of every rank's batch k) and the same lr sequence ends at the same parameters, up to
 * float32 summation order.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { parameterCount, type Task, type Tf, tensorSize } from '../../src/tasks/index.js';

/** One global batch: `size` examples, x row-major, labels as in a Dataset. */
export interface ReferenceBatch {
  readonly size: number;
  readonly x: Float32Array;
  readonly labels: Int32Array | Float32Array;
}

export interface ReferenceTrainingOptions {
  readonly tf: Tf;
  readonly task: Task;
  /** Seed of `task.createModel`; the initial parameters come from it unless given. */
  readonly seed: number;
  /** Global batches, one per step. */
  readonly batches: readonly ReferenceBatch[];
  /** Learning rate of each step (same length as `batches`). */
  readonly lrs: readonly number[];
  /** Momentum coefficient: `v = mu*v + g; p -= lr*v`. Omitted: plain SGD `p -= lr*g`. */
  readonly momentum?: number;
  /** Start here instead of `model.initialParameters()`. */
  readonly initialParameters?: Float32Array;
}

function labelsTensor(tf: Tf, batch: ReferenceBatch): tfjs.Tensor {
  if (batch.labels instanceof Int32Array) return tf.tensor1d(batch.labels, 'int32');
  return tf.tensor2d(batch.labels, [batch.size, batch.labels.length / batch.size]);
}

/**
 * Trains from the initial parameters over `batches` and returns the final flat parameters.
 *
 * @example
 * const final = trainReference({ tf, task: syntheticTask, seed: 1, batches, lrs: batches.map(() => 0.1) });
 */
export function trainReference(options: ReferenceTrainingOptions): Float32Array {
  return trainReferenceWithLosses(options).params;
}

/** As `trainReference`, also giving the mean loss of every global batch before its update. */
export function trainReferenceWithLosses(options: ReferenceTrainingOptions): {
  params: Float32Array;
  losses: number[];
} {
  const { tf, task, seed, batches, lrs, momentum } = options;
  if (lrs.length !== batches.length)
    throw new Error(`lrs has ${lrs.length} values for ${batches.length} batches`);
  const model = task.createModel({ seed, denseForm: 'plain' });
  const initial = options.initialParameters ?? model.initialParameters();
  const shapes = model.parameters.map((p) => [...p.shape]);
  let offset = 0;
  const variables = shapes.map((shape) => {
    const size = tensorSize(shape);
    const values = initial.subarray(offset, offset + size);
    offset += size;
    // A variable shares its initial tensor's data: the tidy disposes only the temporary handle.
    return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32')));
  });
  const velocities =
    momentum === undefined ? [] : variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  const losses: number[] = [];
  try {
    for (const [step, batch] of batches.entries()) {
      tf.tidy(() => {
        const xs = tf.tensor2d(batch.x, [batch.size, batch.x.length / batch.size]);
        const ys = labelsTensor(tf, batch);
        const { value, grads } = tf.variableGrads(() => model.loss(tf, variables, xs, ys), variables);
        losses.push(value.dataSync()[0]!);
        const lr = tf.scalar(lrs[step]!);
        for (const [i, variable] of variables.entries()) {
          const g = grads[variable.name]!;
          const velocity = velocities[i];
          if (velocity === undefined) {
            variable.assign(tf.sub(variable, tf.mul(lr, g)));
          } else {
            velocity.assign(tf.add(tf.mul(tf.scalar(momentum!), velocity), g));
            variable.assign(tf.sub(variable, tf.mul(lr, velocity)));
          }
        }
      });
    }
    const final = new Float32Array(parameterCount(model.parameters));
    let at = 0;
    for (const variable of variables) {
      final.set(variable.dataSync(), at);
      at += variable.size;
    }
    return { params: final, losses };
  } finally {
    tf.dispose([...variables, ...velocities]);
  }
}

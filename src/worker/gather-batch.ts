import { TaskError } from '../errors.js';
import type { Dataset } from '../tasks/index.js';

/** Views of exactly one gathered batch inside the caller's reused buffers. */
export interface GatheredBatch {
  readonly size: number;
  readonly x: Float32Array;
  readonly labels: Int32Array | Float32Array;
}

/**
 * Copies the rows `indices` of a data set into reused buffers and returns views of exactly that batch
 * (for the last, smaller batch the views are shorter than the buffers). `labelsOut` must have the same
 * type as `dataset.labels`.
 *
 * @example
 * const batch = gatherBatch(train, batchIndices, xBuffer, labelBuffer); computer.compute(params, batch.x, batch.labels, batch.size);
 */
export function gatherBatch(
  dataset: Dataset,
  indices: Int32Array,
  xOut: Float32Array,
  labelsOut: Int32Array | Float32Array,
): GatheredBatch {
  const { inputSize, targetSize } = dataset;
  const n = indices.length;
  if (xOut.length < n * inputSize || labelsOut.length < n * targetSize) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `buffers too small for ${n} examples: xOut needs ${n * inputSize} floats (has ${xOut.length}), labelsOut needs ${n * targetSize} (has ${labelsOut.length})`,
    );
  }
  if (labelsOut.constructor !== dataset.labels.constructor) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `labelsOut must be a ${dataset.labels.constructor.name} like the data set's labels, received ${labelsOut.constructor.name}`,
    );
  }
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (i < 0 || i >= dataset.size) {
      throw new TaskError(
        'ERR_TASK_ARGUMENT',
        `index ${i} at position ${k} is outside the data set (size ${dataset.size})`,
      );
    }
    xOut.set(dataset.x.subarray(i * inputSize, (i + 1) * inputSize), k * inputSize);
    for (let t = 0; t < targetSize; t++) labelsOut[k * targetSize + t] = dataset.labels[i * targetSize + t]!;
  }
  return { size: n, x: xOut.subarray(0, n * inputSize), labels: labelsOut.subarray(0, n * targetSize) };
}

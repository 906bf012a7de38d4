/**
 * Deterministic data sharding, as PyTorch's DistributedSampler and Horovod's ElasticSampler: every
 * rank shuffles the whole index list with the same seed + epoch, pads it to a multiple of the world
 * size by repeating indices from its start, and takes every worldSize-th index from its rank. All
 * ranks then hold the same number of examples, so they run the same number of batches per epoch and
 * batch k has the same size on every rank: the mean of the per-rank mean gradients is the mean
 * gradient of the concatenated global batch.
 */
import { TaskError } from '../errors.js';
import { mixSeed, Random } from '../tasks/random.js';
import type { Dataset } from '../tasks/task.js';

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TaskError('ERR_TASK_ARGUMENT', `${name} must be an integer ≥ ${min}, received ${value}`);
  }
}

/**
 * The indices 0 … datasetSize-1 in the shuffled order of one epoch (Fisher–Yates, seeded from seed and
 * epoch): the same on every rank and every run for equal arguments.
 *
 * @example
 * epochIndices(10, 42, 0); // e.g. Int32Array [3, 7, 0, …], a permutation of 0…9
 */
export function epochIndices(datasetSize: number, seed: number, epoch: number): Int32Array {
  checkInteger('datasetSize', datasetSize, 1);
  checkInteger('epoch', epoch, 0);
  const random = new Random(mixSeed(seed, epoch));
  const indices = new Int32Array(datasetSize);
  for (let i = 0; i < datasetSize; i++) indices[i] = i;
  for (let i = datasetSize - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = t;
  }
  return indices;
}

/**
 * This rank's share of an epoch's indices: pad to a multiple of worldSize by repeating from the start
 * (cyclically, if the data set is smaller than the padding), then every worldSize-th index from `rank`.
 * Every rank gets ceil(indices.length / worldSize) indices.
 *
 * @example
 * shardIndices(Int32Array.of(5, 1, 4, 0, 2), 1, 2); // Int32Array [1, 0, 5]  (padded: 5 1 4 0 2 5)
 */
export function shardIndices(indices: Int32Array, rank: number, worldSize: number): Int32Array {
  checkInteger('worldSize', worldSize, 1);
  checkInteger('rank', rank, 0);
  if (rank >= worldSize) {
    throw new TaskError('ERR_TASK_ARGUMENT', `rank must be below worldSize ${worldSize}, received ${rank}`);
  }
  if (indices.length === 0) throw new TaskError('ERR_TASK_ARGUMENT', 'indices must not be empty');
  const perRank = Math.ceil(indices.length / worldSize);
  const shard = new Int32Array(perRank);
  for (let k = 0; k < perRank; k++) shard[k] = indices[(rank + k * worldSize) % indices.length]!;
  return shard;
}

/**
 * Consecutive batches of a shard: views of `batchSize` indices; the last, partial batch is kept.
 *
 * @example
 * batches(Int32Array.of(1, 2, 3, 4, 5), 2); // [[1, 2], [3, 4], [5]]
 */
export function batches(shard: Int32Array, batchSize: number): Int32Array[] {
  checkInteger('batchSize', batchSize, 1);
  const out: Int32Array[] = [];
  for (let start = 0; start < shard.length; start += batchSize)
    out.push(shard.subarray(start, start + batchSize));
  return out;
}

/**
 * Batches per epoch on every rank: ceil(ceil(datasetSize / worldSize) / batchSize).
 *
 * @example
 * stepsPerEpoch(60000, 2, 64); // 469
 */
export function stepsPerEpoch(datasetSize: number, worldSize: number, batchSize: number): number {
  checkInteger('datasetSize', datasetSize, 1);
  checkInteger('worldSize', worldSize, 1);
  checkInteger('batchSize', batchSize, 1);
  return Math.ceil(Math.ceil(datasetSize / worldSize) / batchSize);
}

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

/**
 * Deterministic data sharding, as PyTorch's DistributedSampler and Horovod's ElasticSampler: every
 * rank shuffles the whole index list with the same seed + epoch, pads it to a multiple of the world
 * size by repeating indices from its start, and takes every worldSize-th index from its rank. All
 * ranks then hold the same number of examples, so they run the same number of batches per epoch and
 * batch k has the same size on every rank: the mean of the per-rank mean gradients is the mean
 * gradient of the concatenated global batch.
 */
import { TaskError } from '../errors.js';
import { mixSeed, Random } from '../tasks/index.js';

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

/**
 * Examples in batch `round` of every rank (all ranks hold equally many, so the count is the same for each):
 * `batchSize`, except the last batch of an epoch, which holds what is left of the rank's padded share.
 *
 * @example
 * batchSamples(100, 2, 16, 3); // 2  (each rank has 50 examples: batches of 16, 16, 16, 2)
 */
export function batchSamples(
  datasetSize: number,
  worldSize: number,
  batchSize: number,
  round: number,
): number {
  checkInteger('round', round, 0);
  const perEpoch = stepsPerEpoch(datasetSize, worldSize, batchSize);
  const perRank = Math.ceil(datasetSize / worldSize);
  return Math.min(batchSize, perRank - (round % perEpoch) * batchSize);
}

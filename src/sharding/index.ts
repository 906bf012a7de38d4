/**
 * Deterministic sharding, shared by the coordinator (steps per epoch, the size of each batch) and the workers
 * (which examples): the epoch's shuffle from seed + epoch, padded to a multiple of the world size, every
 * world-size-th index from the rank.
 *
 * @example
 * stepsPerEpoch(60000, 2, 64); // 469
 */
export { batches, batchSamples, epochIndices, shardIndices, stepsPerEpoch } from './sampler.js';

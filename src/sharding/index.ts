/**
 * Deterministic sharding, shared by the coordinator (steps per epoch, the size of each batch) and the workers
 * (which examples): the epoch's shuffle from seed + epoch, padded to a multiple of the world size, every
 * world-size-th index from the rank; when the world changes mid-epoch, the examples not yet seen are split again
 * among the new world by the same rule (the epoch plan).
 *
 * @example
 * stepsPerEpoch(60000, 2, 64); // 469
 */
export { DataPlan, type DataPlanOptions, fixedWorldHistory, ranksUpTo } from './data-plan.js';
export {
  type EpochHistory,
  type EpochPlan,
  epochBatch,
  epochBatchSamples,
  epochMembers,
  planEpoch,
  type Segment,
  type World,
} from './epoch-plan.js';
export { batches, batchSamples, epochIndices, shardIndices, stepsPerEpoch } from './sampler.js';

import type { LrGranularity, Scheduler } from '../lr/index.js';
import type { LrWorldScaling } from './lr-world-scaling.js';

/**
 * How the run unfolds once the training set size is known: its length, the one schedule, and what the sharding
 * needs to know each rank's batch size in every round.
 *
 * @example
 * const plan: RunPlan = { datasetSize: 60000, batchSize: 64, stepsPerEpoch: 469, totalSteps: 1407, scheduler, granularity: 'step' };
 */
export interface RunPlan {
  /** training examples the run uses (after data_limit) */
  readonly datasetSize: number;
  /** examples per worker per round: `batch_size` × `accumulate_steps` (the micro-batches a worker accumulates) */
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly scheduler: Scheduler;
  readonly granularity: LrGranularity;
  /**
   * a second scheduler of the same config, never stepped by the run: async mode checks every applied LR
   * against it (null: no such check)
   */
  readonly referenceScheduler: Scheduler | null;
  /** sync: how the applied LR follows the world size (`none`: the schedule's LR as it is) */
  readonly lrWorldScaling: LrWorldScaling;
  /**
   * sync: the run's length in epochs when the config gave it so (null or absent: `totalSteps` is the length). A
   * world that shrinks makes its epochs longer; the run then still ends where the data plan's last epoch does.
   */
  readonly epochs?: number | null;
}

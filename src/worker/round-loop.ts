import { DataPlan, type EpochHistory, fixedWorldHistory, stepsPerEpoch } from '../sharding/index.js';
import type { Dataset } from '../tasks/index.js';
import { gatherBatch } from './gather-batch.js';
import type { GradientComputer } from './gradients.js';

export interface RoundLoopOptions {
  readonly rank: number;
  readonly worldSize: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly train: Dataset;
  /** batches per epoch of a world of `worldSize` ranks (derived when absent) */
  readonly stepsPerEpoch?: number;
  /**
   * the epoch in progress and its worlds (sync: the welcome's, the coordinator's data plan); absent: a world of
   * ranks 0 … worldSize − 1 from the first round on
   */
  readonly history?: EpochHistory;
  /** the worker's parameters, read at every gradient */
  readonly params: Float32Array;
  readonly computer: GradientComputer;
}

/**
 * Which examples a worker trains on in each round, and their gradient: this rank's batch of the round in the data
 * plan (see src/sharding), which follows the history the coordinator sent, so that both agree on every batch also
 * after the world changed. Rounds go forward only.
 *
 * @example
 * const loop = new RoundLoop({ rank: 0, worldSize: 2, seed: 1, batchSize: 64, train, params, computer });
 * const { loss, grad, samples } = loop.gradient(0);
 */
export class RoundLoop {
  private readonly data: DataPlan;
  /** async `shrink`: per lost rank, the plan its batches are taken from (its epoch may be behind this rank's) */
  private readonly shardPlans = new Map<number, DataPlan>();
  private readonly x: Float32Array;
  private readonly labels: Int32Array | Float32Array;

  constructor(private readonly options: RoundLoopOptions) {
    const { train, batchSize, worldSize, seed } = options;
    const perEpoch = options.stepsPerEpoch ?? stepsPerEpoch(train.size, worldSize, batchSize);
    this.data = new DataPlan({
      datasetSize: train.size,
      seed,
      batchSize,
      history: options.history ?? fixedWorldHistory(worldSize, 0, perEpoch),
    });
    this.x = new Float32Array(batchSize * train.inputSize);
    this.labels =
      train.labels instanceof Int32Array
        ? new Int32Array(batchSize)
        : new Float32Array(batchSize * train.targetSize);
  }

  /**
   * The world changes at `round` (the coordinator's `update` says so after a lost rank): `members` share the examples
   * of the epoch not yet seen, the `unfinished` ranks' batch of the round before did not count.
   */
  resize(round: number, members: readonly number[], unfinished: readonly number[]): void {
    this.data.resize(round, members, unfinished);
  }

  /**
   * The gradient of this rank's batch for `round` — or, in async mode under shrink, of rank `shard`'s batch, a lost
   * rank's the coordinator handed over; `grad` is the computer's buffer, valid until the next call.
   */
  gradient(round: number, shard = this.options.rank): { loss: number; grad: Float32Array; samples: number } {
    const indices = shard === this.options.rank ? this.ownBatch(round) : this.shardBatch(round, shard);
    const batch = gatherBatch(this.options.train, indices, this.x, this.labels);
    const { loss, grad } = this.options.computer.compute(
      this.options.params,
      batch.x,
      batch.labels,
      batch.size,
    );
    return { loss, grad, samples: batch.size };
  }

  private ownBatch(round: number): Int32Array {
    this.data.advanceTo(round);
    return this.data.batch(round, this.options.rank);
  }

  /** Another rank's batch of a world that never changed (async shards): a plan per shard, going forward. */
  private shardBatch(round: number, shard: number): Int32Array {
    const { train, batchSize, worldSize, seed } = this.options;
    let plan = this.shardPlans.get(shard);
    if (plan === undefined) {
      const perEpoch = this.options.stepsPerEpoch ?? stepsPerEpoch(train.size, worldSize, batchSize);
      const history = fixedWorldHistory(worldSize, round, perEpoch);
      plan = new DataPlan({ datasetSize: train.size, seed, batchSize, history });
      this.shardPlans.set(shard, plan);
    }
    plan.advanceTo(round);
    return plan.batch(round, shard);
  }
}

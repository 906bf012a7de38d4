import { DataPlan, type EpochHistory, fixedWorldHistory, stepsPerEpoch } from '../sharding/index.js';
import type { Dataset } from '../tasks/index.js';
import { type GatheredBatch, gatherBatch } from './gather-batch.js';
import type { GradientComputer } from './gradients.js';

export interface RoundLoopOptions {
  readonly rank: number;
  readonly worldSize: number;
  readonly seed: number;
  /** examples of this rank per round */
  readonly batchSize: number;
  /**
   * gradient accumulation: a round's batch is computed in micro-batches of at most this many examples, whose
   * gradients are averaged, weighted by size, into the gradient of the whole batch (default: `batchSize`, one piece)
   */
  readonly microBatchSize?: number;
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
  /** batches per epoch of the world of `worldSize` ranks */
  private readonly perEpoch: number;
  private readonly x: Float32Array;
  private readonly labels: Int32Array | Float32Array;
  private readonly micro: number;
  /** the accumulated gradient, float64 until it is rounded once into `grad` */
  private readonly sum: Float64Array | undefined;
  private readonly grad: Float32Array | undefined;
  /** this rank's batch of a coming round, already in `x` and `labels` (see `prefetch`) */
  private prefetched: { readonly round: number; readonly batch: GatheredBatch } | undefined;

  constructor(private readonly options: RoundLoopOptions) {
    const { train, batchSize, worldSize, seed } = options;
    const perEpoch = options.stepsPerEpoch ?? stepsPerEpoch(train.size, worldSize, batchSize);
    this.perEpoch = perEpoch;
    this.data = new DataPlan({
      datasetSize: train.size,
      seed,
      batchSize,
      history: options.history ?? fixedWorldHistory(worldSize, 0, perEpoch),
    });
    this.micro = Math.min(options.microBatchSize ?? batchSize, batchSize);
    this.x = new Float32Array(this.micro * train.inputSize);
    this.labels =
      train.labels instanceof Int32Array
        ? new Int32Array(this.micro)
        : new Float32Array(this.micro * train.targetSize);
    if (this.micro < batchSize) {
      this.sum = new Float64Array(options.computer.parameterCount);
      this.grad = new Float32Array(options.computer.parameterCount);
    }
  }

  /**
   * The world changes at `round` (the coordinator's `update` says so after a lost rank): `members` share the examples
   * of the epoch not yet seen, the `unfinished` ranks' batch of the round before did not count.
   */
  resize(round: number, members: readonly number[], unfinished: readonly number[]): void {
    // A batch gathered for the old world may not be this rank's in the new one.
    this.prefetched = undefined;
    this.data.resize(round, members, unfinished);
  }

  /**
   * Gathers this rank's batch of `round` into the reused buffers now (sync: while the update of the round before is
   * awaited), so that `gradient(round)` starts computing at once. Only a batch of one piece is gathered ahead; a
   * `resize` in between discards it, and so does a gradient for any other round.
   *
   * @example
   * loop.prefetch(round + 1); await inbox.next('update'); loop.gradient(round + 1);
   */
  prefetch(round: number): void {
    const indices = this.data.batch(round, this.options.rank);
    this.prefetched = undefined;
    if (indices.length === 0 || indices.length > this.micro) return;
    const batch = gatherBatch(this.options.train, indices, this.x, this.labels);
    this.prefetched = { round, batch };
  }

  /**
   * The gradient of the mean loss over this rank's batch for `round`, and that mean loss; `grad` is a reused buffer,
   * valid until the next call. With micro-batches (gradient accumulation, as Paddle's and DeepSpeed's
   * `accumulate_steps`) each piece's mean-loss gradient counts with its share of the batch, n_i ÷ n — the mean over
   * k equal micro-batches, and a smaller last piece weighs less, so the result is the gradient of the one batch of
   * n examples. The sum runs in float64 and is rounded once to float32.
   */
  gradient(round: number, shard = this.options.rank): { loss: number; grad: Float32Array; samples: number } {
    const indices = shard === this.options.rank ? this.ownBatch(round) : this.shardBatch(round, shard);
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    if (prefetched !== undefined && prefetched.round === round && shard === this.options.rank) {
      const { batch } = prefetched;
      const { loss, grad } = this.options.computer.compute(
        this.options.params,
        batch.x,
        batch.labels,
        batch.size,
      );
      return { loss, grad, samples: batch.size };
    }
    const { sum, grad } = this;
    if (sum === undefined || grad === undefined || indices.length <= this.micro) {
      const { loss, grad: whole } = this.piece(indices);
      return { loss, grad: whole, samples: indices.length };
    }
    const n = indices.length;
    sum.fill(0);
    let loss = 0;
    for (let start = 0; start < n; start += this.micro) {
      const part = indices.subarray(start, Math.min(n, start + this.micro));
      const share = part.length / n;
      const piece = this.piece(part);
      for (let i = 0; i < sum.length; i++) sum[i]! += piece.grad[i]! * share;
      loss += piece.loss * share;
    }
    for (let i = 0; i < grad.length; i++) grad[i] = sum[i]!;
    return { loss, grad, samples: n };
  }

  private piece(indices: Int32Array): { loss: number; grad: Float32Array } {
    const batch = gatherBatch(this.options.train, indices, this.x, this.labels);
    return this.options.computer.compute(this.options.params, batch.x, batch.labels, batch.size);
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
      const history = fixedWorldHistory(worldSize, round, this.perEpoch);
      plan = new DataPlan({ datasetSize: train.size, seed, batchSize, history });
      this.shardPlans.set(shard, plan);
    }
    plan.advanceTo(round);
    return plan.batch(round, shard);
  }
}

import { batches, epochIndices, shardIndices } from '../sharding/index.js';
import type { Dataset } from '../tasks/index.js';
import { gatherBatch } from './gather-batch.js';
import type { GradientComputer } from './gradients.js';

export interface RoundLoopOptions {
  readonly rank: number;
  readonly worldSize: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly train: Dataset;
  /** batches per epoch (the same on every rank) */
  readonly stepsPerEpoch: number;
  /** the worker's parameters, read at every gradient */
  readonly params: Float32Array;
  readonly computer: GradientComputer;
}

/**
 * Which examples a worker trains on in each round, and their gradient: batch `round % stepsPerEpoch` of this
 * rank's shard of epoch `round / stepsPerEpoch`. The epoch's shard is built once, when the round enters it.
 *
 * @example
 * const loop = new RoundLoop({ rank: 0, worldSize: 2, seed: 1, batchSize: 64, train, stepsPerEpoch: 469, params, computer });
 * const { loss, grad, samples } = loop.gradient(0);
 */
export class RoundLoop {
  private epoch = -1;
  private epochBatches: Int32Array[] = [];
  private readonly x: Float32Array;
  private readonly labels: Int32Array | Float32Array;

  constructor(private readonly options: RoundLoopOptions) {
    const { train, batchSize } = options;
    this.x = new Float32Array(batchSize * train.inputSize);
    this.labels =
      train.labels instanceof Int32Array
        ? new Int32Array(batchSize)
        : new Float32Array(batchSize * train.targetSize);
  }

  /** The gradient of this rank's batch for `round`; `grad` is the computer's buffer, valid until the next call. */
  gradient(round: number): { loss: number; grad: Float32Array; samples: number } {
    const { train, seed, rank, worldSize, stepsPerEpoch, batchSize } = this.options;
    const epoch = Math.floor(round / stepsPerEpoch);
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.epochBatches = batches(
        shardIndices(epochIndices(train.size, seed, epoch), rank, worldSize),
        batchSize,
      );
    }
    const batch = gatherBatch(train, this.epochBatches[round % stepsPerEpoch]!, this.x, this.labels);
    const { loss, grad } = this.options.computer.compute(
      this.options.params,
      batch.x,
      batch.labels,
      batch.size,
    );
    return { loss, grad, samples: batch.size };
  }
}

import { beforeAll, describe, expect, it } from 'vitest';
import { batches, epochIndices, shardIndices } from '../../src/sharding/index.js';
import { type Dataset, syntheticTask, type Tf } from '../../src/tasks/index.js';
import { GradientComputer, gatherBatch, selectBackend } from '../../src/worker/index.js';
import { type ReferenceBatch, trainReference } from '../support/reference-training.js';
import { relativeDifference } from '../support/vectors.js';

const { fround } = Math;
const SEED = 1;
const STEPS = 6;
const LRS = [0.5, 0.45, 0.4, 0.35, 0.3, 0.25];

/** Batch k of every step for one rank, copied out of the gather buffers. */
function rankBatches(train: Dataset, rank: number, worldSize: number, batchSize: number): ReferenceBatch[] {
  const shard = shardIndices(epochIndices(train.size, SEED, 0), rank, worldSize);
  const x = new Float32Array(batchSize * train.inputSize);
  const labels = new Int32Array(batchSize);
  return batches(shard, batchSize)
    .slice(0, STEPS)
    .map((indices) => {
      const b = gatherBatch(train, indices, x, labels);
      return { size: b.size, x: b.x.slice(), labels: b.labels.slice() };
    });
}

function concatenate(parts: readonly ReferenceBatch[]): ReferenceBatch {
  const x = new Float32Array(parts.reduce((n, p) => n + p.x.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let [xAt, labelsAt] = [0, 0];
  for (const p of parts) {
    x.set(p.x, xAt);
    labels.set(p.labels, labelsAt);
    xAt += p.x.length;
    labelsAt += p.labels.length;
  }
  return { size: parts.reduce((n, p) => n + p.size, 0), x, labels };
}

/** Data-parallel SGD/Momentum by hand: average the ranks' gradients of batch k, float32 update as src/optim. */
function trainDataParallel(tf: Tf, perRank: ReferenceBatch[][], momentum?: number): Float32Array {
  const model = syntheticTask.createModel({ seed: SEED });
  const computer = new GradientComputer(tf, model);
  const params = model.initialParameters();
  const mean = new Float32Array(params.length);
  const velocity = new Float32Array(params.length);
  const mu = fround(momentum ?? 0);
  for (let step = 0; step < STEPS; step++) {
    mean.fill(0);
    for (const rank of perRank) {
      const b = rank[step]!;
      const { grad } = computer.compute(params, b.x, b.labels, b.size);
      for (let i = 0; i < mean.length; i++) mean[i]! += grad[i]! / perRank.length;
    }
    const lr = fround(LRS[step]!);
    for (let i = 0; i < params.length; i++) {
      let g = mean[i]!;
      if (momentum !== undefined) {
        g = fround(fround(mu * velocity[i]!) + g);
        velocity[i] = g;
      }
      params[i] = fround(params[i]! - fround(lr * g));
    }
  }
  return params;
}

describe('trainReference', () => {
  let tf: Tf;
  let train: Dataset;
  beforeAll(async () => {
    ({ tf } = await selectBackend('wasm'));
    train = await syntheticTask.loadData('train', { seed: SEED });
  });

  it.each([
    ['SGD', undefined],
    ['Momentum 0.9', 0.9],
  ])(
    '%s: matches GradientComputer and a hand-written update loop within 1e-6 relative',
    (_name, momentum) => {
      const single = [rankBatches(train, 0, 1, 64)];
      const reference = trainReference({
        tf,
        task: syntheticTask,
        seed: SEED,
        batches: single[0]!,
        lrs: LRS,
        momentum,
      });
      const initial = syntheticTask.createModel({ seed: SEED }).initialParameters();
      expect(relativeDifference(reference, initial)).toBeGreaterThan(0.01); // it did train
      expect(relativeDifference(trainDataParallel(tf, single, momentum), reference)).toBeLessThanOrEqual(
        1e-6,
      );
    },
  );

  it('equals 3-rank data-parallel training on the concatenated global batches', () => {
    const perRank = [0, 1, 2].map((rank) => rankBatches(train, rank, 3, 32));
    const global = LRS.map((_, step) => concatenate(perRank.map((rank) => rank[step]!)));
    const reference = trainReference({
      tf,
      task: syntheticTask,
      seed: SEED,
      batches: global,
      lrs: LRS,
      momentum: 0.9,
    });
    expect(relativeDifference(trainDataParallel(tf, perRank, 0.9), reference)).toBeLessThanOrEqual(1e-6);
  });

  it('leaves no tensors or variables behind', () => {
    const before = tf.memory().numTensors;
    trainReference({
      tf,
      task: syntheticTask,
      seed: SEED,
      batches: rankBatches(train, 0, 1, 16),
      lrs: LRS,
      momentum: 0.5,
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

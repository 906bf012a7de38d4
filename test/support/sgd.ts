import { batches, epochIndices } from '../../src/sharding/index.js';
import type { Dataset } from '../../src/tasks/index.js';
import { type GradientComputer, gatherBatch } from '../../src/worker/index.js';

/** Plain SGD (`p -= lr * g`) for `steps` batches of 64 of a single process's shuffled epochs (seed 1), in place. */
export function trainSgd(
  computer: GradientComputer,
  train: Dataset,
  params: Float32Array,
  steps: number,
  lr: number,
): void {
  const xBuffer = new Float32Array(64 * train.inputSize);
  const labelBuffer = new Int32Array(64);
  let step = 0;
  for (let epoch = 0; step < steps; epoch++) {
    for (const indices of batches(epochIndices(train.size, 1, epoch), 64)) {
      if (step++ === steps) break;
      const batch = gatherBatch(train, indices, xBuffer, labelBuffer);
      const { grad } = computer.compute(params, batch.x, batch.labels, batch.size);
      for (let i = 0; i < params.length; i++) params[i]! -= lr * grad[i]!;
    }
  }
}

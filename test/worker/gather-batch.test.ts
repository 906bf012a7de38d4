import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/tasks/index.js';
import { gatherBatch } from '../../src/worker/index.js';

describe('gatherBatch', () => {
  const classification: Dataset = {
    size: 4,
    inputSize: 3,
    x: Float32Array.from({ length: 12 }, (_, i) => i),
    labels: Int32Array.of(10, 11, 12, 13),
    targetSize: 1,
  };

  it('copies the rows into reused buffers and returns views of exactly the batch', () => {
    const xOut = new Float32Array(9).fill(-1);
    const labelsOut = new Int32Array(3).fill(-1);
    const batch = gatherBatch(classification, Int32Array.of(3, 0), xOut, labelsOut);
    expect(batch.size).toBe(2);
    expect([...batch.x]).toEqual([9, 10, 11, 0, 1, 2]);
    expect([...batch.labels]).toEqual([13, 10]);
    expect(batch.x.buffer).toBe(xOut.buffer);
    expect(batch.labels.buffer).toBe(labelsOut.buffer);
  });

  it('copies regression targets of several values per example', () => {
    const regression: Dataset = {
      ...classification,
      labels: Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7),
      targetSize: 2,
    };
    const batch = gatherBatch(regression, Int32Array.of(2, 2, 1), new Float32Array(9), new Float32Array(6));
    expect([...batch.labels]).toEqual([4, 5, 4, 5, 2, 3]);
  });

  it('refuses small buffers, labels of another type and indices outside the data set', () => {
    const x = new Float32Array(9);
    expect(() => gatherBatch(classification, Int32Array.of(0, 1, 2, 3), x, new Int32Array(4))).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_SHAPE' }),
    );
    expect(() => gatherBatch(classification, Int32Array.of(0), x, new Float32Array(3))).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_SHAPE' }),
    );
    expect(() => gatherBatch(classification, Int32Array.of(4), x, new Int32Array(3))).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }),
    );
  });
});

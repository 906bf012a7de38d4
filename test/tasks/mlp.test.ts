import { beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import { createMlp, mlpParameters, parameterCount, type Tf } from '../../src/tasks/index.js';
import { selectBackend } from '../../src/worker/index.js';

describe('mlpParameters', () => {
  it('lists [w0, b0, w1, b1, …] with kernel shapes [in, out]', () => {
    expect(mlpParameters([784, 256, 128, 10])).toEqual([
      { name: 'w0', shape: [784, 256] },
      { name: 'b0', shape: [256] },
      { name: 'w1', shape: [256, 128] },
      { name: 'b1', shape: [128] },
      { name: 'w2', shape: [128, 10] },
      { name: 'b2', shape: [10] },
    ]);
    expect(parameterCount(mlpParameters([784, 256, 128, 10]))).toBe(235146);
  });

  it('refuses fewer than two layers and sizes that are not positive integers', () => {
    for (const sizes of [[4], [4, 0], [4, 2.5, 3], []]) {
      expect(() => mlpParameters(sizes)).toThrow(expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }));
    }
    expect(() => createMlp({ layerSizes: [4, 3], seed: 0.5 })).toThrow(TaskError);
  });
});

describe('createMlp', () => {
  it('initializes kernels Glorot-uniform and biases at zero, the same for the same seed', () => {
    const model = createMlp({ layerSizes: [20, 30, 5], seed: 4 });
    const params = model.initialParameters();
    expect(params).toHaveLength(20 * 30 + 30 + 30 * 5 + 5);
    expect(params).toEqual(createMlp({ layerSizes: [20, 30, 5], seed: 4 }).initialParameters());
    expect(params).not.toEqual(createMlp({ layerSizes: [20, 30, 5], seed: 5 }).initialParameters());
    const w0 = params.subarray(0, 600);
    const b0 = params.subarray(600, 630);
    const w1 = params.subarray(630, 780);
    const b1 = params.subarray(780);
    expect(Math.max(...w0.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 50));
    expect(Math.max(...w1.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 35));
    expect(Math.max(...w1.map(Math.abs))).toBeGreaterThan(Math.sqrt(6 / 50)); // each layer has its own limit
    expect([...b0, ...b1].every((v) => v === 0)).toBe(true);
    expect(model.initialParameters()).not.toBe(params); // a fresh vector each call
  });

  describe('on tfjs', () => {
    let tf: Tf;
    beforeAll(async () => {
      ({ tf } = await selectBackend('wasm'));
    });

    it('evaluate sums the per-example losses and counts argmax hits; loss is their mean', () => {
      // one layer, weights picked by hand: logits = x·w + b
      const model = createMlp({ layerSizes: [2, 3], seed: 1 });
      const w = [1, 0, 0, 0, 1, 0];
      const b = [0, 0, 0.5];
      const x = [
        [2, 0], // logits [2, 0, 0.5] → class 0
        [0, 2], // logits [0, 2, 0.5] → class 1
        [0, 0], // logits [0, 0, 0.5] → class 2
      ];
      const labels = [0, 2, 2]; // right, wrong, right
      const ce = (z: number[], y: number) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y]!;
      const logits = x.map(([a, c]) => [a! + b[0]!, c! + b[1]!, b[2]!]);
      const expectedSum = logits.reduce((s, z, n) => s + ce(z, labels[n]!), 0);
      const result = tf.tidy(() => {
        const params = [tf.tensor2d(w, [2, 3]), tf.tensor1d(b)];
        const xs = tf.tensor2d(x);
        const ys = tf.tensor1d(labels, 'int32');
        const { lossSum, correct } = model.evaluate(tf, params, xs, ys);
        const mean = model.loss(tf, params, xs, ys);
        return [lossSum.dataSync()[0]!, correct!.dataSync()[0]!, mean.dataSync()[0]!, mean.rank];
      });
      expect(result[0]).toBeCloseTo(expectedSum, 5);
      expect(result[1]).toBe(2);
      expect(result[2]).toBeCloseTo(expectedSum / 3, 5);
      expect(result[3]).toBe(0);
    });
  });
});

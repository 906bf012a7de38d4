import { describe, expect, it } from 'vitest';
import { SYNTHETIC, syntheticTask } from '../../src/tasks/index.js';
import { GradientComputer, selectBackend } from '../../src/worker/index.js';
import { trainSgd } from '../support/sgd.js';

describe('syntheticTask data', () => {
  it('generates 2,048 train and 512 test examples of 16 features with class ids 0…3', async () => {
    const train = await syntheticTask.loadData('train', { seed: 1 });
    const test = await syntheticTask.loadData('test', { seed: 1 });
    expect([train.size, test.size]).toEqual([2048, 512]);
    for (const data of [train, test]) {
      expect(data.inputSize).toBe(16);
      expect(data.targetSize).toBe(1);
      expect(data.x).toHaveLength(data.size * 16);
      expect(data.labels).toBeInstanceOf(Int32Array);
      expect(data.labels).toHaveLength(data.size);
      expect(data.x.every((v) => Math.abs(v) <= Math.sqrt(3))).toBe(true);
    }
  });

  it('is the same for the same seed and differs between seeds and between splits', async () => {
    const a = await syntheticTask.loadData('train', { seed: 7 });
    const b = await syntheticTask.loadData('train', { seed: 7 });
    const c = await syntheticTask.loadData('train', { seed: 8 });
    const test = await syntheticTask.loadData('test', { seed: 7 });
    expect(b.x).toEqual(a.x);
    expect(b.labels).toEqual(a.labels);
    expect(c.x).not.toEqual(a.x);
    expect(test.x.subarray(0, 64)).not.toEqual(a.x.subarray(0, 64));
  });

  it('keeps every class between 15% and 35% of the examples', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { labels, size } = await syntheticTask.loadData('train', { seed });
      const counts = new Array<number>(SYNTHETIC.classes).fill(0);
      for (const label of labels) counts[label]!++;
      for (const count of counts) expect(count / size).toBeGreaterThan(0.15);
      for (const count of counts) expect(count / size).toBeLessThan(0.35);
    }
  });

  it('keeps the first `limit` examples, and refuses a limit that is not a positive integer', async () => {
    const full = await syntheticTask.loadData('train', { seed: 3 });
    const some = await syntheticTask.loadData('train', { seed: 3, limit: 100 });
    expect(some.size).toBe(100);
    expect(some.x).toEqual(full.x.subarray(0, 1600));
    expect(some.labels).toEqual(full.labels.subarray(0, 100));
    expect((await syntheticTask.loadData('test', { seed: 3, limit: 10_000 })).size).toBe(512);
    await expect(syntheticTask.loadData('train', { seed: 3, limit: 0 })).rejects.toMatchObject({
      code: 'ERR_TASK_ARGUMENT',
    });
  });
});

describe('syntheticTask model', () => {
  it('is a 16-32-4 MLP', () => {
    const model = syntheticTask.createModel({ seed: 1 });
    expect(model.parameters.map((p) => p.shape)).toEqual([[16, 32], [32], [32, 4], [4]]);
  });

  it('trains on wasm: 200 SGD steps cut the training loss at least fourfold and reach 75% test accuracy', async () => {
    const { tf, backend } = await selectBackend();
    expect(backend).toBe('wasm');
    const train = await syntheticTask.loadData('train', { seed: 1 });
    const test = await syntheticTask.loadData('test', { seed: 1 });
    const model = syntheticTask.createModel({ seed: 1 });
    const computer = new GradientComputer(tf, model);
    const params = model.initialParameters();
    const before = computer.evaluate(params, train);
    trainSgd(computer, train, params, 200, 0.5);
    const after = computer.evaluate(params, train);
    expect(after.loss).toBeLessThan(before.loss / 4);
    expect(computer.evaluate(params, test).accuracy).toBeGreaterThan(0.75);
  });
});

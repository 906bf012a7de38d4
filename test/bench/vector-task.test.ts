import { beforeAll, describe, expect, it } from 'vitest';
import { expectedVectorParams, paramsMismatch } from '../../src/bench/vector-check.js';
import { vectorTask } from '../../src/bench/vector-task.js';
import { checkModel, checkTask, type Tf } from '../../src/tasks/index.js';
import { GradientComputer, selectBackend } from '../../src/worker/index.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await selectBackend('wasm'));
});

describe('the bench task', () => {
  it('gives rank r the gradient 0.25·v + (r + 1) of its initial (j mod 256) / 64 − 2, by hand, and Σ v(v/8 + r + 1) as loss', async () => {
    const task = vectorTask(4);
    checkTask(task, 'vectorTask(4)');
    const model = task.createModel({ seed: 1, rank: 1, worldSize: 2 });
    checkModel(model, 'the bench model');
    const v = model.initialParameters();
    expect([...v]).toEqual([-2, -1.984375, -1.96875, -1.953125]);
    const out = new Float32Array(4);
    const data = await task.loadData('train', { seed: 1 });
    const loss = model.gradient!(v, data.x.subarray(0, 1), data.labels.subarray(0, 1), 1, out);
    expect([...out]).toEqual([1.5, 1.50390625, 1.5078125, 1.51171875]);
    // v(v/8 + 2): −2 · 1.75 = −3.5; −1.984375 · 1.751953125; −1.96875 · 1.75390625; −1.953125 · 1.755859375
    expect(loss).toBe(-3.5 - 3.476531982421875 - 3.4530029296875 - 3.429412841796875);
    expect(data).toMatchObject({ size: 1024, inputSize: 1, targetSize: 1 });
    expect(data.x[7]).toBe(7);
  });

  it('has a closed form that is the gradient tfjs finds for its loss, on every rank', () => {
    for (const rank of [0, 3]) {
      const model = vectorTask(300).createModel({ seed: 1, rank });
      const { gradient, ...tfOnly } = model;
      const v = model.initialParameters();
      const x = Float32Array.of(0);
      const labels = Int32Array.of(0);
      const byTf = new GradientComputer(tf, tfOnly).compute(v, x, labels, 1);
      const closed = new GradientComputer(tf, model).compute(v, x, labels, 1);
      for (let j = 0; j < 300; j++) expect(closed.grad[j]).toBeCloseTo(byTf.grad[j]!, 5);
      expect(closed.loss).toBeCloseTo(byTf.loss, 2);
      expect(gradient).toBeTypeOf('function');
    }
  });

  it('recomputes a run by hand: N = 2, one SGD step at lr 0.5', () => {
    // v₀ = −2: g₀ = 0.5, g₁ = 1.5, mean 1, v = −2 − 0.5; v₁ = −1.984375: g = 0.50390625, 1.50390625, mean
    // 1.00390625, v = −1.984375 − 0.501953125.
    expect([...expectedVectorParams({ workers: 2, params: 2, steps: 1, lr: 0.5 })]).toEqual([
      -2.5, -2.486328125,
    ]);
    // Each step contracts towards −mean(r + 1)/0.25 = −6 (N = 2): values stay finite over a long run.
    const long = expectedVectorParams({ workers: 2, params: 300, steps: 5000, lr: 0.01 });
    expect(long.every((value) => Number.isFinite(value) && value < -5 && value > -6.01)).toBe(true);
  });

  it('names the first parameter that differs, and accepts identical bits', () => {
    expect(paramsMismatch(Float32Array.of(1, 2, 3), Float32Array.of(1, 2, 3))).toBeNull();
    expect(paramsMismatch(Float32Array.of(1, 5, 6), Float32Array.of(1, 2, 3))).toBe(
      '2 of 3 parameters differ; the first, [1], is 5, expected 2',
    );
    expect(paramsMismatch(Float32Array.of(0), Float32Array.of(-0))).toMatch(/1 of 1/);
    expect(paramsMismatch(Float32Array.of(1), Float32Array.of(1, 2))).toMatch(
      /holds 1 parameters, expected 2/,
    );
  });
});

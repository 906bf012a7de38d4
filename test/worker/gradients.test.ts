import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import {
  createMlp,
  type Dataset,
  type Model,
  Random,
  syntheticTask,
  type Tf,
} from '../../src/tasks/index.js';
import { GradientComputer, selectBackend } from '../../src/worker/index.js';
import { relativeDifference } from '../support/vectors.js';

function randomBatch(seed: number, size: number, inputSize: number, classes: number) {
  const random = new Random(seed);
  const x = Float32Array.from({ length: size * inputSize }, () => random.uniform(-1, 1));
  const labels = Int32Array.from({ length: size }, () => random.int(classes));
  return { x, labels };
}

/** Float64 forward pass of createMlp's network: logits [n, classes]. */
function mlpLogits(
  layerSizes: readonly number[],
  params: Float32Array,
  x: Float32Array,
  n: number,
): Float64Array[] {
  let h: Float64Array[] = Array.from({ length: n }, (_, i) =>
    Float64Array.from(x.subarray(i * layerSizes[0]!, (i + 1) * layerSizes[0]!)),
  );
  let offset = 0;
  for (let l = 0; l + 1 < layerSizes.length; l++) {
    const [fanIn, fanOut] = [layerSizes[l]!, layerSizes[l + 1]!];
    const w = params.subarray(offset, offset + fanIn * fanOut);
    const b = params.subarray(offset + fanIn * fanOut, offset + fanIn * fanOut + fanOut);
    offset += fanIn * fanOut + fanOut;
    h = h.map((row) => {
      const out = Float64Array.from(b);
      for (let i = 0; i < fanIn; i++)
        for (let j = 0; j < fanOut; j++) out[j]! += row[i]! * w[i * fanOut + j]!;
      return l + 2 < layerSizes.length ? out.map((v) => Math.max(v, 0)) : out;
    });
  }
  return h;
}

function crossEntropy(logits: Float64Array, label: number): number {
  const max = Math.max(...logits);
  const logSum = Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
  return logSum - logits[label]!;
}

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await selectBackend('wasm'));
});

describe('GradientComputer.compute', () => {
  it('matches central finite differences of its own loss on a tiny model', () => {
    const layerSizes = [5, 7, 3];
    const model = createMlp({ layerSizes, seed: 3 });
    const computer = new GradientComputer(tf, model);
    const params = model.initialParameters();
    for (let i = 0; i < params.length; i++) params[i]! += 0.05 * Math.sin(i); // non-zero biases too
    const { x, labels } = randomBatch(4, 8, 5, 3);
    const { grad } = computer.compute(params, x, labels, 8);
    const analytic = Float32Array.from(grad);
    const largest = analytic.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    const eps = 1e-2;
    const probe = Float32Array.from(params);
    const lossAt = (i: number, delta: number) => {
      probe[i] = params[i]! + delta;
      const loss = computer.compute(probe, x, labels, 8).loss;
      probe[i] = params[i]!;
      return loss;
    };
    let checked = 0;
    for (let i = 0; i < params.length; i++) {
      const numeric = (lossAt(i, eps) - lossAt(i, -eps)) / (2 * eps);
      // float32 losses: a central difference is good to ~1e-5 absolute; compare relative to the larger of |g| and 10% of max|g|
      expect(Math.abs(numeric - analytic[i]!), `coordinate ${i}`).toBeLessThanOrEqual(
        1e-2 * Math.max(Math.abs(analytic[i]!), 0.1 * largest),
      );
      checked++;
    }
    expect(checked).toBe(5 * 7 + 7 + 7 * 3 + 3);
  });

  it('computes the mean cross-entropy the float64 formula gives', () => {
    const layerSizes = [6, 9, 4];
    const model = createMlp({ layerSizes, seed: 8 });
    const params = model.initialParameters();
    const { x, labels } = randomBatch(5, 12, 6, 4);
    const logits = mlpLogits(layerSizes, params, x, 12);
    const expected = logits.reduce((s, row, n) => s + crossEntropy(row, labels[n]!), 0) / 12;
    expect(new GradientComputer(tf, model).compute(params, x, labels, 12).loss).toBeCloseTo(expected, 6);
  });

  it.each([
    ['the synthetic 16-32-4 MLP', [16, 32, 4], 64],
    ['the 784-256-128-10 MNIST MLP', [784, 256, 128, 10], 64],
  ])(
    'equals tf.variableGrads with built-in gradients within 1e-6 relative on %s',
    (_name, layerSizes, batch) => {
      const model = createMlp({ layerSizes, seed: 11 });
      const params = model.initialParameters();
      const { x, labels } = randomBatch(12, batch, layerSizes[0]!, layerSizes.at(-1)!);
      const { loss, grad } = new GradientComputer(tf, model).compute(params, x, labels, batch);

      const plain = createMlp({ layerSizes, seed: 11, denseForm: 'plain' });
      let offset = 0;
      const variables = plain.parameters.map((p) => {
        const size = p.shape.reduce((a, b) => a * b, 1);
        const v = tf.tidy(() => tf.variable(tf.tensor(params.subarray(offset, offset + size), [...p.shape])));
        offset += size;
        return v;
      });
      const expected = new Float32Array(params.length);
      let expectedLoss = 0;
      tf.tidy(() => {
        const xs = tf.tensor2d(x, [batch, layerSizes[0]!]);
        const ys = tf.tensor1d(labels, 'int32');
        const { value, grads } = tf.variableGrads(() => plain.loss(tf, variables, xs, ys), variables);
        let at = 0;
        for (const v of variables) {
          expected.set(grads[v.name]!.dataSync(), at);
          at += v.size;
        }
        expectedLoss = value.dataSync()[0]!;
      });
      tf.dispose(variables);
      expect(relativeDifference(grad, expected)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(loss - expectedLoss) / expectedLoss).toBeLessThanOrEqual(1e-6);
    },
  );

  it('keeps the tensor count constant over 300 steps and reuses one gradient buffer', async () => {
    const model = syntheticTask.createModel({ seed: 1 });
    const train = await syntheticTask.loadData('train', { seed: 1, limit: 256 });
    const computer = new GradientComputer(tf, model);
    const params = model.initialParameters();
    const first = computer.compute(params, train.x.subarray(0, 64 * 16), train.labels.subarray(0, 64), 64);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 300; step++) {
      const start = (step % 4) * 64;
      const { grad } = computer.compute(
        params,
        train.x.subarray(start * 16, (start + 64) * 16),
        train.labels.subarray(start, start + 64),
        64,
      );
      expect(grad).toBe(first.grad);
      for (let i = 0; i < params.length; i++) params[i]! -= 0.1 * grad[i]!;
      if (step % 100 === 0) computer.evaluate(params, train, 100);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles float32 regression targets of several values per example', () => {
    // y = x·w, loss = mean over examples of ½‖x·w − t‖²; dL/dw = xᵀ(x·w − t) / n
    const linear: Model = {
      parameters: [{ name: 'w', shape: [3, 2] }],
      initialParameters: () => new Float32Array(6),
      loss: (tfn, [w], x, t) =>
        tfn.div(tfn.sum(tfn.square(tfn.sub(tfn.matMul(x, w as tfjs.Tensor2D), t))), 2 * x.shape[0]),
      evaluate: (tfn, [w], x, t) => ({
        lossSum: tfn.div(tfn.sum(tfn.square(tfn.sub(tfn.matMul(x, w as tfjs.Tensor2D), t))), 2),
      }),
    };
    const x = Float32Array.of(1, 2, 3, -1, 0, 2);
    const t = Float32Array.of(1, 0, 0, 1);
    const w = Float32Array.of(0.5, -1, 0, 2, 1, 0);
    const computer = new GradientComputer(tf, linear);
    const residual = [0, 1].map((n) =>
      [0, 1].map((j) => [0, 1, 2].reduce((s, i) => s + x[n * 3 + i]! * w[i * 2 + j]!, 0) - t[n * 2 + j]!),
    );
    const expected = [0, 1, 2].flatMap((i) =>
      [0, 1].map((j) => (x[i]! * residual[0]![j]! + x[3 + i]! * residual[1]![j]!) / 2),
    );
    const { loss, grad } = computer.compute(w, x, t, 2);
    expect(relativeDifference(grad, expected)).toBeLessThanOrEqual(1e-6);
    const expectedLoss = residual.flat().reduce((s, r) => s + r * r, 0) / 4;
    expect(loss).toBeCloseTo(expectedLoss, 5);
    const evaluation = computer.evaluate(w, { size: 2, inputSize: 3, x, labels: t, targetSize: 2 }, 1);
    expect(evaluation.loss).toBeCloseTo(expectedLoss, 5);
    expect(evaluation).not.toHaveProperty('accuracy');
  });

  it('refuses parameter vectors and batches that do not fit', () => {
    const model = createMlp({ layerSizes: [4, 3], seed: 1 });
    const computer = new GradientComputer(tf, model);
    const params = model.initialParameters();
    const x = new Float32Array(8);
    const labels = Int32Array.of(0, 2);
    const shape = expect.objectContaining({ code: 'ERR_TASK_SHAPE' });
    expect(() => computer.compute(params.subarray(1), x, labels, 2)).toThrow(shape);
    expect(() => computer.compute(params, x.subarray(1), labels, 2)).toThrow(shape);
    expect(() => computer.compute(params, x, Int32Array.of(0, 1, 2, 0), 2)).toThrow(shape);
    expect(() => computer.compute(params, x, labels, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }),
    );
    expect(() => computer.evaluate(params, { size: 3, inputSize: 4, x, labels, targetSize: 1 }, 2)).toThrow(
      shape,
    );
    expect(() => new GradientComputer(tf, { parameters: [] } as unknown as Model)).toThrow(TaskError);
  });
});

describe('GradientComputer.evaluate', () => {
  it('returns the mean loss and the accuracy over the whole data set, whatever the batch size', async () => {
    const layerSizes = [16, 32, 4];
    const model = syntheticTask.createModel({ seed: 2 });
    const test: Dataset = await syntheticTask.loadData('test', { seed: 2 });
    const params = model.initialParameters();
    const logits = mlpLogits(layerSizes, params, test.x, test.size);
    const expectedLoss = logits.reduce((s, row, n) => s + crossEntropy(row, test.labels[n]!), 0) / test.size;
    const expectedAccuracy =
      logits.filter((row, n) => row.indexOf(Math.max(...row)) === test.labels[n]).length / test.size;
    const computer = new GradientComputer(tf, model);
    for (const batchSize of [512, 100, 7]) {
      const { loss, accuracy } = computer.evaluate(params, test, batchSize);
      expect(loss).toBeCloseTo(expectedLoss, 5);
      expect(accuracy).toBe(expectedAccuracy);
    }
    expect(computer.compute(params, test.x, test.labels, test.size).loss).toBeCloseTo(expectedLoss, 5);
  });
});

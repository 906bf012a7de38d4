import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import { checkModel, type Model, type Tf } from '../../src/tasks/index.js';
import { GradientComputer, selectBackend } from '../../src/worker/index.js';

/**
 * y = w·x + b with loss ½ (y − t)² averaged over the batch; its gradient in closed form, written out as a task
 * author would. tfjs's `loss` throws: the computer must not differentiate it when `gradient` is there.
 */
function linearModel(calls: unknown[][] = []): Model {
  return {
    parameters: [
      { name: 'w', shape: [2] },
      { name: 'b', shape: [1] },
    ],
    initialParameters: () => Float32Array.of(0.5, -1, 0.25),
    loss: () => {
      throw new Error('tfjs must not run for a model with a closed-form gradient');
    },
    evaluate: (tf: Tf) => ({ lossSum: tf.scalar(0) as tfjs.Scalar }),
    gradient: (params, x, labels, size, out) => {
      calls.push([params.length, x.length, labels.length, size, out.length]);
      out.fill(0);
      let loss = 0;
      for (let i = 0; i < size; i++) {
        const r = params[0]! * x[2 * i]! + params[1]! * x[2 * i + 1]! + params[2]! - labels[i]!;
        loss += (r * r) / 2 / size;
        out[0]! += (r * x[2 * i]!) / size;
        out[1]! += (r * x[2 * i + 1]!) / size;
        out[2]! += r / size;
      }
      return loss;
    },
  };
}

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await selectBackend('wasm'));
});

describe('Model.gradient (a closed-form gradient)', () => {
  it("gives compute() the model's own loss and gradient, as computed by hand, without running tfjs", () => {
    const calls: unknown[][] = [];
    const computer = new GradientComputer(tf, linearModel(calls));
    // x = [[1, 2], [3, 4]], t = [1, 0], w = [0.5, −1], b = 0.25: residuals −2.25 and −2.25.
    const { loss, grad } = computer.compute(
      Float32Array.of(0.5, -1, 0.25),
      Float32Array.of(1, 2, 3, 4),
      Float32Array.of(1, 0),
      2,
    );
    expect(loss).toBe(2.53125); // (2.25² / 2 + 2.25² / 2) / 2
    expect([...grad]).toEqual([-4.5, -6.75, -2.25]); // (−2.25·1 − 2.25·3) / 2, (−2.25·2 − 2.25·4) / 2, −2.25
    expect(calls).toEqual([[3, 4, 2, 2, 3]]);
  });

  it('refuses a gradient() that returns no number', () => {
    const model = { ...linearModel(), gradient: () => undefined as unknown as number };
    const computer = new GradientComputer(tf, model);
    expect(() =>
      computer.compute(Float32Array.of(0, 0, 0), Float32Array.of(1, 2), Float32Array.of(1), 1),
    ).toThrow(expect.objectContaining({ code: 'ERR_TASK_INVALID' }));
  });

  it('checkModel accepts a model without gradient() and refuses one whose gradient is not a function', () => {
    const { gradient: _, ...plain } = linearModel();
    expect(() => checkModel(plain, 'the plain model')).not.toThrow();
    expect(() => checkModel(linearModel(), 'the closed-form model')).not.toThrow();
    let error: unknown;
    try {
      checkModel({ ...linearModel(), gradient: 'by hand' }, 'my-task.mjs');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).code).toBe('ERR_TASK_INVALID');
    expect((error as TaskError).message).toMatch(/gradient\(\) \(a function\)/);
  });
});

import { describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import { checkModel, checkTask, parameterCount, syntheticTask, tensorSize } from '../../src/tasks/index.js';

describe('parameterCount and tensorSize', () => {
  it('sum the products of the shapes, a scalar counting 1', () => {
    expect(tensorSize([784, 256])).toBe(200704);
    expect(tensorSize([])).toBe(1);
    expect(
      parameterCount([
        { name: 'w', shape: [8, 3] },
        { name: 'b', shape: [3] },
        { name: 's', shape: [] },
      ]),
    ).toBe(28);
  });
});

describe('checkTask', () => {
  it('accepts a task', () => {
    expect(() => checkTask(syntheticTask, 'synthetic')).not.toThrow();
  });

  it('names every missing member and the source', () => {
    const error = (() => {
      try {
        checkTask({ name: '', loadData: () => undefined }, './my-task.mjs');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ code: 'ERR_TASK_INVALID' });
    expect((error as Error).message).toMatch(/\.\/my-task\.mjs/);
    expect((error as Error).message).toMatch(/name \(a non-empty string\)/);
    expect((error as Error).message).toMatch(/createModel\(\)/);
    expect((error as Error).message).not.toMatch(/loadData/);
  });

  it('refuses a value that is not an object', () => {
    for (const value of [undefined, null, 42, 'synthetic']) {
      expect(() => checkTask(value, 'x')).toThrow(expect.objectContaining({ code: 'ERR_TASK_INVALID' }));
    }
  });
});

describe('checkModel', () => {
  const valid = {
    parameters: [
      { name: 'w', shape: [2, 2] },
      { name: 'b', shape: [2] },
    ],
    initialParameters: () => new Float32Array(6),
    loss: () => undefined,
    evaluate: () => undefined,
  };

  it('accepts a model', () => {
    expect(() => checkModel(valid, 'm')).not.toThrow();
    expect(() => checkModel(syntheticTask.createModel({ seed: 1 }), 'synthetic')).not.toThrow();
  });

  it('lists bad parameter specs and missing functions', () => {
    const bad = { ...valid, parameters: [{ name: 'w', shape: [2, 0] }, { shape: [1] }], evaluate: 3 };
    expect(() => checkModel(bad, 'm')).toThrow(/parameters\[0\]\.shape.*parameters\[1\]\.name.*evaluate\(\)/);
    expect(() => checkModel({ ...valid, parameters: [] }, 'm')).toThrow(
      expect.objectContaining({ code: 'ERR_TASK_INVALID' }),
    );
  });
});

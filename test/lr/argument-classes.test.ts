import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { createScheduler } from '../../src/lr/config.js';

function refusal(config: Record<string, unknown>): SchedulerError {
  try {
    createScheduler(config);
  } catch (error) {
    expect(error).toBeInstanceOf(SchedulerError);
    return error as SchedulerError;
  }
  throw new Error(`expected ${JSON.stringify(config)} to be refused`);
}

const TYPE = 'ERR_LR_ARGUMENT_TYPE';
const VALUE = 'ERR_LR_ARGUMENT_VALUE';

// The Python class each refusal raises, read from the checks in Paddle's lr.py and torch's lr_scheduler.py
// (isinstance -> TypeError; a range test -> ValueError; an assert -> AssertionError).
describe('the Python class of an argument refusal follows the kind of fault', () => {
  it.each([
    [
      'StepDecay step_size 2.5 (not an int)',
      { name: 'StepDecay', learning_rate: 1, step_size: 2.5 },
      TYPE,
      'TypeError',
    ],
    [
      'CyclicLR step_size_up 0',
      { name: 'CyclicLR', base_learning_rate: 0.1, max_learning_rate: 1, step_size_up: 0 },
      VALUE,
      'ValueError',
    ],
    [
      'CyclicLR step_size_up 1 is enough',
      { name: 'CyclicLR', base_learning_rate: 0.1, max_learning_rate: 1, step_size_up: 1 },
      null,
      null,
    ],
    [
      'CyclicLR max_learning_rate NaN',
      { name: 'CyclicLR', base_learning_rate: 0.1, max_learning_rate: Number.NaN, step_size_up: 2 },
      VALUE,
      'ValueError',
    ],
    [
      'ExponentialDecay gamma "0.5"',
      { name: 'ExponentialDecay', learning_rate: 1, gamma: '0.5' },
      TYPE,
      'TypeError',
    ],
    [
      'ExponentialDecay gamma 1 (asserted open interval)',
      { name: 'ExponentialDecay', learning_rate: 1, gamma: 1 },
      VALUE,
      'AssertionError',
    ],
    [
      'PolynomialDecay decay_steps "10" (asserted with isinstance)',
      { name: 'PolynomialDecay', learning_rate: 1, decay_steps: '10' },
      VALUE,
      'AssertionError',
    ],
    [
      'PolynomialDecay decay_steps 1 is enough',
      { name: 'PolynomialDecay', learning_rate: 1, decay_steps: 1 },
      null,
      null,
    ],
    [
      'LinearWarmup warmup_steps 0',
      { name: 'LinearWarmup', learning_rate: 1, warmup_steps: 0, start_lr: 0, end_lr: 1 },
      VALUE,
      'AssertionError',
    ],
    [
      'CosineAnnealingWarmRestarts T_0 "2"',
      { name: 'CosineAnnealingWarmRestarts', learning_rate: 1, T_0: '2' },
      VALUE,
      'ValueError',
    ],
    [
      'CosineAnnealingWarmRestarts T_mult 0',
      { name: 'CosineAnnealingWarmRestarts', learning_rate: 1, T_0: 2, T_mult: 0 },
      VALUE,
      'ValueError',
    ],
    [
      'LinearLR start_factor 0 (excluded)',
      { name: 'LinearLR', learning_rate: 1, total_steps: 5, start_factor: 0 },
      VALUE,
      'ValueError',
    ],
    [
      'LinearLR start_factor 1 (included)',
      { name: 'LinearLR', learning_rate: 1, total_steps: 5, start_factor: 1 },
      null,
      null,
    ],
    [
      'MultiStepDecay milestones [1, "2"]',
      { name: 'MultiStepDecay', learning_rate: 1, milestones: [1, '2'] },
      TYPE,
      'TypeError',
    ],
    [
      'a learning_rate of -0 is 0, allowed',
      { name: 'StepDecay', learning_rate: -0, step_size: 2 },
      null,
      null,
    ],
    [
      'a learning_rate of Infinity',
      { name: 'StepDecay', learning_rate: Number.POSITIVE_INFINITY, step_size: 2 },
      VALUE,
      'ValueError',
    ],
    [
      'torch.OneCycleLR total_steps 2.5 (torch compares first)',
      { name: 'torch.OneCycleLR', max_lr: 1, total_steps: 2.5 },
      VALUE,
      'ValueError',
    ],
    [
      'torch.OneCycleLR total_steps "5"',
      { name: 'torch.OneCycleLR', max_lr: 1, total_steps: '5' },
      TYPE,
      'TypeError',
    ],
  ] as const)('%s', (_what, config, code, pythonClass) => {
    if (code === null) {
      expect(() => createScheduler(config)).not.toThrow();
      return;
    }
    const error = refusal(config);
    expect({ code: error.code, pythonClass: error.pythonClass }).toEqual({ code, pythonClass });
  });
});

import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { applyCall, type SchedulerCall } from '../../src/lr/call.js';
import { createScheduler } from '../../src/lr/config.js';

function failure(
  config: Record<string, unknown>,
  calls: SchedulerCall[] = [],
): { error: unknown; at: number } {
  let at = 0;
  try {
    const scheduler = createScheduler(config);
    for (const call of calls) {
      at += 1;
      applyCall(scheduler, call);
    }
  } catch (error) {
    return { error, at };
  }
  return { error: undefined, at };
}

const plain = (n: number): SchedulerCall[] => Array.from({ length: n }, () => null);

describe('arithmetic Python refuses while stepping (checked against Paddle lr.py)', () => {
  it.each([
    [
      'InverseTimeDecay reaching 1 + gamma * e = 0',
      { name: 'InverseTimeDecay', learning_rate: 1, gamma: -0.5 },
      plain(2),
      2,
      'ZeroDivisionError',
    ],
    [
      'CyclicLR triangular2 past 1024 cycles',
      {
        name: 'CyclicLR',
        base_learning_rate: 0.001,
        max_learning_rate: 0.006,
        step_size_up: 1,
        mode: 'triangular2',
      },
      [{ epoch: 2049 }],
      1,
      'OverflowError',
    ],
    [
      'CyclicLR exp_range with a growing gamma',
      {
        name: 'CyclicLR',
        base_learning_rate: 0.1,
        max_learning_rate: 1,
        step_size_up: 2,
        mode: 'exp_range',
        exp_gamma: 1.5,
      },
      [{ epoch: 1751 }],
      1,
      'OverflowError',
    ],
    [
      'StepDecay with gamma 0 at a negative epoch',
      { name: 'StepDecay', learning_rate: 0.5, step_size: 2, gamma: 0 },
      [{ epoch: -1 }],
      1,
      'ZeroDivisionError',
    ],
    [
      'NaturalExpDecay overflowing exp',
      { name: 'NaturalExpDecay', learning_rate: 0.5, gamma: 1000 },
      [{ epoch: -1 }],
      1,
      'OverflowError',
    ],
    [
      'LambdaDecay dividing by the epoch',
      { name: 'LambdaDecay', learning_rate: 1, lr_lambda: '1 / x' },
      [],
      0,
      'ZeroDivisionError',
    ],
    [
      'MultiplicativeDecay at a fractional epoch',
      { name: 'MultiplicativeDecay', learning_rate: 1, lr_lambda: '0.5' },
      [{ epoch: 2.5 }],
      1,
      'TypeError',
    ],
  ] as const)('%s', (_what, config, calls, at, pythonClass) => {
    const result = failure(config, [...calls]);
    expect(result.error).toBeInstanceOf(SchedulerError);
    expect(result.at).toBe(at);
    expect(result.error).toMatchObject({ code: 'ERR_LR_STEP', pythonClass });
  });

  it('refuses divide_factor 0 and a negative NoamDecay warmup with Python classes', () => {
    expect(
      failure({ name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 10, divide_factor: 0 }).error,
    ).toMatchObject({
      code: 'ERR_LR_ARGUMENT_VALUE',
      pythonClass: 'ZeroDivisionError',
    });
    expect(failure({ name: 'NoamDecay', d_model: 8, warmup_steps: -3 }).error).toMatchObject({
      pythonClass: 'TypeError',
    });
  });

  it('accepts a fractional last_epoch, as Paddle does', () => {
    const scheduler = createScheduler({
      name: 'StepDecay',
      learning_rate: 0.5,
      step_size: 2,
      gamma: 0.5,
      last_epoch: 2.5,
    });
    expect(scheduler.lastLr).toBe(0.25);
  });
});

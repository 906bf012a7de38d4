import { describe, expect, it } from 'vitest';
import { applyCall, type SchedulerCall } from '../../src/lr/call.js';
import { createScheduler } from '../../src/lr/config.js';

function sequence(config: Record<string, unknown>, calls: SchedulerCall[]): number[] {
  const scheduler = createScheduler(config);
  const lrs = [scheduler.lastLr];
  for (const call of calls) {
    applyCall(scheduler, call);
    lrs.push(scheduler.lastLr);
  }
  return lrs;
}

function maxRelativeGap(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(Math.abs(x), Math.abs(b[i]!), 1e-300)));
}

const plain = (n: number): SchedulerCall[] => Array.from({ length: n }, () => null);
const epochs = (list: number[]): SchedulerCall[] => list.map((epoch) => ({ epoch }));

describe('Paddle and PyTorch schedulers of the same name', () => {
  it('differ materially in the four cases SPEC §9 names', () => {
    const pairs: [string, Record<string, unknown>, Record<string, unknown>, SchedulerCall[]][] = [
      [
        'CosineAnnealing resumed with last_epoch',
        { name: 'CosineAnnealingDecay', learning_rate: 0.5, T_max: 10, last_epoch: 4 },
        { name: 'torch.CosineAnnealingLR', learning_rate: 0.5, T_max: 10, last_epoch: 4 },
        plain(10),
      ],
      [
        'Multiplicative with explicit epochs',
        { name: 'MultiplicativeDecay', learning_rate: 0.5, lr_lambda: '0.99 ** x' },
        { name: 'torch.MultiplicativeLR', learning_rate: 0.5, lr_lambda: '0.99 ** x' },
        epochs([3, 7, 12, 20]),
      ],
      [
        'LinearLR with explicit epochs',
        { name: 'LinearLR', learning_rate: 0.2, total_steps: 10, start_factor: 0.5 },
        { name: 'torch.LinearLR', learning_rate: 0.2, total_iters: 10, start_factor: 0.5 },
        epochs([4, 8, 2, 9]),
      ],
      [
        'ReduceOnPlateau improving during cooldown',
        {
          name: 'ReduceOnPlateau',
          learning_rate: 0.1,
          factor: 0.5,
          patience: 2,
          threshold: 0.01,
          cooldown: 3,
        },
        {
          name: 'torch.ReduceLROnPlateau',
          learning_rate: 0.1,
          factor: 0.5,
          patience: 2,
          threshold: 0.01,
          cooldown: 3,
        },
        [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5].map((metrics) => ({ metrics })),
      ],
    ];
    for (const [what, paddle, torch, calls] of pairs) {
      expect({ what, gap: maxRelativeGap(sequence(paddle, calls), sequence(torch, calls)) > 0.1 }).toEqual({
        what,
        gap: true,
      });
    }
  });

  it('agree up to rounding where SPEC §9 says they are equivalent', () => {
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
      [
        { name: 'StepDecay', learning_rate: 0.5, step_size: 3, gamma: 0.8 },
        { name: 'torch.StepLR', learning_rate: 0.5, step_size: 3, gamma: 0.8 },
      ],
      [
        { name: 'ExponentialDecay', learning_rate: 0.1, gamma: 0.95 },
        { name: 'torch.ExponentialLR', learning_rate: 0.1, gamma: 0.95 },
      ],
      [
        { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 7, eta_min: 0.001 },
        { name: 'torch.CosineAnnealingLR', learning_rate: 0.1, T_max: 7, eta_min: 0.001 },
      ],
      [
        {
          name: 'CyclicLR',
          base_learning_rate: 0.001,
          max_learning_rate: 0.006,
          step_size_up: 4,
          mode: 'triangular2',
        },
        {
          name: 'torch.CyclicLR',
          learning_rate: 0.001,
          base_lr: 0.001,
          max_lr: 0.006,
          step_size_up: 4,
          mode: 'triangular2',
        },
      ],
    ];
    for (const [paddle, torch] of pairs) {
      expect(maxRelativeGap(sequence(paddle, plain(40)), sequence(torch, plain(40)))).toBeLessThan(1e-14);
    }
  });
});

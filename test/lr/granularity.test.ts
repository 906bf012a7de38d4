import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/lr/config.js';
import { ScheduleClock, schedulerCallsAt } from '../../src/lr/granularity.js';

describe('LR granularity', () => {
  it('steps the scheduler once per global step, or once per completed epoch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 400 }),
        (stepsPerEpoch, total) => {
          for (const granularity of ['step', 'epoch'] as const) {
            const scheduler = createScheduler({ name: 'ExponentialDecay', learning_rate: 1, gamma: 0.5 });
            const clock = new ScheduleClock(scheduler, { granularity, stepsPerEpoch });
            for (let t = 0; t < total; t++) clock.completeStep(1);
            const calls = schedulerCallsAt(total, stepsPerEpoch, granularity);
            expect(scheduler.lastEpoch).toBe(calls);
            expect(calls).toBe(granularity === 'step' ? total : Math.floor(total / stepsPerEpoch));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('feeds a metric-driven scheduler the mean loss of the epoch it closes', () => {
    const scheduler = createScheduler({
      name: 'ReduceOnPlateau',
      learning_rate: 1,
      patience: 0,
      factor: 0.5,
    });
    const clock = new ScheduleClock(scheduler, { granularity: 'epoch', stepsPerEpoch: 3 });
    for (const loss of [3, 2, 1]) clock.completeStep(loss);
    expect(scheduler.stateDict()).toMatchObject({ best: 2, last_epoch: 1 });
    for (const loss of [2, 2, 5]) clock.completeStep(loss);
    expect(scheduler.stateDict()).toMatchObject({ best: 2, last_epoch: 2 });
    expect(clock.lr).toBe(0.5);
  });

  it('feeds each step loss under step granularity', () => {
    const scheduler = createScheduler({ name: 'ReduceOnPlateau', learning_rate: 1, patience: 1 });
    const clock = new ScheduleClock(scheduler, { granularity: 'step', stepsPerEpoch: 100 });
    for (const loss of [1, 1, 1]) clock.completeStep(loss);
    expect(clock.lr).toBeCloseTo(0.1, 15);
    expect(clock.completedSteps).toBe(3);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../src/errors.js';
import { createScheduler } from '../../src/lr/config.js';
import {
  type LrGranularity,
  ScheduleClock,
  type ScheduleClockState,
  schedulerCallsAt,
} from '../../src/lr/granularity.js';
import type { StateDict } from '../../src/lr/scheduler.js';
import { closeEnough, type GoldenCase, readFixture, toConfig } from '../support/lr-golden.js';

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

type Options = { granularity: LrGranularity; stepsPerEpoch: number };

interface Run {
  /** clock.lr after each step. */
  readonly lrs: number[];
  /** The scheduler's state dict at the end. */
  readonly end: StateDict;
}

/** A clock that was never interrupted, fed `losses`. */
function uninterrupted(config: unknown, options: Options, losses: readonly number[]): Run {
  const clock = new ScheduleClock(createScheduler(config), options);
  const lrs = losses.map((loss) => {
    clock.completeStep(loss);
    return clock.lr;
  });
  return { lrs, end: clock.scheduler.stateDict() };
}

/** The same, with the clock saved after `at` steps, through JSON, and restored around a fresh scheduler. */
function resumed(config: unknown, options: Options, losses: readonly number[], at: number): Run {
  let clock = new ScheduleClock(createScheduler(config), options);
  const lrs = losses.map((loss, i) => {
    clock.completeStep(loss);
    if (i + 1 === at) {
      const saved = JSON.parse(JSON.stringify(clock.state())) as ScheduleClockState;
      clock = ScheduleClock.restore(createScheduler(config), options, saved);
    }
    return clock.lr;
  });
  return { lrs, end: clock.scheduler.stateDict() };
}

const bitEqual = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** The resumed run ends as the uninterrupted one: every lr bit for bit, and the same final state dict. */
function sameRun(resumedRun: Run, straight: Run): void {
  expect(bitEqual(resumedRun.lrs, straight.lrs)).toBe(true);
  expect(resumedRun.end).toEqual(straight.end);
}

describe('ScheduleClock state: save mid-epoch, restore, continue', () => {
  const plateau = { name: 'ReduceOnPlateau', learning_rate: 1, patience: 0, factor: 0.5 };
  const perEpoch: Options = { granularity: 'epoch', stepsPerEpoch: 4 };
  // Epoch means 4, 5, 5. Saved after step 6, two losses (9, 9) into the second epoch: with them its mean is 5, worse
  // than 4, and the lr halves; the last two losses (1, 1) alone, over 2 or over 4 steps, would look like progress.
  const losses = [4, 4, 4, 4, 9, 9, 1, 1, 5, 5, 5, 5];
  const byHand = [1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25];

  it('ReduceOnPlateau at epoch granularity continues with the partial-epoch loss sum', () => {
    expect(uninterrupted(plateau, perEpoch, losses).lrs).toEqual(byHand);
    for (const at of [5, 6, 7])
      expect(bitEqual(resumed(plateau, perEpoch, losses, at).lrs, byHand)).toBe(true);
    const clock = new ScheduleClock(createScheduler(plateau), perEpoch);
    for (const loss of losses.slice(0, 6)) clock.completeStep(loss);
    const saved = JSON.parse(JSON.stringify(clock.state())) as ScheduleClockState;
    expect(saved).toMatchObject({ completedSteps: 6, lossSum: 18, lossCount: 2, scheduler: { best: 4 } });
    expect(ScheduleClock.restore(createScheduler(plateau), perEpoch, saved).state()).toEqual(saved);
  });

  it('a clock rebuilt from completedSteps and the scheduler alone, without the partial sum, goes wrong', () => {
    const before = new ScheduleClock(createScheduler(plateau), perEpoch);
    for (const loss of losses.slice(0, 6)) before.completeStep(loss);
    const scheduler = createScheduler(plateau);
    scheduler.setFullState(JSON.parse(JSON.stringify(before.scheduler.fullState())));
    const rebuilt = new ScheduleClock(scheduler, { ...perEpoch, completedSteps: 6 });
    for (const loss of losses.slice(6, 8)) rebuilt.completeStep(loss);
    expect(rebuilt.lr).toBe(1);
    expect(byHand[7]).toBe(0.5);
  });

  it('LinearWarmup(CosineAnnealingDecay) at step granularity, saved inside warmup and after it', () => {
    const golden = readFixture<GoldenCase[]>('lr-golden.json').find(
      (c) => c.name === 'LinearWarmup_cosine_ocr_small',
    );
    const config = toConfig((golden as GoldenCase).scheduler);
    const options: Options = { granularity: 'step', stepsPerEpoch: 7 };
    const steps = Array<number>(60).fill(0.5);
    const straight = uninterrupted(config, options, steps);
    // The uninterrupted clock follows Paddle (golden lrs[t] is the lr after t scheduler calls).
    expect(
      straight.lrs.every((lr, t) => closeEnough(lr, (golden as GoldenCase).lrs[t + 1] as number, false)),
    ).toBe(true);
    // Warmup is 5 steps: saved inside it, at its end, and after it.
    for (const at of [3, 5, 8, 30]) sameRun(resumed(config, options, steps, at), straight);
  });

  it('keeps a NaN loss sum across a restore', () => {
    const clock = new ScheduleClock(createScheduler(plateau), perEpoch);
    clock.completeStep(Number.NaN);
    expect(JSON.parse(JSON.stringify(clock.state())).lossSum).toBe('nan');
    const withNaN = [4, 4, 4, 4, Number.NaN, 1, 1, 1, 2, 2, 2, 2];
    const straight = uninterrupted(plateau, perEpoch, withNaN);
    for (const at of [5, 6, 7]) sameRun(resumed(plateau, perEpoch, withNaN, at), straight);
  });

  it('any metric-driven or epoch scheduler, any granularity, any save point: the restored clock continues exactly', () => {
    const configs = [
      plateau,
      { name: 'torch.ReduceLROnPlateau', learning_rate: 1, patience: 1, factor: 0.5, cooldown: 1 },
      { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.5, T_0: 3, T_mult: 2 },
      {
        name: 'torch.SequentialLR',
        learning_rate: 0.1,
        schedulers: [
          { name: 'torch.LinearLR', start_factor: 0.1, total_iters: 3 },
          { name: 'torch.CosineAnnealingWarmRestarts', T_0: 4 },
        ],
        milestones: [3],
      },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...configs),
        fc.constantFrom<LrGranularity>('step', 'epoch'),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.nat(),
        (config, granularity, stepsPerEpoch, steps, seed) => {
          const options = { granularity, stepsPerEpoch };
          const at = 1 + (seed % steps.length);
          sameRun(resumed(config, options, steps, at), uninterrupted(config, options, steps));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ScheduleClock.restore refusals', () => {
  const config = { name: 'ReduceOnPlateau', learning_rate: 1, patience: 0 };
  const options: Options = { granularity: 'epoch', stepsPerEpoch: 4 };
  const saved = (): ScheduleClockState => {
    const clock = new ScheduleClock(createScheduler(config), options);
    for (const loss of [3, 2, 1, 2, 5]) clock.completeStep(loss);
    return JSON.parse(JSON.stringify(clock.state())) as ScheduleClockState;
  };
  const refused = (state: unknown, restoreWith: Options = options, scheduler = createScheduler(config)) => {
    const before = scheduler.fullState();
    let caught: unknown;
    try {
      ScheduleClock.restore(scheduler, restoreWith, state as ScheduleClockState);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchedulerError);
    expect((caught as SchedulerError).code).toBe('ERR_LR_STATE');
    // A refused state leaves the scheduler as it was.
    expect(scheduler.fullState()).toEqual(before);
    return (caught as SchedulerError).message;
  };

  it('refuses other options than the clock was saved with', () => {
    expect(refused(saved(), { granularity: 'step', stepsPerEpoch: 4 })).toContain('"granularity"');
    expect(refused(saved(), { granularity: 'epoch', stepsPerEpoch: 5 })).toContain('"stepsPerEpoch"');
  });

  it('refuses a missing key, a wrong type, another version or class, and a scheduler state of another class', () => {
    const { lossSum: _dropped, ...noLossSum } = saved();
    expect(refused(noLossSum)).toContain('"lossSum"');
    expect(refused({ ...saved(), lossCount: '2' })).toContain('"lossCount"');
    expect(refused({ ...saved(), version: 2 })).toContain('"version"');
    expect(refused({ ...saved(), class: 'ReduceOnPlateau' })).toContain('"class"');
    expect(
      refused(saved(), options, createScheduler({ name: 'torch.ReduceLROnPlateau', learning_rate: 1 })),
    ).toContain('scheduler');
    expect(refused({ ...saved(), scheduler: { ...saved().scheduler, best: 'best' } })).toContain('"best"');
  });
});

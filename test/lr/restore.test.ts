import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCall, type SchedulerCall } from '../../src/lr/call.js';
import { createScheduler } from '../../src/lr/config.js';
import type { StateDict } from '../../src/lr/scheduler.js';

const lr = fc.double({ min: 1e-4, max: 2, noNaN: true });
const frac = fc.double({ min: 0.05, max: 0.95, noNaN: true });
const small = fc.integer({ min: 1, max: 30 });

/** Random valid configs for every Paddle class. */
const paddleConfigs: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    name: fc.constant('NoamDecay'),
    d_model: fc.integer({ min: 1, max: 1024 }),
    warmup_steps: small,
    learning_rate: lr,
  }),
  fc.record({
    name: fc.constant('PiecewiseDecay'),
    boundaries: fc.constant([3, 9, 20]),
    values: fc.array(lr, { minLength: 4, maxLength: 5 }),
  }),
  fc.record({ name: fc.constant('NaturalExpDecay'), learning_rate: lr, gamma: frac }),
  fc.record({ name: fc.constant('InverseTimeDecay'), learning_rate: lr, gamma: frac }),
  fc.record({
    name: fc.constant('PolynomialDecay'),
    learning_rate: lr,
    decay_steps: small,
    power: fc.double({ min: 0.1, max: 3, noNaN: true }),
    cycle: fc.boolean(),
  }),
  fc.record({ name: fc.constant('ExponentialDecay'), learning_rate: lr, gamma: frac }),
  fc.record({
    name: fc.constant('MultiStepDecay'),
    learning_rate: lr,
    milestones: fc.constant([2, 7, 15]),
    gamma: frac,
  }),
  fc.record({ name: fc.constant('StepDecay'), learning_rate: lr, step_size: small, gamma: frac }),
  fc.record({ name: fc.constant('LambdaDecay'), learning_rate: lr, lr_lambda: fc.constant('0.97 ** x') }),
  fc.record({
    name: fc.constant('MultiplicativeDecay'),
    learning_rate: lr,
    lr_lambda: fc.constant('0.9 + 0.001 * (x % 7)'),
  }),
  fc.record({
    name: fc.constant('CosineAnnealingDecay'),
    learning_rate: lr,
    T_max: small,
    eta_min: fc.constant(0.0001),
  }),
  fc.record({
    name: fc.constant('OneCycleLR'),
    max_learning_rate: lr,
    total_steps: fc.integer({ min: 60, max: 100 }),
    three_phase: fc.boolean(),
    phase_pct: fc.double({ min: 0.1, max: 0.45, noNaN: true }),
  }),
  fc.record({
    name: fc.constant('CyclicLR'),
    base_learning_rate: fc.constant(0.001),
    max_learning_rate: lr,
    step_size_up: small,
    mode: fc.constantFrom('triangular', 'triangular2', 'exp_range'),
    exp_gamma: frac,
  }),
  fc.record({
    name: fc.constant('LinearLR'),
    learning_rate: lr,
    total_steps: small,
    start_factor: frac,
    end_factor: frac,
  }),
  fc.record({
    name: fc.constant('LinearWarmup'),
    learning_rate: fc.record({
      name: fc.constant('CosineAnnealingDecay'),
      learning_rate: fc.constant(0.1),
      T_max: small,
    }),
    warmup_steps: small,
    start_lr: fc.constant(0),
    end_lr: fc.constant(0.1),
  }),
);

function drive(config: Record<string, unknown>, calls: SchedulerCall[], restoreAt: number | null): number[] {
  let scheduler = createScheduler(config);
  const lrs = [scheduler.lastLr];
  calls.forEach((call, i) => {
    applyCall(scheduler, call);
    lrs.push(scheduler.lastLr);
    if (restoreAt === i + 1) {
      const saved = JSON.parse(JSON.stringify(scheduler.stateDict())) as StateDict;
      scheduler = createScheduler(config);
      expect(scheduler.setStateDict(saved)).toEqual([]);
    }
  });
  return lrs;
}

describe('save, restore, continue', () => {
  it('equals the uninterrupted sequence for every Paddle scheduler but CosineAnnealingWarmRestarts', () => {
    fc.assert(
      fc.property(paddleConfigs, fc.integer({ min: 1, max: 59 }), (config, at) => {
        const calls: SchedulerCall[] = Array.from({ length: 60 }, () => null);
        expect(drive(config, calls, at)).toEqual(drive(config, calls, null));
      }),
      { numRuns: 300 },
    );
  });

  it('ReduceOnPlateau keeps best, counters and cooldown across a restore', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 39 }),
        (metrics, at) => {
          const config = { name: 'ReduceOnPlateau', learning_rate: 1, patience: 2, cooldown: 2, factor: 0.5 };
          const calls = metrics.map((m) => ({ metrics: m }));
          expect(drive(config, calls, at)).toEqual(drive(config, calls, null));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('CosineAnnealingWarmRestarts loses its cycle position, as in Paddle, until an explicit epoch re-syncs it', () => {
    const config = { name: 'CosineAnnealingWarmRestarts', learning_rate: 0.5, T_0: 5, T_mult: 2 };
    const plain: SchedulerCall[] = Array.from({ length: 20 }, () => null);
    expect(drive(config, plain, 7)).not.toEqual(drive(config, plain, null));
    const resynced: SchedulerCall[] = [...plain.slice(0, 7), { epoch: 8 }, ...plain.slice(8)];
    expect(drive(config, resynced, 7)).toEqual(drive(config, resynced, null));
  });

  it('warns about keys a scheduler does not read and refuses a state without its keys', () => {
    const scheduler = createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 2 });
    expect(scheduler.setStateDict({ last_epoch: 3, last_lr: 0.05, extra: 1 })).toEqual([
      expect.stringContaining('"extra"'),
    ]);
    expect(() => scheduler.setStateDict({ last_epoch: 3 })).toThrowError(
      expect.objectContaining({ code: 'ERR_LR_STATE', pythonClass: 'RuntimeError' }),
    );
    const warmup = createScheduler({
      name: 'LinearWarmup',
      learning_rate: { name: 'StepDecay', learning_rate: 0.5, step_size: 2 },
      warmup_steps: 3,
      start_lr: 0,
      end_lr: 0.5,
    });
    expect(() => warmup.setStateDict({ last_epoch: 1, last_lr: 0.1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_LR_STATE', pythonClass: 'KeyError' }),
    );
  });
});

/**
 * Early stopping's rule and its report, against hand computations: which evaluation stops the run, and the share
 * of the decay a stop leaves undone on schedules whose LR at a step follows from Paddle's formulas.
 */
import { describe, expect, it } from 'vitest';
import {
  EarlyStopping,
  type Evaluation,
  earlyStopSentence,
  plannedLrs,
  undoneDecay,
} from '../../src/coordinator/index.js';
import { TrainingError } from '../../src/errors.js';
import { createScheduler } from '../../src/lr/index.js';

const loss = (value: number): Evaluation => ({ loss: value, accuracy: 0.5, correct: 5, examples: 10 });
const accuracy = (value: number): Evaluation => ({ loss: 1, accuracy: value, correct: null, examples: 10 });

describe('EarlyStopping', () => {
  it('stops at evaluation 1 + patience when nothing improves by more than min_delta', () => {
    const stopper = new EarlyStopping({ metric: 'eval_loss', patience: 3, minDelta: 0.1 });
    // 0.95 and 0.92 are lower, but not by more than 0.1: they do not count.
    expect([1, 0.95, 0.92, 0.99].map((value, i) => stopper.offer((i + 1) * 10, loss(value)))).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(stopper.best).toBe(1);
    expect(stopper.bestStep).toBe(10);
  });

  it('starts its patience again at an improvement, and counts a NaN loss against it', () => {
    const stopper = new EarlyStopping({ metric: 'eval_loss', patience: 2, minDelta: 0 });
    expect([1, 1, 0.5, Number.NaN, 0.5].map((value, i) => stopper.offer(i, loss(value)))).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(stopper.bestStep).toBe(2);
  });

  it('wants a higher eval_accuracy, and refuses it for a task without classes', () => {
    const stopper = new EarlyStopping({ metric: 'eval_accuracy', patience: 1, minDelta: 0 });
    expect(stopper.offer(1, accuracy(0.5))).toBe(false);
    expect(stopper.offer(2, accuracy(0.6))).toBe(false);
    expect(stopper.offer(3, accuracy(0.4))).toBe(true);
    expect(stopper.best).toBe(0.6);
    const regression = new EarlyStopping({ metric: 'eval_accuracy', patience: 1, minDelta: 0 });
    const thrown = (() => {
      try {
        regression.offer(1, { ...accuracy(0), accuracy: null });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(TrainingError);
    expect((thrown as TrainingError).code).toBe('ERR_TRAINING_MISMATCH');
  });

  it('continues from its saved state as an uninterrupted one, and refuses a state that is not one', () => {
    const options = { metric: 'eval_loss', patience: 2, minDelta: 0 } as const;
    const first = new EarlyStopping(options);
    first.offer(5, loss(1));
    first.offer(10, loss(2));
    const resumed = new EarlyStopping(options, JSON.parse(JSON.stringify(first.state())));
    expect(resumed.offer(15, loss(3))).toBe(true);
    expect(() => new EarlyStopping(options, { version: 1, best: 'low' })).toThrow(TrainingError);
  });
});

describe('the undone decay', () => {
  it('LinearWarmup + PolynomialDecay: the plan peaks at end_lr and ends at the decay end_lr', () => {
    // Paddle: warmup 0 → 0.1 over 10 steps, then 0.1·(1 − n/90)² + 0.01 at n = step − 10 (n ≤ 90).
    const config = {
      name: 'LinearWarmup',
      learning_rate: { name: 'PolynomialDecay', learning_rate: 0.1, decay_steps: 90, end_lr: 0.01, power: 2 },
      warmup_steps: 10,
      start_lr: 0,
      end_lr: 0.1,
    };
    const planned = plannedLrs(createScheduler(config), {
      granularity: 'step',
      stepsPerEpoch: 10,
      totalSteps: 100,
    });
    expect(planned).toEqual({ peak: 0.1, end: expect.closeTo(0.01, 15) });
    // Stopped after 55 steps: n = 45, LR 0.09·(1/2)² + 0.01 = 0.0325; undone (0.0325 − 0.01) ÷ (0.1 − 0.01) = 0.25.
    const lrAtStop = (0.1 - 0.01) * (1 - 45 / 90) ** 2 + 0.01;
    expect(undoneDecay({ lrAtStop, lrPeak: planned!.peak, lrEnd: planned!.end })).toBeCloseTo(0.25, 12);
  });

  it('counts scheduler calls per epoch with lr_granularity: epoch', () => {
    // CosineAnnealingDecay over 4 epochs of 10 steps: after 20 steps, 2 calls: 0.05·(1 + cos(π/2)) = 0.05.
    const scheduler = createScheduler({ name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 4 });
    const planned = plannedLrs(scheduler, { granularity: 'epoch', stepsPerEpoch: 10, totalSteps: 40 });
    expect(planned).toEqual({ peak: 0.1, end: expect.closeTo(0, 15) });
    expect(undoneDecay({ lrAtStop: 0.05, lrPeak: 0.1, lrEnd: 0 })).toBe(0.5);
  });

  it('has no plan for ReduceOnPlateau and no share for a constant schedule', () => {
    const plateau = createScheduler({ name: 'ReduceOnPlateau', learning_rate: 0.1 });
    expect(plannedLrs(plateau, { granularity: 'step', stepsPerEpoch: 1, totalSteps: 5 })).toBeNull();
    expect(undoneDecay({ lrAtStop: 0.1, lrPeak: 0.1, lrEnd: 0.1 })).toBeNull();
    expect(undoneDecay({ lrAtStop: 0.1, lrPeak: null, lrEnd: null })).toBeNull();
  });

  it('says it in the sentence of the issue', () => {
    const figures = { stoppedAtStep: 900, totalSteps: 1407, lrAtStop: 0.031, lrPeak: 0.1, lrEnd: 0 };
    expect(earlyStopSentence({ ...figures, undoneDecay: undoneDecay(figures) })).toBe(
      'stopped at step 900 of 1407: LR 0.031; peak 0.1, planned end 0: 31 % of the decay was not reached',
    );
  });
});

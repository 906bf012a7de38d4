/**
 * A whole sync run in this process with `eval_every` and `early_stopping`: every figure is checked against a hand
 * computation — the evaluation steps from the interval, the stop step from first evaluation + patience (a
 * `min_delta` no evaluation can beat), the LRs from Paddle's LinearWarmup and PolynomialDecay formulas, the test
 * loss from the final parameters by plain float64 JavaScript.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Dataset, Task } from '../../src/tasks/index.js';
import { runInProcess } from '../support/in-process-run.js';

const TASK = fileURLToPath(new URL('../fixtures/dyadic-task.mjs', import.meta.url));
/** 56 examples over 2 workers in batches of 4: 7 steps per epoch. */
const STEPS_PER_EPOCH = 7;
const TOTAL = 40;
const PEAK = 0.125;
const WARMUP = 4;
const DECAY_STEPS = TOTAL - WARMUP;

/** Paddle: LinearWarmup from 0 over WARMUP steps, then PolynomialDecay(power 1, end_lr 0) at epoch n − WARMUP. */
function lrAfter(n: number): number {
  if (n < WARMUP) return (PEAK * n) / WARMUP;
  const epoch = Math.min(n - WARMUP, DECAY_STEPS);
  return PEAK * (1 - epoch / DECAY_STEPS);
}

/** The mean absolute error of the linear model `w` on a data set, in float64. */
function meanAbsoluteError(w: Float32Array, data: Dataset): number {
  let sum = 0;
  for (let i = 0; i < data.size; i++) {
    let prediction = 0;
    for (let j = 0; j < data.inputSize; j++) prediction += data.x[i * data.inputSize + j]! * w[j]!;
    sum += Math.abs(prediction - data.labels[i]!);
  }
  return sum / data.size;
}

describe('eval_every and early_stopping', () => {
  it('evaluates every 5 steps, stops at the third evaluation (patience 2) and reports the undone decay', async () => {
    const run = await runInProcess({
      task: TASK,
      workers: 2,
      steps: TOTAL,
      batch_size: 4,
      optimizer: { name: 'SGD' },
      lr: {
        name: 'LinearWarmup',
        learning_rate: { name: 'PolynomialDecay', learning_rate: PEAK, decay_steps: DECAY_STEPS, end_lr: 0 },
        warmup_steps: WARMUP,
        start_lr: 0,
        end_lr: PEAK,
      },
      eval_every: '5 steps',
      early_stopping: { metric: 'eval_loss', patience: 2, min_delta: 1e9 },
    });
    // Evaluations at 5, 10, 15; the first is the best, two more without improvement make the patience: step 15.
    const stop = 15;
    expect(run.exitCode).toBe(0);
    expect(run.summary.outcome).toBe('stopped');
    expect(run.summary.steps).toBe(stop);
    const evals = run.lines.filter((line) => line.type === 'eval');
    expect(evals.map((line) => line.step)).toEqual([5, 10, 15]);
    expect(evals.map((line) => line.epoch)).toEqual(
      [5, 10, 15].map((s) => Math.round((s / STEPS_PER_EPOCH) * 1000) / 1000),
    );
    // Each evaluation line follows the step line of the step it evaluates; step lines stay as they were.
    const steps = run.lines.filter((line) => line.type === undefined);
    expect(steps.map((line) => line.step)).toEqual(Array.from({ length: stop }, (_, i) => i));
    expect(run.lines.findIndex((line) => line.type === 'eval')).toBe(5);
    expect(steps.map((line) => line.lr)).toEqual(
      Array.from({ length: stop }, (_, i) => expect.closeTo(lrAfter(i), 12)),
    );
    // The last evaluation is of the final parameters.
    const { default: task } = (await import(TASK)) as { default: Task };
    const test = await task.loadData('test', { seed: 1 });
    expect(evals.at(-1)!.evalLoss).toBeCloseTo(meanAbsoluteError(run.params, test), 6);
    expect(run.summary.evalLoss).toBe(evals.at(-1)!.evalLoss);

    const undone = (lrAfter(stop) - 0) / (PEAK - 0);
    expect(undone).toBeCloseTo(25 / 36, 15);
    expect(run.summary.earlyStopping).toMatchObject({
      metric: 'eval_loss',
      best: evals[0]!.evalLoss,
      bestStep: 5,
      stoppedAtStep: stop,
      totalSteps: TOTAL,
      lrEnd: 0,
    });
    const report = run.summary.earlyStopping!;
    expect(report.lrAtStop).toBeCloseTo(lrAfter(stop), 15);
    expect(report.lrPeak).toBeCloseTo(PEAK, 15);
    expect(report.undoneDecay).toBeCloseTo(undone, 12);
    const sentence =
      'stopped at step 15 of 40: LR 0.0868; peak 0.125, planned end 0: 69 % of the decay was not reached';
    expect(report.message).toBe(sentence);
    expect(run.log.some((line) => line.includes(sentence))).toBe(true);
    // A final checkpoint as at any stop, and the test loss drawn on the loss picture.
    expect(run.summary.checkpoint?.step).toBe(stop);
    expect(await readFile(join(run.dir, 'loss.svg'), 'utf8')).toContain('test loss (eval_every)');
  });
});

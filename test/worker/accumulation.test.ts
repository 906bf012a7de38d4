/**
 * Gradient accumulation (`accumulate_steps`): k micro-batches of b examples make one round, exactly as one batch of
 * k × b. On a task whose float32 arithmetic is exact (test/fixtures/dyadic-task.mjs) the two runs agree bit for bit;
 * on the synthetic MLP, where each micro-batch's mean is rounded on its own, within float32 rounding.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { syntheticTask } from '../../src/tasks/index.js';
import { GradientComputer, RoundLoop, selectBackend } from '../../src/worker/index.js';
import { runInProcess } from '../support/in-process-run.js';

const TASK = fileURLToPath(new URL('../fixtures/dyadic-task.mjs', import.meta.url));
/** Paddle's PiecewiseDecay: values[i] until boundaries[i] scheduler steps are done; dyadic, so updates stay exact. */
const BOUNDARIES = [3, 6];
const VALUES = [0.125, 0.0625, 0.03125];

function piecewise(step: number): number {
  const index = BOUNDARIES.findIndex((boundary) => step < boundary);
  return VALUES[index === -1 ? VALUES.length - 1 : index]!;
}

function dyadicRun(batchSize: number, accumulateSteps: number) {
  return runInProcess({
    task: TASK,
    workers: 2,
    steps: 8,
    batch_size: batchSize,
    accumulate_steps: accumulateSteps,
    optimizer: { name: 'SGD' },
    lr: { name: 'PiecewiseDecay', boundaries: BOUNDARIES, values: VALUES },
  });
}

describe('accumulate_steps', () => {
  it('with 2 workers, 4 micro-batches of 2 give the run of batch_size 8 bit for bit, one LR step per round', async () => {
    const accumulated = await dyadicRun(2, 4);
    const whole = await dyadicRun(8, 1);
    expect(accumulated.exitCode).toBe(0);
    // It trained: the weights moved from the fixture's initial ones.
    expect([...accumulated.params]).not.toEqual([0.5, -0.25, 0.75, -1]);
    expect(accumulated.summary.paramsDigest).toBe(whole.summary.paramsDigest);
    const bytes = (p: Float32Array) => Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    expect(bytes(accumulated.params).equals(bytes(whole.params))).toBe(true);
    // 56 examples: 28 per rank, rounds of 4 × 2 = 8 of them: 8, 8, 8 and a last round of 4 (2 micro-batches).
    const pick = (line: Record<string, unknown>) => [
      line.step,
      line.epoch,
      line.round,
      line.lr,
      line.loss,
      line.samples,
    ];
    expect(accumulated.lines.map(pick)).toEqual(whole.lines.map(pick));
    expect(accumulated.lines.map((line) => line.samples)).toEqual([16, 16, 16, 8, 16, 16, 16, 8]);
    // The schedule advanced once per round, never per micro-batch: 8 steps, PiecewiseDecay's value at each.
    expect(accumulated.lines.map((line) => line.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(accumulated.lines.map((line) => line.lr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(piecewise));
    expect(accumulated.summary.epochs).toBe(2);
    const config = await readFile(join(accumulated.dir, 'config.yaml'), 'utf8');
    expect(config).toContain('steps_per_epoch: 4');
    expect(config).toContain('accumulate_steps: 4');
  });

  it('averages unequal micro-batches by their share of the batch, within float32 rounding of one batch', async () => {
    const { tf } = await selectBackend('wasm');
    const train = await syntheticTask.loadData('train', { seed: 1, limit: 14 });
    const model = syntheticTask.createModel({ seed: 1 });
    const params = model.initialParameters();
    const loop = (microBatchSize?: number) =>
      new RoundLoop({
        rank: 0,
        worldSize: 2,
        seed: 1,
        batchSize: 7,
        ...(microBatchSize === undefined ? {} : { microBatchSize }),
        train,
        params,
        computer: new GradientComputer(tf, model),
      });
    // Rank 0's 7 examples of round 0 in pieces of 3, 3 and 1 (shares 3/7, 3/7, 1/7), against one batch of 7.
    const pieces = loop(3).gradient(0);
    const one = loop().gradient(0);
    expect(pieces.samples).toBe(7);
    expect(one.samples).toBe(7);
    // Each piece's mean is rounded to float32 on its own (relative 2^-24 each), then summed in float64: the
    // difference stays a few ulp of the largest component, far below a wrong weighting (1/3 for each piece).
    const largest = Math.max(...one.grad.map(Math.abs));
    const worst = Math.max(...one.grad.map((g, i) => Math.abs(g - pieces.grad[i]!)));
    expect(worst).toBeLessThan(largest * 1e-5);
    expect(pieces.loss).toBeCloseTo(one.loss, 5);
  });
});

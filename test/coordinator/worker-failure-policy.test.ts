/**
 * The coordinator's side of `on_worker_failure`, with scripted workers (no launcher): a lost rank rejoins under
 * restart with the coordinator's state, and the limits fail the run. Expected values are worked by hand: 6
 * parameters of 1, SGD, LR 0.5 · 0.5^t, each step's update the mean of the two ranks' gradients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/lr/index.js';
import {
  HALVING_LRS,
  round,
  SCRIPTED_SIZE,
  Script,
  scriptedCoordinator,
  started,
} from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.connection.close()));
});

describe('on_worker_failure in the coordinator', () => {
  it('restart: a lost rank joins again, is welcomed with the current step and parameters, and completes the round', async () => {
    const coordinator = scriptedCoordinator({
      totalSteps: 3,
      failure: { policy: 'restart', maxRestarts: 1, minWorkers: 1 },
    });
    const { workers, port, result } = await started(coordinator, opened);
    const [w0, w1] = workers as [Script, Script];
    // Step 0: gradients 0.5 and 1.5, mean 1, LR 0.5: every parameter 1 − 0.5 = 0.5.
    await Promise.all([w0.gradient(0, 0, [0.5]), w1.gradient(1, 0, [1.5])]);
    await Promise.all([w0.next('update'), w1.next('update')]);
    // Step 1: rank 1 sends its gradient, then its process dies before rank 0's arrives: the round is
    // interrupted, and must not use the dead process's gradient.
    const lost = new Promise((resolve) => coordinator.once('lost', resolve));
    await w1.gradient(1, 1, [100]);
    w1.connection.socket.terminate();
    await lost;
    await w0.gradient(0, 1, [0.5]);
    const again = await Script.open(port);
    opened.push(again);
    await again.join(1);
    const assign = await again.next('assign');
    expect(assign).toMatchObject({ rank: 1, sendParams: false });
    const welcome = await again.next('welcome');
    expect(welcome).toMatchObject({ step: 1, round: 1, lr: 0.25 });
    expect([...welcome.params]).toEqual(new Array(SCRIPTED_SIZE).fill(0.5));
    // The new process's gradient of the same batch: mean (0.5 + 1.5) / 2 = 1, LR 0.25: 0.5 − 0.25 = 0.25.
    await again.gradient(1, 1, [1.5]);
    const [u0, u1] = await Promise.all([w0.next('update'), again.next('update')]);
    expect(u0).toMatchObject({ step: 1, lr: 0.25 });
    expect([...u0.grad!]).toEqual(new Array(SCRIPTED_SIZE).fill(1));
    expect([...u1.grad!]).toEqual([...u0.grad!]);
    await Promise.all([w0.gradient(0, 2, [0.5]), again.gradient(1, 2, [1.5])]);
    const outcome = await result;
    expect(outcome.outcome).toBe('finished');
    expect([...outcome.params]).toEqual(new Array(SCRIPTED_SIZE).fill(0.125));
    expect(outcome.lostWorkers).toMatchObject([{ rank: 1, step: 1, policy: 'restart', rejoinedAtStep: 1 }]);
  });

  it('restart: a rank lost once more than worker_max_restarts fails the run, naming the limit', async () => {
    const coordinator = scriptedCoordinator({
      totalSteps: 4,
      failure: { policy: 'restart', maxRestarts: 1, minWorkers: 1 },
    });
    const { workers, port, result } = await started(coordinator, opened);
    workers[1]!.connection.socket.terminate();
    const again = await Script.open(port);
    opened.push(again);
    await again.join(1);
    await again.next('welcome');
    again.connection.socket.terminate();
    const outcome = await result;
    expect(outcome.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 1 });
    expect(outcome.failure!.message).toMatch(/restarted 1 times already \(worker_max_restarts 1\)/);
  });

  it('shrink: the run fails once fewer than min_workers remain', async () => {
    const coordinator = scriptedCoordinator({
      totalSteps: 4,
      failure: { policy: 'shrink', maxRestarts: 0, minWorkers: 2 },
    });
    const { workers, result } = await started(coordinator, opened);
    workers[1]!.connection.socket.terminate();
    const outcome = await result;
    expect(outcome.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 1 });
    expect(outcome.failure!.message).toMatch(/1 workers remain, fewer than min_workers 2/);
  });

  it('shrink: a run given in epochs lasts until its epochs are done with the survivors, and says how long', async () => {
    // 16 examples, batches of 4: with 2 ranks an epoch is 2 rounds, so 2 epochs are the planned 4 steps.
    const coordinator = scriptedCoordinator({
      failure: { policy: 'shrink', maxRestarts: 0, minWorkers: 1 },
      plan: () => ({
        stepsPerEpoch: 2,
        totalSteps: 4,
        epochs: 2,
        granularity: 'step',
        scheduler: createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1, gamma: 0.5 }),
      }),
    });
    const resized = new Promise((resolve) => coordinator.once('resized', resolve));
    const { workers, result } = await started(coordinator, opened, { datasetSize: 16 });
    const [w0, w1] = workers as [Script, Script];
    await round([w0, w1], 0, [1]);
    // Rank 1 is lost before its batch of round 1: rank 0's batch alone makes step 1. By hand, epoch 0 still has
    // rank 1's 4 examples of round 1 (round 2, rank 0), then epoch 1 is 16 examples in 4 rounds of rank 0 alone:
    // 3 + 4 = 7 steps in all.
    w1.connection.socket.terminate();
    await new Promise((resolve) => coordinator.once('lost', resolve));
    await w0.gradient(0, 1, [1]);
    const update = await w0.next('update');
    expect(update.world).toEqual({ round: 2, members: [0], unfinished: [1], totalSteps: 7 });
    expect(await resized).toEqual({ round: 2, members: [0], totalSteps: 7 });
    for (let step = 2; step < 7; step++) {
      await w0.gradient(0, step, [1]);
      expect(await w0.next('update')).toMatchObject({ step, lr: HALVING_LRS[step], epoch: step < 3 ? 0 : 1 });
    }
    const outcome = await result;
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: 7, totalSteps: 7 });
  });
});

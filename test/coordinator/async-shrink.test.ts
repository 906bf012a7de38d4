/**
 * Async mode under `on_worker_failure: shrink`, with scripted workers: the batches the lost rank had left in the epoch
 * it had begun are handed to the survivor, in order, one at a time, and the run state's batch positions (what a
 * checkpoint saves) say exactly which were decided. Expected hand-outs are worked by hand: 32 examples over 2 ranks
 * in batches of 4 is 4 batches per rank and epoch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { restoreAsyncProgress } from '../../src/coordinator/async-progress.js';
import { type Arrival, RunState, type SerializedRunState } from '../../src/coordinator/index.js';
import { createScheduler } from '../../src/lr/index.js';
import { createOptimizer } from '../../src/optim/index.js';
import { asyncCoordinator, push, SCRIPTED_SIZE, type Script, started } from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.connection.close()));
});

describe('async mode, shrink: the survivors take over the lost rank’s batches of its epoch', () => {
  it('hands rank 1’s batches 1, 2 and 3 to rank 0 in order, then rank 0’s own, and logs each with its shard', async () => {
    const saved: SerializedRunState[] = [];
    const coordinator = asyncCoordinator({
      totalSteps: 8,
      failure: { policy: 'shrink', maxRestarts: 0, minWorkers: 1 },
      checkpoint: { everySteps: 0, save: (state) => saved.push(state) },
    });
    const arrivals: Arrival[] = [];
    coordinator.on('arrival', (a) => arrivals.push(a));
    const { workers, result } = await started(coordinator, opened, { datasetSize: 32 });
    const [w0, w1] = workers as [Script, Script];
    // Both ranks push their batch 0 (steps 0 and 1); each is handed its own batch 1 next.
    await push(w0, 0, { read: 0, lr: 0.5, round: 0, values: [1] });
    const a0 = await w0.next('pushed');
    expect(a0).toMatchObject({ step: 1, nextShard: 0, nextRound: 1 });
    await push(w1, 1, { read: 0, lr: 0.5, round: 0, values: [1] });
    expect(await w1.next('pushed')).toMatchObject({ step: 2, nextShard: 1, nextRound: 1 });
    // Rank 1 is lost while it computes its batch 1: its batches 1, 2, 3 of epoch 0 are left.
    const lost = new Promise((resolve) => coordinator.once('lost', resolve));
    w1.connection.socket.terminate();
    await lost;
    let view = { read: 1, lr: 0.25, round: 1, shard: 0 };
    const handed: [number, number][] = [];
    for (let t = 2; t < 8; t++) {
      await push(w0, 0, { read: view.read, lr: view.lr, round: view.round, shard: view.shard, values: [1] });
      const answer = await w0.next('pushed');
      expect(answer).toMatchObject({ applied: true, step: t + 1 });
      handed.push([answer.nextShard, answer.nextRound]);
      view = { read: answer.step, lr: answer.lr, round: answer.nextRound, shard: answer.nextShard };
    }
    // By hand: after its own batch 1, rank 0 takes rank 1's 1, 2, 3, then goes on with its own 2 and 3.
    expect(handed).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [0, 2],
      [0, 3],
      [0, 4],
    ]);
    const outcome = await result;
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: 8 });
    // The arrival log says whose shard each batch was of (only where it was not the pusher's own).
    expect(arrivals.map((a) => [a.rank, a.shard ?? null, a.epoch, a.position])).toEqual([
      [0, null, 0, 0],
      [1, null, 0, 0],
      [0, null, 0, 1],
      [0, 1, 0, 1],
      [0, 1, 0, 2],
      [0, 1, 0, 3],
      [0, null, 0, 2],
      [0, null, 0, 3],
    ]);
    // Every batch of epoch 0 of both shards was decided once: both positions are 4, and the counts add up.
    const last = saved.at(-1)!;
    expect(last.json.positions).toEqual([4, 4]);
    expect(last.json.extensions['async']).toMatchObject({
      applied: [7, 1],
      taken: [3, 0],
      lent: [0, 3],
    });
    const scheduler = () =>
      createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1, gamma: 0.5 });
    const state = RunState.restore(last, {
      optimizer: createOptimizer({ name: 'SGD' }, { sizes: [SCRIPTED_SIZE] }),
      scheduler: scheduler(),
      granularity: 'step',
      stepsPerEpoch: 8,
      worldSize: 2,
    });
    // A resumed run accepts these counts (it checks them against the positions).
    const plan = {
      datasetSize: 32,
      batchSize: 4,
      stepsPerEpoch: 8,
      totalSteps: 8,
      scheduler: scheduler(),
      granularity: 'step' as const,
      referenceScheduler: scheduler(),
      lrWorldScaling: { mode: 'none' as const, referenceWorkers: 2 },
    };
    expect(() => restoreAsyncProgress(state, plan)).not.toThrow();
  });

  it('refuses a push of a lost rank’s batch that was not handed out, and hands it out once only', async () => {
    const coordinator = asyncCoordinator({
      workers: 3,
      totalSteps: 6,
      failure: { policy: 'shrink', maxRestarts: 0, minWorkers: 1 },
    });
    const { workers, result } = await started(coordinator, opened, { workers: 3, datasetSize: 48 });
    const [w0, w1, w2] = workers as [Script, Script, Script];
    // Everyone pushes batch 0; then rank 2 is lost with its batches 1, 2 and 3 of epoch 0 left.
    for (const [rank, w] of [w0, w1, w2].entries()) {
      await push(w, rank, { read: 0, lr: 0.5, round: 0, values: [1] });
      await w.next('pushed');
    }
    const lost = new Promise((resolve) => coordinator.once('lost', resolve));
    w2.connection.socket.terminate();
    await lost;
    // Rank 1 claims rank 2's batch 1 without being given it: refused, nothing changes.
    await push(w1, 1, { read: 2, lr: 0.125, round: 1, shard: 2, values: [1] });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_STEP' });
    // Rank 0 pushes its batch 1 and is handed rank 2's batch 1; rank 1 then gets its own batch 1 (one at a time).
    await push(w0, 0, { read: 1, lr: 0.25, round: 1, values: [1] });
    expect(await w0.next('pushed')).toMatchObject({ nextShard: 2, nextRound: 1 });
    await push(w1, 1, { read: 2, lr: 0.125, round: 1, values: [1] });
    expect(await w1.next('pushed')).toMatchObject({ nextShard: 1, nextRound: 2 });
    coordinator.requestStop('the test saw the hand-out');
    await result;
  });
});

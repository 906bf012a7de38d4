/**
 * Async mode with scripted workers over real sockets, in arrival orders the test controls (every push waits for
 * the answer it needs, no sleeps). Expected LRs are written out by hand from StepDecay(0.5, step_size 1,
 * gamma 0.5) — lr(t) = 0.5 · 0.5^t — and the policy's rule; parameters by the test's own float32 SGD.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/lr/index.js';
import type { MessageOf } from '../../src/protocol/index.js';
import { asyncCoordinator, push, SCRIPTED_SIZE, type Script, sgdStep, started } from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

/** One scripted async worker's view: what it last read. */
interface View {
  read: number;
  lr: number;
  round: number;
}

/** Pushes `values` from `rank` on what it last read and returns the answer (updating its view). */
async function pushAndAnswer(
  worker: Script,
  rank: number,
  view: View,
  values: readonly number[],
): Promise<MessageOf<'pushed'>> {
  await push(worker, rank, { read: view.read, lr: view.lr, round: view.round, values });
  const answer = await worker.next('pushed');
  view.read = answer.step;
  view.lr = answer.lr;
  view.round += 1;
  return answer;
}

/**
 * After the last step: every worker whose last answer was of an earlier step pushes once more (as a real worker
 * does) and is told the run is over.
 */
async function drain(workers: readonly Script[], v: View[], totalSteps: number): Promise<number> {
  let late = 0;
  for (const [rank, worker] of workers.entries()) {
    if (v[rank]!.read >= totalSteps) continue;
    const answer = await pushAndAnswer(worker, rank, v[rank]!, [1]);
    expect(answer).toMatchObject({ applied: false, code: 'ERR_ASYNC_RUN_OVER', step: totalSteps });
    late += 1;
  }
  return late;
}

function views(n: number): View[] {
  return Array.from({ length: n }, () => ({ read: 0, lr: 0.5, round: 0 }));
}

describe('async mode: one gradient at a time, τ = t − t_read, lr = schedule(t) × scale(τ)', () => {
  it('applies every gradient with the scheduled LR divided by its staleness (lr_scale: inverse)', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { lrScale: 'inverse' }, totalSteps: 5 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    const g = [0.5, -1];
    const answers = [
      await pushAndAnswer(w0, 0, v[0]!, g), // t=0, read 0: τ 0, lr 0.5
      await pushAndAnswer(w1, 1, v[1]!, g), // t=1, read 0: τ 1, lr 0.25 / 1
      await pushAndAnswer(w0, 0, v[0]!, g), // t=2, read 1: τ 1, lr 0.125 / 1
      await pushAndAnswer(w0, 0, v[0]!, g), // t=3, read 3: τ 0, lr 0.0625
      await pushAndAnswer(w1, 1, v[1]!, g), // t=4, read 2: τ 2, lr 0.03125 / 2
    ];
    expect(answers.map((a) => a.tau)).toEqual([0, 1, 1, 0, 2]);
    expect(answers.map((a) => a.appliedLr)).toEqual([0.5, 0.25, 0.125, 0.0625, 0.015625]);
    expect(answers.map((a) => a.scale)).toEqual([1, 1, 1, 1, 0.5]);
    expect(answers.map((a) => [a.step, a.lr])).toEqual([
      [1, 0.25],
      [2, 0.125],
      [3, 0.0625],
      [4, 0.03125],
      [5, 0.015625],
    ]);
    const expected = new Float32Array(SCRIPTED_SIZE).fill(1);
    const grad = new Float32Array(SCRIPTED_SIZE).map((_, i) => g[i % 2]!);
    for (const lr of [0.5, 0.25, 0.125, 0.0625, 0.015625]) sgdStep(expected, grad, lr);
    expect(Array.from(answers[4]!.params)).toEqual(Array.from(expected));
    await drain(workers, v, 5);
    const outcome = await result;
    expect(outcome).toMatchObject({ mode: 'async', outcome: 'finished', completedSteps: 5 });
    expect(Array.from(outcome.params)).toEqual(Array.from(expected));
    expect(outcome.consistency).toMatchObject({ consistent: true, lrMismatches: 0, replicasIdentical: null });
    expect(outcome.lrs).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125]);
    expect(outcome.async?.staleness).toMatchObject({ max: 2, histogram: { 0: 2, 1: 2, 2: 1 }, dropped: 0 });
    expect(outcome.async?.staleness.mean).toBe(4 / 5);
    expect(outcome.async?.perWorker).toEqual([
      // rank 0's last push came after the last step: pushed, neither applied nor dropped
      { rank: 0, pushed: 4, applied: 3, dropped: 0, samplesPerSec: expect.any(Number) },
      { rank: 1, pushed: 2, applied: 2, dropped: 0, samplesPerSec: expect.any(Number) },
    ]);
  });

  it('drops a gradient staler than max_staleness: the step and the schedule stay, the worker goes on', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { maxStaleness: 1 }, totalSteps: 5 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await pushAndAnswer(w0, 0, v[0]!, [1]); // t=0 → 1
    await pushAndAnswer(w0, 0, v[0]!, [1]); // t=1 → 2
    await pushAndAnswer(w0, 0, v[0]!, [1]); // t=2 → 3
    const stale = await pushAndAnswer(w1, 1, v[1]!, [1]); // t=3, read 0: τ 3 > 1
    expect(stale).toMatchObject({
      applied: false,
      code: 'ERR_ASYNC_STALE',
      tau: 3,
      appliedLr: null,
      step: 3,
      lr: 0.0625,
    });
    const fresh = await pushAndAnswer(w1, 1, v[1]!, [1]); // t=3, read 3: τ 0
    expect(fresh).toMatchObject({ applied: true, code: null, tau: 0, appliedLr: 0.0625, step: 4 });
    await pushAndAnswer(w0, 0, v[0]!, [1]); // t=4, read 3: τ 1 → applied, step 5 = the end
    await drain(workers, v, 5);
    const outcome = await result;
    expect(outcome.lrs).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125]);
    expect(outcome).toMatchObject({ completedSteps: 5, rounds: 6, skippedSteps: 1 });
    expect(outcome.async?.staleness).toMatchObject({ dropped: 1, histogram: { 0: 4, 1: 1 } });
    expect(outcome.async?.perWorker.map((w) => [w.pushed, w.applied, w.dropped])).toEqual([
      [4, 4, 0],
      [3, 1, 1],
    ]);
  });

  it('holds the answer of a worker more than ssp_bound pushes ahead until the slowest catches up', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { sspBound: 1 }, totalSteps: 4 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await pushAndAnswer(w0, 0, v[0]!, [1]); // 1 push ahead of rank 1: answered (step 1)
    await push(w0, 0, { read: v[0]!.read, lr: v[0]!.lr, round: v[0]!.round, values: [1] }); // 2 ahead: held
    const answer1 = await pushAndAnswer(w1, 1, v[1]!, [1]); // t=2, read 0: τ 2
    expect(answer1).toMatchObject({ tau: 2, step: 3 });
    const held = await w0.next('pushed');
    // Applied on arrival (step 1 → 2), answered only after rank 1's push: it carries step 3, not 2.
    expect(held).toMatchObject({ applied: true, tau: 0, appliedLr: 0.25, step: 3, lr: 0.0625 });
    v[0]!.read = held.step;
    v[0]!.lr = held.lr;
    v[0]!.round += 1;
    await pushAndAnswer(w1, 1, v[1]!, [1]); // t=3 → 4: the end
    await drain(workers, v, 4);
    const outcome = await result;
    expect(outcome.lrs).toEqual([0.5, 0.25, 0.125, 0.0625]);
    expect(outcome.async?.staleness.histogram).toEqual({ 0: 3, 2: 1 });
  });

  it("steps the schedule at epoch boundaries with lr_granularity: epoch (an epoch = every rank's batches)", async () => {
    // 16 examples, 2 ranks, batches of 4: 2 batches per rank, 4 global steps per epoch.
    const coordinator = asyncCoordinator({
      policy: { lrScale: 'inverse' },
      totalSteps: 7,
      granularity: 'epoch',
    });
    const { workers, result } = await started(coordinator, opened, { datasetSize: 16 });
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    const order = [0, 1, 0, 1, 0, 0, 1];
    const answers: MessageOf<'pushed'>[] = [];
    for (const rank of order) answers.push(await pushAndAnswer(workers[rank]!, rank, v[rank]!, [1]));
    // τ: 0, 1, 1, 1, 1, 0, 2; lr(epoch 0) = 0.5 for steps 0–3, lr(epoch 1) = 0.25 for steps 4–6.
    expect(answers.map((a) => a.tau)).toEqual([0, 1, 1, 1, 1, 0, 2]);
    expect(answers.map((a) => a.appliedLr)).toEqual([0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]);
    expect(answers.map((a) => a.epoch)).toEqual([0, 0, 0, 1, 1, 1, 1]);
    await drain(workers, v, 7);
    const outcome = await result;
    expect(outcome.lrs).toEqual([0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    expect(outcome.consistency.consistent).toBe(true);
    expect(w0 !== w1).toBe(true);
  });

  it('applies DC-ASGD: g + λ·g⊙g⊙(θ_now − θ_read), by hand', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { dcLambda: 0.5 }, totalSteps: 2 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    // t=0: θ_read = θ_now = 1: no compensation. θ1 = 1 − 0.5·g0 with g0 = [0.5, -1] → [0.75, 1.5].
    await pushAndAnswer(w0, 0, v[0]!, [0.5, -1]);
    // t=1: rank 1 read θ0 = 1; g = [2, 1]; θ1 − θ0 = [-0.25, 0.5];
    // g' = [2 + 0.5·4·(−0.25), 1 + 0.5·1·0.5] = [1.5, 1.25]; θ2 = θ1 − 0.25·g' = [0.375, 1.1875].
    const last = await pushAndAnswer(w1, 1, v[1]!, [2, 1]);
    expect(Array.from(last.params)).toEqual([0.375, 1.1875, 0.375, 1.1875, 0.375, 1.1875]);
    await drain(workers, v, 2);
    expect((await result).async?.readSnapshotBytes).toBe(2 * SCRIPTED_SIZE * 4);
  });

  it('reports a worker that says it was sent another LR, as exactly (rank, step)', async () => {
    const { workers, result } = await started(asyncCoordinator({ totalSteps: 3 }), opened);
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await pushAndAnswer(w0, 0, v[0]!, [1]); // step 1 with lr 0.25
    v[0]!.lr = 0.25 * 1.5; // rank 0 claims step 1 came with another LR
    await pushAndAnswer(w0, 0, v[0]!, [1]);
    await pushAndAnswer(w1, 1, v[1]!, [1]);
    await drain(workers, v, 3);
    const outcome = await result;
    expect(outcome.consistency).toMatchObject({ consistent: false, lrMismatches: 1 });
    expect(outcome.mismatches).toEqual([
      { rank: 0, step: 1, expectedLr: 0.25, appliedLr: 0.375, expectedDigest: null, digest: null },
    ]);
  });

  it('reports an applied LR that is not the reference schedule times the scale, as exactly (rank, step)', async () => {
    // The run halves its LR every step; the reference it is checked against halves every 2 steps:
    // run 0.5, 0.25, 0.125 against reference 0.5, 0.5, 0.25 — they differ at steps 1 and 2.
    const stepDecay = (stepSize: number) =>
      createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: stepSize, gamma: 0.5 });
    const coordinator = asyncCoordinator({
      totalSteps: 3,
      plan: (datasetSize) => ({
        stepsPerEpoch: 2 * Math.ceil(Math.ceil(datasetSize / 2) / 4),
        totalSteps: 3,
        granularity: 'step',
        scheduler: stepDecay(1),
        referenceScheduler: stepDecay(2),
      }),
    });
    const { workers, result } = await started(coordinator, opened);
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await pushAndAnswer(w0, 0, v[0]!, [1]);
    await pushAndAnswer(w1, 1, v[1]!, [1]);
    await pushAndAnswer(w0, 0, v[0]!, [1]);
    await drain(workers, v, 3);
    const outcome = await result;
    expect(outcome.consistency).toMatchObject({ consistent: false, lrMismatches: 2 });
    expect(outcome.mismatches).toEqual([
      { rank: 1, step: 1, expectedLr: 0.5, appliedLr: 0.25, expectedDigest: null, digest: null },
      { rank: 0, step: 2, expectedLr: 0.25, appliedLr: 0.125, expectedDigest: null, digest: null },
    ]);
  });

  it('refuses wrong pushes with error replies and leaves the run unchanged', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { lrScale: 'inverse' }, totalSteps: 2 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await push(w0, 0, { read: 3, lr: 0.5, round: 0, values: [9] });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ASYNC_WRONG_READ', rank: 0 });
    await push(w0, 0, { read: 0, lr: 0.5, round: 1, values: [9] });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_STEP', rank: 0 });
    await push(w0, 0, { read: 0, lr: 0.5, round: 0, values: [9], length: SCRIPTED_SIZE + 1 });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_TENSOR_SIZE', rank: 0 });
    await push(w0, 0, { read: 0, lr: 0.5, round: 0, values: [9], samples: 3 });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_SAMPLES', rank: 0 });
    await push(w1, 1, { read: 0, lr: 0.5, round: 0, values: [9], rank: 0 });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK', rank: 1 });
    const first = await pushAndAnswer(w0, 0, v[0]!, [1]);
    expect(first).toMatchObject({ tau: 0, appliedLr: 0.5, step: 1 });
    const second = await pushAndAnswer(w1, 1, v[1]!, [1]);
    expect(second).toMatchObject({ tau: 1, appliedLr: 0.25, step: 2 });
    await drain(workers, v, 2);
    const outcome = await result;
    const expected = new Float32Array(SCRIPTED_SIZE).fill(1);
    sgdStep(expected, new Float32Array(SCRIPTED_SIZE).fill(1), 0.5);
    sgdStep(expected, new Float32Array(SCRIPTED_SIZE).fill(1), 0.25);
    expect(Array.from(outcome.params)).toEqual(Array.from(expected));
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: 2 });
  });

  it('refuses a second push while the first one waits for its answer (ssp_bound: 0)', async () => {
    const { workers, result } = await started(
      asyncCoordinator({ policy: { sspBound: 0 }, totalSteps: 2 }),
      opened,
    );
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await push(w0, 0, { read: 0, lr: 0.5, round: 0, values: [1] }); // one push ahead of rank 1: held
    await push(w0, 0, { read: 0, lr: 0.5, round: 1, values: [1] });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ASYNC_BUSY', rank: 0 });
    await pushAndAnswer(w1, 1, v[1]!, [1]);
    const held = await w0.next('pushed');
    expect(held).toMatchObject({ applied: true, step: 2 });
    v[0]!.read = held.step;
    await drain(workers, v, 2);
    expect((await result).completedSteps).toBe(2);
  });

  it('drops a non-finite gradient without moving the step or the schedule', async () => {
    const { workers, result } = await started(asyncCoordinator({ totalSteps: 2 }), opened);
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    const nan = await pushAndAnswer(w0, 0, v[0]!, [Number.NaN]);
    expect(nan).toMatchObject({ applied: false, code: 'ERR_ASYNC_NONFINITE', step: 0, lr: 0.5 });
    await pushAndAnswer(w0, 0, v[0]!, [1]);
    await pushAndAnswer(w1, 1, v[1]!, [1]);
    await drain(workers, v, 2);
    const outcome = await result;
    expect(outcome).toMatchObject({ completedSteps: 2, skippedSteps: 1 });
    expect(outcome.lrs).toEqual([0.5, 0.25]);
  });

  it('counts a gradient that arrives after the last step apart and tells its worker the run is over', async () => {
    const { workers, result } = await started(asyncCoordinator({ totalSteps: 2 }), opened);
    const [w0, w1] = workers as [Script, Script];
    const v = views(2);
    await pushAndAnswer(w0, 0, v[0]!, [1]);
    const last = await pushAndAnswer(w0, 0, v[0]!, [1]);
    expect(last.step).toBe(2);
    const late = await pushAndAnswer(w1, 1, v[1]!, [1]);
    expect(late).toMatchObject({ applied: false, code: 'ERR_ASYNC_RUN_OVER', step: 2 });
    const outcome = await result;
    expect(outcome.async?.staleness).toMatchObject({ lateAfterEnd: 1, dropped: 0 });
    expect(outcome.outcome).toBe('finished');
  });
});

describe('async mode under random arrival orders (property, fixed seed)', () => {
  it('never applies a gradient staler than max_staleness, and every applied LR is schedule(t) / τ', async () => {
    const fc = await import('fast-check');
    const totalSteps = 8;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }),
        async (order) => {
          const coordinator = asyncCoordinator({
            policy: { maxStaleness: 1, lrScale: 'inverse' },
            totalSteps,
            workers: 3,
          });
          const local: Script[] = [];
          try {
            const { workers, result } = await started(coordinator, local, { workers: 3, datasetSize: 48 });
            const v = views(3);
            let step = 0;
            for (const rank of order) {
              if (step >= totalSteps) break;
              const answer = await pushAndAnswer(workers[rank]!, rank, v[rank]!, [1]);
              if (answer.applied) {
                expect(answer.tau).toBeLessThanOrEqual(1);
                // decided at step t = answer.step − 1: lr(t) = 0.5 · 0.5^t, divided by τ when τ ≥ 1
                const scheduled = 0.5 * 0.5 ** (answer.step - 1);
                expect(answer.appliedLr).toBe(answer.tau >= 1 ? scheduled / answer.tau : scheduled);
              } else {
                expect(answer).toMatchObject({ code: 'ERR_ASYNC_STALE', step });
                expect(answer.tau).toBeGreaterThan(1);
              }
              step = answer.step;
            }
            if (step < totalSteps) return; // the order ran out first: nothing more to check
            await drain(workers, v, totalSteps);
            const outcome = await result;
            expect(outcome.async!.staleness.max).toBeLessThanOrEqual(1);
            expect(outcome.consistency.consistent).toBe(true);
          } finally {
            await Promise.all(local.map((s) => s.connection.close()));
          }
        },
      ),
      { seed: 20261202, numRuns: 12 },
    );
  });
});

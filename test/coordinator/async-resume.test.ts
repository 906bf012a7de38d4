/**
 * An async run resumed from a checkpoint, with scripted workers over real sockets: the parameter server goes on
 * from the saved state as the uninterrupted run would have. Expected values are worked out by hand from
 * StepDecay(0.5, step_size 1, gamma 0.5) — lr(t) = 0.5 · 0.5^t — and the policy's rules; the parameters by the
 * test's own float32 SGD. The saved state goes through the checkpoint file format, as on disk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/index.js';
import type { Coordinator, RunResult, SerializedRunState } from '../../src/coordinator/index.js';
import type { MessageOf } from '../../src/protocol/index.js';
import {
  assigned,
  asyncCoordinator,
  push,
  SCRIPTED_SIZE,
  type Script,
  type ScriptedRun,
  sgdStep,
  started,
} from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

/** A worker's view: the step and LR of the parameters it last read, and its next batch. */
interface View {
  read: number;
  lr: number;
  round: number;
}

async function pushAndAnswer(w: Script, rank: number, v: View): Promise<MessageOf<'pushed'>> {
  await push(w, rank, { read: v.read, lr: v.lr, round: v.round, values: [1] });
  return read(w, v);
}

/** The next answer `w` gets, taken into its view. */
async function read(w: Script, v: View): Promise<MessageOf<'pushed'>> {
  const answer = await w.next('pushed');
  v.read = answer.step;
  v.lr = answer.lr;
  v.round += 1;
  return answer;
}

/** Written to checkpoint bytes and read back, as a resume finds it on disk. */
function throughFile(state: SerializedRunState): SerializedRunState {
  const bytes = encodeCheckpoint(state.json.step, { config: {}, metadata: {}, state });
  return decodeCheckpoint(bytes, 'step.ckpt').content.state as unknown as SerializedRunState;
}

/** A run that saves a checkpoint every `everySteps`; `stop()` ends it once the test took what it needed. */
function saving(options: Parameters<typeof asyncCoordinator>[0], everySteps: number) {
  const saved: SerializedRunState[] = [];
  const coordinator = asyncCoordinator({
    ...options,
    checkpoint: { everySteps, save: (state, why) => why === 'every' && saved.push(state) },
  });
  return { coordinator, saved };
}

async function stop(coordinator: Coordinator, result: Promise<RunResult>): Promise<RunResult> {
  coordinator.requestStop('the test has its checkpoint');
  return result;
}

/** As `started`, keeping what each worker was welcomed with (its promise rejects when the run refused to start). */
async function resumed(
  coordinator: Coordinator,
): Promise<ScriptedRun & { welcomes: Promise<MessageOf<'welcome'>[]> }> {
  const run = await assigned(coordinator, opened);
  await run.workers[0]!.connection.send({
    type: 'params',
    rank: 0,
    datasetSize: 40,
    layout: { sizes: [SCRIPTED_SIZE] },
    params: new Float32Array(SCRIPTED_SIZE).fill(1),
  });
  const welcomes = Promise.all(run.workers.map((w) => w.next('welcome')));
  welcomes.catch(() => {});
  return { ...run, welcomes };
}

describe('async mode resumed from a checkpoint', () => {
  it("keeps ssp_bound's pushes per rank: a worker that was ahead at the checkpoint is held at its next push", async () => {
    const first = saving({ policy: { sspBound: 1 }, totalSteps: 4 }, 1);
    const one = await started(first.coordinator, opened);
    const pre = { read: 0, lr: 0.5, round: 0 };
    await pushAndAnswer(one.workers[0]!, 0, pre); // t=0 → 1: rank 0 one push ahead (the checkpoint)
    await stop(first.coordinator, one.result);
    expect(first.saved.map((s) => s.json.step)).toEqual([1]);

    const arrivals: number[] = [];
    const coordinator = asyncCoordinator({
      policy: { sspBound: 1 },
      totalSteps: 4,
      resume: throughFile(first.saved[0]!),
    });
    coordinator.on('arrival', (a) => arrivals.push(a.i));
    const run = await resumed(coordinator);
    expect((await run.welcomes).map((w) => [w.step, w.lr, w.round])).toEqual([
      [1, 0.25, 1],
      [1, 0.25, 0],
    ]);
    const [w0, w1] = run.workers as [Script, Script];
    // welcome: everyone reads step 1 (lr 0.25); rank 0's next batch is 1, rank 1's is 0
    const v: View[] = [
      { read: 1, lr: 0.25, round: 1 },
      { read: 1, lr: 0.25, round: 0 },
    ];
    // t=1 → 2: rank 0 is now 2 pushes ahead of rank 1 (counting the one before the checkpoint): held
    await push(w0, 0, { ...v[0]!, values: [1] });
    const a1 = await pushAndAnswer(w1, 1, v[1]!); // t=2, read 1: τ 1 → step 3
    expect(a1).toMatchObject({ applied: true, tau: 1, appliedLr: 0.125, step: 3 });
    // Applied on arrival at t=1, answered only once rank 1 caught up: it carries step 3, not 2.
    const held = await read(w0, v[0]!);
    expect(held).toMatchObject({ applied: true, tau: 0, appliedLr: 0.25, step: 3, lr: 0.0625 });
    await pushAndAnswer(w1, 1, v[1]!); // t=3, read 3: τ 0 → step 4, the end
    const late = await pushAndAnswer(w0, 0, v[0]!);
    expect(late).toMatchObject({ applied: false, code: 'ERR_ASYNC_RUN_OVER' });
    const outcome = await run.result;

    const expected = new Float32Array(SCRIPTED_SIZE).fill(1);
    const grad = new Float32Array(SCRIPTED_SIZE).fill(1);
    for (const lr of [0.5, 0.25, 0.125, 0.0625]) sgdStep(expected, grad, lr);
    expect(Array.from(outcome.params)).toEqual(Array.from(expected));
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: 4, rounds: 4 });
    // The arrival log goes on at entry 1; the summary's counts cover the whole run, the LR record this run's steps.
    expect(arrivals).toEqual([1, 2, 3, 4]);
    expect(outcome.async?.arrivals).toBe(5);
    expect(outcome.async?.staleness).toMatchObject({
      histogram: { 0: 3, 1: 1 },
      dropped: 0,
      lateAfterEnd: 1,
    });
    expect(outcome.async?.perWorker.map((w) => [w.pushed, w.applied, w.dropped])).toEqual([
      [3, 2, 0],
      [2, 2, 0],
    ]);
    expect(outcome.lrs).toEqual([0.25, 0.125, 0.0625]);
    expect(outcome.consistency).toMatchObject({
      steps: 3,
      checkedSteps: 3,
      lrMismatches: 0,
      consistent: true,
    });
  });

  it('measures τ from the checkpoint step: a max_staleness drop right after the resume, the LR check going on', async () => {
    const first = saving({ policy: { maxStaleness: 1 }, totalSteps: 6 }, 3);
    const one = await started(first.coordinator, opened);
    const [p0, p1] = one.workers as [Script, Script];
    const pv: View[] = [
      { read: 0, lr: 0.5, round: 0 },
      { read: 0, lr: 0.5, round: 0 },
    ];
    await pushAndAnswer(p0, 0, pv[0]!); // t=0 → 1
    await pushAndAnswer(p0, 0, pv[0]!); // t=1 → 2
    expect(await pushAndAnswer(p1, 1, pv[1]!)).toMatchObject({ applied: false, tau: 2 }); // read 0 at t=2: dropped
    await pushAndAnswer(p0, 0, pv[0]!); // t=2 → 3: the checkpoint
    await stop(first.coordinator, one.result);
    expect(first.saved.map((s) => s.json.step)).toEqual([3]);

    const arrivals: number[] = [];
    const coordinator = asyncCoordinator({
      policy: { maxStaleness: 1 },
      totalSteps: 6,
      resume: throughFile(first.saved[0]!),
    });
    coordinator.on('arrival', (a) => arrivals.push(a.i));
    const run = await resumed(coordinator);
    const [w0, w1] = run.workers as [Script, Script];
    expect((await run.welcomes).map((w) => [w.step, w.lr, w.round])).toEqual([
      [3, 0.0625, 3],
      [3, 0.0625, 1],
    ]);
    const v: View[] = [
      { read: 3, lr: 0.0625, round: 3 },
      { read: 3, lr: 0.0625, round: 1 },
    ];
    expect(await pushAndAnswer(w0, 0, v[0]!)).toMatchObject({ applied: true, tau: 0, appliedLr: 0.0625 });
    expect(await pushAndAnswer(w0, 0, v[0]!)).toMatchObject({ applied: true, tau: 0, appliedLr: 0.03125 });
    // read 3 at t=5: τ 2 > 1
    const stale = await pushAndAnswer(w1, 1, v[1]!);
    expect(stale).toMatchObject({ applied: false, code: 'ERR_ASYNC_STALE', tau: 2, step: 5, lr: 0.015625 });
    expect(await pushAndAnswer(w1, 1, v[1]!)).toMatchObject({ applied: true, tau: 0, step: 6 });
    await pushAndAnswer(w0, 0, v[0]!); // after the end
    const outcome = await run.result;

    const expected = new Float32Array(SCRIPTED_SIZE).fill(1);
    const grad = new Float32Array(SCRIPTED_SIZE).fill(1);
    for (const lr of [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]) sgdStep(expected, grad, lr);
    expect(Array.from(outcome.params)).toEqual(Array.from(expected));
    expect(outcome).toMatchObject({ completedSteps: 6, rounds: 8, skippedSteps: 2 });
    expect(arrivals).toEqual([4, 5, 6, 7, 8]);
    expect(outcome.async?.staleness).toMatchObject({ histogram: { 0: 6 }, dropped: 2, lateAfterEnd: 1 });
    expect(outcome.async?.perWorker.map((w) => [w.pushed, w.applied, w.dropped])).toEqual([
      [6, 5, 0],
      [3, 1, 2],
    ]);
    // The check's own scheduler went on from the checkpoint: no mismatch at steps 3–5.
    expect(outcome.lrs).toEqual([0.0625, 0.03125, 0.015625]);
    expect(outcome.consistency).toMatchObject({ steps: 3, lrMismatches: 0, consistent: true });
  });

  it('refuses a checkpoint without the async state, or whose counts do not add up, before welcoming anyone', async () => {
    const first = saving({ totalSteps: 4 }, 1);
    const one = await started(first.coordinator, opened);
    await pushAndAnswer(one.workers[0]!, 0, { read: 0, lr: 0.5, round: 0 });
    await stop(first.coordinator, one.result);
    const saved = first.saved[0]!;
    const { async: progress, ...others } = saved.json.extensions as { async: Record<string, unknown> };
    const variants = [
      { ...saved.json, extensions: others },
      { ...saved.json, extensions: { async: { ...progress, applied: [0, 1] } } },
      { ...saved.json, extensions: { async: { ...progress, staleness: { 0: 2 } } } },
    ];
    for (const json of variants) {
      const run = await resumed(asyncCoordinator({ totalSteps: 4, resume: { ...saved, json } }));
      await expect(run.result).rejects.toMatchObject({ code: 'ERR_TRAINING_STATE' });
      await expect(run.welcomes).rejects.toThrow(/closed/);
    }
  });
});

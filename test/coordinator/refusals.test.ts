import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MessageEncoder, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import {
  assigned,
  HALVING_LRS,
  honestRounds,
  round,
  SCRIPTED_SIZE,
  Script,
  scriptedCoordinator,
  sgdStep,
  started,
  TOKEN,
} from '../support/scripted.js';

const STEPS = 4;
const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

describe('refusals of well-formed but wrong messages', () => {
  it('answers a wrong step, batch, rank, length, sample count and a second gradient with error replies, and the run is unchanged', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    const [w0, w1] = workers as [Script, Script];
    await w0.gradient(0, 3, [9]);
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_STEP', rank: 0, step: 3 });
    await w0.gradient(0, 0, [9], { round: 1 });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_STEP', rank: 0, step: 0 });
    await w0.gradient(0, 0, [0.5, -1]);
    await w0.gradient(0, 0, [7]);
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_DUPLICATE', rank: 0, step: 0 });
    await w1.gradient(1, 0, [1], { length: SCRIPTED_SIZE + 1 });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_TENSOR_SIZE', rank: 1, step: 0 });
    await w1.gradient(0, 0, [1]);
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK', rank: 1 });
    // 40 examples over 2 ranks: 20 each, batches of 4, so every batch holds 4.
    await w1.gradient(1, 0, [0.5, -1], { samples: 1000 });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_SAMPLES', rank: 1 });
    await w1.gradient(1, 0, [0.5, -1]);
    const first = await Promise.all(workers.map((w) => w.next('update')));
    for (let step = 1; step < STEPS; step++) await round(workers, step, [0.5, -1]);
    const outcome = await result;
    const expected = new Float32Array(SCRIPTED_SIZE).fill(1);
    expect(Array.from(first[0]!.grad!)).toEqual([0.5, -1, 0.5, -1, 0.5, -1]);
    for (let step = 0; step < STEPS; step++) sgdStep(expected, first[0]!.grad!, HALVING_LRS[step]!);
    expect(Array.from(outcome.params)).toEqual(Array.from(expected));
    expect(outcome.lrs).toEqual(HALVING_LRS.slice(0, STEPS));
    expect(outcome).toMatchObject({ outcome: 'finished', completedSteps: STEPS, samples: STEPS * 8 });
  });

  it('skips a NaN step: no update, the step and the schedule stay, and the batch is consumed', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    const first = await round(workers, 0, [0.5, -1]);
    expect(first[0]).toMatchObject({ step: 0, round: 0, lr: 0.5, skipped: false });
    const skipped = await round(workers, 1, [Number.NaN, 1]);
    expect(skipped[0]).toMatchObject({ step: 1, round: 1, lr: 0.25, skipped: true, grad: null });
    const again = await round(workers, 1, [0.5, -1], 2);
    expect(again[0]).toMatchObject({ step: 1, round: 2, lr: 0.25, skipped: false });
    for (let step = 2; step < STEPS; step++) await round(workers, step, [0.5, -1], step + 1);
    expect(await result).toMatchObject({
      completedSteps: STEPS,
      rounds: STEPS + 1,
      skippedSteps: 1,
      lrs: [0.5, 0.25, 0.125, 0.0625],
    });
  });

  it('fails the run on a NaN step under on_nonfinite: abort and tells the workers it failed', async () => {
    const { workers, result } = await started(scriptedCoordinator({ onNonfinite: 'abort' }), opened);
    await Promise.all(workers.map((w, rank) => w.gradient(rank, 0, [Number.POSITIVE_INFINITY])));
    const outcome = await result;
    expect(outcome).toMatchObject({
      outcome: 'failed',
      failure: { code: 'ERR_TRAINING_NONFINITE' },
      completedSteps: 0,
    });
    expect(await workers[0]!.next('stop')).toMatchObject({
      failed: true,
      reason: expect.stringContaining('not finite'),
    });
  });

  it('refuses an applied report naming another rank, a second report and a report of a step not applied', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    const [w0, w1] = workers as [Script, Script];
    await round(workers, 0, [0.5, -1]);
    await w1.connection.send({ type: 'applied', rank: 0, step: 0, lr: 0.5, digest: 'sha256:0' });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK', rank: 1 });
    await w0.connection.send({ type: 'applied', rank: 0, step: 3, lr: 0.5, digest: 'sha256:0' });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_UNEXPECTED_MESSAGE', step: 3 });
    await w0.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: {},
      params: new Float32Array(6),
    });
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_UNEXPECTED_MESSAGE' });
    for (let step = 1; step < STEPS; step++) await round(workers, step, [0.5, -1]);
    expect((await result).outcome).toBe('finished');
  });

  it('checks every applied report bit for bit and names the rank and step that differ', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    await honestRounds(workers, STEPS, [0.5, -1], (rank, step, honest) =>
      rank === 1 && step === 2 ? { lr: honest.lr * 1.5, digest: 'sha256:0' } : undefined,
    );
    const outcome = await result;
    expect(outcome.mismatches).toEqual([
      expect.objectContaining({ rank: 1, step: 2, appliedLr: 0.1875, expectedLr: 0.125, digest: 'sha256:0' }),
    ]);
    expect(outcome.consistency).toEqual({
      steps: STEPS,
      checkedSteps: STEPS,
      lrMismatches: 1,
      digestMismatches: 1,
      missingReports: 0,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: false,
    });
  });
});

describe('refusals before training starts', () => {
  it('refuses non-finite initial parameters from rank 0 and the run does not start', async () => {
    const { workers, result } = await assigned(scriptedCoordinator(), opened);
    const params = new Float32Array(SCRIPTED_SIZE).fill(1);
    params[2] = Number.NaN;
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [SCRIPTED_SIZE] },
      params,
    });
    expect(await workers[0]!.next('error')).toMatchObject({ code: 'ERR_PARAMS_INVALID', rank: 0 });
    await expect(result).rejects.toMatchObject({ code: 'ERR_TRAINING_MISMATCH', rank: 0 });
    expect(await workers[1]!.next('stop')).toMatchObject({
      failed: true,
      reason: expect.stringContaining('not all finite'),
    });
  });

  it('refuses a layout that does not add up, and a params message naming another rank without losing the wait', async () => {
    const { workers, result } = await assigned(scriptedCoordinator(), opened);
    const params = new Float32Array(SCRIPTED_SIZE).fill(1);
    await workers[0]!.connection.send({
      type: 'params',
      rank: 1,
      datasetSize: 40,
      layout: { sizes: [SCRIPTED_SIZE] },
      params,
    });
    expect(await workers[0]!.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK' });
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [5] },
      params,
    });
    expect(await workers[0]!.next('error')).toMatchObject({ code: 'ERR_PARAMS_INVALID' });
    await expect(result).rejects.toMatchObject({
      code: 'ERR_TRAINING_MISMATCH',
      message: expect.stringContaining('layout'),
    });
  });
});

describe('refusals of streams that cannot be trusted', () => {
  async function rawSocket(port: number): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    return { socket, closed };
  }

  it('closes with 1002 on garbage, 1009 on an oversized frame, 1002 on a wrong version, 1008 on a wrong token or a message before join, and keeps serving', async () => {
    const c = scriptedCoordinator();
    const port = await c.listen();
    const result = c.run();
    result.catch(() => {});

    const garbage = await rawSocket(port);
    garbage.socket.send(Buffer.from('definitely not a dptrain frame'));
    expect(await garbage.closed).toBe(1002);

    const oversized = await rawSocket(port);
    oversized.socket.send(Buffer.alloc(17 * 1024 * 1024));
    expect(await oversized.closed).toBe(1009);

    const unknownType = await rawSocket(port);
    const [frame] = new MessageEncoder().encode({ type: 'heartbeat', sentAt: 1 });
    const tampered = Buffer.from(frame!);
    tampered.write('hxartbeat', tampered.indexOf('heartbeat'), 'latin1');
    unknownType.socket.send(tampered);
    expect(await unknownType.closed).toBe(1002);

    for (const [script, expected] of [
      [async (s: Script) => s.join(null, TOKEN, PROTOCOL_VERSION + 1), 1002],
      [async (s: Script) => s.join(null, 'wrong'), 1008],
      [async (s: Script) => s.connection.send({ type: 'heartbeat', sentAt: 1 }), 1008],
    ] as const) {
      const s = await Script.open(port);
      await script(s);
      expect(await s.closed()).toBe(expected);
    }

    const rankTaken = [await Script.open(port), await Script.open(port)];
    opened.push(...rankTaken);
    await rankTaken[0]!.join(1);
    await rankTaken[1]!.join(1);
    expect(await rankTaken[1]!.next('error')).toMatchObject({ code: 'ERR_RENDEZVOUS_RANK' });
    const late = await Script.open(port);
    opened.push(late);
    await late.join(0);
    await Promise.all([rankTaken[0]!.next('assign'), late.next('assign')]);
    const extra = await Script.open(port);
    await extra.join();
    expect(await extra.next('error')).toMatchObject({ code: 'ERR_RENDEZVOUS_FULL' });
    c.requestStop('test over');
    await expect(result).rejects.toMatchObject({ code: 'ERR_TRAINING_STOPPED' });
  });

  it('gives up the rendezvous after the join timeout, naming how many joined', async () => {
    const c = scriptedCoordinator({ workers: 3, timeouts: { joinMs: 300 } });
    const port = await c.listen();
    const result = c.run();
    const one = await Script.open(port);
    opened.push(one);
    await one.join();
    await expect(result).rejects.toMatchObject({
      code: 'ERR_TRAINING_JOIN_TIMEOUT',
      message: expect.stringContaining('only 1 of 3'),
    });
  });
});

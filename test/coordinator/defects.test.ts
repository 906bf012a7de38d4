/**
 * One regression test per defect the audit of the first coordinator found (issue 7), each written to fail on the
 * code that had the defect.
 */
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FRAME_HEADER_BYTES, FRAME_MAGIC, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { honestRounds, round, type Script, scriptedCoordinator, started } from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

describe('defect 1: the failure race does not grow with the run', () => {
  it('ends a run of 12,500 rounds whose worker then disconnects in ERR_TRAINING_WORKER_LOST, with one failure listener throughout', async () => {
    const coordinator = scriptedCoordinator({ totalSteps: 20_000 });
    const { workers, result } = await started(coordinator, opened);
    const listeners: number[] = [];
    for (let step = 0; step < 12_500; step++) {
      await round(workers, step, [0.5, -1]);
      if (step % 500 === 0) listeners.push(coordinator.group!.failureListeners);
    }
    expect(new Set(listeners)).toEqual(new Set([1]));
    await workers[1]!.connection.close();
    const outcome = await result;
    expect(outcome).toMatchObject({
      outcome: 'failed',
      completedSteps: 12_500,
      failure: { code: 'ERR_TRAINING_WORKER_LOST', rank: 1 },
    });
    expect(outcome.failure!.message).toMatch(/worker rank 1 .*disconnected/);
  }, 60_000);
});

describe('defect 2: a fast worker is not refused while a slow one still reads the update', () => {
  it("takes rank 0's next gradient while the update of the previous step is still being written to rank 1", async () => {
    // 8M floats (32 MiB): far more than loopback socket buffers hold, so the send to a paused reader blocks.
    const size = 8 * 1024 * 1024;
    const coordinator = scriptedCoordinator({ totalSteps: 2 });
    const { workers, result } = await started(coordinator, opened, { size });
    const [fast, slow] = workers as [Script, Script];
    const big = { length: size };
    slow.connection.socket.pause();
    await fast.gradient(0, 0, [1], big);
    await slow.gradient(1, 0, [1], big);
    const update = await fast.next('update');
    expect(update.step).toBe(0);
    // The premise: the coordinator is still writing rank 1's copy of the update.
    expect(coordinator.group!.members[1]!.connection.socket.bufferedAmount).toBeGreaterThan(0);
    await fast.gradient(0, 1, [1], big);
    // A probe answered with an error after the gradient was handled: the first error must be the probe's.
    await fast.connection.send({ type: 'leave', rank: 1, reason: 'probe' });
    expect(await fast.next('error')).toMatchObject({
      code: 'ERR_ROUND_WRONG_RANK',
      message: expect.stringContaining('leave'),
    });
    slow.connection.socket.resume();
    expect((await slow.next('update')).step).toBe(0);
    await slow.gradient(1, 1, [1], big);
    expect((await fast.next('update')).step).toBe(1);
    expect((await slow.next('update')).step).toBe(1);
    expect(await result).toMatchObject({ outcome: 'finished', completedSteps: 2 });
  }, 60_000);
});

describe('defect 3: strangers cannot make the coordinator allocate', () => {
  /** The first frame of a gradient message that declares `floats` tensor floats but carries only 4 bytes of them. */
  function declaringFrame(floats: number): Buffer {
    const control = new Packr({ useRecords: false }).pack({
      type: 'gradient',
      rank: 0,
      step: 0,
      round: 0,
      loss: 1,
      samples: 1,
      computeMs: 0,
      $tensors: [['grad', floats]],
    });
    const tensorStart = Math.ceil((FRAME_HEADER_BYTES + control.length) / 4) * 4;
    const frame = Buffer.alloc(tensorStart + 4);
    frame.writeUInt16LE(FRAME_MAGIC, 0);
    frame.writeUInt8(PROTOCOL_VERSION, 2);
    frame.writeUInt8(1, 3);
    frame.writeUInt32LE(7, 4);
    frame.writeUInt32LE(control.length, 8);
    frame.writeUInt32LE(4, 12);
    control.copy(frame, FRAME_HEADER_BYTES);
    return frame;
  }

  it('closes with 1009 on a small frame that declares a 128 MiB tensor before join, and holds on to nothing', async () => {
    const coordinator = scriptedCoordinator();
    const port = await coordinator.listen();
    const result = coordinator.run();
    result.catch(() => {});
    const before = process.memoryUsage().arrayBuffers;
    const sockets = await Promise.all(
      [0, 1, 2].map(async () => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}`);
        await new Promise((resolve) => socket.once('open', resolve));
        // Under the default bound (256 MiB), so only the limit for strangers refuses it.
        const closed = new Promise<number | string>((resolve) => {
          socket.once('close', (code) => resolve(code));
          setTimeout(() => resolve('still open after 10 s'), 10_000).unref();
        });
        const frame = declaringFrame(32 * 1024 * 1024);
        expect(frame.length).toBeLessThan(128);
        socket.send(frame);
        return closed;
      }),
    );
    const codes = await Promise.all(sockets);
    // Three such frames used to pin 3 × 128 MiB; what a refused frame costs now is a few hundred bytes.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(codes).toEqual([1009, 1009, 1009]);
    coordinator.requestStop('test over');
    await expect(result).rejects.toMatchObject({ code: 'ERR_TRAINING_STOPPED' });
  });

  it('still takes a joined rank 0 initial parameters larger than a stranger may send', async () => {
    const { result, workers } = await started(scriptedCoordinator({ totalSteps: 1 }), opened, {
      size: 100_000,
    });
    await Promise.all(workers.map((w, rank) => w.gradient(rank, 0, [1], { length: 100_000 })));
    expect(await result).toMatchObject({ outcome: 'finished', completedSteps: 1 });
  });
});

describe('defect 4: a round has a deadline that names the ranks it waits for', () => {
  it('fails a run whose rank 1 keeps its heartbeat but never sends its gradient, naming rank 1', async () => {
    const coordinator = scriptedCoordinator({ timeouts: { roundMs: 300, heartbeatIntervalMs: 50 } });
    const { workers, result } = await started(coordinator, opened);
    const beat = setInterval(
      () => void workers[1]!.connection.send({ type: 'heartbeat', sentAt: Date.now() }),
      50,
    );
    try {
      await round(workers, 0, [1]);
      await workers[0]!.gradient(0, 1, [1]);
      const outcome = await result;
      expect(outcome).toMatchObject({
        outcome: 'failed',
        completedSteps: 1,
        failure: { code: 'ERR_TRAINING_ROUND_TIMEOUT', rank: 1 },
      });
      expect(outcome.failure!.message).toMatch(/step 1 .*round_timeout.* rank 1\b/);
      expect(await workers[0]!.next('stop')).toMatchObject({ failed: true, step: 1 });
    } finally {
      clearInterval(beat);
    }
  }, 15_000);
});

describe('defect 5: after stop, a worker that is gone costs nothing', () => {
  it('ends the run at once when a worker closes instead of sending its final trace (settle time 10 minutes)', async () => {
    const coordinator = scriptedCoordinator({ totalSteps: 1, timeouts: { settleMs: 600_000 } });
    const { workers, result } = await started(coordinator, opened);
    await honestRounds(workers, 1, [1]);
    await workers[0]!.next('stop');
    await workers[1]!.next('stop');
    await workers[0]!.connection.send({
      type: 'trace',
      rank: 0,
      final: true,
      spans: { names: [], data: [] },
    });
    await workers[1]!.connection.close();
    expect(await result).toMatchObject({ outcome: 'finished', consistency: { consistent: true } });
  }, 10_000);
});

describe('defect 6: what consistent and replicasIdentical mean', () => {
  it('is inconsistent when a worker reports the right LR with parameters that differ', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    await honestRounds(workers, 4, [0.5, -1], (rank, step, honest) =>
      rank === 1 && step === 0 ? { lr: honest.lr, digest: 'sha256:drifted' } : undefined,
    );
    expect((await result).consistency).toEqual({
      steps: 4,
      checkedSteps: 4,
      lrMismatches: 0,
      digestMismatches: 1,
      missingReports: 0,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: false,
    });
  });

  it('is inconsistent when a member never reports a step, and says which', async () => {
    const { workers, result } = await started(scriptedCoordinator(), opened);
    await honestRounds(workers, 4, [0.5, -1], (rank, step) => (rank === 0 && step === 2 ? null : undefined));
    const outcome = await result;
    expect(outcome.consistency).toMatchObject({
      checkedSteps: 3,
      missingReports: 1,
      excusedReports: 0,
      consistent: false,
      replicasIdentical: true,
    });
    expect(outcome.missing).toEqual([{ rank: 0, step: 2 }]);
  });
});

describe('defect 7: wire input is checked, not taken on trust', () => {
  it('refuses an evaluation with more correct answers than examples, of another step or rank, and takes the right one', async () => {
    const coordinator = scriptedCoordinator({ totalSteps: 1, evaluate: true });
    const { workers, result } = await started(coordinator, opened);
    const rank0 = workers[0]!;
    await honestRounds(workers, 1, [1]);
    const { step } = await rank0.next('evaluate');
    const evaluation = (fields: { rank?: number; step?: number; correct?: number }) =>
      rank0.connection.send({
        type: 'evaluation',
        rank: 0,
        step,
        lossSum: 4,
        correct: 3,
        examples: 8,
        ...fields,
      });
    await evaluation({ correct: 9 });
    expect(await rank0.next('error')).toMatchObject({
      code: 'ERR_EVALUATION_INVALID',
      message: expect.stringContaining('9 correct'),
    });
    await evaluation({ step: step + 1 });
    expect(await rank0.next('error')).toMatchObject({
      code: 'ERR_EVALUATION_INVALID',
      message: expect.stringContaining('asked for step 1'),
    });
    await evaluation({ rank: 1 });
    expect(await rank0.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK' });
    await evaluation({});
    expect((await result).evaluation).toEqual({ loss: 0.5, accuracy: 0.375, correct: 3, examples: 8 });
  });

  it('refuses a trace or leave naming another rank, and a second final trace, and the run goes on', async () => {
    const { workers, result } = await started(scriptedCoordinator({ totalSteps: 2 }), opened);
    const [w0, w1] = workers as [Script, Script];
    await w1.connection.send({ type: 'trace', rank: 0, final: false, spans: { names: [], data: [] } });
    expect(await w1.next('error')).toMatchObject({
      code: 'ERR_UNEXPECTED_MESSAGE',
      message: expect.stringContaining('trace names rank 0'),
    });
    await w1.connection.send({ type: 'leave', rank: 0, reason: 'not me' });
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK' });
    await w0.connection.send({
      type: 'trace',
      rank: 0,
      final: true,
      spans: { names: ['x'], data: [0, 0, 1, 1] },
    });
    await w0.connection.send({ type: 'trace', rank: 0, final: true, spans: { names: [], data: [] } });
    expect(await w0.next('error')).toMatchObject({
      code: 'ERR_UNEXPECTED_MESSAGE',
      message: expect.stringContaining('final'),
    });
    await honestRounds(workers, 2, [1]);
    expect(await result).toMatchObject({ outcome: 'finished', consistency: { consistent: true } });
  });
});

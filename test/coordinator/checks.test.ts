/**
 * The coordinator's remaining checks, each with a test that fails when the check is removed: liveness, the
 * delivery deadline, a plan that disagrees with the sharding, options, and what a worker's trace may hold.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TRACE_MAX_SPANS_PER_PROCESS, TraceCollector } from '../../src/coordinator/index.js';
import { createScheduler } from '../../src/lr/index.js';
import { parameterDigest, TRACE_MAX_STEPS } from '../../src/protocol/index.js';
import {
  assigned,
  honestRounds,
  round,
  type Script,
  scriptedCoordinator,
  sgdStep,
  started,
} from '../support/scripted.js';

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

describe('liveness and delivery', () => {
  it('fails the run naming a worker that goes silent for heartbeat_timeout', async () => {
    const coordinator = scriptedCoordinator({
      timeouts: { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 400 },
    });
    const { workers, result } = await started(coordinator, opened);
    const beat = setInterval(
      () => void workers[0]!.connection.send({ type: 'heartbeat', sentAt: Date.now() }),
      50,
    );
    try {
      const outcome = await result;
      expect(outcome).toMatchObject({
        outcome: 'failed',
        failure: { code: 'ERR_TRAINING_WORKER_LOST', rank: 1 },
      });
      expect(outcome.failure!.message).toMatch(/worker rank 1 .*silent for \d+ ms/);
    } finally {
      clearInterval(beat);
    }
  });

  it('fails the run naming a worker that does not read its update within round_timeout', async () => {
    const size = 8 * 1024 * 1024;
    // The deadline also covers the two 32 MB gradients: on a loaded machine they took more than 1.5 s to arrive.
    const coordinator = scriptedCoordinator({ totalSteps: 2, timeouts: { roundMs: 8_000 } });
    const { workers, result } = await started(coordinator, opened, { size });
    workers[1]!.connection.socket.pause();
    await Promise.all(workers.map((w, rank) => w.gradient(rank, 0, [1], { length: size })));
    const outcome = await result;
    // The coordinator applied step 0 as the update went out: the step counts, and the parameters are after it.
    expect(outcome).toMatchObject({
      outcome: 'failed',
      completedSteps: 1,
      failure: { code: 'ERR_TRAINING_ROUND_TIMEOUT', rank: 1, step: 1 },
    });
    expect(outcome.failure!.message).toMatch(/update of step 0 was not taken by rank 1/);
    // Digests, not toEqual: a deep comparison of 8M floats takes longer than the test.
    expect(parameterDigest(outcome.params)).toBe(parameterDigest(afterOneStep(size, [1])));
    expect(outcome.paramsDigest).toBe(parameterDigest(outcome.params));
    workers[1]!.connection.socket.resume();
  }, 30_000);

  it('counts the step whose update was going out when a worker was lost, with the parameters after it', async () => {
    const size = 8 * 1024 * 1024;
    const coordinator = scriptedCoordinator({ totalSteps: 4, timeouts: { roundMs: 60_000 } });
    const { workers, result } = await started(coordinator, opened, { size });
    const steps: number[] = [];
    coordinator.on('step', (record) => steps.push(record.step));
    const [fast, slow] = workers as [Script, Script];
    slow.connection.socket.pause();
    await Promise.all(workers.map((w, rank) => w.gradient(rank, 0, [1], { length: size })));
    expect((await fast.next('update')).step).toBe(0);
    // The premise: rank 1's copy of the update is still being written when it goes away.
    expect(coordinator.group!.members[1]!.connection.socket.bufferedAmount).toBeGreaterThan(0);
    slow.connection.socket.terminate();
    const outcome = await result;
    expect(outcome).toMatchObject({
      outcome: 'failed',
      completedSteps: 1,
      failure: { code: 'ERR_TRAINING_WORKER_LOST', rank: 1, step: 1 },
    });
    expect(steps).toEqual([0]);
    expect(outcome.lrs).toEqual([0.5]);
    // Digests, not toEqual: a deep comparison of 8M floats takes longer than the test.
    expect(parameterDigest(outcome.params)).toBe(parameterDigest(afterOneStep(size, [1])));
    expect(outcome.paramsDigest).toBe(parameterDigest(outcome.params));
  }, 30_000);
});

/** Parameters of 1 after one SGD step with lr 0.5 and a gradient cycling through `values`, by hand. */
function afterOneStep(size: number, values: readonly number[]): Float32Array {
  const params = new Float32Array(size).fill(1);
  sgdStep(
    params,
    new Float32Array(size).map((_, i) => values[i % values.length]!),
    0.5,
  );
  return params;
}

describe('the end of a run', () => {
  it('waits for the reports of the last step before it ends the run, so the last step is checked too', async () => {
    const { workers, result } = await started(
      scriptedCoordinator({ totalSteps: 2, timeouts: { settleMs: 5_000 } }),
      opened,
    );
    const params = await honestRounds(workers, 1, [1]);
    const [update] = await round(workers, 1, [1]);
    sgdStep(params, update!.grad!, update!.lr);
    const digest = parameterDigest(params);
    // Each worker reports its last step 300 ms late, and leaves at once if the coordinator says stop first.
    await Promise.all(
      workers.map(async (worker, rank) => {
        const first = await Promise.race([
          worker.next('stop').then(() => 'stop'),
          new Promise((resolve) => setTimeout(() => resolve('report'), 300)),
        ]);
        if (first === 'stop') return worker.connection.close();
        await worker.connection.send({ type: 'applied', rank, step: 1, lr: update!.lr, digest });
        await worker.next('stop');
        await worker.connection.close();
      }),
    );
    expect((await result).consistency).toMatchObject({
      checkedSteps: 2,
      missingReports: 0,
      consistent: true,
    });
  });
});

describe('the plan and the options', () => {
  it('refuses a plan whose steps per epoch disagree with the sharding of the data set', async () => {
    const coordinator = scriptedCoordinator({
      plan: () => ({
        stepsPerEpoch: 7,
        totalSteps: 4,
        granularity: 'step',
        scheduler: createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1 }),
      }),
    });
    const { workers, result } = await assigned(coordinator, opened);
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [6] },
      params: new Float32Array(6).fill(1),
    });
    // 40 examples over 2 ranks in batches of 4: 5 steps an epoch, not 7.
    await expect(result).rejects.toMatchObject({
      code: 'ERR_TRAINING_MISMATCH',
      message: expect.stringContaining('make 5'),
    });
  });

  it('refuses a timeout that is not a positive number of milliseconds, and an unknown mode', () => {
    expect(() => scriptedCoordinator({ timeouts: { roundMs: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_BAD_VALUE', path: 'timeouts.roundMs' }),
    );
    expect(() => scriptedCoordinator({ timeouts: { heartbeatTimeoutMs: Number.NaN } })).toThrow(
      expect.objectContaining({ path: 'timeouts.heartbeatTimeoutMs' }),
    );
    expect(() => scriptedCoordinator({ mode: 'geo' as 'sync' })).toThrow(
      expect.objectContaining({ path: 'mode' }),
    );
  });

  it('runs with the default timeouts filled in (a step takes milliseconds against a 600 s round deadline)', async () => {
    const { workers, result } = await started(scriptedCoordinator({ totalSteps: 1 }), opened);
    await round(workers, 0, [1]);
    expect((await result).outcome).toBe('finished');
  });
});

describe('TraceCollector', () => {
  const worker = { pid: 42, name: 'worker 0', order: 1 };
  const trace = (spans: Record<string, unknown>, final = false) => ({
    type: 'trace' as const,
    rank: 0,
    final,
    spans,
  });

  it('keeps well-formed spans and refuses what a worker may not send, keeping nothing of it', () => {
    const traces = new TraceCollector();
    expect(traces.offer(0, worker, trace({ names: ['compute'], data: [0, 3, 1e15, 250] }))).toBeNull();
    expect(traces.offer(0, worker, trace({ names: ['x'], data: [1, 0, 1, 1] }))).toMatch(
      /not a packed span list/,
    );
    expect(traces.offer(0, worker, trace({ names: ['x'], data: [0, 0, 1] }))).toMatch(
      /not a packed span list/,
    );
    expect(traces.offer(0, worker, trace({ names: ['x'], data: [0, TRACE_MAX_STEPS, 1, 1] }))).toMatch(
      /past step/,
    );
    expect(traces.offer(0, worker, trace({ names: ['x'], data: [0, 1, 1, -5] }))).toMatch(
      /negative duration/,
    );
    const tooMany = Array.from({ length: TRACE_MAX_SPANS_PER_PROCESS }, () => [0, 1, 1, 1]).flat();
    expect(traces.offer(0, worker, trace({ names: ['x'], data: tooMany }))).toMatch(/more than/);
    expect(traces.offer(1, worker, trace({ names: [], data: [] }))).toMatch(/names rank 0/);
    const spans = traces.toJSON().traceEvents.filter((e) => e.ph === 'X');
    expect(spans).toEqual([
      { name: 'compute', cat: 'worker', ph: 'X', pid: 42, tid: 0, ts: 1e15, dur: 250, args: { step: 3 } },
    ]);
  });
});

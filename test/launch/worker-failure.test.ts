import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Fault, faulted, reportDetection } from '../support/faults.js';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { type RunRecord, readEarlyEnd, readRunDirectory } from '../support/run-directory.js';

// Long enough that a fault lands mid-run; the LR halves every 1000 steps, so every step still moves the parameters.
const STEPS = 1500;
const SYNC = [
  'task: synthetic',
  'workers: 2',
  'batch_size: 32',
  'data_limit: 512',
  `steps: ${STEPS}`,
  'optimizer: { name: Momentum, momentum: 0.9 }',
  'lr: { name: StepDecay, learning_rate: 0.05, step_size: 1000, gamma: 0.5 }',
  // A hung worker is named within seconds (the heartbeat keys of the test, not the defaults).
  'heartbeat_interval: 0.25',
  'heartbeat_timeout: 2',
].join('\n');

async function uninterrupted(config: string): Promise<RunRecord> {
  const dir = await scratch({ 'run.yaml': config });
  const run = await dptrain(['launch', join(dir, 'run.yaml'), '--out', join(dir, 'runs'), '--no-progress'])
    .exited;
  expect(run.code, run.stderr).toBe(0);
  return readRunDirectory(runDirectoryOf(run.stdout));
}

/** Every global step recorded exactly once, in order. */
function expectEachStepOnce(record: RunRecord): void {
  expect(record.metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, t) => t));
}

// 500 examples: 250 per rank in batches of 32 (7 of 32 and one of 26) with 2 workers, so a worker that kept the old
// split after a shrink would send a batch of another size than the coordinator's plan and be refused. Given in
// epochs: 60 epochs of 8 steps are planned, and the survivor alone takes 16 steps per epoch after the loss.
const SHRINK_EPOCHS = 60;
const SHRINK = SYNC.replace('data_limit: 512', 'data_limit: 500').replace(
  `steps: ${STEPS}`,
  `epochs: ${SHRINK_EPOCHS}`,
);

describe('on_worker_failure under dptrain launch (sync)', () => {
  it.each<Fault>(['SIGKILL', 'SIGSTOP'])(
    'restart: worker rank 1 hit by %s is started again, rejoins, and the run ends bit-identical to one without the fault',
    async (fault) => {
      const [whole, { run, pid, sent }] = await Promise.all([
        uninterrupted(SYNC),
        faulted(SYNC, fault, ['--on-worker-failure', 'restart']),
      ]);
      expect(run.code, run.stderr).toBe(0);
      const record = await readRunDirectory(runDirectoryOf(run.stdout));
      // The interrupted round completed with the new process's gradient: nothing applied twice, nothing skipped.
      expect(record.summary.paramsDigest).toBe(whole.summary.paramsDigest);
      expect(record.paramsSha256).toBe(whole.paramsSha256);
      expect(record.metrics.map((m) => m.lr)).toEqual(whole.metrics.map((m) => m.lr));
      expectEachStepOnce(record);
      expect(record.summary.lostWorkers).toHaveLength(1);
      const [lost] = record.summary.lostWorkers;
      expect(lost).toMatchObject({ rank: 1, pid, policy: 'restart' });
      expect(lost!.rejoinedAtStep).toBe(lost!.step);
      expect(lost!.step).toBeGreaterThanOrEqual(299);
      // What it owed when it was lost is excused, not missing: the record has no hole after it rejoined.
      expect(record.summary.consistency).toMatchObject({ missingReports: 0, consistent: true });
      expect(record.summary.replicasIdentical).toBe(true);
      expect(run.stderr).toMatch(/restarting a worker rank=1/);
      // The lost rank's gradient was taken out of the round: the new process's is not refused as a duplicate.
      expect(run.stderr).not.toMatch(/refused a message/);
      reportDetection(fault, run.stderr, sent);
    },
    180_000,
  );

  it.each<Fault>(['SIGKILL', 'SIGSTOP'])(
    'shrink: the run goes on without worker rank 1 after %s, each step applied once, and exits 0',
    async (fault) => {
      const { run, pid, sent } = await faulted(SHRINK, fault, ['--on-worker-failure', 'shrink']);
      expect(run.code, run.stderr).toBe(0);
      reportDetection(fault, run.stderr, sent);
      const record = await readRunDirectory(runDirectoryOf(run.stdout));
      // The run lasted past its planned 480 steps, to the end of its 60th epoch, and every step of it is recorded once.
      const total = record.summary.totalSteps ?? 0;
      expect(total).toBeGreaterThan(SHRINK_EPOCHS * 8);
      expect(record.metrics.map((m) => m.step)).toEqual(Array.from({ length: total }, (_, t) => t));
      const [lost] = record.summary.lostWorkers;
      expect(lost).toMatchObject({ rank: 1, pid, policy: 'shrink', rejoinedAtStep: null });
      // Until the loss both ranks' batches are in each step; after it, the survivor's alone, which takes over what
      // the lost rank had not trained on: every epoch still holds each of the 500 examples once (no padding: 500
      // splits evenly over 2 workers and over 1), the epoch of the loss included.
      for (const m of record.metrics)
        expect(m.samples, `step ${m.step}`).toBeLessThanOrEqual(m.step < lost!.step ? 64 : 32);
      const perEpoch = new Map<number, number>();
      for (const m of record.metrics) perEpoch.set(m.epoch, (perEpoch.get(m.epoch) ?? 0) + m.samples);
      const lastEpoch = record.metrics.at(-1)!.epoch;
      const lossEpoch = record.metrics[lost!.step]!.epoch;
      // Every epoch, the last included, is whole: the run ends where its 60 epochs do.
      expect([...perEpoch.keys()]).toEqual(Array.from({ length: SHRINK_EPOCHS }, (_, e) => e));
      for (const [epoch, samples] of perEpoch) expect(samples, `epoch ${epoch}`).toBe(500);
      expect(lastEpoch).toBeGreaterThan(lossEpoch);
      // The epoch of the loss took longer than 8 steps: the survivor's rounds of the lost rank's examples.
      expect(record.metrics.filter((m) => m.epoch === lossEpoch).length).toBeGreaterThan(8);
      expect(run.stderr).not.toMatch(/refused a message/);
      expect(record.summary.consistency).toMatchObject({ missingReports: 0, consistent: true });
      expect(record.summary.outcome).toBe('finished');
    },
    180_000,
  );

  it('abort (the default): a killed worker ends the run with exit 1 naming its rank and step, and a final checkpoint', async () => {
    const { run } = await faulted(SYNC, 'SIGKILL', []);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/error: worker rank 1 \(pid \d+\) was killed by SIGKILL/);
    const record = await readEarlyEnd(runDirectoryOf(run.stdout));
    expect(record.summary.failure).toMatchObject({
      code: 'ERR_TRAINING_WORKER_LOST',
      rank: 1,
      step: record.summary.steps,
    });
    expect(record.summary.checkpoint?.step).toBe(record.summary.steps);
    expect(record.summary.lostWorkers).toEqual([]);
  }, 120_000);

  it('restart fails the run once a rank used up worker_max_restarts', async () => {
    const { run } = await faulted(SYNC, 'SIGKILL', [
      '--on-worker-failure',
      'restart',
      '--worker-max-restarts',
      '0',
    ]);
    expect(run.code, run.stderr).toBe(1);
    const { summary } = await readEarlyEnd(runDirectoryOf(run.stdout));
    expect(summary.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 1 });
    expect(summary.failure!.message).toMatch(/worker_max_restarts 0/);
  }, 120_000);

  it('shrink fails the run once fewer than min_workers remain', async () => {
    const { run } = await faulted(SYNC, 'SIGKILL', ['--on-worker-failure', 'shrink', '--min-workers', '2']);
    expect(run.code, run.stderr).toBe(1);
    const { summary } = await readEarlyEnd(runDirectoryOf(run.stdout));
    expect(summary.failure).toMatchObject({ code: 'ERR_TRAINING_WORKER_LOST', rank: 1 });
    expect(summary.failure!.message).toMatch(/1 workers remain, fewer than min_workers 2/);
  }, 120_000);
});

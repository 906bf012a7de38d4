import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Fault, faulted, reportDetection } from '../support/faults.js';
import { dptrain, runDirectoryOf } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

// Slowed so that a restarted worker is back before the survivor alone reaches the last step.
const STEPS = 4000;
/** Shrink needs no rejoin to wait for: a shorter run still has the loss land mid-run, at step 300. */
const SHRINK_STEPS = 1200;
/** 512 examples over 2 ranks in batches of 32: 8 batches per rank and epoch. */
const PER_EPOCH = 8;

interface Entry {
  readonly rank: number;
  readonly shard?: number;
  readonly epoch: number;
  readonly position: number;
}
const ASYNC = [
  'task: synthetic',
  'mode: async',
  'workers: 2',
  'batch_size: 32',
  'data_limit: 512',
  `steps: ${STEPS}`,
  'simulate: { slow: { 0: 4, 1: 4 } }',
  'heartbeat_interval: 0.25',
  'heartbeat_timeout: 2',
].join('\n');

describe('on_worker_failure under dptrain launch (async)', () => {
  it.each<[string, Fault]>([
    ['restart', 'SIGKILL'],
    ['restart', 'SIGSTOP'],
    ['shrink', 'SIGKILL'],
    ['shrink', 'SIGSTOP'],
  ])(
    '%s after %s of worker rank 1: the gradient it was computing is dropped and counted, every LR is the schedule’s, exit 0',
    async (policy, fault) => {
      const steps = policy === 'shrink' ? SHRINK_STEPS : STEPS;
      const config = ASYNC.replace(`steps: ${STEPS}`, `steps: ${steps}`);
      const { run, pid, sent } = await faulted(config, fault, ['--on-worker-failure', policy]);
      expect(run.code, run.stderr).toBe(0);
      reportDetection(`async ${policy}, ${fault}`, run.stderr, sent);
      const record = await readRunDirectory(runDirectoryOf(run.stdout));
      // One global step per applied gradient, each once: the lost gradient took none.
      expect(record.metrics.map((m) => m.step)).toEqual(Array.from({ length: steps }, (_, t) => t));
      expect(record.summary.lostInFlight).toBe(1);
      const [lost] = record.summary.lostWorkers;
      expect(lost).toMatchObject({ rank: 1, pid, policy });
      if (policy === 'restart') {
        expect(lost!.rejoinedAtStep).not.toBeNull();
        // The new process of rank 1 pushed again after it rejoined.
        expect(
          record.metrics.some((m) => m.step > lost!.rejoinedAtStep! && (m as { rank?: number }).rank === 1),
        ).toBe(true);
      } else {
        expect(lost!.rejoinedAtStep).toBeNull();
        expect(record.metrics.some((m) => m.step > lost!.step && (m as { rank?: number }).rank === 1)).toBe(
          false,
        );
        // Rank 1's batches: its own up to the loss, then those left of that epoch taken over by rank 0 — each
        // batch of the epoch once, in order — and none after it.
        const runDir = runDirectoryOf(run.stdout);
        const lines = (await readFile(join(runDir, 'arrivals.jsonl'), 'utf8')).split('\n').slice(1, -1);
        const entries = lines.map((line) => JSON.parse(line) as Entry);
        const shardOne = entries.filter((e) => (e.shard ?? e.rank) === 1);
        const batches = shardOne.map((e) => e.epoch * PER_EPOCH + e.position);
        expect(batches).toEqual(Array.from({ length: batches.length }, (_, b) => b));
        expect(batches.length % PER_EPOCH).toBe(0);
        // By hand: rank 1 decided `own` batches itself; rank 0 took the rest of that epoch (none when it was lost
        // at an epoch's end).
        const own = shardOne.filter((e) => e.rank === 1).length;
        const taken = shardOne.filter((e) => e.rank === 0);
        expect(taken.length).toBe((PER_EPOCH - (own % PER_EPOCH)) % PER_EPOCH);
        expect(taken.every((e) => e.shard === 1)).toBe(true);
        if (fault === 'SIGKILL') {
          // `dptrain replay` computes every batch of the shard it was of, and gets the run's parameters.
          const replay = await dptrain(['replay', runDir]).exited;
          expect(replay.code, replay.stderr).toBe(0);
          expect(replay.stdout).toContain(`paramsDigest: ${record.summary.paramsDigest}`);
        }
      }
      expect(record.summary.lrConsistency).toMatchObject({ consistent: true, mismatches: 0 });
      expect(record.summary.consistency.consistent).toBe(true);
    },
    180_000,
  );
});

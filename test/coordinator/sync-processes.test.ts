import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/lr/config.js';
import { batches, epochIndices, shardIndices, stepsPerEpoch } from '../../src/sharding/index.js';
import { syntheticTask } from '../../src/tasks/index.js';
import { selectBackend } from '../../src/worker/backend.js';
import { gatherBatch } from '../../src/worker/index.js';
import { dptrain, listeningUrl, scratch } from '../support/processes.js';
import { type ReferenceBatch, trainReference } from '../support/reference-training.js';
import { relativeDifference } from '../support/vectors.js';

const TOKEN = 'process-test-token';
const SEED = 3;
const BATCH = 32;
const DATA_LIMIT = 256;
const STEPS = 12;

interface Outcome {
  readonly summary: Record<string, unknown> & {
    lrConsistency: { consistent: boolean; mismatches: number; checkedSteps: number };
  };
  readonly consistency: {
    details: {
      rank: number;
      step: number;
      expectedDigest: string;
      digest: string;
      appliedLr: number;
      expectedLr: number;
    }[];
    appliedLrs: number[][];
    scheduleLrs: number[];
  };
  readonly params: Float32Array;
  readonly codes: (number | null)[];
}

/** A coordinator and `workers` worker processes on the synthetic task; returns what the run directory holds. */
async function runProcesses(
  workers: number,
  lr: string,
  granularity: 'step' | 'epoch',
  workerArgs: (rank: number) => string[] = () => [],
): Promise<Outcome> {
  const config = [
    'task: synthetic',
    `workers: ${workers}`,
    `steps: ${STEPS}`,
    `batch_size: ${BATCH}`,
    `seed: ${SEED}`,
    `data_limit: ${DATA_LIMIT}`,
    'optimizer: { name: Momentum, momentum: 0.9 }',
    `lr: ${lr}`,
    `lr_granularity: ${granularity}`,
    'join_timeout: 60',
  ].join('\n');
  const dir = await scratch({ 'run.yaml': config });
  const runDir = join(dir, 'run');
  const env = { DPTRAIN_TOKEN: TOKEN };
  const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], env);
  const url = await listeningUrl(coordinator);
  const children = Array.from({ length: workers }, (_, rank) =>
    dptrain(['worker', '--connect', url, '--rank', String(rank), ...workerArgs(rank)], env),
  );
  const exits = await Promise.all([coordinator.exited, ...children.map((c) => c.exited)]);
  for (const exit of exits)
    if (exit.code !== 0) throw new Error(`a process failed (${exit.code}): ${exit.stderr}`);
  const params = await readFile(join(runDir, 'params.f32'));
  return {
    summary: JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')),
    consistency: JSON.parse(await readFile(join(runDir, 'consistency.json'), 'utf8')),
    params: new Float32Array(params.buffer, params.byteOffset, params.byteLength / 4),
    codes: exits.map((e) => e.code),
  };
}

/** The LR at each global step from a fresh scheduler, stepped once per step or once per completed epoch. */
function freshLrs(lr: Record<string, unknown>, granularity: 'step' | 'epoch', perEpoch: number): number[] {
  const scheduler = createScheduler(lr);
  const lrs: number[] = [];
  for (let t = 0; t < STEPS; t++) {
    lrs.push(scheduler.lastLr);
    if (!scheduler.metricDriven && (granularity === 'step' || (t + 1) % perEpoch === 0)) scheduler.step();
  }
  return lrs;
}

/** Plain tfjs on the concatenated global batches: rank 0's batch k, then rank 1's, … */
async function reference(workers: number, lrs: number[]): Promise<Float32Array> {
  const { tf } = await selectBackend('cpu');
  const train = await syntheticTask.loadData('train', { seed: SEED, limit: DATA_LIMIT });
  const perEpoch = stepsPerEpoch(train.size, workers, BATCH);
  const global: ReferenceBatch[] = [];
  for (let step = 0; step < STEPS; step++) {
    const epoch = Math.floor(step / perEpoch);
    const parts = Array.from({ length: workers }, (_, rank) => {
      const rankBatches = batches(shardIndices(epochIndices(train.size, SEED, epoch), rank, workers), BATCH);
      return gatherBatch(
        train,
        rankBatches[step % perEpoch]!,
        new Float32Array(BATCH * train.inputSize),
        new Int32Array(BATCH),
      );
    });
    const size = parts.reduce((n, p) => n + p.size, 0);
    const x = new Float32Array(size * train.inputSize);
    const labels = new Int32Array(size);
    let at = 0;
    for (const part of parts) {
      x.set(part.x, at * train.inputSize);
      labels.set(part.labels as Int32Array, at);
      at += part.size;
    }
    global.push({ size, x, labels });
  }
  return trainReference({ tf, task: syntheticTask, seed: SEED, batches: global, lrs, momentum: 0.9 });
}

describe('a coordinator and worker processes training together (sync all-reduce)', () => {
  const stepLr = { name: 'StepDecay', learning_rate: 0.3, step_size: 4, gamma: 0.5 };

  for (const workers of [2, 3]) {
    it(`N=${workers}: matches plain tfjs on the concatenated batch, keeps replicas bit-identical and every applied LR on schedule`, async () => {
      const outcome = await runProcesses(workers, JSON.stringify(stepLr), 'step');
      const lrs = freshLrs(stepLr, 'step', stepsPerEpoch(DATA_LIMIT, workers, BATCH));
      expect(outcome.consistency.scheduleLrs).toEqual(lrs);
      for (let rank = 0; rank < workers; rank++) expect(outcome.consistency.appliedLrs[rank]).toEqual(lrs);
      expect(outcome.summary).toMatchObject({
        steps: STEPS,
        replicasIdentical: true,
        lrConsistency: { checkedSteps: STEPS, mismatches: 0, consistent: true },
      });
      expect(outcome.consistency.details).toEqual([]);
      const distance = relativeDifference(outcome.params, await reference(workers, lrs));
      expect(distance).toBeLessThanOrEqual(1e-6);
    });
  }

  it('applies the schedule per epoch with lr_granularity: epoch', async () => {
    const epochLr = { name: 'ExponentialDecay', learning_rate: 0.4, gamma: 0.5 };
    const perEpoch = stepsPerEpoch(DATA_LIMIT, 2, BATCH);
    const outcome = await runProcesses(2, JSON.stringify(epochLr), 'epoch');
    const lrs = freshLrs(epochLr, 'epoch', perEpoch);
    expect(new Set(lrs).size).toBe(Math.ceil(STEPS / perEpoch));
    for (const applied of outcome.consistency.appliedLrs) expect(applied).toEqual(lrs);
    expect(outcome.summary.lrConsistency).toEqual({ checkedSteps: STEPS, mismatches: 0, consistent: true });
    expect(relativeDifference(outcome.params, await reference(2, lrs))).toBeLessThanOrEqual(1e-6);
  });

  it('reports a worker that applies a wrong LR, for that rank and step, and its digest differs', async () => {
    const outcome = await runProcesses(2, JSON.stringify(stepLr), 'step', (rank) =>
      rank === 1 ? ['--fault-lr', '5:1.5'] : [],
    );
    const lrMismatches = outcome.consistency.details.filter((m) => m.appliedLr !== m.expectedLr);
    expect(lrMismatches.map((m) => [m.rank, m.step])).toEqual([[1, 5]]);
    expect(lrMismatches[0]!.digest).not.toBe(lrMismatches[0]!.expectedDigest);
    const digestRanks = new Set(outcome.consistency.details.map((m) => m.rank));
    expect(digestRanks).toEqual(new Set([1]));
    expect(outcome.summary).toMatchObject({
      replicasIdentical: false,
      lrConsistency: { mismatches: 1, consistent: false },
    });
  });
});

/**
 * A coordinator process and worker processes training together. Every expected value comes from outside the code
 * under test: LRs from Paddle's formulas by hand (or a re-implementation of ReduceOnPlateau's rule below), batches
 * from the second sampler in test/support, parameters and losses from plain tfjs on the concatenated global
 * batches, the evaluation from a float64 MLP written for the tests.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticTask } from '../../src/tasks/index.js';
import { selectBackend } from '../../src/worker/index.js';
import { dptrain, type Exited, listeningUrl, scratch } from '../support/processes.js';
import { evaluateMlp } from '../support/reference-mlp.js';
import { referenceGlobalBatches, referenceStepsPerEpoch } from '../support/reference-sampler.js';
import { type ReferenceBatch, trainReferenceWithLosses } from '../support/reference-training.js';
import { type RunRecord, readEarlyEnd, readRunDirectory } from '../support/run-directory.js';
import { relativeDifference } from '../support/vectors.js';

const TOKEN = 'process-test-token';
const SEED = 3;
const BATCH = 32;
const DATA_LIMIT = 256;
const STEPS = 12;
const LAYERS = [16, 32, 4];

interface Outcome {
  readonly record: RunRecord;
  readonly runDir: string;
  readonly coordinator: Exited;
  readonly workers: Exited[];
}

/** A coordinator and worker processes on the synthetic task; returns what they left and how they exited. */
async function runProcesses(options: {
  workers: number;
  lr: string;
  granularity?: 'step' | 'epoch';
  optimizer?: string;
  extra?: string[];
  workerArgs?: (rank: number) => string[];
}): Promise<Outcome> {
  const config = [
    'task: synthetic',
    `workers: ${options.workers}`,
    `steps: ${STEPS}`,
    `batch_size: ${BATCH}`,
    `seed: ${SEED}`,
    `data_limit: ${DATA_LIMIT}`,
    `optimizer: ${options.optimizer ?? '{ name: Momentum, momentum: 0.9 }'}`,
    `lr: ${options.lr}`,
    `lr_granularity: ${options.granularity ?? 'step'}`,
    'join_timeout: 60',
    ...(options.extra ?? []),
  ].join('\n');
  const dir = await scratch({ 'run.yaml': config });
  const runDir = join(dir, 'run');
  const env = { DPTRAIN_TOKEN: TOKEN };
  const coordinator = dptrain(['coordinator', join(dir, 'run.yaml'), '--run-dir', runDir], env);
  const url = await listeningUrl(coordinator);
  const children = Array.from({ length: options.workers }, (_, rank) =>
    dptrain(['worker', '--connect', url, '--rank', String(rank), ...(options.workerArgs?.(rank) ?? [])], env),
  );
  const [coordinatorExit, ...workerExits] = await Promise.all([
    coordinator.exited,
    ...children.map((c) => c.exited),
  ]);
  return {
    record: await readRunDirectory(runDir),
    runDir,
    coordinator: coordinatorExit!,
    workers: workerExits,
  };
}

function expectAllExited(outcome: Outcome, code: number): void {
  for (const exit of [outcome.coordinator, ...outcome.workers]) {
    if (exit.code !== code) throw new Error(`a process exited ${exit.code}, not ${code}: ${exit.stderr}`);
  }
}

/**
 * Plain tfjs on the concatenated global batches of the given rounds (rank 0's batch, then rank 1's, …), with
 * Momentum 0.9 and the given LRs; the batches come from the second sampler.
 */
async function reference(workers: number, rounds: readonly number[], lrs: readonly number[]) {
  const { tf } = await selectBackend('cpu');
  const train = await syntheticTask.loadData('train', { seed: SEED, limit: DATA_LIMIT });
  const byRound = referenceGlobalBatches({
    size: train.size,
    seed: SEED,
    worldSize: workers,
    batchSize: BATCH,
    steps: Math.max(...rounds) + 1,
  });
  const global: ReferenceBatch[] = rounds.map((round) => {
    const indices = byRound[round]!.flat();
    const x = new Float32Array(indices.length * train.inputSize);
    const labels = new Int32Array(indices.length);
    for (const [k, i] of indices.entries()) {
      for (let f = 0; f < train.inputSize; f++)
        x[k * train.inputSize + f] = train.x[i * train.inputSize + f]!;
      labels[k] = (train.labels as Int32Array)[i]!;
    }
    return { size: indices.length, x, labels };
  });
  const { params, losses } = trainReferenceWithLosses({
    tf,
    task: syntheticTask,
    seed: SEED,
    batches: global,
    lrs,
    momentum: 0.9,
  });
  return { params, losses, samples: global.map((b) => b.size) };
}

/** The evaluation of `params` on the synthetic test split, by the float64 MLP of the tests. */
async function referenceEvaluation(params: Float32Array) {
  const test = await syntheticTask.loadData('test', { seed: SEED });
  return evaluateMlp(params, LAYERS, test.x, test.labels as Int32Array);
}

/** Paddle's ReduceOnPlateau rule (lr.py, mode min, rel threshold, no cooldown), re-written for the test. */
function plateauLrs(
  losses: readonly number[],
  o: { lr: number; factor: number; patience: number; threshold: number },
) {
  const lrs = [o.lr];
  let best: number | null = null;
  let bad = 0;
  let lr = o.lr;
  for (const loss of losses.slice(0, -1)) {
    if (best === null || loss < best - best * o.threshold) {
      best = loss;
      bad = 0;
    } else {
      bad += 1;
    }
    if (bad > o.patience) {
      bad = 0;
      const next = Math.max(lr * o.factor, 0);
      if (lr - next > 1e-8) lr = next;
    }
    lrs.push(lr);
  }
  return lrs;
}

/** Checks every figure of a clean run against the independent expectations. */
async function expectCleanRun(
  outcome: Outcome,
  workers: number,
  lrs: readonly number[],
  rounds: readonly number[],
) {
  const { record } = outcome;
  const { summary, metrics, consistency } = record;
  const expected = await reference(workers, rounds, lrs);
  const perEpoch = referenceStepsPerEpoch(DATA_LIMIT, workers, BATCH);
  expect(consistency.scheduleLrs).toEqual(lrs);
  for (let rank = 0; rank < workers; rank++) expect(consistency.appliedLrs[rank]).toEqual(lrs);
  expect(consistency.mismatches).toEqual([]);
  expect(consistency.missing).toEqual([]);
  expect(summary).toMatchObject({
    mode: 'sync',
    outcome: 'finished',
    failure: null,
    exitCode: 0,
    workers,
    steps: STEPS,
    totalSteps: STEPS,
    epochs: Math.round((STEPS / perEpoch) * 1000) / 1000,
    skippedSteps: rounds.at(-1)! + 1 - STEPS,
    samples: expected.samples.reduce((a, b) => a + b, 0),
    replicasIdentical: true,
    consistency: {
      steps: STEPS,
      checkedSteps: STEPS,
      lrMismatches: 0,
      digestMismatches: 0,
      missingReports: 0,
      consistent: true,
    },
  });
  expect(summary.paramsDigest).toBe(record.paramsSha256);
  expect(relativeDifference(record.params, expected.params)).toBeLessThanOrEqual(1e-6);
  expect(metrics.map((m) => [m.step, m.round, m.lr, m.samples])).toEqual(
    lrs.map((lr, t) => [t, rounds[t], lr, expected.samples[t]]),
  );
  expect(metrics.map((m) => m.epoch)).toEqual(rounds.map((r) => Math.floor(r / perEpoch)));
  for (const [t, m] of metrics.entries()) {
    expect(Math.abs(m.loss - expected.losses[t]!) / expected.losses[t]!).toBeLessThanOrEqual(1e-5);
  }
  expect(summary.finalLoss).toBe(metrics.at(-1)!.loss);
  const evaluation = await referenceEvaluation(record.params);
  expect(summary.evalExamples).toBe(evaluation.examples);
  expect(summary.evalAccuracy).toBe(evaluation.correct / evaluation.examples);
  expect(Math.abs(summary.evalLoss! - evaluation.loss) / evaluation.loss).toBeLessThanOrEqual(1e-5);
}

/** StepDecay(0.3, step_size 4, gamma 0.5) by Paddle's formula 0.3 * 0.5 ** floor(t / 4): all exact doubles. */
const STEP_DECAY = { name: 'StepDecay', learning_rate: 0.3, step_size: 4, gamma: 0.5 };
const STEP_DECAY_LRS = [0.3, 0.3, 0.3, 0.3, 0.15, 0.15, 0.15, 0.15, 0.075, 0.075, 0.075, 0.075];
const EVERY_ROUND = Array.from({ length: STEPS }, (_, t) => t);

describe('a coordinator and worker processes training together (sync all-reduce)', () => {
  for (const workers of [2, 3]) {
    it(`N=${workers}: matches plain tfjs on the concatenated batch, keeps replicas bit-identical and every applied LR on schedule`, async () => {
      const outcome = await runProcesses({ workers, lr: JSON.stringify(STEP_DECAY) });
      expectAllExited(outcome, 0);
      await expectCleanRun(outcome, workers, STEP_DECAY_LRS, EVERY_ROUND);
    });
  }

  it('applies the schedule per epoch with lr_granularity: epoch', async () => {
    // 256 examples over 2 ranks, batches of 32: 4 steps an epoch; ExponentialDecay(0.4, 0.5) halves per epoch.
    const lrs = [0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
    const outcome = await runProcesses({
      workers: 2,
      lr: '{ name: ExponentialDecay, learning_rate: 0.4, gamma: 0.5 }',
      granularity: 'epoch',
    });
    expectAllExited(outcome, 0);
    await expectCleanRun(outcome, 2, lrs, EVERY_ROUND);
  });

  it("drives ReduceOnPlateau with the global mean loss and skips a NaN step: workers apply only the coordinator's LRs", async () => {
    const plateau = { lr: 0.5, factor: 0.5, patience: 0, threshold: 0.05 };
    const outcome = await runProcesses({
      workers: 2,
      lr: `{ name: ReduceOnPlateau, learning_rate: ${plateau.lr}, factor: ${plateau.factor}, patience: ${plateau.patience}, threshold: ${plateau.threshold} }`,
      workerArgs: (rank) => (rank === 1 ? ['--fault', 'nan@3'] : []),
    });
    expectAllExited(outcome, 0);
    const losses = outcome.record.metrics.map((m) => m.loss);
    const lrs = plateauLrs(losses, plateau);
    // The test means something only if the schedule moved more than once.
    expect(new Set(lrs).size).toBeGreaterThanOrEqual(3);
    // Step 3's first batch (round 3) was NaN and skipped; it was retried on round 4, and so on.
    const rounds = EVERY_ROUND.map((t) => (t < 3 ? t : t + 1));
    await expectCleanRun(outcome, 2, lrs, rounds);
  });
});

/** The smallest double above x. */
function nextUp(x: number): number {
  const bits = new Float64Array([x]);
  const words = new BigUint64Array(bits.buffer);
  words[0]! += 1n;
  return bits[0]!;
}

describe('the consistency check catches every kind of wrong replica, and the run exits 3', () => {
  it('names a 1-ulp LR at the first and the last step and a report that never came, and nothing else', async () => {
    const outcome = await runProcesses({
      workers: 2,
      lr: JSON.stringify(STEP_DECAY),
      optimizer: '{ name: SGD }',
      workerArgs: (rank) =>
        rank === 1 ? ['--fault', 'lr-ulp@0', '--fault', 'skip-report@6'] : ['--fault', `lr-ulp@${STEPS - 1}`],
    });
    expect(outcome.coordinator.code).toBe(3);
    for (const worker of outcome.workers) expect(worker.code).toBe(0);
    const { summary, consistency } = outcome.record;
    const mismatches = [...consistency.mismatches].sort((a, b) => a.step - b.step);
    expect(mismatches.map((m) => [m.rank, m.step, m.expectedLr, m.appliedLr])).toEqual([
      [1, 0, 0.3, nextUp(0.3)],
      [0, STEPS - 1, 0.075, nextUp(0.075)],
    ]);
    // One ulp of a double is lost when the LR is rounded to float32: the replicas stay identical.
    for (const m of mismatches) expect(m.digest).toBe(m.expectedDigest);
    expect(consistency.missing).toEqual([{ rank: 1, step: 6 }]);
    expect(summary).toMatchObject({
      outcome: 'finished',
      exitCode: 3,
      replicasIdentical: true,
      consistency: {
        steps: STEPS,
        checkedSteps: STEPS - 1,
        lrMismatches: 2,
        digestMismatches: 0,
        missingReports: 1,
        consistent: false,
      },
    });
  });

  it('catches a worker that applies another LR than it reports, by its parameters, at every step from then on', async () => {
    const outcome = await runProcesses({
      workers: 2,
      lr: JSON.stringify(STEP_DECAY),
      workerArgs: (rank) => (rank === 1 ? ['--fault', 'apply-lr@5:1.5'] : []),
    });
    expect(outcome.coordinator.code).toBe(3);
    const { summary, consistency } = outcome.record;
    expect(consistency.mismatches.map((m) => [m.rank, m.step])).toEqual(
      Array.from({ length: STEPS - 5 }, (_, k) => [1, 5 + k]),
    );
    for (const m of consistency.mismatches) {
      expect(m.appliedLr).toBe(m.expectedLr);
      expect(m.digest).not.toBe(m.expectedDigest);
    }
    expect(summary).toMatchObject({
      exitCode: 3,
      replicasIdentical: false,
      consistency: { lrMismatches: 0, digestMismatches: STEPS - 5, missingReports: 0, consistent: false },
    });
  });
});

describe('a stalled worker', () => {
  it('fails the run at the round deadline naming its rank; every process exits 1 and the run directory says what was done', async () => {
    const outcome = await runProcesses({
      workers: 2,
      lr: JSON.stringify(STEP_DECAY),
      extra: ['round_timeout: 1'],
      workerArgs: (rank) => (rank === 1 ? ['--fault', 'stall@4'] : []),
    });
    expectAllExited(outcome, 1);
    expect(outcome.coordinator.stderr).toMatch(
      /error: step 4 \(batch 4\) waited 1 s \(round_timeout\) for the gradient of rank 1/,
    );
    expect(outcome.coordinator.stdout.trim().split('\n').at(-1)).toBe(`run directory: ${outcome.runDir}`);
    const { summary, metrics, consistency } = await readEarlyEnd(outcome.runDir);
    expect(summary).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      steps: 4,
      stopped: null,
      failure: { code: 'ERR_TRAINING_ROUND_TIMEOUT', rank: 1, step: 4 },
      evalAccuracy: null,
      consistency: { steps: 4, checkedSteps: 4, consistent: true },
    });
    expect(metrics.map((m) => m.lr)).toEqual(STEP_DECAY_LRS.slice(0, 4));
    expect(consistency.scheduleLrs).toEqual(STEP_DECAY_LRS.slice(0, 4));
    // The parameters are those of step 4, as plain tfjs computes them on the first 4 global batches.
    const expected = await reference(2, [0, 1, 2, 3], STEP_DECAY_LRS.slice(0, 4));
    expect(relativeDifference(outcome.record.params, expected.params)).toBeLessThanOrEqual(1e-6);
  }, 30_000);
});

/**
 * Resuming a sync run with another number of workers, shown with a counting task: one parameter per training
 * example, the loss of a batch is −Σ p[i] over its examples (a sum, so every visit adds exactly one), plain SGD. With
 * lr_world_scaling: linear against 1 worker the LR applied is W × schedule, which cancels the all-reduce's mean over
 * W ranks: each step adds schedule × (visits of each example). The schedule is 4^epoch (PiecewiseDecay per epoch), so
 * digit e in base 4 of a final parameter is how often that example was seen in epoch e. The expected visits come from
 * the naive dealing in test/support and the second shuffle implementation, not from src/sharding.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naiveEpoch } from '../support/naive-epochs.js';
import { dptrain, listeningUrl, runDirectoryOf, scratch } from '../support/processes.js';
import { referenceShuffle } from '../support/reference-sampler.js';
import { readRunDirectory } from '../support/run-directory.js';

const SIZE = 10;
const BATCH = 2;
const SEED = 1;
const TOKEN = 'resize-test-token';

/** The counting task as a module file (compiled JavaScript, as a task given by path must be). */
const COUNTING_TASK = `
const SIZE = ${SIZE};
const data = () => ({
  size: SIZE,
  inputSize: 1,
  x: Float32Array.from({ length: SIZE }, (_, i) => i),
  labels: Int32Array.from({ length: SIZE }, (_, i) => i),
  targetSize: 1,
});
// −Σ p[i] over the batch's examples, through a one-hot product (every backend differentiates it).
const visits = (tf, p, labels) => tf.neg(tf.sum(tf.mul(tf.cast(tf.oneHot(labels, SIZE), 'float32'), p)));
export default {
  name: 'counting',
  createModel: () => ({
    parameters: [{ name: 'visits', shape: [SIZE] }],
    initialParameters: () => new Float32Array(SIZE),
    loss: (tf, [p], x, labels) => visits(tf, p, labels),
    evaluate: (tf, [p], x, labels) => ({ lossSum: visits(tf, p, labels) }),
  }),
  loadData: async () => data(),
  size: () => SIZE,
};
`;

const ranks = (n: number) => Array.from({ length: n }, (_, rank) => rank);

/**
 * Visits per epoch of a run that trained round 0 with 2 workers and then `workers`, for 3 epochs, by the naive
 * dealing: the first epoch's worlds are 2 ranks from round 0 and `workers` ranks from round 1.
 */
function expectedVisits(workers: number): { visits: number[][]; epochStarts: number[] } {
  const visits: number[][] = [];
  const epochStarts: number[] = [];
  let round = 0;
  for (let epoch = 0; epoch < 3; epoch++) {
    const worlds =
      epoch === 0
        ? [
            { round: 0, members: ranks(2) },
            { round: 1, members: ranks(workers) },
          ]
        : [{ round, members: ranks(workers) }];
    const dealt = naiveEpoch(referenceShuffle(SIZE, SEED, epoch), BATCH, worlds);
    const counts = new Array<number>(SIZE).fill(0);
    for (const byRank of dealt.rounds.values())
      for (const batch of byRank.values()) for (const i of batch) counts[i]!++;
    visits.push(counts);
    epochStarts.push(round);
    round = dealt.end;
  }
  epochStarts.push(round);
  return { visits, epochStarts };
}

/** A run's parameters read as base-4 visit counts: digit e of each parameter, for epochs 0 to 2. */
function digits(params: Float32Array): number[][] {
  return [0, 1, 2].map((epoch) => Array.from(params, (p) => Math.floor(p / 4 ** epoch) % 4));
}

const FIRST = [
  'workers: 2',
  'steps: 1',
  `batch_size: ${BATCH}`,
  `seed: ${SEED}`,
  'optimizer: { name: SGD }',
  'join_timeout: 120',
  'round_timeout: 120',
];

async function firstLaunch(lines: readonly string[]) {
  const dir = await scratch({ 'counting-task.mjs': COUNTING_TASK });
  const config = join(dir, 'run.yaml');
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(config, [`task: ${join(dir, 'counting-task.mjs')}`, ...FIRST, ...lines].join('\n')),
  );
  const run = await dptrain(['launch', config, '--out', join(dir, 'first'), '--no-progress']).exited;
  expect(run.code, run.stderr).toBe(0);
  return { dir, first: runDirectoryOf(run.stdout) };
}

describe('resuming a sync run with another number of workers', () => {
  it.each([
    [3, 'more'],
    [1, 'fewer'],
  ])(
    'with %i worker(s) (%s): every example of each epoch seen once apart from the padding, the schedule at the real epoch ends',
    async (workers) => {
      const { dir, first } = await firstLaunch([
        'lr: { name: PiecewiseDecay, boundaries: [1, 2], values: [1, 4, 16] }',
        'lr_granularity: epoch',
        'lr_world_scaling: linear',
        'lr_reference_workers: 1',
      ]);
      const resumed = await dptrain([
        'launch',
        '--resume',
        first,
        '--workers',
        String(workers),
        '--steps',
        'null',
        '--epochs',
        '3',
        '--out',
        join(dir, 'resumed'),
        '--no-progress',
      ]).exited;
      expect(resumed.code, resumed.stderr).toBe(0);
      const run = await readRunDirectory(runDirectoryOf(resumed.stdout));
      const { visits, epochStarts } = expectedVisits(workers);
      // By hand: 10 examples, 2 workers take round 0 (4 examples); the 6 left over 3 workers take 1 round, over 1
      // worker 3 rounds; a fresh epoch takes ceil(ceil(10 / W) / 2) rounds: 2 for 3 workers, 5 for 1.
      expect(epochStarts).toEqual(workers === 3 ? [0, 2, 4, 6] : [0, 4, 9, 14]);
      expect(run.summary.steps).toBe(epochStarts[3]);
      expect(run.summary.consistency.consistent).toBe(true);
      // Each epoch: every example at least once; the repeats are the last world's padding, W·ceil(p/W) − p.
      const padding = workers === 3 ? [0, 2, 2] : [0, 0, 0];
      expect(digits(run.params)).toEqual(visits);
      for (const [epoch, counts] of visits.entries()) {
        expect(counts.every((c) => c >= 1)).toBe(true);
        expect(counts.reduce((a, b) => a + b, 0) - SIZE).toBe(padding[epoch]);
      }
      // The schedule goes on at global step 1: 4^epoch × W, stepped where the data plan's epochs end.
      const epochOf = (step: number) =>
        epochStarts.findIndex((start, e) => step >= start && step < epochStarts[e + 1]!);
      expect(run.metrics.map((m) => m.step)).toEqual(ranks(epochStarts[3]! - 1).map((t) => t + 1));
      expect(run.metrics.map((m) => m.epoch)).toEqual(run.metrics.map((m) => epochOf(m.step)));
      expect(run.metrics.map((m) => m.lr)).toEqual(run.metrics.map((m) => workers * 4 ** epochOf(m.step)));
    },
    240_000,
  );

  it('lr_world_scaling linear: 2 → 4 workers doubles the LR record, and a worker applying the unscaled LR is reported', async () => {
    // StepDecay by hand: 0.5 · 0.5^floor(t / 2).
    const schedule = (t: number) => 0.5 * 0.5 ** Math.floor(t / 2);
    const { dir, first } = await firstLaunch([
      'lr: { name: StepDecay, learning_rate: 0.5, step_size: 2, gamma: 0.5 }',
      'lr_world_scaling: linear',
    ]);
    const env = { DPTRAIN_TOKEN: TOKEN };
    const runDir = join(dir, 'resumed');
    const coordinator = dptrain(
      [
        'coordinator',
        '--resume',
        first,
        '--workers',
        '4',
        '--steps',
        'null',
        '--epochs',
        '3',
        '--run-dir',
        runDir,
      ],
      env,
    );
    const url = await listeningUrl(coordinator, 60_000);
    // Rank 3 multiplies the LR of step 3 by 0.5: it applies (and reports) the schedule's LR without the scaling.
    const workers = ranks(4).map((rank) =>
      dptrain(
        ['worker', '--connect', url, '--rank', String(rank), ...(rank === 3 ? ['--fault', 'lr@3:0.5'] : [])],
        env,
      ),
    );
    const [exit] = await Promise.all([coordinator.exited, ...workers.map((w) => w.exited)]);
    expect(exit!.code, exit!.stderr).toBe(3);
    const run = await readRunDirectory(runDir);
    // 6 unseen examples over 4 workers: 1 round; then epochs of ceil(ceil(10 / 4) / 2) = 2 rounds: steps 1 to 5.
    expect(run.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    expect(run.consistency.scheduleLrs).toEqual([1, 2, 3, 4, 5].map((t) => 2 * schedule(t)));
    expect(run.metrics.map((m) => m.lr)).toEqual([1, 2, 3, 4, 5].map((t) => 2 * schedule(t)));
    expect(run.summary.consistency.lrMismatches).toBe(1);
    // Its parameters differ from then on too (digest mismatches); the LR differs at step 3 only.
    expect(run.consistency.mismatches.filter((m) => m.appliedLr !== m.expectedLr)).toEqual([
      expect.objectContaining({ rank: 3, step: 3, expectedLr: 2 * schedule(3), appliedLr: schedule(3) }),
    ]);
  }, 240_000);
});

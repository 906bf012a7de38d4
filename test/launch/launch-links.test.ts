import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dptrain, runDirectoryOf, scratch } from '../support/processes.js';
import { readRunDirectory } from '../support/run-directory.js';

const QUICK = [
  'task: synthetic',
  'workers: 2',
  'steps: 20',
  'batch_size: 32',
  'data_limit: 512',
  'optimizer: { name: SGD }',
  'lr: { name: StepDecay, learning_rate: 0.3, step_size: 10 }',
];

async function launch(dir: string, extra: readonly string[]) {
  const run = await dptrain([
    'launch',
    join(dir, 'run.yaml'),
    '--out',
    join(dir, 'runs'),
    '--no-progress',
    ...extra,
  ]).exited;
  expect(run.code, run.stderr).toBe(0);
  return { run, record: await readRunDirectory(runDirectoryOf(run.stdout)) };
}

describe('dptrain launch with simulated links', () => {
  it('runs every worker through its own relay, bytes counted both ways, with the same parameters as without', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const plain = await launch(dir, []);
    const linked = await launch(dir, [
      '--simulate.latency-ms',
      '5',
      '--simulate.jitter-ms',
      '2',
      '--simulate.links.1.bandwidth-mbps',
      '50',
    ]);
    expect(plain.record.summary.simulated).toBeNull();
    const { summary } = linked.record;
    // Timing only: the same bytes in the same order, so sync gives the same parameters bit for bit.
    expect(summary.paramsDigest).toBe(plain.record.summary.paramsDigest);
    expect(summary.consistency.consistent).toBe(true);
    expect(summary.replicasIdentical).toBe(true);
    const links = summary.simulated!.links!;
    expect(
      links.map(({ rank, latencyMs, jitterMs, bandwidthMbps }) => [rank, latencyMs, jitterMs, bandwidthMbps]),
    ).toEqual([
      [0, 5, 2, null],
      [1, 5, 2, 50],
    ]);
    // 676 float32 parameters: each worker got them at least once per step (20 updates plus the welcome) and
    // sent a gradient of as many floats per step.
    for (const link of links) {
      expect(link.bytesToWorker).toBeGreaterThan(21 * 676 * 4);
      expect(link.bytesToCoordinator).toBeGreaterThan(20 * 676 * 4);
    }
    expect(linked.run.stderr).toMatch(
      /link relay rank=0 via=ws:\/\/127\.0\.0\.1:\d+ to=ws:\/\/127\.0\.0\.1:\d+ latencyMs=5/,
    );
    // A lower bound only: each step waits for a gradient up and an update down, each at least 5 − 2 ms late.
    expect(summary.trainSeconds).toBeGreaterThanOrEqual((20 * 2 * 3) / 1000);
  }, 120_000);

  it('keeps an async run consistent through relays', async () => {
    const dir = await scratch({
      'run.yaml': [...QUICK, 'mode: async', 'async: { lr_scale: inverse }'].join('\n'),
    });
    const { record } = await launch(dir, [
      '--simulate.latency-ms',
      '3',
      '--simulate.links.0.latency-ms',
      '12',
    ]);
    expect(record.summary.outcome).toBe('finished');
    expect(record.summary.lrConsistency.consistent).toBe(true);
    expect(record.summary.simulated!.links!.map((l) => l.latencyMs)).toEqual([12, 3]);
    expect(
      record.summary.simulated!.links!.every((l) => l.bytesToCoordinator > 0 && l.bytesToWorker > 0),
    ).toBe(true);
  }, 120_000);

  it('refuses link effects on a coordinator alone, pointing at dptrain netsim', async () => {
    const dir = await scratch({ 'run.yaml': QUICK.join('\n') });
    const run = await dptrain(['coordinator', join(dir, 'run.yaml'), '--simulate.latency-ms', '5'], {
      DPTRAIN_TOKEN: 't',
    }).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('put `dptrain netsim` between each worker and it');
  });
});

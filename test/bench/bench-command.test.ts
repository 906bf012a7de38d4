import { describe, expect, it } from 'vitest';
import { runAllreduceSuite } from '../../src/bench/suite.js';
import { cli } from '../support/cli.js';

const positiveFinite = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('dptrain bench allreduce', () => {
  for (const path of ['training', 'protocol']) {
    it(`measures one case on the ${path} path and prints only one JSON object with the TCP ceiling`, async () => {
      const out = await cli([
        'bench',
        'allreduce',
        '--workers',
        '2',
        '--params',
        '1000',
        '--rounds',
        '5',
        '--warmup',
        '2',
        ...(path === 'training' ? ['--transport', 'auto'] : ['--path', path]),
        '--json',
      ]);
      expect(out.code).toBe(0);
      expect(out.stdout).toHaveLength(1);
      const report = JSON.parse(out.stdout[0]!);
      expect(report.cases).toHaveLength(1);
      const [result] = report.cases;
      expect(result).toMatchObject({ name: 'N=2 P=1e3', workers: 2, params: 1000, rounds: 5 });
      for (const key of ['medianMs', 'p90Ms', 'bytesPerSec']) expect(positiveFinite(result[key])).toBe(true);
      expect(result.p90Ms).toBeGreaterThanOrEqual(result.medianMs);
      expect(positiveFinite(report.ceilings.tcpLoopbackBytesPerSec)).toBe(true);
      // On the training path an empty `skipped` means the run passed its end-of-run recomputation.
      expect(report).toMatchObject({ skipped: [], path, zeroMask: true });
      // The training run was asked for `auto`, which picks tensor lanes on this host.
      if (path === 'training') expect(result.transport).toBe('shm');
    });
  }

  it('refuses bad flags with exit code 2, one error line and nothing on stdout', async () => {
    for (const args of [
      ['bench', 'allreduce', '--workers', '0'],
      ['bench', 'allreduce', '--params', 'many'],
      ['bench', 'allreduce', '--params', '1.5'],
      ['bench', 'allreduce', '--rounds', '0'],
      ['bench', 'allreduce', '--frobnicate'],
      ['bench', 'allreduce', 'extra'],
      ['bench', 'allreduce', '--path', 'ring'],
      ['bench', 'allreduce', '--transport', 'udp'],
      ['bench', 'allreduce', '--path', 'protocol', '--transport', 'unix'],
      ['bench', 'train', '--transport', 'sctp'],
      ['bench', 'async', '--steps', '1'],
      ['bench', 'async', '--workers', '0'],
      ['bench', 'async', '--rounds', '5'],
      ['bench', 'worker', '--rank', '0'],
      ['bench', 'worker', '--connect', 'ws://127.0.0.1:1', '--tcp-sink', '127.0.0.1:1'],
      ['bench', 'worker', '--connect', 'http://127.0.0.1:1', '--rank', '0', '--params', '10'],
    ]) {
      const out = await cli(args);
      expect({ args, code: out.code, stdout: out.stdout }).toEqual({ args, code: 2, stdout: [] });
      expect(out.stderr).toHaveLength(1);
      expect(out.stderr[0]).toMatch(/^error: /);
    }
  });

  it('reports a case that would not fit in memory as skipped instead of starting it', async () => {
    const report = await runAllreduceSuite({
      cases: [{ workers: 2, params: 1000, rounds: 1, warmup: 0 }],
      availableBytes: () => 1e6,
      ceiling: { trialBytes: 1 << 20, chunkBytes: 1 << 18, trials: 1 },
    });
    expect(report.cases).toEqual([]);
    expect(report.skipped).toEqual([
      expect.objectContaining({
        name: 'N=2 P=1e3',
        status: 'infeasible',
        reason: expect.stringMatching(/memory/),
      }),
    ]);
    expect(positiveFinite(report.ceilings.tcpLoopbackBytesPerSec)).toBe(true);
  });
});

describe('dptrain bench async', () => {
  it('measures applied updates per second beside the sync round rate of the same run, as one JSON object', async () => {
    const out = await cli([
      'bench',
      'async',
      '--workers',
      '2',
      '--params',
      '1000',
      '--steps',
      '20',
      '--json',
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toHaveLength(1);
    const report = JSON.parse(out.stdout[0]!);
    expect(report.cases).toEqual([
      { name: 'N=2 P=1e3', workers: 2, params: 1000, updates: 18, updatesPerSec: expect.any(Number) },
    ]);
    expect(positiveFinite(report.cases[0].updatesPerSec)).toBe(true);
    expect(report.sync).toMatchObject({ name: 'N=2 P=1e3', workers: 2, params: 1000 });
    expect(report.sync.roundsPerSec).toBeCloseTo(1000 / report.sync.medianMs, 9);
    expect(report.ratio).toBeCloseTo(report.cases[0].updatesPerSec / report.sync.roundsPerSec, 9);
    expect(report.zeroMask).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const positiveFinite = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('dptrain bench train', () => {
  it('runs the real launch with 1 and 2 workers and prints one JSON object with the single-process ceiling', async () => {
    const out = await cli([
      'bench',
      'train',
      '--workers',
      '1,2',
      '--steps',
      '6',
      '--warmup',
      '2',
      '--runs',
      '1',
      '--json',
    ]);
    expect(out.code, out.stderr.join('\n')).toBe(0);
    expect(out.stdout).toHaveLength(1);
    const report = JSON.parse(out.stdout[0]!);
    expect(report).toMatchObject({ steps: 6, warmup: 2 });
    expect(report.cases.map((c: { name: string; workers: number }) => [c.name, c.workers])).toEqual([
      ['N=1', 1],
      ['N=2', 2],
    ]);
    for (const c of report.cases) {
      expect(positiveFinite(c.samplesPerSec)).toBe(true);
      expect(c.runs).toEqual([c.samplesPerSec]);
      expect(c.vsCeiling).toBeCloseTo(c.samplesPerSec / report.ceilings.singleProcessSamplesPerSec, 12);
    }
    expect(report.cases[0].vsOneWorker).toBe(1);
    expect(positiveFinite(report.ceilings.singleProcessSamplesPerSec)).toBe(true);
    // the ceiling trained the same run as the 1-worker launch
    expect(report.ceilings.singleProcessSameAsOneWorker).toBe(true);
  });

  it('refuses bad flags with exit code 2, one error line and nothing on stdout', async () => {
    for (const args of [
      ['--workers', '0'],
      ['--workers', '1,1'],
      ['--workers', '1,two'],
      ['--workers', '65'],
      ['--steps', '0'],
      ['--steps', '5', '--warmup', '5'],
      ['--runs', '0'],
      ['--frobnicate'],
      ['extra'],
    ]) {
      const out = await cli(['bench', 'train', ...args]);
      expect({ args, code: out.code, stdout: out.stdout }).toEqual({ args, code: 2, stdout: [] });
      expect(out.stderr).toHaveLength(1);
      expect(out.stderr[0]).toMatch(/^error: /);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { reportJson, reportLines } from '../../src/bench/report.js';
import type { BenchReport } from '../../src/bench/suite.js';

const REPORT: BenchReport = {
  cases: [
    { name: 'N=2 P=1e3', workers: 2, params: 1e3, rounds: 200, medianMs: 0.5, p90Ms: 0.9, bytesPerSec: 32e6 },
    { name: 'N=4 P=1e6', workers: 4, params: 1e6, rounds: 30, medianMs: 40, p90Ms: 55, bytesPerSec: 800e6 },
  ],
  skipped: [
    { name: 'N=8 P=1e7', workers: 8, params: 1e7, status: 'infeasible', reason: 'needs about 3.1 GB' },
  ],
  ceilings: { tcpLoopbackBytesPerSec: 2e9 },
  ceilingSettings: { trialBytes: 256 * 2 ** 20, chunkBytes: 4 * 2 ** 20, trials: 5, timeoutMs: 30_000 },
  path: 'training',
  zeroMask: true,
};

describe('bench report', () => {
  it('gives --json the cases with the gloo median beside each (null where FACTS.md has none) and the ceiling', () => {
    const json = JSON.parse(JSON.stringify(reportJson(REPORT)));
    expect(json.cases).toEqual([
      { ...REPORT.cases[0], pytorchGlooMedianMs: null },
      { ...REPORT.cases[1], pytorchGlooMedianMs: 20 },
    ]);
    expect(json.ceilings).toEqual({ tcpLoopbackBytesPerSec: 2e9 });
    expect(json.skipped).toEqual(REPORT.skipped);
    expect(json.zeroMask).toBe(true);
    expect(json.path).toBe('training');
  });

  it('says which path was measured: the real training path and its check, or the protocol ceiling', () => {
    expect(reportLines(REPORT).join('\n')).toMatch(/real training path[\s\S]*checked bit for bit/);
    const protocol = reportLines({ ...REPORT, path: 'protocol' }).join('\n');
    expect(protocol).toMatch(/protocol path \(the transport-only ceiling\)/);
    expect(protocol).not.toMatch(/training path/);
  });

  it('prints a row per case with median, p90, MB/s, share of the ceiling and gloo, then skips and the ceiling', () => {
    const lines = reportLines(REPORT);
    expect(lines.some((line) => line.includes('zero masks ON'))).toBe(true);
    const row = lines.find((line) => line.startsWith('N=4 P=1e6'))!;
    expect(row.split(/\s{2,}/)).toEqual([
      'N=4 P=1e6',
      '4',
      '1e6',
      '30',
      '40.00',
      '55.00',
      '800',
      '40%',
      '20.00',
      '2.00×',
    ]);
    expect(lines.find((line) => line.startsWith('N=2 P=1e3'))).toMatch(/—\s+—$/);
    expect(lines).toContain('N=8 P=1e7: skipped, needs about 3.1 GB');
    expect(lines.find((line) => line.startsWith('TCP loopback ceiling'))).toMatch(
      /^TCP loopback ceiling: 2000 MB\/s .*256 MiB in 4 MiB writes, median of 5 trials/,
    );
  });
});

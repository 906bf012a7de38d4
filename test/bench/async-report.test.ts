import { describe, expect, it } from 'vitest';
import { type AsyncReport, updatesPerSecond } from '../../src/bench/async-bench.js';
import { asyncReportJson, asyncReportLines } from '../../src/bench/async-report.js';

const REPORT: AsyncReport = {
  cases: [{ name: 'N=4 P=1e6', workers: 4, params: 1e6, updates: 180, updatesPerSec: 50 }],
  sync: {
    name: 'N=4 P=1e6',
    workers: 4,
    params: 1e6,
    rounds: 50,
    medianMs: 80,
    p90Ms: 95,
    bytesPerSec: 400e6,
    roundsPerSec: 12.5,
  },
  ratio: 4,
  zeroMask: true,
};

describe('bench async report', () => {
  it('counts the updates after the warm-up over the time since the last warm-up update', () => {
    const lines = [
      { step: 0, roundMs: 500 },
      { step: 1, roundMs: 10 },
      { step: 2, roundMs: 30 },
      { step: 3, roundMs: 40 },
    ];
    // steps 1–3: 3 updates in 80 ms; the first update's 500 ms (start-up) is the warm-up's
    expect(updatesPerSecond(lines, 1)).toEqual({ updates: 3, updatesPerSec: 37.5 });
    expect(() => updatesPerSecond(lines, 4)).toThrow(expect.objectContaining({ code: 'ERR_BENCH_ARGUMENT' }));
  });

  it('prints updates/s beside the sync round rate and their ratio, and the same numbers as JSON', () => {
    const row = asyncReportLines(REPORT).find((line) => line.startsWith('N=4 P=1e6'))!;
    expect(row.split(/\s{2,}/)).toEqual(['N=4 P=1e6', '4', '1e6', '180', '50.0', '12.5', '4.00×']);
    expect(JSON.parse(JSON.stringify(asyncReportJson(REPORT)))).toEqual(REPORT);
  });
});

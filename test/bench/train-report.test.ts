import { describe, expect, it } from 'vitest';
import type { TrainReport } from '../../src/bench/train-bench.js';
import { trainReportJson, trainReportLines } from '../../src/bench/train-report.js';

const REPORT: TrainReport = {
  steps: 100,
  warmup: 10,
  cases: [
    { name: 'N=1', workers: 1, samplesPerSec: 4000, runs: [3900, 4000, 4100], backend: 'wasm' },
    { name: 'N=2', workers: 2, samplesPerSec: 5000, runs: [5000, 4800, 5200], backend: 'wasm' },
  ],
  ceiling: {
    samplesPerSec: 8000,
    runs: [8000, 7000, 9000],
    backend: 'wasm',
    paramsDigest: 'sha256:0',
    sameAsOneWorker: true,
  },
};

describe('the bench train report', () => {
  it('gives each case its ratio to 1 worker and to the ceiling (hand-computed: 5000 / 4000, 5000 / 8000)', () => {
    const json = trainReportJson(REPORT);
    expect(json.cases.map((c) => [c.name, c.vsOneWorker, c.vsCeiling])).toEqual([
      ['N=1', 1, 0.5],
      ['N=2', 1.25, 0.625],
    ]);
    expect(json.ceilings).toMatchObject({
      singleProcessSamplesPerSec: 8000,
      singleProcessSameAsOneWorker: true,
    });
  });

  it('prints a row per case with its ratios and the range of its runs, then the ceiling', () => {
    const lines = trainReportLines(REPORT);
    expect(lines[1]!.split(/\s{2,}/)).toEqual([
      'case',
      'workers',
      'samples/s',
      'vs 1 worker',
      'vs ceiling',
      'runs (samples/s)',
    ]);
    expect(lines[3]!.split(/\s{2,}/)).toEqual(['N=1', '1', '4000', '1.00×', '0.50×', '3900–4100']);
    expect(lines[4]!.split(/\s{2,}/)).toEqual(['N=2', '2', '5000', '1.25×', '0.63×', '4800–5200']);
    expect(lines[5]!.split(/\s{2,}/)).toEqual(['single process', '—', '8000', '—', '1.00×', '7000–9000']);
    expect(lines.at(-1)).toMatch(/parameters equal the 1-worker run/);
  });

  it('says so loudly when the ceiling did not train the same run', () => {
    const lines = trainReportLines({ ...REPORT, ceiling: { ...REPORT.ceiling, sameAsOneWorker: false } });
    expect(lines.at(-1)).toMatch(/WARNING: its parameters differ/);
  });
});

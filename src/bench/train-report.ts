import { formatTable } from './table.js';
import type { TrainReport } from './train-bench.js';

/** A case as `bench train --json` prints it. */
export interface TrainCaseJson {
  readonly name: string;
  readonly workers: number;
  readonly samplesPerSec: number;
  readonly runs: readonly number[];
  /** samples/s ÷ the 1-worker case's, or null without one */
  readonly vsOneWorker: number | null;
  /** samples/s ÷ the single-process ceiling's */
  readonly vsCeiling: number;
  readonly backend: string;
}

/**
 * The report as `--json` prints it: `{ cases: [{ name, workers, samplesPerSec, … }], ceilings:
 * { singleProcessSamplesPerSec, … }, steps, warmup }`.
 *
 * @example
 * JSON.stringify(trainReportJson(report)); // '{"cases":[{"name":"N=1","workers":1,"samplesPerSec":7990,…}],"ceilings":{"singleProcessSamplesPerSec":9100,…},…}'
 */
export function trainReportJson(report: TrainReport): {
  cases: TrainCaseJson[];
  ceilings: {
    singleProcessSamplesPerSec: number;
    singleProcessRuns: readonly number[];
    singleProcessBackend: string;
    singleProcessSameAsOneWorker: boolean | null;
  };
  steps: number;
  warmup: number;
} {
  const one = report.cases.find((c) => c.workers === 1);
  const ceiling = report.ceiling.samplesPerSec;
  return {
    cases: report.cases.map((c) => ({
      name: c.name,
      workers: c.workers,
      samplesPerSec: c.samplesPerSec,
      runs: c.runs,
      vsOneWorker: one === undefined ? null : c.samplesPerSec / one.samplesPerSec,
      vsCeiling: c.samplesPerSec / ceiling,
      backend: c.backend,
    })),
    ceilings: {
      singleProcessSamplesPerSec: ceiling,
      singleProcessRuns: report.ceiling.runs,
      singleProcessBackend: report.ceiling.backend,
      singleProcessSameAsOneWorker: report.ceiling.sameAsOneWorker,
    },
    steps: report.steps,
    warmup: report.warmup,
  };
}

/**
 * The report as text lines: what ran, a row per worker count (samples/s, its ratio to 1 worker and to the
 * ceiling, the range of its runs), then the ceiling's row.
 *
 * @example
 * for (const line of trainReportLines(report)) console.log(line);
 */
export function trainReportLines(report: TrainReport): string[] {
  const json = trainReportJson(report);
  const { ceilings } = json;
  const rows = json.cases.map((c) => [
    c.name,
    String(c.workers),
    rate(c.samplesPerSec),
    c.vsOneWorker === null ? '—' : `${c.vsOneWorker.toFixed(2)}×`,
    `${c.vsCeiling.toFixed(2)}×`,
    range(c.runs),
  ]);
  rows.push([
    'single process',
    '—',
    rate(ceilings.singleProcessSamplesPerSec),
    '—',
    '1.00×',
    range(ceilings.singleProcessRuns),
  ]);
  const same = ceilings.singleProcessSameAsOneWorker;
  return [
    `dptrain bench train: the default MNIST MLP run through dptrain launch, ${report.steps} steps, the first ${report.warmup} not timed; medians of ${json.cases[0]?.runs.length ?? 0} runs`,
    ...formatTable(['case', 'workers', 'samples/s', 'vs 1 worker', 'vs ceiling', 'runs (samples/s)'], rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
      'left',
    ]),
    `ceiling: one process training alone (no coordinator, no sockets), ${ceilings.singleProcessBackend}` +
      (same === null
        ? ''
        : same
          ? '; its parameters equal the 1-worker run’s'
          : '; WARNING: its parameters differ from the 1-worker run’s, so it did not train the same run'),
  ];
}

function rate(samplesPerSec: number): string {
  return samplesPerSec.toFixed(0);
}

function range(runs: readonly number[]): string {
  return runs.length === 1 ? rate(runs[0]!) : `${rate(Math.min(...runs))}–${rate(Math.max(...runs))}`;
}

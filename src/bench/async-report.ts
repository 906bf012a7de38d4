import type { AsyncReport } from './async-bench.js';
import { formatCount } from './grid.js';
import { formatTable } from './table.js';

/**
 * The async report as one plain object for `--json`: `{ cases: [{ name, workers, params, updates, updatesPerSec }],
 * sync: { name, workers, params, rounds, medianMs, p90Ms, bytesPerSec, roundsPerSec }, ratio, zeroMask }`.
 *
 * @example
 * JSON.stringify(asyncReportJson(report)); // '{"cases":[{"name":"N=4 P=1e6",…,"updatesPerSec":48.2}],"sync":{…},"ratio":2.1,…}'
 */
export function asyncReportJson(report: AsyncReport): AsyncReport {
  return { cases: report.cases, sync: report.sync, ratio: report.ratio, zeroMask: report.zeroMask };
}

/**
 * The async report as text lines: what was measured, a row per case with its updates per second beside the sync
 * round rate of the same run, and their ratio.
 *
 * @example
 * for (const line of asyncReportLines(report)) console.log(line);
 */
export function asyncReportLines(report: AsyncReport): string[] {
  const { sync } = report;
  const rows = report.cases.map((result) => [
    result.name,
    String(result.workers),
    formatCount(result.params),
    String(result.updates),
    result.updatesPerSec.toFixed(1),
    sync.roundsPerSec.toFixed(1),
    `${(result.updatesPerSec / sync.roundsPerSec).toFixed(2)}×`,
  ]);
  return [
    'dptrain async on the real training path: `dptrain launch` in async mode (parameter server, no staleness bound,',
    'no SSP hold, SGD) on the bench task (P floats, a closed-form gradient: no compute), coordinator + N worker',
    'processes over loopback, zero masks ON. updates/s = applied updates after the warm-up / the time they took.',
    'sync rounds/s: the same N and P in sync mode in this run (1000 / median roundMs; its final parameters checked).',
    '',
    ...formatTable(
      ['case', 'workers', 'params', 'updates', 'updates/s', 'sync rounds/s', 'async / sync'],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    `sync comparison: ${sync.name}, ${sync.rounds} rounds, median ${sync.medianMs.toFixed(2)} ms, p90 ${sync.p90Ms.toFixed(2)} ms`,
  ];
}

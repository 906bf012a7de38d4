import type { CaseResult } from './allreduce-bench.js';
import { formatCount } from './grid.js';
import { pytorchGlooMedianMs } from './pytorch-gloo.js';
import type { BenchReport } from './suite.js';
import { formatTable } from './table.js';

/** A case as `--json` prints it: the measured numbers and PyTorch gloo's median for the size (or null). */
export interface CaseJson extends CaseResult {
  readonly pytorchGlooMedianMs: number | null;
}

/**
 * The report as one plain object for `--json`: `{ cases, ceilings, skipped, zeroMask }`.
 *
 * @example
 * JSON.stringify(reportJson(report)); // '{"cases":[{"name":"N=2 P=1e3",…}],"ceilings":{"tcpLoopbackBytesPerSec":2.5e9},…}'
 */
export function reportJson(report: BenchReport): {
  cases: CaseJson[];
  ceilings: BenchReport['ceilings'];
  skipped: BenchReport['skipped'];
  zeroMask: boolean;
} {
  return {
    cases: report.cases.map((result) => ({
      ...result,
      pytorchGlooMedianMs: pytorchGlooMedianMs(result.workers, result.params),
    })),
    ceilings: report.ceilings,
    skipped: report.skipped,
    zeroMask: report.zeroMask,
  };
}

/**
 * The report as text lines: what was measured, a table with a row per case (PyTorch gloo's median beside
 * ours where FACTS.md has one), the skipped cases and the TCP ceiling.
 *
 * @example
 * for (const line of reportLines(report)) console.log(line);
 */
export function reportLines(report: BenchReport): string[] {
  const ceiling = report.ceilings.tcpLoopbackBytesPerSec;
  const { trialBytes, chunkBytes, trials } = report.ceilingSettings;
  const rows = report.cases.map((result) => {
    const gloo = pytorchGlooMedianMs(result.workers, result.params);
    return [
      result.name,
      String(result.workers),
      formatCount(result.params),
      String(result.rounds),
      formatMs(result.medianMs),
      formatMs(result.p90Ms),
      (result.bytesPerSec / 1e6).toFixed(0),
      `${((100 * result.bytesPerSec) / ceiling).toFixed(0)}%`,
      gloo === null ? '—' : formatMs(gloo),
      gloo === null ? '—' : `${(result.medianMs / gloo).toFixed(2)}×`,
    ];
  });
  const table = formatTable(
    ['case', 'workers', 'params', 'rounds', 'median ms', 'p90 ms', 'MB/s', 'of TCP', 'gloo ms', 'vs gloo'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  return [
    'dptrain all-reduce: 1 reducing process (this one, as coordinator) + N worker processes over loopback,',
    'dptrain protocol (float32 frames) over WebSocket, zero masks ON (unmasked client frames: loopback only).',
    'A round runs from the go broadcast until the last worker has decoded the averaged update.',
    'MB/s = payload through the reducer per round (N gradients in + N updates out, 4 bytes a float) / median, 1 MB = 1e6 bytes.',
    '',
    ...table,
    ...report.skipped.map(
      (skip) => `${skip.name}: ${skip.status === 'infeasible' ? 'skipped' : 'FAILED'}, ${skip.reason}`,
    ),
    '',
    `TCP loopback ceiling: ${(ceiling / 1e6).toFixed(0)} MB/s (node:net between two processes, ${formatMiB(trialBytes)} in ${formatMiB(chunkBytes)} writes, median of ${trials} trials)`,
    'gloo ms: PyTorch 1.13 gloo all-reduce (average), median per call, measured on this machine 2026-11-25 (FACTS.md); — where not measured.',
    'vs gloo: our median / gloo median (below 1 is faster than gloo).',
  ];
}

/** Milliseconds with three significant digits or more. */
function formatMs(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(2);
  return ms.toFixed(1);
}

function formatMiB(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
}

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
 * The report as one plain object for `--json`: `{ cases, ceilings, skipped, path, zeroMask }`.
 *
 * @example
 * JSON.stringify(reportJson(report)); // '{"cases":[{"name":"N=2 P=1e3",…}],"ceilings":{"tcpLoopbackBytesPerSec":2.5e9},…}'
 */
export function reportJson(report: BenchReport): {
  cases: CaseJson[];
  ceilings: BenchReport['ceilings'];
  skipped: BenchReport['skipped'];
  path: BenchReport['path'];
  zeroMask: boolean;
} {
  return {
    cases: report.cases.map((result) => ({
      ...result,
      pytorchGlooMedianMs: pytorchGlooMedianMs(result.workers, result.params),
    })),
    ceilings: report.ceilings,
    skipped: report.skipped,
    path: report.path,
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
    ...(report.path === 'training' ? TRAINING_HEADER : PROTOCOL_HEADER),
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

const TRAINING_HEADER = [
  'dptrain all-reduce on the real training path: `dptrain launch` in sync mode (coordinator + N worker processes',
  'over loopback, zero masks ON), the bench task (P floats, a closed-form gradient that is fresh every round), SGD.',
  "A round is metrics.jsonl's roundMs, from one update broadcast to the next: the workers' gradients, the",
  "coordinator's reduce, apply and digest, the broadcast. Warm-up rounds are dropped. Every case's final",
  "parameters were checked bit for bit against the bench's own float32 recomputation of the run.",
  'MB/s = payload through the coordinator per round (N gradients in + N updates out, 4 bytes a float) / median, 1 MB = 1e6 bytes.',
];

const PROTOCOL_HEADER = [
  'dptrain all-reduce, protocol path (the transport-only ceiling): 1 reducing process (this one) + N bench worker',
  'processes over loopback, dptrain protocol (float32 frames) over WebSocket, zero masks ON, pooled receive arrays,',
  'no optimizer, no digest. A round runs from the go broadcast until the last worker has decoded the averaged update.',
  'MB/s = payload through the reducer per round (N gradients in + N updates out, 4 bytes a float) / median, 1 MB = 1e6 bytes.',
];

/** Milliseconds with three significant digits or more. */
function formatMs(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(2);
  return ms.toFixed(1);
}

function formatMiB(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
}

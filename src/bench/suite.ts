import { freemem } from 'node:os';
import { DptrainError } from '../errors.js';
import { type CaseResult, runAllreduceCase } from './allreduce-bench.js';
import { infeasibility } from './feasibility.js';
import { type BenchCase, caseName } from './grid.js';
import type { BenchTransport } from './launched-run.js';
import { measureTcpCeiling, type TcpCeilingOptions, tcpCeilingSettings } from './tcp-ceiling.js';
import { runTrainingCase } from './training-case.js';

/**
 * What `dptrain bench allreduce` measures: `training`, the real training path (`dptrain launch` in sync mode on
 * the bench task, checked against a recomputation of the run); `protocol`, the transport-only ceiling (one
 * reducing process and N bench workers over the same protocol, pooled buffers, no optimizer, no digest).
 */
export type BenchPath = 'training' | 'protocol';
/** The path `dptrain bench allreduce` measures when none is given. */
export const DEFAULT_BENCH_PATH: BenchPath = 'training';

/** A case that did not produce numbers, and why. */
export interface SkippedCase {
  readonly name: string;
  readonly workers: number;
  readonly params: number;
  /** `infeasible`: it would not fit this machine, so it never started; `failed`: it started and broke */
  readonly status: 'infeasible' | 'failed';
  readonly reason: string;
}

/** Everything one `dptrain bench allreduce` run measured. */
export interface BenchReport {
  readonly cases: readonly CaseResult[];
  readonly skipped: readonly SkippedCase[];
  readonly ceilings: { readonly tcpLoopbackBytesPerSec: number };
  /** how the TCP ceiling was measured */
  readonly ceilingSettings: Required<TcpCeilingOptions>;
  /** what each case measured */
  readonly path: BenchPath;
  /** the workers' connections send unmasked frames (loopback only) */
  readonly zeroMask: true;
}

/** What to run and where progress goes. */
export interface SuiteOptions {
  readonly cases: readonly BenchCase[];
  /** default DEFAULT_BENCH_PATH */
  readonly path?: BenchPath;
  readonly ceiling?: TcpCeilingOptions;
  /** bytes of memory available to the benchmark (default: the OS's available memory when each case starts) */
  readonly availableBytes?: () => number;
  /** one line per event, e.g. for stderr */
  readonly progress?: (line: string) => void;
  /** the training path's `transport` run key (default: the run config's, tcp) */
  readonly transport?: BenchTransport;
}

/**
 * Measures the TCP loopback ceiling, then every case in order on `path`. A case that would not fit in memory is
 * skipped before it starts; a case that fails (a worker dies, a round times out) is recorded and the next
 * one runs; on the training path a run whose parameters differ from the recomputation fails its case
 * (ERR_BENCH_MISMATCH). Errors that are not dptrain's own (bugs) are rethrown.
 *
 * @example
 * const report = await runAllreduceSuite({ cases: benchCases({ workers: [2], params: [1000] }) });
 */
export async function runAllreduceSuite(options: SuiteOptions): Promise<BenchReport> {
  const progress = options.progress ?? (() => {});
  const available = options.availableBytes ?? freemem;
  const path = options.path ?? DEFAULT_BENCH_PATH;
  progress('measuring the TCP loopback ceiling');
  const ceilingSettings = tcpCeilingSettings(options.ceiling);
  const tcpLoopbackBytesPerSec = await measureTcpCeiling(ceilingSettings);
  const cases: CaseResult[] = [];
  const skipped: SkippedCase[] = [];
  for (const benchCase of options.cases) {
    const { workers, params } = benchCase;
    const name = caseName(workers, params);
    const tooBig = infeasibility(workers, params, available(), path);
    if (tooBig !== null) {
      progress(`${name}: skipped, ${tooBig}`);
      skipped.push({ name, workers, params, status: 'infeasible', reason: tooBig });
      continue;
    }
    progress(`${name}: ${benchCase.warmup} warm-up + ${benchCase.rounds} rounds`);
    try {
      cases.push(
        path === 'training'
          ? await runTrainingCase({
              ...benchCase,
              ...(options.transport === undefined ? {} : { transport: options.transport }),
            })
          : await runAllreduceCase(benchCase),
      );
    } catch (error) {
      if (!(error instanceof DptrainError)) throw error;
      progress(`${name}: failed, ${error.message}`);
      skipped.push({ name, workers, params, status: 'failed', reason: `${error.code}: ${error.message}` });
    }
  }
  return { cases, skipped, ceilings: { tcpLoopbackBytesPerSec }, ceilingSettings, path, zeroMask: true };
}

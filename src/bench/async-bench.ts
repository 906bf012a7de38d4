import { BenchError } from '../errors.js';
import type { CaseResult } from './allreduce-bench.js';
import { caseName, defaultRounds, defaultWarmup } from './grid.js';
import { launchBenchRun } from './launched-run.js';
import { BENCH_LR, runTrainingCase } from './training-case.js';

/** Applied updates `dptrain bench async` runs when `--steps` is not given. */
export const DEFAULT_ASYNC_STEPS = 200;

/** The async case as measured. */
export interface AsyncCaseResult {
  /** e.g. `N=4 P=1e6` */
  readonly name: string;
  readonly workers: number;
  readonly params: number;
  /** measured updates (warm-up updates excluded) */
  readonly updates: number;
  /** measured updates ÷ the time between the last warm-up update and the last update */
  readonly updatesPerSec: number;
}

/** Everything one `dptrain bench async` run measured. */
export interface AsyncReport {
  readonly cases: readonly AsyncCaseResult[];
  /** the same N and P in sync mode, in the same run: the comparison */
  readonly sync: CaseResult & { readonly roundsPerSec: number };
  /** updatesPerSec ÷ the sync rounds per second */
  readonly ratio: number;
  readonly zeroMask: true;
}

/** What `dptrain bench async` runs. */
export interface AsyncBenchOptions {
  readonly workers: number;
  readonly params: number;
  /** applied updates in the async run (default DEFAULT_ASYNC_STEPS) */
  readonly steps?: number;
  /** one line per event, e.g. for stderr */
  readonly progress?: (line: string) => void;
}

/**
 * Updates per second of the async case: the updates after the first `warmup` ÷ the sum of their `roundMs` (each
 * the time since the update before it), so the clock runs from the last warm-up update to the last one.
 *
 * @example
 * updatesPerSecond([{ step: 0, roundMs: 50 }, { step: 1, roundMs: 10 }, { step: 2, roundMs: 30 }], 1); // 50
 */
export function updatesPerSecond(
  metrics: readonly { readonly step: number; readonly roundMs: number }[],
  warmup: number,
): { updates: number; updatesPerSec: number } {
  const measured = metrics.filter((line) => line.step >= warmup);
  const ms = measured.reduce((sum, line) => sum + line.roundMs, 0);
  if (measured.length === 0 || !(ms > 0)) {
    throw new BenchError(
      'ERR_BENCH_ARGUMENT',
      `an update rate needs updates after the ${warmup} warm-up ones that took time; received ${measured.length} updates in ${ms} ms`,
    );
  }
  return { updates: measured.length, updatesPerSec: (measured.length * 1000) / ms };
}

/**
 * Measures async training's applied updates per second on the real path and, in the same run, the sync round
 * rate at the same N and P (its comparison): `dptrain launch` trains the bench task in sync mode (a checked
 * all-reduce case, as `dptrain bench allreduce`), then in async mode (a parameter server that never refuses or
 * holds a gradient, SGD, no compute). The async run must finish with every update applied and finite parameters;
 * its order of arrivals is the machine's, so its parameters are not recomputed.
 *
 * @example
 * const report = await runAsyncBench({ workers: 4, params: 1e6, steps: 200 }); // report.ratio
 */
export async function runAsyncBench(options: AsyncBenchOptions): Promise<AsyncReport> {
  const { workers, params } = options;
  const progress = options.progress ?? (() => {});
  const name = caseName(workers, params);
  const rounds = defaultRounds(params);
  const syncWarmup = defaultWarmup(params, rounds);
  progress(`${name} sync: ${syncWarmup} warm-up + ${rounds} rounds`);
  const sync = await runTrainingCase({ workers, params, rounds, warmup: syncWarmup });
  const steps = options.steps ?? DEFAULT_ASYNC_STEPS;
  const warmup = Math.max(1, Math.ceil(steps / 10));
  progress(`${name} async: ${warmup} warm-up + ${steps - warmup} updates`);
  const run = await launchBenchRun({ mode: 'async', workers, params, steps, lr: BENCH_LR });
  if (run.summary.outcome !== 'finished' || run.summary.steps !== steps || run.metrics.length !== steps) {
    throw new BenchError(
      'ERR_BENCH_MISMATCH',
      `the async bench run in ${run.dir} ${run.summary.outcome} after ${run.summary.steps} of ${steps} updates (${run.metrics.length} in metrics.jsonl)`,
    );
  }
  if (!run.params.every(Number.isFinite)) {
    throw new BenchError(
      'ERR_BENCH_MISMATCH',
      `the async bench run in ${run.dir} ended with non-finite parameters`,
    );
  }
  await run.remove();
  const rate = updatesPerSecond(run.metrics, warmup);
  const roundsPerSec = 1000 / sync.medianMs;
  return {
    cases: [{ name, workers, params, ...rate }],
    sync: { ...sync, roundsPerSec },
    ratio: rate.updatesPerSec / roundsPerSec,
    zeroMask: true,
  };
}

import type { BenchTransport } from './launched-run.js';
import { median } from './stats.js';
import { measureTrainCeiling, type TrainCeiling } from './train-ceiling.js';
import { type LaunchRun, runTrainLaunch } from './train-launch.js';

/** Steps of each run of `dptrain bench train` when `--steps` is not given. */
export const DEFAULT_TRAIN_STEPS = 200;
/** Steps left out of the timing when `--warmup` is not given (a tenth of the default steps). */
export const DEFAULT_TRAIN_WARMUP = 20;
/** Runs of every case when `--runs` is not given; the report gives their median. */
export const DEFAULT_TRAIN_RUNS = 3;
/** Worker counts when `--workers` is not given. */
export const DEFAULT_TRAIN_WORKERS: readonly number[] = [1, 2, 4];

/** Options of {@link runTrainBench}. */
export interface TrainBenchOptions {
  readonly workers?: readonly number[];
  readonly steps?: number;
  readonly warmup?: number;
  readonly runs?: number;
  /** launch's `--transport` for every run (default: launch's choice) */
  readonly transport?: BenchTransport;
  /** told a line before each run starts */
  readonly progress?: (line: string) => void;
}

/** One worker count: the median of its runs. */
export interface TrainCase {
  /** `N=2` */
  readonly name: string;
  readonly workers: number;
  /** median over the runs */
  readonly samplesPerSec: number;
  /** every run's samples/s, in the order they ran */
  readonly runs: readonly number[];
  readonly backend: string;
}

/** What `dptrain bench train` measured. */
export interface TrainReport {
  readonly steps: number;
  readonly warmup: number;
  readonly cases: readonly TrainCase[];
  readonly ceiling: {
    /** median over the runs */
    readonly samplesPerSec: number;
    readonly runs: readonly number[];
    readonly backend: string;
    readonly paramsDigest: string;
    /**
     * whether the ceiling's parameters after `steps` steps equal the 1-worker launch's (summary.json's digest):
     * the ceiling trained the same run; null when 1 is not among the worker counts
     */
    readonly sameAsOneWorker: boolean | null;
  };
}

/**
 * The training benchmark: for each worker count the real `dptrain launch` of the default MNIST MLP run, and the
 * single-process ceiling (no coordinator, no sockets) in the same run. The runs alternate — the ceiling, then
 * every worker count, `runs` times — so that each case sees the same spread of machine load.
 *
 * @example
 * const report = await runTrainBench({ workers: [1, 2], steps: 100, runs: 3 }); trainReportLines(report);
 */
export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainReport> {
  const workers = options.workers ?? DEFAULT_TRAIN_WORKERS;
  const steps = options.steps ?? DEFAULT_TRAIN_STEPS;
  const warmup = options.warmup ?? Math.min(DEFAULT_TRAIN_WARMUP, Math.floor(steps / 10));
  const runs = options.runs ?? DEFAULT_TRAIN_RUNS;
  const progress = options.progress ?? (() => {});
  const ceilings: TrainCeiling[] = [];
  const launches = new Map<number, LaunchRun[]>(workers.map((n) => [n, []]));
  for (let run = 1; run <= runs; run++) {
    progress(`run ${run}/${runs}: single process, ${steps} steps`);
    ceilings.push(await measureTrainCeiling({ steps, warmup }));
    for (const n of workers) {
      progress(`run ${run}/${runs}: dptrain launch --workers ${n} --steps ${steps}`);
      launches.get(n)!.push(
        await runTrainLaunch({
          workers: n,
          steps,
          warmup,
          ...(options.transport === undefined ? {} : { transport: options.transport }),
        }),
      );
    }
  }
  const one = launches.get(1)?.[0];
  return {
    steps,
    warmup,
    cases: workers.map((n) => {
      const done = launches.get(n)!;
      const rates = done.map((r) => r.samplesPerSec);
      return {
        name: `N=${n}`,
        workers: n,
        samplesPerSec: median(rates),
        runs: rates,
        backend: done[0]!.backend,
      };
    }),
    ceiling: {
      samplesPerSec: median(ceilings.map((c) => c.samplesPerSec)),
      runs: ceilings.map((c) => c.samplesPerSec),
      backend: ceilings[0]!.backend,
      paramsDigest: ceilings[0]!.paramsDigest,
      sameAsOneWorker: one === undefined ? null : one.paramsDigest === ceilings[0]!.paramsDigest,
    },
  };
}

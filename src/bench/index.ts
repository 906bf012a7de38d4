/**
 * dptrain's benchmarks: the all-reduce benchmark on the real training path (`dptrain launch` on the bench task,
 * checked against a recomputation of the run) or on the protocol path alone (one reducing process and N bench
 * workers), the async benchmark beside the sync round rate, the TCP loopback ceiling, and the statistics and
 * tables they print.
 *
 * @example
 * const report = await runAllreduceSuite({ cases: benchCases({ workers: [2], params: [1e6] }) }); reportLines(report);
 */
export {
  type AllreduceCaseOptions,
  type CaseResult,
  DEFAULT_JOIN_TIMEOUT_MS,
  DEFAULT_ROUND_TIMEOUT_MS,
  roundPayloadBytes,
  runAllreduceCase,
} from './allreduce-bench.js';
export {
  type AsyncBenchOptions,
  type AsyncCaseResult,
  type AsyncReport,
  DEFAULT_ASYNC_STEPS,
  runAsyncBench,
  updatesPerSecond,
} from './async-bench.js';
export { asyncReportJson, asyncReportLines } from './async-report.js';
export { averageGradients } from './average.js';
export { type BenchWorkerOptions, randomGradient, runBenchWorker } from './bench-worker.js';
export { CLI_PATH } from './children.js';
export { caseMemoryBytes, infeasibility } from './feasibility.js';
export {
  type BenchCase,
  benchCases,
  caseName,
  DEFAULT_SEED,
  defaultRounds,
  defaultWarmup,
  formatCount,
  GRID_PARAMS,
  GRID_WORKERS,
} from './grid.js';
export {
  type BenchTransport,
  benchRunConfig,
  DEFAULT_RUN_TIMEOUT_MS,
  type LaunchedRun,
  type LaunchedRunOptions,
  launchBenchRun,
} from './launched-run.js';
export { PYTORCH_GLOO_MEDIAN_MS, pytorchGlooMedianMs } from './pytorch-gloo.js';
export { BenchReducer } from './reducer.js';
export { type CaseJson, reportJson, reportLines } from './report.js';
export { reusedTensor } from './reused-tensor.js';
export { median, p90, quantile } from './stats.js';
export {
  type BenchPath,
  type BenchReport,
  DEFAULT_BENCH_PATH,
  runAllreduceSuite,
  type SkippedCase,
  type SuiteOptions,
} from './suite.js';
export { type Align, formatTable } from './table.js';
export {
  DEFAULT_TCP_CHUNK_BYTES,
  DEFAULT_TCP_TRIAL_BYTES,
  DEFAULT_TCP_TRIALS,
  measureTcpCeiling,
  runTcpSink,
  type TcpCeilingOptions,
  tcpCeilingSettings,
} from './tcp-ceiling.js';
export {
  DEFAULT_TRAIN_RUNS,
  DEFAULT_TRAIN_STEPS,
  DEFAULT_TRAIN_WARMUP,
  DEFAULT_TRAIN_WORKERS,
  runTrainBench,
  type TrainBenchOptions,
  type TrainCase,
  type TrainReport,
} from './train-bench.js';
export { measureTrainCeiling, type TrainCeiling, type TrainCeilingOptions } from './train-ceiling.js';
export { type LaunchRun, runTrainLaunch, type TrainLaunchOptions } from './train-launch.js';
export { type Throughput, throughputOf } from './train-metrics.js';
export { type TrainCaseJson, trainReportJson, trainReportLines } from './train-report.js';
export { BENCH_LR, checkSyncRun, runTrainingCase } from './training-case.js';
export { formatBytes } from './units.js';
export { expectedVectorParams, paramsMismatch, type VectorRun } from './vector-check.js';
export {
  VECTOR_TASK_CURVATURE,
  VECTOR_TASK_EXAMPLES,
  vectorTask,
  vectorTaskInitial,
  vectorTaskOffset,
} from './vector-task.js';

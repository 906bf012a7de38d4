/**
 * dptrain's benchmarks: the all-reduce benchmark (one reducing process playing the coordinator and N worker
 * processes, over the real protocol and transport), the TCP loopback ceiling it is compared with, and the
 * statistics and tables they print.
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
export { PYTORCH_GLOO_MEDIAN_MS, pytorchGlooMedianMs } from './pytorch-gloo.js';
export { BenchReducer } from './reducer.js';
export { type CaseJson, reportJson, reportLines } from './report.js';
export { reusedTensor } from './reused-tensor.js';
export { median, p90, quantile } from './stats.js';
export { type BenchReport, runAllreduceSuite, type SkippedCase, type SuiteOptions } from './suite.js';
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
export { formatBytes } from './units.js';

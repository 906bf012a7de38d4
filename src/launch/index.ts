/**
 * The local launcher's pieces: the progress line and the worker processes it starts.
 *
 * @example
 * new ProgressDisplay(process.stderr, true).update(state);
 */
export { formatDuration, formatProgress, ProgressDisplay, type ProgressState } from './progress.js';
export { TOKEN_ENV } from './token-env.js';
export {
  describeExit,
  markLine,
  type WorkerExit,
  WorkerProcesses,
  type WorkerProcessesOptions,
} from './worker-processes.js';

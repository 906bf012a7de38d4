/**
 * The local launcher's pieces: the progress line, the worker processes it starts and the relays that simulate
 * their links.
 *
 * @example
 * new ProgressDisplay(process.stderr, true).update(state);
 */

export { type LinkRelayStats, type LinkRelays, startLinkRelays, type WorkerLink } from './link-relays.js';
export { formatDuration, formatProgress, ProgressDisplay, type ProgressState } from './progress.js';
export { TOKEN_ENV } from './token-env.js';
export {
  describeExit,
  markLine,
  type WorkerExit,
  WorkerProcesses,
  type WorkerProcessesOptions,
} from './worker-processes.js';

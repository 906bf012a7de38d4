/**
 * The local launcher's pieces: the progress line, the coordinator child and the worker processes it starts, and
 * the relays that simulate the workers' links.
 *
 * @example
 * new ProgressDisplay(process.stderr, true).update(state);
 */

export {
  type CoordinatorEnded,
  type CoordinatorExit,
  CoordinatorProcess,
  type CoordinatorProcessOptions,
  type CoordinatorUnstarted,
  describeCoordinatorExit,
  FROM_LAUNCHER_FLAG,
  type FromCoordinator,
  type ToCoordinator,
} from './coordinator-process.js';
export { type LinkRelayStats, type LinkRelays, startLinkRelays, type WorkerLink } from './link-relays.js';
export { waitForPort } from './port-free.js';
export {
  fitProgress,
  formatDuration,
  formatProgress,
  ProgressDisplay,
  type ProgressState,
} from './progress.js';
export { DEFAULT_COLUMNS, terminalWidth } from './terminal-width.js';
export { TOKEN_ENV } from './token-env.js';
export {
  chooseTransport,
  hasSharedMemory,
  isLoopback,
  makeLaneDirectory,
  removeLaneDirectory,
  runLaneDirectory,
  runSocketPath,
  SHARED_MEMORY_DIRECTORY,
  type TransportChoice,
  type TransportInputs,
  unixUrl,
} from './transport-choice.js';
export {
  describeExit,
  markLine,
  type WorkerExit,
  WorkerProcesses,
  type WorkerProcessesOptions,
} from './worker-processes.js';

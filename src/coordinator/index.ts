/**
 * The coordinator part: the rendezvous, the process group, the run state, the training modes (sync all-reduce
 * rounds with their consistency check, async parameter server with staleness policies), the timeline, and the result a run produces. It never loads tfjs or a
 * model, never imports the worker and draws no pictures.
 *
 * @example
 * const coordinator = new Coordinator(options); await coordinator.listen(); const result = await coordinator.run();
 */
export { AsyncMode } from './async-mode.js';
export {
  ASYNC_EXTENSION,
  ASYNC_PROGRESS_VERSION,
  type AsyncProgress,
  parseAsyncProgress,
  type RestoredProgress,
  restoreAsyncProgress,
} from './async-progress.js';
export { CONSISTENCY_DETAIL_LIMIT, ConsistencyLedger, type LedgerAnswer } from './consistency.js';
export {
  Coordinator,
  type CoordinatorEvents,
  type CoordinatorOptions,
  type CoordinatorTimeouts,
  DEFAULT_TIMEOUTS,
  type FailurePolicy,
  type LostWorker,
  MODES,
  type ModeName,
  type PlanSpec,
} from './coordinator.js';
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  earlyStopSentence,
  plannedLrs,
  undoneDecay,
} from './early-stopping.js';
export { type GroupOptions, ProcessGroup, type Refusal } from './group.js';
export { checkInitialParameters } from './initial-parameters.js';
export type { ModeContext, ModeEvents, ModeReport, Resized, TrainingMode } from './mode.js';
export {
  checkPolicy,
  type Decision,
  ParameterServer,
  PLAIN_ASYNC,
  type Push,
  policyFromConfig,
  type StalenessPolicy,
} from './parameter-server.js';
export { type Member, Rendezvous, type RendezvousOptions, STRANGER_MAX_MESSAGE_BYTES } from './rendezvous.js';
export type {
  Arrival,
  AsyncReport,
  ConsistencyReport,
  EarlyStopReport,
  EvalRecord,
  Evaluation,
  LostWorkerRecord,
  MemberInfo,
  Mismatch,
  MissingReport,
  RunFailure,
  RunOutcome,
  RunResult,
  StalenessSummary,
  StepRecord,
  TraceJson,
} from './result.js';
export type { RunPlan } from './run-plan.js';
export {
  RUN_STATE_VERSION,
  RunState,
  type RunStateJson,
  type RunStateParts,
  type SerializedRunState,
} from './run-state.js';
export { stalenessHistogram, stalenessSummary, tausOf } from './staleness.js';
export { SyncMode } from './sync-mode.js';
export { type Reduction, SyncRound, type SyncRoundOptions } from './sync-round.js';
export { TRACE_MAX_SPANS_PER_PROCESS, TraceCollector, type TraceEvent, type TraceProcess } from './trace.js';
export { Trigger } from './trigger.js';

/**
 * The coordinator part: the rendezvous, synchronous all-reduce rounds, the consistency check and the timeline. It never loads tfjs or a model.
 *
 * @example
 * const coordinator = new Coordinator(options); await coordinator.listen(); const result = await coordinator.run();
 */
export { ConsistencyLedger, type ConsistencySummary, type Mismatch } from './consistency.js';
export {
  Coordinator,
  type CoordinatorEvents,
  type CoordinatorOptions,
  type CoordinatorTimeouts,
  DEFAULT_TIMEOUTS,
  type Evaluation,
  type RunPlan,
  type RunResult,
  type StepRecord,
} from './coordinator.js';
export { type Member, Rendezvous, type RendezvousOptions } from './rendezvous.js';
export { type Reduction, type Refusal, SyncRound } from './sync-round.js';
export { type TraceEvent, type TraceProcess, TraceRecorder } from './trace.js';

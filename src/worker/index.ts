/**
 * The worker part: backend selection, the gradients of a functional model, the batches of its shard, and the
 * worker process itself (inbox, the mode's loop, the test-only faults). It never imports the coordinator.
 *
 * @example
 * const result = await new Worker({ url: 'ws://127.0.0.1:29500', token }).run();
 */
export { BACKEND_NAMES, type BackendName, type SelectedBackend, selectBackend } from './backend.js';
export { FAULT_KINDS, type Fault, type FaultKind, Faults, parseFault } from './faults.js';
export { type GatheredBatch, gatherBatch } from './gather-batch.js';
export {
  DEFAULT_EVAL_BATCH_SIZE,
  type Evaluation,
  GradientComputer,
  type GradientResult,
} from './gradients.js';
export { Inbox } from './inbox.js';
export { RoundLoop, type RoundLoopOptions } from './round-loop.js';
export { type SyncLoopEnd, type SyncLoopOptions, syncLoop } from './sync-loop.js';
export { TIMELINE_BATCH, Timeline } from './timeline.js';
export { Worker, type WorkerOptions, type WorkerResult } from './worker.js';

/** Worker compute side: backend selection, gradients of a functional model, deterministic sharding. */
export { BACKEND_NAMES, type BackendName, type SelectedBackend, selectBackend } from './backend.js';
export { type GatheredBatch, gatherBatch } from './gather-batch.js';
export {
  DEFAULT_EVAL_BATCH_SIZE,
  type Evaluation,
  GradientComputer,
  type GradientResult,
} from './gradients.js';
export { type LrFault, Worker, type WorkerOptions, type WorkerResult } from './worker.js';

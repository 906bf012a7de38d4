/**
 * dptrain — data-parallel training: one coordinator owns the global step and the single LR schedule; workers
 * compute gradients with TensorFlow.js and talk to it over WebSockets. Parts: `dptrain/lr`, `dptrain/optim`,
 * `dptrain/protocol`, `dptrain/tasks`.
 *
 * @example
 * import { createScheduler, createOptimizer } from 'dptrain';
 */
export * from './errors.js';
export {
  createScheduler,
  type LrGranularity,
  loadSchedulerConfig,
  ScheduleClock,
  type Scheduler,
  type StateDict,
} from './lr/index.js';
export { createOptimizer, type Optimizer, type OptimizerConfig } from './optim/index.js';

/**
 * dptrain/lr — Paddle's `paddle.optimizer.lr` schedulers (bare names) and PyTorch's (`torch.` names), exact,
 * checkpointable and buildable from configs.
 *
 * @example
 * import { createScheduler } from 'dptrain/lr';
 * const s = createScheduler({ name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 100 });
 */
export { applyCall, parseCalls, type SchedulerCall } from './call.js';
export {
  type CreateSchedulerOptions,
  createScheduler,
  loadSchedulerConfig,
  parseConfigText,
} from './config.js';
export type { BuildContext, SchedulerArgs, SchedulerEntry } from './entry.js';
export { type CompiledExpression, compileExpression, compileLambda } from './expression.js';
export { decodeNumber, type EncodedNumber, encodeNumber, FULL_STATE_VERSION } from './full-state.js';
export {
  type LrGranularity,
  ScheduleClock,
  type ScheduleClockOptions,
  type ScheduleClockState,
  schedulerCallsAt,
} from './granularity.js';
export { CosineAnnealingDecay, type CosineAnnealingDecayOptions } from './paddle/cosine-annealing-decay.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './paddle/cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions } from './paddle/cyclic-lr.js';
export { ExponentialDecay, type ExponentialDecayOptions } from './paddle/exponential-decay.js';
export { InverseTimeDecay, type InverseTimeDecayOptions } from './paddle/inverse-time-decay.js';
export { LambdaDecay, type LambdaDecayOptions } from './paddle/lambda-decay.js';
export { LinearLR, type LinearLROptions } from './paddle/linear-lr.js';
export { LinearWarmup, type LinearWarmupOptions } from './paddle/linear-warmup.js';
export { MultiStepDecay, type MultiStepDecayOptions } from './paddle/multi-step-decay.js';
export { MultiplicativeDecay, type MultiplicativeDecayOptions } from './paddle/multiplicative-decay.js';
export { NaturalExpDecay, type NaturalExpDecayOptions } from './paddle/natural-exp-decay.js';
export { NoamDecay, type NoamDecayOptions } from './paddle/noam-decay.js';
export { OneCycleLR, type OneCycleLROptions } from './paddle/one-cycle-lr.js';
export { PiecewiseDecay, type PiecewiseDecayOptions } from './paddle/piecewise-decay.js';
export { PolynomialDecay, type PolynomialDecayOptions } from './paddle/polynomial-decay.js';
export { ReduceOnPlateau, type ReduceOnPlateauOptions } from './paddle/reduce-on-plateau.js';
export { StepDecay, type StepDecayOptions } from './paddle/step-decay.js';
export { SCHEDULERS } from './registry.js';
export {
  type EpochScheduler,
  isScheduler,
  LRScheduler,
  type LrLambda,
  type MetricScheduler,
  type Scheduler,
  type StateDict,
  type StateValue,
  type Verbose,
} from './scheduler.js';
export * from './torch/index.js';
export { warmupEnd } from './warmup-end.js';

import { SchedulerError } from '../../errors.js';
import { integer, number } from '../../rules/index.js';
import { expectArgument, raisesOnly, typeFault, valueFault } from '../checks.js';
import { type FullStateReader, nestedFault } from '../full-state.js';
import {
  isScheduler,
  LRScheduler,
  type Scheduler,
  type StateDict,
  type StateValue,
  type Verbose,
} from '../scheduler.js';

export interface LinearWarmupOptions {
  /** After warmup: a constant LR, or a scheduler constructed beforehand (stepped with `e - warmup_steps`). */
  learningRate: number | Scheduler;
  /** Warmup length (positive integer). */
  warmupSteps: number;
  /** LR at e = 0, >= 0. */
  startLr: number;
  /** LR reached at e = warmup_steps, > start_lr. */
  endLr: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `LinearWarmup`: `(end_lr - start_lr) * e / warmup_steps + start_lr` while `e < warmup_steps`; then the
 * wrapped value. A wrapped scheduler is idle during warmup and is stepped with the explicit epoch
 * `e - warmup_steps` afterwards (so its milestones count from the end of warmup and CosineAnnealingDecay follows
 * its closed form). Its state is nested under `LinearWarmup_LR`, in the state dict (its state dict) and in the
 * full state (its full state, or null for a constant).
 *
 * @example
 * new LinearWarmup({ learningRate: 0.1, warmupSteps: 4, startLr: 0, endLr: 0.1 }); // 0, 0.025, 0.05, 0.075, 0.1, 0.1, …
 */
export class LinearWarmup extends LRScheduler {
  readonly className = 'LinearWarmup';
  readonly learningRate: number | Scheduler;
  readonly warmupSteps: number;
  readonly startLr: number;
  readonly endLr: number;

  constructor(options: LinearWarmupOptions) {
    super();
    const name = this.className;
    const inner = options.learningRate;
    if (typeof inner !== 'number' && !isScheduler(inner)) {
      throw typeFault(name, 'learning_rate', 'a number or a scheduler', inner);
    }
    this.learningRate = inner;
    // Paddle asserts type and value at once: AssertionError for either.
    const steps = options.warmupSteps;
    this.warmupSteps = expectArgument(name, 'warmup_steps', steps, integer(1), raisesOnly('AssertionError'));
    this.startLr = expectArgument(name, 'start_lr', options.startLr, number());
    this.endLr = expectArgument(name, 'end_lr', options.endLr, number());
    if (!(this.endLr > this.startLr)) {
      throw valueFault(
        name,
        'end_lr',
        `greater than start_lr (${this.startLr})`,
        this.endLr,
        'AssertionError',
      );
    }
    this.begin(this.startLr, options.lastEpoch, options.verbose, 'start_lr');
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e < this.warmupSteps) return ((this.endLr - this.startLr) * e) / this.warmupSteps + this.startLr;
    const inner = this.learningRate;
    if (typeof inner === 'number') return inner;
    // Paddle steps its inner scheduler with an explicit epoch; a metric-driven inner receives it as the metric.
    inner.step(e - this.warmupSteps);
    return inner.lastLr;
  }

  override stateDict(): StateDict {
    const inner = this.learningRate;
    return typeof inner === 'number'
      ? super.stateDict()
      : { ...super.stateDict(), LinearWarmup_LR: inner.stateDict() };
  }

  override setStateDict(state: StateDict): readonly string[] {
    const inner = this.learningRate;
    if (typeof inner === 'number') return super.setStateDict(state);
    const nested = state.LinearWarmup_LR;
    if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) {
      throw new SchedulerError(
        'ERR_LR_STATE',
        'KeyError',
        `${this.className}: state dict has no "LinearWarmup_LR" object for the wrapped ${inner.className}; pass a state made by stateDict()`,
      );
    }
    const warnings = super.setStateDict(state).filter((warning) => !warning.includes('"LinearWarmup_LR"'));
    return [...warnings, ...inner.setStateDict(nested as StateDict)];
  }

  // The wrapped scheduler's full state, not its state dict, so it is restored whole: after warmup Paddle re-derives
  // much of it from the explicit epoch it passes, but not what a state dict cannot carry through JSON (an infinite
  // ReduceOnPlateau best, a -0), nor the cycle position a later state or full state reports.
  protected override fullStateExtra(): Record<string, StateValue> {
    const inner = this.learningRate;
    return { LinearWarmup_LR: typeof inner === 'number' ? null : inner.fullState() };
  }

  protected override readFullStateExtra(reader: FullStateReader): () => void {
    const inner = this.learningRate;
    if (typeof inner === 'number') {
      if (reader.nested('LinearWarmup_LR', 'null (this LinearWarmup wraps a constant)', true) !== null) {
        throw reader.refuse('LinearWarmup_LR', 'null (this LinearWarmup wraps a constant)');
      }
      return () => {};
    }
    const nested = reader.nested('LinearWarmup_LR', `the full state of the wrapped ${inner.className}`);
    return () => {
      try {
        inner.setFullState(nested);
      } catch (error) {
        throw nestedFault(this.className, 'LinearWarmup_LR', error);
      }
    };
  }
}

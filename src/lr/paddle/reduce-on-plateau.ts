import { SchedulerError } from '../../errors.js';
import { anyString, number } from '../../rules/index.js';
import { describe, expectArgument, valueFault } from '../checks.js';
import { encodeNumber, FullStateReader, fullStateOf } from '../full-state.js';
import {
  type MetricScheduler,
  readStateNumber,
  type StateDict,
  unusedKeys,
  type Verbose,
} from '../scheduler.js';

export interface ReduceOnPlateauOptions {
  learningRate: number;
  /** `min` (lower metric is better) or `max`; case-insensitive. Default `min`. */
  mode?: string;
  /** Factor applied on a plateau, < 1. Default 0.1. */
  factor?: number;
  /** Bad epochs tolerated before reducing. Default 10. */
  patience?: number;
  /** Minimum improvement. Default 1e-4. */
  threshold?: number;
  /** `rel` or `abs`; case-insensitive. Default `rel`. */
  thresholdMode?: string;
  /** Epochs after a reduction during which metrics are ignored. Default 0. */
  cooldown?: number;
  /** Lower bound of the LR. Default 0. */
  minLr?: number;
  /** Reductions smaller than this are skipped. Default 1e-8. */
  epsilon?: number;
  verbose?: Verbose;
}

const STATE_KEYS = ['cooldown_counter', 'best', 'num_bad_epochs', 'last_epoch', 'last_lr'] as const;

/**
 * Paddle's `ReduceOnPlateau`: multiplies the LR by `factor` once the metric has not improved for more than
 * `patience` steps (improved: `m < best - best * threshold` in min/rel mode, and so on), then ignores metrics for
 * `cooldown` steps — it does not even track the best value then (PyTorch does). No step at construction.
 *
 * @example
 * const s = new ReduceOnPlateau({ learningRate: 1, patience: 0 }); s.step(1); s.step(2); // s.lastLr === 0.1
 */
export class ReduceOnPlateau implements MetricScheduler {
  readonly className = 'ReduceOnPlateau';
  readonly metricDriven = true as const;
  readonly baseLr: number;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly epsilon: number;
  lastLr: number;
  lastEpoch = 0;
  best: number | null = null;
  cooldownCounter = 0;
  numBadEpochs = 0;
  private readonly verbose: Verbose;

  constructor(options: ReduceOnPlateauOptions) {
    const name = this.className;
    const mode = expectArgument(name, 'mode', options.mode ?? 'min', anyString).toLowerCase();
    if (mode !== 'min' && mode !== 'max') throw valueFault(name, 'mode', '"min" or "max"', options.mode);
    this.mode = mode;
    this.factor = expectArgument(name, 'factor', options.factor ?? 0.1, number({ below: 1 }));
    const thresholdMode = expectArgument(
      name,
      'threshold_mode',
      options.thresholdMode ?? 'rel',
      anyString,
    ).toLowerCase();
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw valueFault(name, 'threshold_mode', '"rel" or "abs"', options.thresholdMode);
    }
    this.thresholdMode = thresholdMode;
    this.baseLr = expectArgument(name, 'learning_rate', options.learningRate, number());
    this.lastLr = this.baseLr;
    this.patience = expectArgument(name, 'patience', options.patience ?? 10, number());
    this.threshold = expectArgument(name, 'threshold', options.threshold ?? 1e-4, number());
    this.cooldown = expectArgument(name, 'cooldown', options.cooldown ?? 0, number());
    this.minLr = expectArgument(name, 'min_lr', options.minLr ?? 0, number());
    this.epsilon = expectArgument(name, 'epsilon', options.epsilon ?? 1e-8, number());
    this.verbose = options.verbose ?? false;
  }

  getLr(): number {
    return this.lastLr;
  }

  step(metrics: number, epoch?: number): void {
    if (typeof metrics !== 'number') {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'TypeError',
        `${this.className}: metrics must be a number, received ${describe(metrics)}`,
      );
    }
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      return;
    }
    if (this.best === null || this.isBetter(metrics, this.best)) {
      this.best = metrics;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.numBadEpochs > this.patience) {
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
      const reduced = Math.max(this.lastLr * this.factor, this.minLr);
      if (this.lastLr - reduced > this.epsilon) {
        this.lastLr = reduced;
        this.announce();
      }
    }
  }

  private isBetter(current: number, best: number): boolean {
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel'
        ? current < best - best * this.threshold
        : current < best - this.threshold;
    }
    return this.thresholdMode === 'rel'
      ? current > best + best * this.threshold
      : current > best + this.threshold;
  }

  private announce(): void {
    if (this.verbose === false) return;
    const line = `Epoch ${this.lastEpoch}: ${this.className} set learning rate to ${this.lastLr}.`;
    if (this.verbose === true) console.error(line);
    else this.verbose(line);
  }

  stateDict(): StateDict {
    return {
      cooldown_counter: this.cooldownCounter,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      last_epoch: this.lastEpoch,
      last_lr: this.lastLr,
    };
  }

  setStateDict(state: StateDict): readonly string[] {
    const best = state.best;
    if (!('best' in state) || (best !== null && typeof best !== 'number')) {
      throw new SchedulerError(
        'ERR_LR_STATE',
        'RuntimeError',
        `${this.className}: state dict key "best" must be a number or null, received ${describe(best)}`,
      );
    }
    const cooldownCounter = readStateNumber(this.className, state, 'cooldown_counter');
    const numBadEpochs = readStateNumber(this.className, state, 'num_bad_epochs');
    const lastEpoch = readStateNumber(this.className, state, 'last_epoch');
    const lastLr = readStateNumber(this.className, state, 'last_lr');
    this.best = best;
    this.cooldownCounter = cooldownCounter;
    this.numBadEpochs = numBadEpochs;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    return unusedKeys(this.className, state, STATE_KEYS);
  }

  /**
   * The state dict's five fields with every number JSON-safe: `best` is whatever metric was fed (a NaN or
   * ±Infinity loss included), and `JSON.stringify` would turn those into `null`, which means "no metric yet".
   */
  fullState(): StateDict {
    return fullStateOf(this.className, {
      cooldown_counter: encodeNumber(this.cooldownCounter),
      best: this.best === null ? null : encodeNumber(this.best),
      num_bad_epochs: encodeNumber(this.numBadEpochs),
      last_epoch: encodeNumber(this.lastEpoch),
      last_lr: encodeNumber(this.lastLr),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const cooldownCounter = reader.number('cooldown_counter');
    const best = reader.nullableNumber('best');
    const numBadEpochs = reader.number('num_bad_epochs');
    const lastEpoch = reader.number('last_epoch');
    const lastLr = reader.number('last_lr');
    reader.done();
    this.cooldownCounter = cooldownCounter;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
  }
}

import { SchedulerError } from '../../errors.js';
import { anyString, number } from '../../rules/index.js';
import { describe, expectArgument, typeFault, valueFault } from '../checks.js';
import { encodeNumber, FullStateReader, fullStateOf } from '../full-state.js';
import type { MetricScheduler, StateDict, Verbose } from '../scheduler.js';
import { checkEpoch, emitVerbose, formatEpoch, formatLr } from './lr-scheduler.js';
import {
  groupFullState,
  groupValue,
  readGroupFullState,
  resolveGroup,
  type TorchGroupOptions,
  type TorchParamGroup,
} from './param-group.js';
import { pyMax } from './torch-math.js';
import { StateReader, stateFloat } from './torch-state.js';

export interface TorchReduceLROnPlateauOptions extends TorchGroupOptions {
  /** `'min'` (default: lower is better) or `'max'`; case-sensitive, as in torch. */
  mode?: string;
  /** `new_lr = lr * factor`, < 1. Default 0.1. */
  factor?: number;
  /** Bad epochs tolerated before reducing. Default 10. */
  patience?: number;
  /** Significance threshold. Default 1e-4. */
  threshold?: number;
  /** `'rel'` (default) or `'abs'`. */
  thresholdMode?: string;
  /** Epochs after a reduction during which bad epochs are not counted. Default 0. */
  cooldown?: number;
  /** Lower bound of the lr (a number, or a list of one). Default 0. */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped. Default 1e-8. */
  eps?: number;
  /** `true` prints torch's line for every reduction to stderr; a function receives the line instead. */
  verbose?: Verbose;
}

/**
 * PyTorch's `ReduceLROnPlateau`. Starts with `best = ±inf` and no step. `step(metrics)`: an improvement
 * (`min`/`rel`: `m < best * (1 - threshold)`; `min`/`abs`: `m < best - threshold`; `max`/`rel`:
 * `m > best * (threshold + 1)`; `max`/`abs`: `m > best + threshold`) sets `best` and zeroes the bad-epoch count,
 * otherwise the count grows — also during cooldown, where the count is then zeroed and the cooldown counter
 * decremented (Paddle ignores the metric there). When the count exceeds `patience` the group's lr becomes
 * `max(lr * factor, min_lr)` if that lowers it by more than `eps`, and cooldown starts.
 *
 * @example
 * const s = new TorchReduceLROnPlateau({ learningRate: 0.1, patience: 0 }); s.step(1); s.step(1); s.lastLr; // 0.01
 */
export class TorchReduceLROnPlateau implements MetricScheduler {
  readonly metricDriven = true as const;
  readonly className = 'torch.ReduceLROnPlateau';
  readonly group: TorchParamGroup;
  lastEpoch = 0;
  private factor: number;
  private minLr: number;
  private patience: number;
  private verbose: Verbose;
  private cooldown: number;
  private cooldownCounter = 0;
  private mode: 'min' | 'max';
  private threshold: number;
  private thresholdMode: 'rel' | 'abs';
  private best: number;
  private numBadEpochs = 0;
  private eps: number;
  private stepped = false;

  constructor(options: TorchReduceLROnPlateauOptions) {
    const name = this.className;
    const factor = expectArgument(name, 'factor', options.factor ?? 0.1, number({ below: 1 }));
    this.factor = factor;
    this.group = resolveGroup(name, options, false);
    this.minLr = groupValue(name, 'min_lr', options.minLr ?? 0);
    this.patience = expectArgument(name, 'patience', options.patience ?? 10, number());
    const verbose = options.verbose ?? false;
    if (typeof verbose !== 'boolean' && typeof verbose !== 'function') {
      throw typeFault(name, 'verbose', 'true, false or a function of the line', verbose);
    }
    this.verbose = verbose;
    this.cooldown = expectArgument(name, 'cooldown', options.cooldown ?? 0, number());
    this.threshold = expectArgument(name, 'threshold', options.threshold ?? 1e-4, number());
    this.eps = expectArgument(name, 'eps', options.eps ?? 1e-8, number());
    this.mode = checkMode(name, expectArgument(name, 'mode', options.mode ?? 'min', anyString));
    this.thresholdMode = checkThresholdMode(
      name,
      expectArgument(name, 'threshold_mode', options.thresholdMode ?? 'rel', anyString),
    );
    this.best = this.modeWorse;
  }

  /** The lr in use: the group's. */
  get lastLr(): number {
    return this.group.lr;
  }

  /** ReduceLROnPlateau has no formula: the group's lr. */
  getLr(): number {
    return this.group.lr;
  }

  step(metrics: number, epoch?: number): void {
    if (typeof metrics !== 'number') {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'TypeError',
        `${this.className}: metrics must be a number, received ${describe(metrics)}`,
      );
    }
    if (epoch !== undefined) checkEpoch(this.className, epoch);
    const current = metrics;
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduce();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.stepped = true;
  }

  private reduce(): void {
    const oldLr = this.group.lr;
    const newLr = pyMax(oldLr * this.factor, this.minLr);
    if (oldLr - newLr > this.eps) {
      this.group.lr = newLr;
      emitVerbose(
        this.verbose,
        `Epoch ${formatEpoch(this.lastEpoch)}: reducing learning rate of group 0 to ${formatLr(newLr)}.`,
      );
    }
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  stateDict(): StateDict {
    return {
      factor: this.factor,
      min_lrs: [this.minLr],
      patience: this.patience,
      verbose: this.verbose !== false,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: stateFloat(this.best),
      num_bad_epochs: this.numBadEpochs,
      mode_worse: stateFloat(this.modeWorse),
      eps: this.eps,
      last_epoch: this.lastEpoch,
      ...(this.stepped ? { _last_lr: [this.group.lr] } : {}),
    };
  }

  setStateDict(state: StateDict): readonly string[] {
    const reader = new StateReader(this.className, state);
    const refuse = (key: string, rule: string, value: unknown) => {
      // torch re-checks the modes on load (ValueError).
      const error = reader.refuse(key, rule, value);
      return new SchedulerError(error.code, 'ValueError', error.message, { cause: error });
    };
    reader.number('factor', (v) => {
      this.factor = v;
    });
    reader.groupNumber('min_lrs', (v) => {
      this.minLr = v;
    });
    reader.number('patience', (v) => {
      this.patience = v;
    });
    reader.boolean('verbose', (v) => {
      if (v !== (this.verbose !== false)) this.verbose = v;
    });
    reader.number('cooldown', (v) => {
      this.cooldown = v;
    });
    reader.number('cooldown_counter', (v) => {
      this.cooldownCounter = v;
    });
    reader.string('mode', (v) => {
      if (v !== 'min' && v !== 'max') throw refuse('mode', "'min' or 'max'", v);
      this.mode = v;
    });
    reader.number('threshold', (v) => {
      this.threshold = v;
    });
    reader.string('threshold_mode', (v) => {
      if (v !== 'rel' && v !== 'abs') throw refuse('threshold_mode', "'rel' or 'abs'", v);
      this.thresholdMode = v;
    });
    reader.number('best', (v) => {
      this.best = v;
    });
    reader.number('num_bad_epochs', (v) => {
      this.numBadEpochs = v;
    });
    reader.skip('mode_worse');
    reader.number('eps', (v) => {
      this.eps = v;
    });
    reader.number('last_epoch', (v) => {
      this.lastEpoch = v;
    });
    if (Object.hasOwn(state, '_last_lr')) {
      reader.groupNumber('_last_lr', (v) => {
        this.group.lr = v;
        this.stepped = true;
      });
    } else {
      reader.skip('_last_lr');
    }
    return reader.warnings();
  }

  /**
   * The counters, `best` (±Infinity until the first metric, so it needs the full state's number encoding), whether
   * it has stepped (torch's `_last_lr` exists only then, so later state dicts depend on it) and the group's lr.
   */
  fullState(): StateDict {
    return fullStateOf(this.className, {
      last_epoch: encodeNumber(this.lastEpoch),
      best: encodeNumber(this.best),
      num_bad_epochs: encodeNumber(this.numBadEpochs),
      cooldown_counter: encodeNumber(this.cooldownCounter),
      stepped: this.stepped,
      group: groupFullState(this.group),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const lastEpoch = reader.number('last_epoch');
    const best = reader.number('best');
    const numBadEpochs = reader.number('num_bad_epochs');
    const cooldownCounter = reader.number('cooldown_counter');
    const stepped = reader.boolean('stepped');
    const commitGroup = readGroupFullState(reader, 'group', this.group);
    reader.done();
    this.lastEpoch = lastEpoch;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.stepped = stepped;
    commitGroup();
  }
}

function checkMode(name: string, mode: string): 'min' | 'max' {
  if (mode !== 'min' && mode !== 'max') throw valueFault(name, 'mode', "'min' or 'max' (lower case)", mode);
  return mode;
}

function checkThresholdMode(name: string, mode: string): 'rel' | 'abs' {
  if (mode !== 'rel' && mode !== 'abs')
    throw valueFault(name, 'threshold_mode', "'rel' or 'abs' (lower case)", mode);
  return mode;
}

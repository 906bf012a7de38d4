import { SchedulerError } from '../../errors.js';
import { integer, mustBe, number } from '../../rules/index.js';
import { expectArgument, typeFault } from '../checks.js';
import { encodeNumber, FullStateReader, fullStateOf } from '../full-state.js';
import type { EpochScheduler, StateDict, StateValue, Verbose } from '../scheduler.js';
import {
  groupFullState,
  readGroupFullState,
  resolveGroup,
  type TorchGroupOptions,
  type TorchParamGroup,
} from './param-group.js';
import { StateReader } from './torch-state.js';

/** Options every torch epoch scheduler takes besides its own: the group, `last_epoch` and `verbose`. */
export interface TorchSchedulerOptions extends TorchGroupOptions {
  /** Resume from this epoch; needs the group's `initial_lr` (a group made from `learningRate` has it). Default -1. */
  lastEpoch?: number;
  /** `true` prints torch's line for every step to stderr; a function receives the line instead. Default false. */
  verbose?: Verbose;
}

/** A torch scheduler stepped by epochs that drives a parameter group: what a torch.ChainedScheduler can hold. */
export interface TorchEpochScheduler extends EpochScheduler {
  readonly group: TorchParamGroup;
}

/**
 * True for a torch epoch scheduler (a `TorchLRScheduler`, `TorchSequentialLR` or `TorchChainedScheduler`).
 *
 * @example
 * isTorchEpochScheduler(new TorchStepLR({ learningRate: 0.1, stepSize: 3 })); // true
 */
export function isTorchEpochScheduler(value: unknown): value is TorchEpochScheduler {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { metricDriven?: unknown }).metricDriven === false &&
    typeof (value as { step?: unknown }).step === 'function' &&
    typeof (value as { group?: unknown }).group === 'object'
  );
}

/**
 * Runs a constructor's first step: a fault there (a division by zero, a missing group key) is a fault of the
 * arguments, so ERR_LR_STEP becomes ERR_LR_ARGUMENT_VALUE with the same Python class and message.
 */
export function duringConstruction(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof SchedulerError && error.code === 'ERR_LR_STEP') {
      throw new SchedulerError('ERR_LR_ARGUMENT_VALUE', error.pythonClass, error.message, {
        cause: error,
        argument: error.argument,
      });
    }
    throw error;
  }
}

/** An explicit epoch must be a finite number (torch would fail later on anything else). */
export function checkEpoch(className: string, epoch: unknown): number {
  const checked = finiteNumber.check(epoch);
  if (checked.ok) return checked.value;
  throw new SchedulerError(
    'ERR_LR_STEP',
    'TypeError',
    `${className}: step(epoch) ${mustBe(checked.allowed, epoch)}`,
  );
}

const finiteNumber = number();

/** Prints a verbose line the way `verbose` asks. */
export function emitVerbose(verbose: Verbose, line: string): void {
  if (verbose === true) console.error(line);
  else if (verbose !== false) verbose(line);
}

/** Python's `'{:.4e}'.format(x)`. @example formatLr(0.1) // '1.0000e-01' */
export function formatLr(lr: number): string {
  if (!Number.isFinite(lr)) return Number.isNaN(lr) ? 'nan' : lr > 0 ? 'inf' : '-inf';
  return lr.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** torch's epoch in verbose lines: `'%.5d'` for an integer, `'%.2f'` otherwise. @example formatEpoch(3) // '00003' */
export function formatEpoch(epoch: number): string {
  if (!Number.isInteger(epoch)) return epoch.toFixed(2);
  const digits = String(Math.abs(epoch)).padStart(5, '0');
  return epoch < 0 ? `-${digits}` : digits;
}

function checkVerbose(className: string, verbose: unknown): Verbose {
  if (verbose === undefined) return false;
  if (typeof verbose !== 'boolean' && typeof verbose !== 'function') {
    throw typeFault(className, 'verbose', 'true, false or a function of the line', verbose);
  }
  return verbose as Verbose;
}

/**
 * PyTorch's `_LRScheduler` (1.13) for one parameter group. Subclasses call `attach()` first (the optimizer exists
 * before the scheduler), check and set their fields, then `begin()`, which does what torch's base constructor
 * does: `initial_lr` is set in the group (kept if already there), `base_lr = initial_lr`, and one `step()`.
 *
 * `step()` advances `lastEpoch` and stores `getLr()` — for most classes the chainable form, which reads the
 * group's current lr — in the group; `step(epoch)` sets `lastEpoch = epoch` and uses the closed form when the
 * class has one (torch warns that this form is deprecated; here it is simply done). `stateDict()` holds torch's
 * field names (torch saves the whole `__dict__`), callables excepted; `setStateDict()` restores them and sets
 * the group's lr from `_last_lr`, as restoring the optimizer alongside would. `getLr()` is torch's `get_lr()`: for
 * chainable classes it applies this epoch's factor to the group's current lr once more; read `lastLr` instead.
 * `fullState()` holds `base_lr`, `last_epoch`, `last_lr`, `_step_count` and the group's keys (`groupFullState`),
 * plus `T_cur`/`T_i` for CosineAnnealingWarmRestarts; the hyper-parameters come from the config.
 *
 * @example
 * class Halving extends TorchLRScheduler { readonly className = 'Halving'; getLr() { return this.group.lr / 2; } }
 */
export abstract class TorchLRScheduler implements TorchEpochScheduler {
  readonly metricDriven = false as const;
  abstract readonly className: string;
  /** `base_lrs[0]`: the group's `initial_lr` when the scheduler was attached. */
  baseLr = 0;
  /** `last_epoch`. */
  lastEpoch = -1;
  /** `_last_lr[0]` (torch's `get_last_lr()[0]`): the value the last step wrote into the group. */
  lastLr = 0;
  /** `_step_count`: steps taken since the first (constructor) step, which counts as 1. */
  stepCount = 0;
  protected verbose: Verbose = false;
  private attached: TorchParamGroup | undefined;

  /** The parameter group this scheduler writes (shared with the other children of a composite). */
  get group(): TorchParamGroup {
    if (this.attached === undefined) throw new Error(`${this.className}: used before attach()`);
    return this.attached;
  }

  /** Resolves the group (torch: the optimizer argument) and checks `last_epoch` and `verbose`. */
  protected attach(options: TorchSchedulerOptions): TorchParamGroup {
    const lastEpoch = expectArgument(this.className, 'last_epoch', options.lastEpoch ?? -1, integer());
    this.verbose = checkVerbose(this.className, options.verbose);
    this.attached = resolveGroup(this.className, options, lastEpoch !== -1);
    this.lastEpoch = lastEpoch;
    return this.attached;
  }

  /** torch's base constructor, after the subclass set its fields. */
  protected begin(): void {
    const group = this.group;
    if (this.lastEpoch === -1) group.initialLr ??= group.lr;
    else if (group.initialLr === undefined) {
      throw new SchedulerError(
        'ERR_LR_ARGUMENT_VALUE',
        'KeyError',
        `${this.className}: last_epoch=${this.lastEpoch} resumes, which needs the group's initial_lr, and the shared ` +
          'group has none yet (torch: "param \'initial_lr\' is not specified"); attach a fresh scheduler first or use last_epoch -1',
        { argument: 'last_epoch' },
      );
    }
    this.baseLr = group.initialLr;
    duringConstruction(() => this.initialStep());
  }

  /** torch's `_initial_step()`: resets the step count and steps once (SequentialLR re-runs it on its first child). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The chainable form at `lastEpoch` (torch's `get_lr()`); it may read the group's current lr. */
  abstract getLr(): number;

  /** The closed form at `lastEpoch`, used by `step(epoch)`; undefined where torch has none. */
  protected closedFormLr(): number | undefined {
    return undefined;
  }

  step(epoch?: number): void {
    const explicit = epoch === undefined ? undefined : checkEpoch(this.className, epoch);
    this.stepCount += 1;
    let value: number;
    if (explicit === undefined) {
      this.lastEpoch += 1;
      value = this.getLr();
    } else {
      this.lastEpoch = explicit;
      value = this.closedFormLr() ?? this.getLr();
    }
    this.write(value, explicit);
  }

  /** Stores a new lr in the group and `lastLr`, printing torch's verbose line. */
  protected write(value: number, epoch: number | undefined): void {
    this.group.lr = value;
    if (this.verbose !== false) {
      const lr = formatLr(value);
      emitVerbose(
        this.verbose,
        epoch === undefined
          ? `Adjusting learning rate of group 0 to ${lr}.`
          : `Epoch ${formatEpoch(epoch)}: adjusting learning rate of group 0 to ${lr}.`,
      );
    }
    this.lastLr = this.group.lr;
  }

  /** The subclass's own fields, under torch's names, in torch's order (they precede the base fields). */
  protected ownState(): Record<string, StateValue> {
    return {};
  }

  /** Restores the subclass's own fields. */
  protected restoreOwn(_reader: StateReader): void {}

  stateDict(): StateDict {
    return {
      ...this.ownState(),
      base_lrs: [this.baseLr],
      last_epoch: this.lastEpoch,
      verbose: this.verbose !== false,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: [this.lastLr],
    };
  }

  setStateDict(state: StateDict): readonly string[] {
    const reader = new StateReader(this.className, state);
    this.restoreOwn(reader);
    reader.groupNumber('base_lrs', (value) => {
      this.baseLr = value;
    });
    reader.number('last_epoch', (value) => {
      this.lastEpoch = value;
    });
    reader.boolean('verbose', (value) => {
      if (value !== (this.verbose !== false)) this.verbose = value;
    });
    reader.number('_step_count', (value) => {
      this.stepCount = value;
    });
    reader.boolean('_get_lr_called_within_step', () => {});
    reader.groupNumber('_last_lr', (value) => {
      this.lastLr = value;
      this.group.lr = value;
    });
    return reader.warnings();
  }

  // `_get_lr_called_within_step` is not here: it is true only inside step(), never between calls.
  fullState(): StateDict {
    return fullStateOf(this.className, {
      base_lr: encodeNumber(this.baseLr),
      last_epoch: encodeNumber(this.lastEpoch),
      last_lr: encodeNumber(this.lastLr),
      _step_count: encodeNumber(this.stepCount),
      group: groupFullState(this.group),
      ...this.fullStateExtra(),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const baseLr = reader.number('base_lr');
    const lastEpoch = reader.number('last_epoch');
    const lastLr = reader.number('last_lr');
    const stepCount = reader.number('_step_count');
    const commitGroup = readGroupFullState(reader, 'group', this.group);
    const commitExtra = this.readFullStateExtra(reader);
    reader.done();
    this.baseLr = baseLr;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    this.stepCount = stepCount;
    commitGroup();
    commitExtra();
  }

  /** What this class adds to the full state beyond the base fields; none for most classes. */
  protected fullStateExtra(): Record<string, StateValue> {
    return {};
  }

  /** Reads (and checks) the class's own fields; the returned function applies them once every key was checked. */
  protected readFullStateExtra(_reader: FullStateReader): () => void {
    return () => {};
  }
}

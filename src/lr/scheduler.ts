import { ExpressionError, SchedulerError } from '../errors.js';
import { number } from '../rules/index.js';
import { describe, expectArgument } from './checks.js';
import { encodeNumber, FullStateReader, fullStateOf } from './full-state.js';
import { ArithmeticFault } from './python-math.js';

/** A value in a scheduler's state dict: what Paddle's `state_dict()` holds, JSON-serialisable. */
export type StateValue =
  | number
  | null
  | string
  | boolean
  | readonly number[]
  | readonly StateValue[]
  | StateDict;

/** A scheduler's checkpoint: Paddle's exact snake_case keys (`last_epoch`, `last_lr`, …). */
export interface StateDict {
  readonly [key: string]: StateValue;
}

/** What every scheduler (Paddle's or PyTorch's) offers the rest of dptrain. */
interface SchedulerCommon {
  /** Class name as written in a config: `StepDecay`, `torch.StepLR`. */
  readonly className: string;
  /** The learning rate to use now (Paddle's `scheduler()`). */
  readonly lastLr: number;
  /** The epoch counter as the scheduler keeps it (`last_epoch`). */
  readonly lastEpoch: number;
  /** Computes the LR for `lastEpoch` without storing it (may re-step an inner scheduler, as Paddle's does). */
  getLr(): number;
  /** The checkpoint, with the library's own keys. */
  stateDict(): StateDict;
  /** Restores a checkpoint made by `stateDict()`; returns warnings (e.g. unused keys). */
  setStateDict(state: StateDict): readonly string[];
  /**
   * Everything the next values depend on, as JSON (dptrain's own layout, for checkpoints): `class`, `version`, what
   * `stateDict()` holds and what it leaves out (e.g. CosineAnnealingWarmRestarts' cycle position, a nested
   * scheduler's full state). NaN, ±Infinity and -0 are written `"nan"`, `"inf"`, `"-inf"`, `"-0.0"`.
   */
  fullState(): StateDict;
  /**
   * Restores a full state into a scheduler built from the same config, so it continues exactly as the saved one
   * would have. Refuses (ERR_LR_STATE) a state of another class or version, a missing, unknown or mistyped key;
   * a refused state changes nothing.
   */
  setFullState(state: StateDict): void;
}

/** A scheduler driven by epochs/steps alone. */
export interface EpochScheduler extends SchedulerCommon {
  readonly metricDriven: false;
  /** Advances one epoch, or jumps to `epoch` when given. */
  step(epoch?: number): void;
}

/** A scheduler driven by a metric (ReduceOnPlateau, torch.ReduceLROnPlateau). */
export interface MetricScheduler extends SchedulerCommon {
  readonly metricDriven: true;
  /** Feeds one metric value; `epoch` only overrides the bookkeeping counter. */
  step(metrics: number, epoch?: number): void;
}

/** Any scheduler; narrow on `metricDriven` before calling `step`. */
export type Scheduler = EpochScheduler | MetricScheduler;

/** A learning-rate callable (`lr_lambda`, `scale_fn`): epoch or cycle in, factor out. */
export type LrLambda = (x: number) => number;

/** True for anything that behaves as a scheduler (used where Paddle checks `isinstance(x, LRScheduler)`). */
export function isScheduler(value: unknown): value is Scheduler {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { step?: unknown }).step === 'function' &&
    typeof (value as { stateDict?: unknown }).stateDict === 'function' &&
    typeof (value as { metricDriven?: unknown }).metricDriven === 'boolean'
  );
}

/** `verbose` as Paddle has it: `true` prints each step to stderr; a function receives the line instead. */
export type Verbose = boolean | ((line: string) => void);

/**
 * Paddle's `LRScheduler` base: `last_epoch` starts at -1 and the constructor steps once, so a fresh
 * scheduler holds the epoch-0 value. Subclasses validate and set their fields, then call `begin()`
 * (TypeScript cannot run subclass code before `super()`, Paddle sets fields before its base constructor).
 *
 * `step()` advances `lastEpoch` by one and stores `getLr()`; `step(epoch)` sets `lastEpoch = epoch` and stores
 * `closedFormLr()` when the class has one, else `getLr()`.
 */
export abstract class LRScheduler implements EpochScheduler {
  readonly metricDriven = false as const;
  abstract readonly className: string;
  baseLr = 0;
  lastLr = 0;
  lastEpoch = -1;
  private verbose: Verbose = false;

  /** Validates the base learning rate (named `argument` in errors), stores it and performs the first step. */
  protected begin(
    learningRate: unknown,
    lastEpoch: unknown,
    verbose: Verbose | undefined,
    argument = 'learning_rate',
  ): void {
    const baseLr = expectArgument(this.className, argument, learningRate, number({ min: 0 }));
    const start =
      lastEpoch === undefined ? -1 : expectArgument(this.className, 'last_epoch', lastEpoch, number());
    this.baseLr = baseLr;
    this.lastLr = baseLr;
    this.lastEpoch = start;
    this.verbose = verbose ?? false;
    this.step();
  }

  abstract getLr(): number;

  /** The value at `lastEpoch` used by `step(epoch)`; only CosineAnnealingDecay has one in Paddle. */
  protected closedFormLr(): number | undefined {
    return undefined;
  }

  step(epoch?: number): void {
    try {
      this.advance(epoch);
    } catch (error) {
      throw stepFault(this.className, this.lastEpoch, error);
    }
    this.announce();
  }

  /** Moves `lastEpoch` and stores the new `lastLr`; CosineAnnealingWarmRestarts replaces it. */
  protected advance(epoch: number | undefined): void {
    if (epoch === undefined) {
      this.lastEpoch += 1;
      this.lastLr = this.getLr();
    } else {
      this.lastEpoch = epoch;
      this.lastLr = this.closedFormLr() ?? this.getLr();
    }
  }

  /** Prints Paddle's verbose line for the step just taken. */
  protected announce(): void {
    if (this.verbose === false) return;
    const line = `Epoch ${this.lastEpoch}: ${this.className} set learning rate to ${this.lastLr}.`;
    if (this.verbose === true) console.error(line);
    else this.verbose(line);
  }

  stateDict(): StateDict {
    return { last_epoch: this.lastEpoch, last_lr: this.lastLr };
  }

  setStateDict(state: StateDict): readonly string[] {
    const lastEpoch = readStateNumber(this.className, state, 'last_epoch');
    const lastLr = readStateNumber(this.className, state, 'last_lr');
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    return unusedKeys(this.className, state, ['last_epoch', 'last_lr']);
  }

  /**
   * `{ class, version, base_lr, last_epoch, last_lr }` plus the class's own fields (`fullStateExtra`). `base_lr`
   * is fixed by the config, but every formula reads it, so the state says which one it was computed with.
   */
  fullState(): StateDict {
    return fullStateOf(this.className, {
      base_lr: encodeNumber(this.baseLr),
      last_epoch: encodeNumber(this.lastEpoch),
      last_lr: encodeNumber(this.lastLr),
      ...this.fullStateExtra(),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const baseLr = reader.number('base_lr');
    const lastEpoch = reader.number('last_epoch');
    const lastLr = reader.number('last_lr');
    const commit = this.readFullStateExtra(reader);
    reader.done();
    // The class's commit runs first: it may restore a nested scheduler, which can still refuse its own state.
    commit();
    this.baseLr = baseLr;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
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

/**
 * Arithmetic Python refuses while a schedule is evaluated (division by zero, overflow, a fault inside
 * `lr_lambda`) becomes a SchedulerError with Python's exception class; anything else passes through.
 */
export function stepFault(className: string, epoch: number, error: unknown): unknown {
  if (error instanceof ArithmeticFault) {
    return new SchedulerError(
      'ERR_LR_STEP',
      error.pythonClass,
      `${className}: ${error.message} at epoch ${epoch}`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof ExpressionError && error.pythonClass !== undefined) {
    return new SchedulerError(
      'ERR_LR_STEP',
      error.pythonClass,
      `${className} at epoch ${epoch}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

/** Reads a numeric key of a state dict, refusing a missing key or a non-number (Paddle: RuntimeError). */
export function readStateNumber(className: string, state: StateDict, key: string): number {
  if (typeof state !== 'object' || state === null || !(key in state)) {
    throw new SchedulerError(
      'ERR_LR_STATE',
      'RuntimeError',
      `${className}: state dict has no "${key}"; pass a state made by stateDict() of the same scheduler class`,
    );
  }
  const value = state[key];
  if (typeof value !== 'number') {
    throw new SchedulerError(
      'ERR_LR_STATE',
      'RuntimeError',
      `${className}: state dict key "${key}" must be a number, received ${describe(value)}`,
    );
  }
  return value;
}

/** The warning Paddle emits when a state dict holds keys the scheduler does not read. */
export function unusedKeys(className: string, state: StateDict, used: readonly string[]): readonly string[] {
  const extra = Object.keys(state).filter((key) => !used.includes(key));
  return extra.length === 0
    ? []
    : [
        `${className}: state dict has unused keys ${extra.map((k) => `"${k}"`).join(', ')}; they were ignored`,
      ];
}

import { SchedulerError } from '../errors.js';
import { describe } from './checks.js';
import { type EncodedNumber, encodeNumber, FullStateReader, nestedFault } from './full-state.js';
import type { Scheduler, StateDict } from './scheduler.js';

/** When the schedule advances: after every optimizer step, or after every epoch. */
export type LrGranularity = 'step' | 'epoch';

/**
 * How many times the scheduler has been stepped once `completedSteps` global steps are done.
 *
 * @example
 * schedulerCallsAt(250, 100, 'epoch'); // 2
 */
export function schedulerCallsAt(
  completedSteps: number,
  stepsPerEpoch: number,
  granularity: LrGranularity,
): number {
  return granularity === 'step' ? completedSteps : Math.floor(completedSteps / stepsPerEpoch);
}

/** How a ScheduleClock counts: its granularity, the epoch length in global steps, and where it starts. */
export interface ScheduleClockOptions {
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  /**
   * Global steps already done (default 0). The partial-epoch loss sum starts empty, so to resume mid-epoch use
   * `ScheduleClock.restore` with a saved `state()` instead.
   */
  readonly completedSteps?: number;
}

/**
 * A ScheduleClock's checkpoint (JSON): the clock's own counters, the options it was saved with (a restore with
 * other options is refused, as the counters would mean something else) and the scheduler's full state. `lossSum`
 * uses the full state's number encoding (`"nan"`, `"inf"`, `"-inf"`, `"-0.0"`), since a NaN loss makes a NaN sum.
 */
export interface ScheduleClockState {
  readonly class: 'ScheduleClock';
  readonly version: 1;
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  /** Global steps completed. */
  readonly completedSteps: number;
  /** Sum of the losses since the scheduler last stepped (the partial epoch, under `epoch` granularity). */
  readonly lossSum: EncodedNumber;
  /** How many losses `lossSum` holds. */
  readonly lossCount: number;
  /** The scheduler's `fullState()`. */
  readonly scheduler: StateDict;
}

/**
 * Drives a scheduler from the global step, so the coordinator only says "global step t is done". With `step`
 * granularity the scheduler steps after every global step; with `epoch`, after the last step of each epoch.
 * Metric-driven schedulers receive the mean loss of what the call covers (the step, or the epoch's steps).
 * `state()` saves it mid-epoch and `ScheduleClock.restore` continues it exactly.
 *
 * @example
 * const clock = new ScheduleClock(scheduler, { granularity: 'epoch', stepsPerEpoch: 469 });
 * clock.completeStep(0.42); // lr for the next step: clock.lr
 */
export class ScheduleClock {
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  private completed: number;
  private lossSum = 0;
  private lossCount = 0;

  /**
   * Rebuilds a clock saved by `state()` around `scheduler`, a fresh scheduler built from the config of the saved
   * one, with the options the clock was created with. Refuses (SchedulerError ERR_LR_STATE) a state that is not a
   * clock's, saved with other options, or whose scheduler state the scheduler refuses; nothing is changed then.
   *
   * @example
   * const clock = ScheduleClock.restore(createScheduler(config), { granularity: 'epoch', stepsPerEpoch: 469 }, saved);
   */
  static restore(
    scheduler: Scheduler,
    options: Omit<ScheduleClockOptions, 'completedSteps'>,
    state: ScheduleClockState,
  ): ScheduleClock {
    const reader = FullStateReader.open('ScheduleClock', state, 'ScheduleClock.state()');
    const granularity = reader.string('granularity');
    const stepsPerEpoch = reader.number('stepsPerEpoch');
    const completedSteps = reader.number('completedSteps');
    const lossSum = reader.number('lossSum');
    const lossCount = reader.number('lossCount');
    const saved = reader.nested('scheduler', `the full state of a ${scheduler.className}`);
    reader.done();
    for (const [key, was, now] of [
      ['granularity', granularity, options.granularity],
      ['stepsPerEpoch', stepsPerEpoch, options.stepsPerEpoch],
    ] as const) {
      if (was !== now) {
        throw new SchedulerError(
          'ERR_LR_STATE',
          'RuntimeError',
          `ScheduleClock: state key "${key}" is ${describe(was)} but the clock is restored with ${describe(now)}; ` +
            'restore with the options it was saved with',
        );
      }
    }
    try {
      scheduler.setFullState(saved);
    } catch (error) {
      throw nestedFault('ScheduleClock', 'scheduler', error);
    }
    const clock = new ScheduleClock(scheduler, { ...options, completedSteps });
    clock.lossSum = lossSum;
    clock.lossCount = lossCount;
    return clock;
  }

  constructor(
    readonly scheduler: Scheduler,
    options: ScheduleClockOptions,
  ) {
    this.granularity = options.granularity;
    this.stepsPerEpoch = options.stepsPerEpoch;
    this.completed = options.completedSteps ?? 0;
  }

  /** The LR for the next global step. */
  get lr(): number {
    return this.scheduler.lastLr;
  }

  /** Global steps completed so far. */
  get completedSteps(): number {
    return this.completed;
  }

  /**
   * Records one completed global step and its mean loss; returns true when the scheduler stepped. `endsEpoch` says
   * whether the step ended an epoch (a run whose world changed has epochs of other lengths); without it, every
   * `stepsPerEpoch`-th step does.
   */
  completeStep(loss: number, endsEpoch?: boolean): boolean {
    this.completed += 1;
    this.lossSum += loss;
    this.lossCount += 1;
    const due = this.granularity === 'step' || (endsEpoch ?? this.completed % this.stepsPerEpoch === 0);
    if (!due) return false;
    return this.stepScheduler();
  }

  /**
   * An epoch ended on a round without a step (a skipped one): with `epoch` granularity the scheduler steps over the
   * epoch's completed steps (a metric-driven one only if there were any). Returns true when it stepped.
   */
  endEpochWithoutStep(): boolean {
    if (this.granularity !== 'epoch' || (this.scheduler.metricDriven && this.lossCount === 0)) return false;
    return this.stepScheduler();
  }

  private stepScheduler(): boolean {
    const scheduler = this.scheduler;
    if (scheduler.metricDriven) scheduler.step(this.lossSum / this.lossCount);
    else scheduler.step();
    this.lossSum = 0;
    this.lossCount = 0;
    return true;
  }

  /** The checkpoint `ScheduleClock.restore` reads: counters, the partial loss sum and the scheduler's full state. */
  state(): ScheduleClockState {
    return {
      class: 'ScheduleClock',
      version: 1,
      granularity: this.granularity,
      stepsPerEpoch: this.stepsPerEpoch,
      completedSteps: this.completed,
      lossSum: encodeNumber(this.lossSum),
      lossCount: this.lossCount,
      scheduler: this.scheduler.fullState(),
    };
  }
}

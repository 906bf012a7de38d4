import type { Scheduler } from './scheduler.js';

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

/**
 * Drives a scheduler from the global step, so the coordinator only says "global step t is done". With `step`
 * granularity the scheduler steps after every global step; with `epoch`, after the last step of each epoch.
 * Metric-driven schedulers receive the mean loss of what the call covers (the step, or the epoch's steps).
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

  constructor(
    readonly scheduler: Scheduler,
    options: { granularity: LrGranularity; stepsPerEpoch: number; completedSteps?: number },
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

  /** Records one completed global step and its mean loss; returns true when the scheduler stepped. */
  completeStep(loss: number): boolean {
    this.completed += 1;
    this.lossSum += loss;
    this.lossCount += 1;
    const due = this.granularity === 'step' || this.completed % this.stepsPerEpoch === 0;
    if (!due) return false;
    const scheduler = this.scheduler;
    if (scheduler.metricDriven) scheduler.step(this.lossSum / this.lossCount);
    else scheduler.step();
    this.lossSum = 0;
    this.lossCount = 0;
    return true;
  }
}

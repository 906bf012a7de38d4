import { TrainingError } from '../errors.js';
import { type LrGranularity, ScheduleClock, type Scheduler } from '../lr/index.js';
import type { EarlyStopReport, Evaluation } from './result.js';

/** `early_stopping:` as the coordinator takes it. */
export interface EarlyStoppingOptions {
  /** `eval_loss`: lower is better; `eval_accuracy`: higher is better */
  readonly metric: 'eval_loss' | 'eval_accuracy';
  /** evaluations in a row without improvement after which the run stops (>= 1) */
  readonly patience: number;
  /** an evaluation improves on the best only when it is better by more than this (>= 0) */
  readonly minDelta: number;
}

/** What a checkpoint keeps of early stopping (the run state's `extensions.earlyStopping`). */
export interface EarlyStoppingState {
  readonly version: 1;
  readonly best: number | null;
  readonly bestStep: number | null;
  /** evaluations since the best one */
  readonly bad: number;
}

/**
 * Early stopping on the evaluations of a run (Keras's EarlyStopping rule): the first evaluation is the best so far;
 * a later one improves on it only when it is better by more than `minDelta`; after `patience` evaluations in a row
 * that do not, the run stops. So with no improvement at all the run stops at evaluation 1 + patience.
 *
 * @example
 * const stopper = new EarlyStopping({ metric: 'eval_loss', patience: 2, minDelta: 0 }); stopper.offer(10, evaluation); // false
 */
export class EarlyStopping {
  private bestValue: number | null = null;
  private bestAt: number | null = null;
  private bad = 0;

  constructor(
    readonly options: EarlyStoppingOptions,
    saved?: unknown,
  ) {
    if (saved === undefined) return;
    const state = saved as Partial<EarlyStoppingState> | null;
    const number = (value: unknown) => value === null || typeof value === 'number';
    if (
      state?.version !== 1 ||
      !number(state.best) ||
      !number(state.bestStep) ||
      !Number.isInteger(state.bad)
    ) {
      throw new TrainingError(
        'ERR_TRAINING_STATE',
        `the saved run state's extensions.earlyStopping is not an early-stopping state: ${JSON.stringify(saved)}`,
      );
    }
    this.bestValue = state.best ?? null;
    this.bestAt = state.bestStep ?? null;
    this.bad = state.bad!;
  }

  /** The best value of the metric so far (null before the first evaluation). */
  get best(): number | null {
    return this.bestValue;
  }

  /** The global step of the best evaluation (null before the first). */
  get bestStep(): number | null {
    return this.bestAt;
  }

  /**
   * Takes the evaluation of the parameters after `step` global steps; returns true when the run must stop now.
   * Refuses (TrainingError ERR_TRAINING_MISMATCH) `eval_accuracy` of a task without classes.
   */
  offer(step: number, evaluation: Evaluation): boolean {
    const { metric, minDelta, patience } = this.options;
    const value = metric === 'eval_loss' ? evaluation.loss : evaluation.accuracy;
    if (value === null) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        `early_stopping.metric is eval_accuracy, but the evaluation of step ${step} has no accuracy (the task has no classes); use early_stopping.metric: eval_loss`,
      );
    }
    const best = this.bestValue;
    // NaN is never better: a diverged run counts against its patience.
    const improved =
      best === null || (metric === 'eval_loss' ? value < best - minDelta : value > best + minDelta);
    if (improved) {
      this.bestValue = value;
      this.bestAt = step;
      this.bad = 0;
      return false;
    }
    this.bad += 1;
    return this.bad >= patience;
  }

  /** What a checkpoint saves; the constructor's `saved` continues from it. */
  state(): EarlyStoppingState {
    return { version: 1, best: this.bestValue, bestStep: this.bestAt, bad: this.bad };
  }
}

/**
 * The schedule's planned run, from a fresh scheduler: its peak LR and the LR it reaches once all `totalSteps`
 * global steps are done (the LR after n steps is what a scheduler driven by the step clock holds then, i.e. the LR
 * of step n). Null for a metric-driven scheduler (ReduceOnPlateau), whose plan depends on the losses.
 *
 * @example
 * plannedLrs(createScheduler({ name: 'PolynomialDecay', learning_rate: 0.1, decay_steps: 10 }), { granularity: 'step', stepsPerEpoch: 5, totalSteps: 10 }); // { peak: 0.1, end: 0.0001 }
 */
export function plannedLrs(
  fresh: Scheduler,
  plan: { readonly granularity: LrGranularity; readonly stepsPerEpoch: number; readonly totalSteps: number },
): { readonly peak: number; readonly end: number } | null {
  if (fresh.metricDriven) return null;
  const clock = new ScheduleClock(fresh, {
    granularity: plan.granularity,
    stepsPerEpoch: plan.stepsPerEpoch,
  });
  let peak = clock.lr;
  for (let step = 0; step < plan.totalSteps; step++) {
    clock.completeStep(0);
    peak = Math.max(peak, clock.lr);
  }
  return { peak, end: clock.lr };
}

/**
 * The report of an early stop: where it stopped against the plan, and how much of the schedule's decay was left
 * undone, (lr_stop − lr_end) ÷ (lr_peak − lr_end) — null when the schedule plans no decay (or has no plan).
 *
 * @example
 * undoneDecay({ lrAtStop: 0.031, lrPeak: 0.1, lrEnd: 0 }); // 0.31
 */
export function undoneDecay(lrs: {
  readonly lrAtStop: number;
  readonly lrPeak: number | null;
  readonly lrEnd: number | null;
}): number | null {
  const { lrAtStop, lrPeak, lrEnd } = lrs;
  if (lrPeak === null || lrEnd === null || lrPeak === lrEnd) return null;
  return (lrAtStop - lrEnd) / (lrPeak - lrEnd);
}

/**
 * The log's sentence of an early stop.
 *
 * @example
 * earlyStopSentence({ stoppedAtStep: 900, totalSteps: 1407, lrAtStop: 0.031, lrPeak: 0.1, lrEnd: 0, undoneDecay: 0.31 });
 * // 'stopped at step 900 of 1407: LR 0.031; peak 0.1, planned end 0: 31 % of the decay was not reached'
 */
export function earlyStopSentence(
  report: Pick<
    EarlyStopReport,
    'stoppedAtStep' | 'totalSteps' | 'lrAtStop' | 'lrPeak' | 'lrEnd' | 'undoneDecay'
  >,
): string {
  const lr = (value: number) => String(Number(value.toPrecision(3)));
  const head = `stopped at step ${report.stoppedAtStep} of ${report.totalSteps}: LR ${lr(report.lrAtStop)}`;
  if (report.lrPeak === null || report.lrEnd === null) {
    return `${head}; the schedule has no plan to compare with (it follows the metric)`;
  }
  const plan = `peak ${lr(report.lrPeak)}, planned end ${lr(report.lrEnd)}`;
  if (report.undoneDecay === null) return `${head}; ${plan}: the schedule plans no decay`;
  return `${head}; ${plan}: ${Math.round(report.undoneDecay * 100)} % of the decay was not reached`;
}

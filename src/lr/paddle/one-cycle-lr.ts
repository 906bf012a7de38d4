import { SchedulerError } from '../../errors.js';
import { anyString, boolean, integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface OneCycleLROptions {
  /** Peak learning rate, >= 0. */
  maxLearningRate: number;
  /** Length of the cycle (positive integer); the schedule is defined for e = 0 … total_steps. */
  totalSteps: number;
  /** The start value is `max_learning_rate / divide_factor`. Default 25. */
  divideFactor?: number;
  /** The final value (absolute, unlike PyTorch's `final_div_factor`). Default 0.0001. */
  endLearningRate?: number;
  /** Fraction of the cycle spent rising, in [0, 1]. Default 0.3. */
  phasePct?: number;
  /** `cos` or `linear`. Default `cos`. */
  annealStrategy?: 'cos' | 'linear';
  /** Rise, fall back to the start value, then anneal to the end value. Default false. */
  threePhase?: boolean;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `OneCycleLR` (Smith & Topin): rises from `max / divide_factor` to `max` over `phase_pct * N - 1`
 * steps, then anneals to `end_learning_rate` at step `N - 1`; `cos`: `t + (s - t) / 2 * (cos(pi * pct) + 1)`,
 * `linear`: `(t - s) * pct + s`. Step N extrapolates the last phase (linear can go below the end value);
 * step N + 1 is an error.
 *
 * @example
 * new OneCycleLR({ maxLearningRate: 0.01, totalSteps: 100 }); // 0.0004, 0.00043, … 0.01 at e = 29, … 0.0001 at e = 99
 */
export class OneCycleLR extends LRScheduler {
  readonly className = 'OneCycleLR';
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  private readonly phaseEnds: readonly number[];
  private readonly phaseSizes: readonly number[];
  private readonly phaseLrs: readonly number[];

  constructor(options: OneCycleLROptions) {
    super();
    const name = this.className;
    const nonNegative = number({ min: 0 });
    const maxLr = expectArgument(name, 'max_learning_rate', options.maxLearningRate, nonNegative);
    const endLr = expectArgument(name, 'end_learning_rate', options.endLearningRate ?? 0.0001, nonNegative);
    this.totalSteps = expectArgument(name, 'total_steps', options.totalSteps, integer(1));
    const pct = expectArgument(name, 'phase_pct', options.phasePct ?? 0.3, number({ min: 0, max: 1 }));
    const divideFactor = expectArgument(name, 'divide_factor', options.divideFactor ?? 25.0, number());
    if (divideFactor === 0)
      throw valueFault(name, 'divide_factor', 'non-zero', divideFactor, 'ZeroDivisionError');
    const threePhase = expectArgument(name, 'three_phase', options.threePhase ?? false, boolean);
    if (threePhase && pct >= 0.5) throw valueFault(name, 'phase_pct', '< 0.5 when three_phase is true', pct);
    const strategy = expectArgument(name, 'anneal_strategy', options.annealStrategy ?? 'cos', anyString);
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw valueFault(name, 'anneal_strategy', '"cos" or "linear"', strategy);
    }
    this.annealStrategy = strategy;
    const initialLr = maxLr / divideFactor;
    const n = this.totalSteps;
    // Phase boundaries are floats (e.g. 18.25), exactly as Paddle computes them.
    const starts = threePhase
      ? [0, pct * n - 1, 2 * pct * n - 2, n - 1, n - 1]
      : [0, pct * n - 1, n - 1, n - 1];
    this.phaseEnds = starts;
    this.phaseSizes = threePhase
      ? [starts[1]! - starts[0]!, starts[2]! - starts[1]!, starts[3]! - starts[2]!, starts[3]! - starts[2]!]
      : [starts[1]! - starts[0]!, starts[2]! - starts[1]!, starts[2]! - starts[1]!];
    this.phaseLrs = threePhase ? [initialLr, maxLr, initialLr, endLr] : [initialLr, maxLr, endLr];
    this.begin(initialLr, options.lastEpoch, options.verbose, 'max_learning_rate / divide_factor');
  }

  /** The step where the rise ends (`phase_pct * total_steps - 1`, may be fractional). */
  get peakStep(): number {
    return this.phaseEnds[1]!;
  }

  getLr(): number {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'ValueError',
        `${this.className}: stepped to ${step} but total_steps is ${this.totalSteps}; raise total_steps to cover the run`,
      );
    }
    const last = this.phaseLrs.length - 2;
    for (let i = 0; i <= last; i++) {
      if (step <= this.phaseEnds[i + 1]! || i === last) {
        const size = this.phaseSizes[i]!;
        if (size === 0) {
          throw new SchedulerError(
            'ERR_LR_STEP',
            'ZeroDivisionError',
            `${this.className}: phase ${i + 1} has zero length (phase_pct * total_steps = 1); raise total_steps or phase_pct`,
          );
        }
        return this.anneal(this.phaseLrs[i]!, this.phaseLrs[i + 1]!, (step - this.phaseEnds[i]!) / size);
      }
    }
    return this.lastLr;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
  }
}

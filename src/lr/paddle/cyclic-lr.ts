import { anyString, callable, integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyFloorDiv, pyPow } from '../python-math.js';
import { LRScheduler, type LrLambda, type Verbose } from '../scheduler.js';

export interface CyclicLROptions {
  /** Lower bound of the cycle (the base lr). */
  baseLearningRate: number;
  /** Upper bound, >= 0. */
  maxLearningRate: number;
  /** Steps of the rising half (positive integer). */
  stepSizeUp: number;
  /** Steps of the falling half. Default `step_size_up`. */
  stepSizeDown?: number;
  /** `triangular`, `triangular2` (amplitude halves each cycle) or `exp_range`. Default `triangular`. */
  mode?: string;
  /** Amplitude factor per iteration in `exp_range`. Default 1.0. */
  expGamma?: number;
  /** Custom amplitude scaling; overrides `mode`. */
  scaleFn?: LrLambda;
  /** Whether `scale_fn` receives the cycle number or the iteration: `cycle` or `iterations`. Default `cycle`. */
  scaleMode?: string;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `CyclicLR` (Smith 2017): `cycle = 1 + e // C`, `x = 1 + e / C - cycle`,
 * `lr = B + (max - B) * s(x) * f(cycle or e)` with `s` rising to 1 over `step_size_up` and falling back over
 * `step_size_down`. Built-in modes fix the scaling input (`exp_range` always scales by iteration).
 *
 * @example
 * new CyclicLR({ baseLearningRate: 0.001, maxLearningRate: 0.006, stepSizeUp: 4 }); // 0.001, 0.00225, 0.0035, …
 */
export class CyclicLR extends LRScheduler {
  readonly className = 'CyclicLR';
  readonly cycleSize: number;
  readonly stepUpPct: number;
  readonly amplitude: number;
  readonly scaleMode: 'cycle' | 'iterations';
  private readonly scaleFn: LrLambda;

  constructor(options: CyclicLROptions) {
    super();
    const name = this.className;
    const maxLr = expectArgument(name, 'max_learning_rate', options.maxLearningRate, number({ min: 0 }));
    const up = expectArgument(name, 'step_size_up', options.stepSizeUp, integer(1));
    let down = up;
    if (options.stepSizeDown !== undefined && options.stepSizeDown !== null) {
      down = expectArgument(name, 'step_size_down', options.stepSizeDown, integer(1));
    }
    const gamma = expectArgument(name, 'exp_gamma', options.expGamma ?? 1.0, number());
    this.cycleSize = up + down;
    this.stepUpPct = up / this.cycleSize;
    const base = expectArgument(name, 'base_learning_rate', options.baseLearningRate, number());
    this.amplitude = maxLr - base;
    const mode = expectArgument(name, 'mode', options.mode ?? 'triangular', anyString);
    const custom =
      options.scaleFn === undefined
        ? undefined
        : expectArgument(name, 'scale_fn', options.scaleFn, callable('the epoch'));
    if (custom === undefined && mode !== 'triangular' && mode !== 'triangular2' && mode !== 'exp_range') {
      throw valueFault(name, 'mode', '"triangular", "triangular2" or "exp_range" (or give scale_fn)', mode);
    }
    const scaleMode = expectArgument(name, 'scale_mode', options.scaleMode ?? 'cycle', anyString);
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') {
      throw valueFault(name, 'scale_mode', '"cycle" or "iterations"', scaleMode);
    }
    if (custom !== undefined) {
      this.scaleFn = custom;
      this.scaleMode = scaleMode;
    } else if (mode === 'triangular') {
      this.scaleFn = () => 1.0;
      this.scaleMode = 'cycle';
    } else if (mode === 'triangular2') {
      this.scaleFn = (x) => 1 / pyPow(2.0, x - 1);
      this.scaleMode = 'cycle';
    } else {
      this.scaleFn = (x) => pyPow(gamma, x);
      this.scaleMode = 'iterations';
    }
    this.begin(base, options.lastEpoch, options.verbose, 'base_learning_rate');
  }

  getLr(): number {
    const iterations = this.lastEpoch;
    const cycle = 1 + pyFloorDiv(iterations, this.cycleSize);
    const x = 1.0 + iterations / this.cycleSize - cycle;
    const scale = x <= this.stepUpPct ? x / this.stepUpPct : (1 - x) / (1 - this.stepUpPct);
    const height = this.amplitude * scale;
    return this.baseLr + height * this.scaleFn(this.scaleMode === 'cycle' ? cycle : iterations);
  }
}

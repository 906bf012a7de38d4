import { integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyPow } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface StepDecayOptions {
  /** Initial learning rate `B`. */
  learningRate: number;
  /** Epochs between decays (positive integer). */
  stepSize: number;
  /** Decay factor, < 1. Default 0.1. */
  gamma?: number;
  /** Resume from this epoch. Default -1 (fresh). */
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `StepDecay`: `lr = B * gamma ** floor(e / step_size)`.
 *
 * @example
 * new StepDecay({ learningRate: 0.5, stepSize: 2, gamma: 0.8 }); // 0.5, 0.5, 0.4, 0.4, 0.32, …
 */
export class StepDecay extends LRScheduler {
  readonly className = 'StepDecay';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(options: StepDecayOptions) {
    super();
    const name = this.className;
    this.stepSize = expectArgument(name, 'step_size', options.stepSize, integer());
    this.gamma = expectArgument(name, 'gamma', options.gamma ?? 0.1, number());
    if (this.gamma >= 1) throw valueFault(name, 'gamma', '< 1.0', this.gamma);
    if (this.stepSize <= 0)
      throw valueFault(name, 'step_size', 'a positive integer', this.stepSize, 'AssertionError');
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * pyPow(this.gamma, Math.floor(this.lastEpoch / this.stepSize));
  }
}

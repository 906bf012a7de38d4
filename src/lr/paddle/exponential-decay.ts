import { expectNumber, valueFault } from '../checks.js';
import { pyPow } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface ExponentialDecayOptions {
  learningRate: number;
  /** Factor per epoch, in (0, 1). */
  gamma: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `ExponentialDecay`: `lr = B * gamma ** e` (closed form, so explicit epochs are random access).
 *
 * @example
 * new ExponentialDecay({ learningRate: 0.1, gamma: 0.95 }); // 0.1, 0.095, 0.09025, …
 */
export class ExponentialDecay extends LRScheduler {
  readonly className = 'ExponentialDecay';
  readonly gamma: number;

  constructor(options: ExponentialDecayOptions) {
    super();
    this.gamma = expectNumber(this.className, 'gamma', options.gamma);
    if (!(this.gamma > 0 && this.gamma < 1)) {
      throw valueFault(this.className, 'gamma', 'in the open interval (0, 1)', this.gamma, 'AssertionError');
    }
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * pyPow(this.gamma, this.lastEpoch);
  }
}

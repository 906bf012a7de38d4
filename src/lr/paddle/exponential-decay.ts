import { number } from '../../rules/index.js';
import { ASSERTS_VALUE, expectArgument } from '../checks.js';
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
    const gamma = number({ above: 0, below: 1 });
    this.gamma = expectArgument(this.className, 'gamma', options.gamma, gamma, ASSERTS_VALUE);
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * pyPow(this.gamma, this.lastEpoch);
  }
}

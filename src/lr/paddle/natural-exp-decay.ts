import { expectNumber, valueFault } from '../checks.js';
import { pyExp } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface NaturalExpDecayOptions {
  learningRate: number;
  /** Decay rate, > 0 (required: Paddle's documented default is not real). */
  gamma: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `NaturalExpDecay`: `lr = B * exp(-1 * gamma * e)`.
 *
 * @example
 * new NaturalExpDecay({ learningRate: 0.5, gamma: 0.1 }); // 0.5, 0.4524, 0.4094, …
 */
export class NaturalExpDecay extends LRScheduler {
  readonly className = 'NaturalExpDecay';
  readonly gamma: number;

  constructor(options: NaturalExpDecayOptions) {
    super();
    this.gamma = expectNumber(this.className, 'gamma', options.gamma);
    if (!(this.gamma > 0)) throw valueFault(this.className, 'gamma', '> 0', this.gamma, 'AssertionError');
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * pyExp(-1 * this.gamma * this.lastEpoch);
  }
}

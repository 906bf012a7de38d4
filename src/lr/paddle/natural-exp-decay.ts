import { number } from '../../rules/index.js';
import { ASSERTS_VALUE, expectArgument } from '../checks.js';
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
    this.gamma = expectArgument(this.className, 'gamma', options.gamma, number({ above: 0 }), ASSERTS_VALUE);
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * pyExp(-1 * this.gamma * this.lastEpoch);
  }
}

import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import { pyDiv } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface InverseTimeDecayOptions {
  learningRate: number;
  /** Decay rate (required). */
  gamma: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `InverseTimeDecay`: `lr = B / (1 + gamma * e)`.
 *
 * @example
 * new InverseTimeDecay({ learningRate: 0.5, gamma: 0.1 }); // 0.5, 0.4545, 0.4167, …
 */
export class InverseTimeDecay extends LRScheduler {
  readonly className = 'InverseTimeDecay';
  readonly gamma: number;

  constructor(options: InverseTimeDecayOptions) {
    super();
    this.gamma = expectArgument(this.className, 'gamma', options.gamma, number());
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return pyDiv(this.baseLr, 1 + this.gamma * this.lastEpoch);
  }
}

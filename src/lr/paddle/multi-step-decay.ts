import { number } from '../../rules/index.js';
import { expectArgument, numberList, valueFault } from '../checks.js';
import { pyPow } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface MultiStepDecayOptions {
  learningRate: number;
  /** Strictly increasing epochs at which the LR is multiplied by gamma. */
  milestones: readonly number[];
  /** Factor, < 1. Default 0.1. */
  gamma?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `MultiStepDecay`: `lr = B * gamma ** i`, `i` = number of milestones `<= e`.
 *
 * @example
 * new MultiStepDecay({ learningRate: 0.1, milestones: [2, 4] }); // 0.1, 0.1, 0.01, 0.01, 0.001, …
 */
export class MultiStepDecay extends LRScheduler {
  readonly className = 'MultiStepDecay';
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(options: MultiStepDecayOptions) {
    super();
    const name = this.className;
    this.milestones = [...expectArgument(name, 'milestones', options.milestones, numberList)];
    if (this.milestones.some((m, i) => i > 0 && !(m > this.milestones[i - 1]!))) {
      throw valueFault(name, 'milestones', 'strictly increasing', this.milestones);
    }
    this.gamma = expectArgument(name, 'gamma', options.gamma ?? 0.1, number({ below: 1 }));
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const index = this.milestones.findIndex((milestone) => this.lastEpoch < milestone);
    return this.baseLr * pyPow(this.gamma, index === -1 ? this.milestones.length : index);
  }
}

import { callable } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import { LRScheduler, type LrLambda, type Verbose } from '../scheduler.js';

export interface LambdaDecayOptions {
  learningRate: number;
  /** Factor as a function of the epoch. */
  lrLambda: LrLambda;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `LambdaDecay`: `lr = B * lr_lambda(e)`.
 *
 * @example
 * new LambdaDecay({ learningRate: 0.5, lrLambda: (x) => 0.95 ** x }); // 0.5, 0.475, 0.45125, …
 */
export class LambdaDecay extends LRScheduler {
  readonly className = 'LambdaDecay';
  readonly lrLambda: LrLambda;

  constructor(options: LambdaDecayOptions) {
    super();
    this.lrLambda = expectArgument(this.className, 'lr_lambda', options.lrLambda, callable('the epoch'));
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.baseLr * this.lrLambda(this.lastEpoch);
  }
}

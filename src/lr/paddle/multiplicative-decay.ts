import { callable } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import { ArithmeticFault } from '../python-math.js';
import { LRScheduler, type LrLambda, type Verbose } from '../scheduler.js';

export interface MultiplicativeDecayOptions {
  learningRate: number;
  /** Factor applied at each epoch k = 1…e. */
  lrLambda: LrLambda;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `MultiplicativeDecay`: `lr = B * lr_lambda(1) * … * lr_lambda(e)`, recomputed from `B` at every step
 * (so an explicit epoch is random access, unlike PyTorch's MultiplicativeLR).
 *
 * @example
 * new MultiplicativeDecay({ learningRate: 0.5, lrLambda: () => 0.95 }); // 0.5, 0.475, 0.45125, …
 */
export class MultiplicativeDecay extends LRScheduler {
  readonly className = 'MultiplicativeDecay';
  readonly lrLambda: LrLambda;

  constructor(options: MultiplicativeDecayOptions) {
    super();
    this.lrLambda = expectArgument(this.className, 'lr_lambda', options.lrLambda, callable('the epoch'));
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    if (!Number.isInteger(this.lastEpoch)) {
      // Paddle multiplies over range(1, e + 1), which refuses a fractional epoch.
      throw new ArithmeticFault(
        'TypeError',
        `epoch ${this.lastEpoch} is not an integer; MultiplicativeDecay counts whole epochs`,
      );
    }
    let lr = this.baseLr;
    for (let epoch = 1; epoch <= this.lastEpoch; epoch++) lr = lr * this.lrLambda(epoch);
    return lr;
  }
}

import type { LrLambda } from '../scheduler.js';
import { callLambda, oneLambda } from './lambda-lr.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';

export interface TorchMultiplicativeLROptions extends TorchSchedulerOptions {
  /** Factor applied at each epoch e > 0; a list must hold one function. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/**
 * PyTorch's `MultiplicativeLR`: chainable `lr * lr_lambda(e)` for e > 0, no closed form — so `step(epoch)`
 * multiplies the current lr by `lr_lambda(epoch)` once (Paddle's MultiplicativeDecay recomputes the product).
 *
 * @example
 * new TorchMultiplicativeLR({ learningRate: 0.1, lrLambda: () => 0.95 }); // 0.1, 0.095, 0.09025, …
 */
export class TorchMultiplicativeLR extends TorchLRScheduler {
  readonly className = 'torch.MultiplicativeLR';
  private readonly lrLambda: LrLambda;

  constructor(options: TorchMultiplicativeLROptions) {
    super();
    this.attach(options);
    this.lrLambda = oneLambda(this.className, options.lrLambda);
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    return e > 0 ? this.group.lr * callLambda(this.className, this.lrLambda, e) : this.group.lr;
  }
}

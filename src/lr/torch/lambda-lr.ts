import { SchedulerError } from '../../errors.js';
import { describe, typeFault, valueFault } from '../checks.js';
import type { LrLambda } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';

export interface TorchLambdaLROptions extends TorchSchedulerOptions {
  /** Factor of the epoch; a list must hold one function (one per parameter group). */
  lrLambda: LrLambda | readonly LrLambda[];
}

/**
 * PyTorch's `LambdaLR`: `base_lr * lr_lambda(e)`, for sequential and explicit epochs alike. The function is not
 * in the state dict (torch saves plain functions as `None`), so a restored instance uses its own.
 *
 * @example
 * new TorchLambdaLR({ learningRate: 0.1, lrLambda: (e) => 0.95 ** e }); // 0.1, 0.095, 0.09025, …
 */
export class TorchLambdaLR extends TorchLRScheduler {
  readonly className = 'torch.LambdaLR';
  private readonly lrLambda: LrLambda;

  constructor(options: TorchLambdaLROptions) {
    super();
    this.attach(options);
    this.lrLambda = oneLambda(this.className, options.lrLambda);
    this.begin();
  }

  getLr(): number {
    return this.baseLr * callLambda(this.className, this.lrLambda, this.lastEpoch);
  }
}

/** The one `lr_lambda` of a single-group optimizer: a function, or a list holding exactly one. */
export function oneLambda(className: string, value: unknown): LrLambda {
  if (Array.isArray(value)) {
    if (value.length !== 1)
      throw valueFault(className, 'lr_lambda', 'a function or a list of 1 function (one per group)', value);
    return oneLambda(className, value[0]);
  }
  if (typeof value !== 'function') throw typeFault(className, 'lr_lambda', 'a function of the epoch', value);
  return value as LrLambda;
}

/** Calls a user function, refusing a result that is not a number. */
export function callLambda(className: string, fn: LrLambda, x: number, argument = 'lr_lambda'): number {
  const result: unknown = fn(x);
  if (typeof result !== 'number') {
    throw new SchedulerError(
      'ERR_LR_STEP',
      'TypeError',
      `${className}: ${argument}(${x}) must return a number, returned ${describe(result)}`,
      {
        argument,
      },
    );
  }
  return result;
}

import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { divide } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchConstantLROptions extends TorchSchedulerOptions {
  /** Multiplier until `total_iters`, in [0, 1]. Default 1/3. (0 divides by zero at `total_iters`, as in torch.) */
  factor?: number;
  /** Epoch at which the factor is undone. Default 5. */
  totalIters?: number;
}

/**
 * PyTorch's `ConstantLR`: the group's lr times `factor` at e = 0, divided by it again (`lr * (1.0 / factor)`) at
 * `e == total_iters`, untouched otherwise — so in a chain it undoes its factor once. `step(epoch)`:
 * `base_lr * (factor + (e >= total_iters) * (1 - factor))`.
 *
 * @example
 * new TorchConstantLR({ learningRate: 0.05, factor: 0.5, totalIters: 4 }); // 0.025 for e < 4, then 0.05
 */
export class TorchConstantLR extends TorchLRScheduler {
  readonly className = 'torch.ConstantLR';
  private factor: number;
  private totalIters: number;

  constructor(options: TorchConstantLROptions) {
    super();
    this.attach(options);
    const factor = expectArgument(
      this.className,
      'factor',
      options.factor ?? 1 / 3,
      number({ min: 0, max: 1 }),
    );
    this.factor = factor;
    this.totalIters = expectArgument(this.className, 'total_iters', options.totalIters ?? 5, number());
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e === 0) return this.group.lr * this.factor;
    if (e !== this.totalIters) return this.group.lr;
    return this.group.lr * divide(this.className, 'factor', 1, this.factor);
  }

  protected override closedFormLr(): number {
    return this.baseLr * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor));
  }

  protected override ownState(): Record<string, StateValue> {
    return { factor: this.factor, total_iters: this.totalIters };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('factor', (value) => {
      this.factor = value;
    });
    reader.number('total_iters', (value) => {
      this.totalIters = value;
    });
  }
}

import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { divide, power, pyMin } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchPolynomialLROptions extends TorchSchedulerOptions {
  /** Epochs of the decay to 0. Default 5. */
  totalIters?: number;
  /** Power of the polynomial. Default 1.0. */
  power?: number;
}

/**
 * PyTorch's `PolynomialLR`: decays to 0 over `total_iters` and holds. Chainable for 0 < e <= T:
 * `lr * ((1 - e / T) / (1 - (e - 1) / T)) ** power`; `step(epoch)`: `base_lr * (1 - min(T, e) / T) ** power`.
 *
 * @example
 * new TorchPolynomialLR({ learningRate: 0.001, totalIters: 4 }); // 0.001, 0.00075, 0.0005, 0.00025, 0, 0, …
 */
export class TorchPolynomialLR extends TorchLRScheduler {
  readonly className = 'torch.PolynomialLR';
  private totalIters: number;
  private power: number;

  constructor(options: TorchPolynomialLROptions) {
    super();
    this.attach(options);
    this.totalIters = expectArgument(this.className, 'total_iters', options.totalIters ?? 5, number());
    this.power = expectArgument(this.className, 'power', options.power ?? 1, number());
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    const total = this.totalIters;
    if (e === 0 || e > total) return this.group.lr;
    const name = this.className;
    const now = 1 - divide(name, 'total_iters', e, total);
    const before = 1 - divide(name, 'total_iters', e - 1, total);
    return this.group.lr * power(name, 'power', divide(name, 'total_iters', now, before), this.power);
  }

  protected override closedFormLr(): number {
    const total = this.totalIters;
    const left = 1 - divide(this.className, 'total_iters', pyMin(total, this.lastEpoch), total);
    return this.baseLr * power(this.className, 'power', left, this.power);
  }

  protected override ownState(): Record<string, StateValue> {
    return { total_iters: this.totalIters, power: this.power };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('total_iters', (value) => {
      this.totalIters = value;
    });
    reader.number('power', (value) => {
      this.power = value;
    });
  }
}

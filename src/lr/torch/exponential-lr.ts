import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { power } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchExponentialLROptions extends TorchSchedulerOptions {
  /** Factor per epoch (required; not checked, as in torch: 1.05 grows the lr). */
  gamma: number;
}

/**
 * PyTorch's `ExponentialLR`: chainable `lr * gamma` at every e > 0; `step(epoch)` uses `base_lr * gamma ** e`.
 * Sequential values are an accumulated product, so they differ from Paddle's `B * gamma ** e` by an ulp or two.
 *
 * @example
 * new TorchExponentialLR({ learningRate: 1, gamma: 0.9 }); // 1, 0.9, 0.81, 0.7290000000000001, …
 */
export class TorchExponentialLR extends TorchLRScheduler {
  readonly className = 'torch.ExponentialLR';
  private gamma: number;

  constructor(options: TorchExponentialLROptions) {
    super();
    this.attach(options);
    this.gamma = expectArgument(this.className, 'gamma', options.gamma, number());
    this.begin();
  }

  getLr(): number {
    return this.lastEpoch === 0 ? this.group.lr : this.group.lr * this.gamma;
  }

  protected override closedFormLr(): number {
    return this.baseLr * power(this.className, 'gamma', this.gamma, this.lastEpoch);
  }

  protected override ownState(): Record<string, StateValue> {
    return { gamma: this.gamma };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('gamma', (value) => {
      this.gamma = value;
    });
  }
}

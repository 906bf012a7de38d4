import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { divide, pyMin } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchLinearLROptions extends TorchSchedulerOptions {
  /** Multiplier at e = 0, in [0, 1]. Default 1/3. (0 divides by zero at the first step, as in torch.) */
  startFactor?: number;
  /** Multiplier from `total_iters` on, in [0, 1]. Default 1.0. */
  endFactor?: number;
  /** Epochs of the linear change. Default 5. */
  totalIters?: number;
}

/**
 * PyTorch's `LinearLR`, chainable: e = 0 → `lr * start_factor`; 0 < e <= T →
 * `lr * (1 + (end - start) / (T * start + (e - 1) * (end - start)))`; e > T → lr. `step(epoch)` uses the closed
 * form `base_lr * (start + (end - start) * min(T, e) / T)` (Paddle's LinearLR has none).
 *
 * @example
 * new TorchLinearLR({ learningRate: 0.05, startFactor: 0.5, totalIters: 4 }); // 0.025, 0.03125, 0.0375, 0.04375, 0.05, …
 */
export class TorchLinearLR extends TorchLRScheduler {
  readonly className = 'torch.LinearLR';
  private startFactor: number;
  private endFactor: number;
  private totalIters: number;

  constructor(options: TorchLinearLROptions) {
    super();
    this.attach(options);
    const name = this.className;
    const factor = number({ min: 0, max: 1 });
    const startFactor = expectArgument(name, 'start_factor', options.startFactor ?? 1 / 3, factor);
    const endFactor = expectArgument(name, 'end_factor', options.endFactor ?? 1, factor);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = expectArgument(name, 'total_iters', options.totalIters ?? 5, number());
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    const { startFactor: start, endFactor: end, totalIters: total } = this;
    if (e === 0) return this.group.lr * start;
    if (e > total) return this.group.lr;
    const denominator = total * start + (e - 1) * (end - start);
    return this.group.lr * (1 + divide(this.className, 'start_factor', end - start, denominator));
  }

  protected override closedFormLr(): number {
    const { startFactor: start, endFactor: end, totalIters: total } = this;
    return (
      this.baseLr *
      (start + divide(this.className, 'total_iters', (end - start) * pyMin(total, this.lastEpoch), total))
    );
  }

  protected override ownState(): Record<string, StateValue> {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('start_factor', (value) => {
      this.startFactor = value;
    });
    reader.number('end_factor', (value) => {
      this.endFactor = value;
    });
    reader.number('total_iters', (value) => {
      this.totalIters = value;
    });
  }
}

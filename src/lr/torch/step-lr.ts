import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import { pyFloorDiv, pyMod } from '../python-math.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { power, zeroDivision } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchStepLROptions extends TorchSchedulerOptions {
  /** Epochs between decays. torch does not check it: 0 divides by zero at the first step. */
  stepSize: number;
  /** Decay factor. Default 0.1 (not checked, as in torch). */
  gamma?: number;
}

/**
 * PyTorch's `StepLR`: multiplies the group's lr by `gamma` at every epoch `e > 0` with `e % step_size == 0`
 * (chainable); `step(epoch)` uses the closed form `base_lr * gamma ** (e // step_size)`.
 *
 * @example
 * new TorchStepLR({ learningRate: 0.05, stepSize: 30 }); // 0.05 until e = 29, 0.005 until 59, 0.0005, …
 */
export class TorchStepLR extends TorchLRScheduler {
  readonly className = 'torch.StepLR';
  private stepSize: number;
  private gamma: number;

  constructor(options: TorchStepLROptions) {
    super();
    this.attach(options);
    this.stepSize = expectArgument(this.className, 'step_size', options.stepSize, number());
    this.gamma = expectArgument(this.className, 'gamma', options.gamma ?? 0.1, number());
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e === 0) return this.group.lr;
    this.checkStepSize(e);
    return pyMod(e, this.stepSize) !== 0 ? this.group.lr : this.group.lr * this.gamma;
  }

  protected override closedFormLr(): number {
    const e = this.lastEpoch;
    this.checkStepSize(e);
    return this.baseLr * power(this.className, 'gamma', this.gamma, pyFloorDiv(e, this.stepSize));
  }

  private checkStepSize(e: number): void {
    if (this.stepSize === 0)
      throw zeroDivision(this.className, 'step_size', `epoch ${e} % step_size with step_size 0`);
  }

  protected override ownState(): Record<string, StateValue> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('step_size', (value) => {
      this.stepSize = value;
    });
    reader.number('gamma', (value) => {
      this.gamma = value;
    });
  }
}

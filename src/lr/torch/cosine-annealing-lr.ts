import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
import { pyMod } from '../python-math.js';
import type { StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { divide, zeroDivision } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchCosineAnnealingLROptions extends TorchSchedulerOptions {
  /** Half period in epochs (required; 0 divides by zero at the first step, as in torch). */
  tMax: number;
  /** Minimum lr. Default 0. */
  etaMin?: number;
}

/**
 * PyTorch's `CosineAnnealingLR`, recursive on the group's lr:
 * e = 0 → lr; first step after a resume (`_step_count == 1`, e > 0) → the closed form;
 * `(e - 1 - T_max) % (2 T_max) == 0` → `lr + (base - eta_min) * (1 - cos(pi / T_max)) / 2`;
 * otherwise `(1 + cos(pi e / T_max)) / (1 + cos(pi (e - 1) / T_max)) * (lr - eta_min) + eta_min`.
 * `step(epoch)`: `eta_min + (base - eta_min) * (1 + cos(pi e / T_max)) / 2`. Past `T_max` the lr rises again.
 *
 * @example
 * new TorchCosineAnnealingLR({ learningRate: 0.1, tMax: 10 }); // 0.1, 0.0976, 0.0905, …, 0 at e = 10, then up
 */
export class TorchCosineAnnealingLR extends TorchLRScheduler {
  readonly className = 'torch.CosineAnnealingLR';
  private tMax: number;
  private etaMin: number;

  constructor(options: TorchCosineAnnealingLROptions) {
    super();
    this.attach(options);
    this.tMax = expectArgument(this.className, 'T_max', options.tMax, number());
    this.etaMin = expectArgument(this.className, 'eta_min', options.etaMin ?? 0, number());
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    const { tMax, etaMin } = this;
    const lr = this.group.lr;
    if (e === 0) return lr;
    if (this.stepCount === 1 && e > 0) return this.closedForm((e * Math.PI) / this.nonZeroTMax(e));
    if (pyMod(e - 1 - tMax, 2 * this.nonZeroTMax(e)) === 0) {
      return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    const ratio = divide(
      this.className,
      'T_max',
      1 + Math.cos((Math.PI * e) / tMax),
      1 + Math.cos((Math.PI * (e - 1)) / tMax),
    );
    return ratio * (lr - etaMin) + etaMin;
  }

  protected override closedFormLr(): number {
    return this.closedForm((Math.PI * this.lastEpoch) / this.nonZeroTMax(this.lastEpoch));
  }

  private closedForm(angle: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos(angle))) / 2;
  }

  private nonZeroTMax(e: number): number {
    if (this.tMax === 0) throw zeroDivision(this.className, 'T_max', `epoch ${e} with T_max 0`);
    return this.tMax;
  }

  protected override ownState(): Record<string, StateValue> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('T_max', (value) => {
      this.tMax = value;
    });
    reader.number('eta_min', (value) => {
      this.etaMin = value;
    });
  }
}

import { expectNumber, valueFault } from '../checks.js';
import { pyDiv } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface LinearLROptions {
  learningRate: number;
  /** Epochs from start to end factor, > 0. */
  totalSteps: number;
  /** Factor at e = 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor from e = total_steps on, in [0, 1]. Default 1.0. */
  endFactor?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `LinearLR`, recursive on the previous value `L`: `B * start_factor` at e = 0, then
 * `L * (1 + (ef - sf) / (total_steps * sf + (e - 1) * (ef - sf)))` up to `total_steps`, then `L`. There is no
 * closed form: `step(epoch)` applies one factor to the current value (Paddle's behaviour; PyTorch differs).
 *
 * @example
 * new LinearLR({ learningRate: 0.2, totalSteps: 5, startFactor: 0.2, endFactor: 0.5 }); // 0.04, 0.052, 0.064, … 0.1
 */
export class LinearLR extends LRScheduler {
  readonly className = 'LinearLR';
  readonly totalSteps: number;
  readonly startFactor: number;
  readonly endFactor: number;

  constructor(options: LinearLROptions) {
    super();
    const name = this.className;
    this.startFactor = expectNumber(name, 'start_factor', options.startFactor ?? 1.0 / 3);
    if (this.startFactor > 1.0 || this.startFactor <= 0) {
      throw valueFault(name, 'start_factor', 'greater than 0 and at most 1', this.startFactor);
    }
    this.endFactor = expectNumber(name, 'end_factor', options.endFactor ?? 1.0);
    if (this.endFactor > 1.0 || this.endFactor < 0) {
      throw valueFault(name, 'end_factor', 'between 0 and 1', this.endFactor);
    }
    this.totalSteps = expectNumber(name, 'total_steps', options.totalSteps);
    if (this.totalSteps <= 0) throw valueFault(name, 'total_steps', 'greater than 0', this.totalSteps);
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e === 0) return this.baseLr * this.startFactor;
    if (e > this.totalSteps) return this.lastLr;
    const start = this.totalSteps * this.startFactor;
    const span = this.endFactor - this.startFactor;
    return this.lastLr * (1.0 + pyDiv(span, start + (e - 1) * span));
  }
}

import { number } from '../../rules/index.js';
import { expectArgument } from '../checks.js';
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
    const startFactor = options.startFactor ?? 1.0 / 3;
    this.startFactor = expectArgument(name, 'start_factor', startFactor, number({ above: 0, max: 1 }));
    this.endFactor = expectArgument(name, 'end_factor', options.endFactor ?? 1.0, number({ min: 0, max: 1 }));
    this.totalSteps = expectArgument(name, 'total_steps', options.totalSteps, number({ above: 0 }));
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

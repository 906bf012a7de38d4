import { integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyDiv, pyMod } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface CosineAnnealingDecayOptions {
  learningRate: number;
  /** Half period in epochs (positive integer). */
  tMax: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `CosineAnnealingDecay` (SGDR without restarts), recursive on the previous value `L`:
 * `(1 + cos(pi * e / T_max)) / (1 + cos(pi * (e - 1) / T_max)) * (L - eta_min) + eta_min`, with the branch
 * `L + (B - eta_min) * (1 - cos(pi / T_max)) / 2` where the ratio would be 0/0. `step(epoch)` uses the closed
 * form `eta_min + (B - eta_min) * (1 + cos(pi * e / T_max)) / 2`. Past `T_max` the value rises again.
 *
 * @example
 * new CosineAnnealingDecay({ learningRate: 0.1, tMax: 7, etaMin: 0.001 }); // 0.1, 0.0951, 0.0814, … 0.001 at e = 7
 */
export class CosineAnnealingDecay extends LRScheduler {
  readonly className = 'CosineAnnealingDecay';
  readonly tMax: number;
  readonly etaMin: number;

  constructor(options: CosineAnnealingDecayOptions) {
    super();
    const name = this.className;
    this.tMax = expectArgument(name, 'T_max', options.tMax, integer());
    this.etaMin = expectArgument(name, 'eta_min', options.etaMin ?? 0, number());
    if (this.tMax <= 0) throw valueFault(name, 'T_max', 'a positive integer', this.tMax, 'AssertionError');
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const e = this.lastEpoch;
    const tMax = this.tMax;
    if (e === 0) return this.baseLr;
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0) {
      return this.lastLr + ((this.baseLr - this.etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    const ratio = pyDiv(1 + Math.cos((Math.PI * e) / tMax), 1 + Math.cos((Math.PI * (e - 1)) / tMax));
    return ratio * (this.lastLr - this.etaMin) + this.etaMin;
  }

  protected override closedFormLr(): number {
    return (
      this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2
    );
  }
}

import { integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyDiv, pyMod } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface TwoStepCosineDecayOptions {
  learningRate: number;
  /** Half period of the first cosine, for e <= T_max1 (positive integer). */
  tMax1: number;
  /** Half period of the second cosine, for e > T_max1 (positive integer). */
  tMax2: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * PaddleOCR's `TwoStepCosineDecay` (ppocr/optimizer/lr_scheduler.py), which Paddle's schedulers cannot express: Paddle's
 * recursive CosineAnnealingDecay step with half period `T_max1` while e <= T_max1, then the same step with `T_max2`
 * applied to the value reached (no restart). `step(epoch)`, as LinearWarmup drives it, uses the closed form
 * `eta_min + (B - eta_min) * (1 + cos(pi * e / T)) / 2` with T the half period of e's phase. Registered as
 * `ppocr.TwoStepCosineDecay`.
 *
 * @example
 * new TwoStepCosineDecay({ learningRate: 1, tMax1: 2, tMax2: 4 }); // 1, 0.5, 0, then the T_max2 cosine from 0
 */
export class TwoStepCosineDecay extends LRScheduler {
  readonly className = 'ppocr.TwoStepCosineDecay';
  readonly tMax1: number;
  readonly tMax2: number;
  readonly etaMin: number;

  constructor(options: TwoStepCosineDecayOptions) {
    super();
    const name = this.className;
    this.tMax1 = expectArgument(name, 'T_max1', options.tMax1, integer());
    this.tMax2 = expectArgument(name, 'T_max2', options.tMax2, integer());
    this.etaMin = expectArgument(name, 'eta_min', options.etaMin ?? 0, number());
    if (this.tMax1 <= 0) throw valueFault(name, 'T_max1', 'a positive integer', this.tMax1, 'AssertionError');
    if (this.tMax2 <= 0) throw valueFault(name, 'T_max2', 'a positive integer', this.tMax2, 'AssertionError');
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e <= this.tMax1 && e === 0) return this.baseLr;
    const tMax = e <= this.tMax1 ? this.tMax1 : this.tMax2;
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0) {
      return this.lastLr + ((this.baseLr - this.etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    const ratio = pyDiv(1 + Math.cos((Math.PI * e) / tMax), 1 + Math.cos((Math.PI * (e - 1)) / tMax));
    return ratio * (this.lastLr - this.etaMin) + this.etaMin;
  }

  protected override closedFormLr(): number {
    const tMax = this.lastEpoch <= this.tMax1 ? this.tMax1 : this.tMax2;
    return (
      this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / tMax))) / 2
    );
  }
}

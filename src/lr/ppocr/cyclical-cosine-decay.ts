import { integer, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import { pyMod } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface CyclicalCosineDecayOptions {
  learningRate: number;
  /** Stored as PaddleOCR stores it; the schedule never reads it. */
  tMax: number;
  /** Period in steps (positive integer). Default 1. */
  cycle?: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * PaddleOCR's `CyclicalCosineDecay` (ppocr/optimizer/lr_scheduler.py), which Paddle's schedulers cannot express:
 * `eta_min + 0.5 * (B - eta_min) * (1 + cos(pi * (e % cycle) / cycle))`, and `B` at e = 0; the cosine restarts every
 * `cycle` steps. Registered as `ppocr.CyclicalCosineDecay` so PaddleOCR's `CyclicalCosine` translates to it.
 *
 * @example
 * new CyclicalCosineDecay({ learningRate: 1, tMax: 8, cycle: 4 }); // 1, 0.854, 0.5, 0.146, 1, 0.854, …
 */
export class CyclicalCosineDecay extends LRScheduler {
  readonly className = 'ppocr.CyclicalCosineDecay';
  readonly tMax: number;
  readonly cycle: number;
  readonly etaMin: number;

  constructor(options: CyclicalCosineDecayOptions) {
    super();
    const name = this.className;
    this.tMax = expectArgument(name, 'T_max', options.tMax, number());
    this.cycle = expectArgument(name, 'cycle', options.cycle ?? 1, integer());
    if (this.cycle <= 0)
      throw valueFault(name, 'cycle', 'a positive integer', this.cycle, 'ZeroDivisionError');
    this.etaMin = expectArgument(name, 'eta_min', options.etaMin ?? 0.0, number());
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    if (this.lastEpoch === 0) return this.baseLr;
    const relative = pyMod(this.lastEpoch, this.cycle);
    return (
      this.etaMin + 0.5 * (this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * relative) / this.cycle))
    );
  }
}

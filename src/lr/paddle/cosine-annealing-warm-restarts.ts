import { SchedulerError } from '../../errors.js';
import { expectNumber, valueFault } from '../checks.js';
import { pyLog, pyMod } from '../python-math.js';
import { LRScheduler, type Verbose } from '../scheduler.js';

export interface CosineAnnealingWarmRestartsOptions {
  learningRate: number;
  /** Length of the first cycle (positive integer). */
  t0: number;
  /** Growth of each following cycle (integer >= 1). Default 1. */
  tMult?: number;
  /** Minimum value. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
  verbose?: Verbose;
}

/**
 * Paddle's `CosineAnnealingWarmRestarts` (SGDR): `eta_min + (B - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`,
 * restarting when `T_cur` reaches the cycle length `T_i` (which grows by `T_mult`). Fractional explicit epochs
 * are supported. As in Paddle, the state dict holds only `last_epoch` and `last_lr`: a restored instance
 * restarts its cycle counter, and only an explicit `step(epoch)` re-synchronises it.
 *
 * @example
 * new CosineAnnealingWarmRestarts({ learningRate: 0.5, t0: 10 }); // 0.5, 0.4878, 0.4523, … restarts at e = 10
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly className = 'CosineAnnealingWarmRestarts';
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  /** Length of the current cycle. */
  tI: number;
  /** Epochs since the last restart (may be fractional). */
  tCur: number;

  constructor(options: CosineAnnealingWarmRestartsOptions) {
    super();
    const name = this.className;
    const t0 = options.t0;
    if (typeof t0 !== 'number' || !Number.isInteger(t0) || t0 <= 0)
      throw valueFault(name, 'T_0', 'a positive integer', t0);
    const tMult = options.tMult ?? 1;
    if (typeof tMult !== 'number' || !Number.isInteger(tMult) || tMult < 1) {
      throw valueFault(name, 'T_mult', 'an integer >= 1', tMult);
    }
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = expectNumber(name, 'eta_min', options.etaMin ?? 0);
    this.tCur = options.lastEpoch ?? -1;
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2;
  }

  protected override advance(epoch: number | undefined): void {
    let target = epoch;
    if (target === undefined && this.lastEpoch < 0) target = 0;
    if (target === undefined) {
      target = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (target < 0) {
        throw new SchedulerError(
          'ERR_LR_STEP',
          'ValueError',
          `${this.className}: epoch must be >= 0, received ${target}`,
        );
      }
      if (target >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = pyMod(target, this.t0);
        } else {
          // Python's int(math.log(v, T_mult)): Paddle puts e.g. epoch 121 (T_0 = 1, T_mult = 3) in the earlier cycle.
          const n = Math.trunc(pyLog((target / this.t0) * (this.tMult - 1) + 1, this.tMult));
          this.tCur = target - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = target;
      }
    }
    this.lastEpoch = Math.floor(target);
    this.lastLr = this.getLr();
  }
}

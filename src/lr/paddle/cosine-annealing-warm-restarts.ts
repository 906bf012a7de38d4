import { integer, number } from '../../rules/index.js';
import { expectArgument, raisesOnly } from '../checks.js';
import type { FullStateReader } from '../full-state.js';
import { LRScheduler, type StateValue, type Verbose } from '../scheduler.js';
import { advanceWarmRestarts, cycleFullState, readCycleFullState } from '../warm-restarts.js';

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
 * restarts its cycle counter, and only an explicit `step(epoch)` re-synchronises it. `fullState()` adds `T_cur`
 * and `T_i`, so a checkpoint made with it continues the cycle.
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
    // Paddle tests type and value at once and raises ValueError for either.
    const t0 = expectArgument(name, 'T_0', options.t0, integer(1), raisesOnly('ValueError'));
    const tMult = expectArgument(name, 'T_mult', options.tMult ?? 1, integer(1), raisesOnly('ValueError'));
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = expectArgument(name, 'eta_min', options.etaMin ?? 0, number());
    this.tCur = options.lastEpoch ?? -1;
    this.begin(options.learningRate, options.lastEpoch, options.verbose);
  }

  getLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2;
  }

  protected override advance(epoch: number | undefined): void {
    const next = advanceWarmRestarts(this.className, this, epoch, this.t0, this.tMult);
    this.tCur = next.tCur;
    this.tI = next.tI;
    this.lastEpoch = Math.floor(next.epoch);
    this.lastLr = this.getLr();
  }

  // The cycle position Paddle's state dict loses; without it a restored instance restarts its cycle.
  protected override fullStateExtra(): Record<string, StateValue> {
    return cycleFullState({ tCur: this.tCur, tI: this.tI });
  }

  protected override readFullStateExtra(reader: FullStateReader): () => void {
    const cycle = readCycleFullState(reader);
    return () => {
      this.tCur = cycle.tCur;
      this.tI = cycle.tI;
    };
  }
}

import { integer, number } from '../../rules/index.js';
import { expectArgument, raisesOnly } from '../checks.js';
import type { FullStateReader } from '../full-state.js';
import type { StateValue } from '../scheduler.js';
import { advanceWarmRestarts, cycleFullState, readCycleFullState } from '../warm-restarts.js';
import { checkEpoch, TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import type { StateReader } from './torch-state.js';

export interface TorchCosineAnnealingWarmRestartsOptions extends TorchSchedulerOptions {
  /** Length of the first cycle (positive integer). */
  t0: number;
  /** Growth factor of each following cycle (integer >= 1). Default 1. */
  tMult?: number;
  /** Minimum lr. Default 0. */
  etaMin?: number;
}

/**
 * PyTorch's `CosineAnnealingWarmRestarts` (SGDR): `eta_min + (base - eta_min) * (1 + cos(pi T_cur / T_i)) / 2`,
 * restarting when `T_cur` reaches `T_i` (`T_i *= T_mult` at each restart). `step(epoch)` accepts fractional
 * epochs and finds the cycle with Python's `int(math.log(e / T_0 * (T_mult - 1) + 1, T_mult))` (correctly rounded
 * logs, so epoch 121 with T_0 = 1, T_mult = 3 falls in the earlier cycle as in CPython). Unlike Paddle's, the state
 * dict holds `T_cur` and `T_i`, so a restored instance continues exactly. Its `step` never counts `_step_count`
 * (torch's does not either: it stays 0).
 *
 * @example
 * new TorchCosineAnnealingWarmRestarts({ learningRate: 0.5, t0: 10 }); // 0.5, 0.4878, …, back to 0.5 at e = 10
 */
export class TorchCosineAnnealingWarmRestarts extends TorchLRScheduler {
  readonly className = 'torch.CosineAnnealingWarmRestarts';
  private t0: number;
  private tI: number;
  private tMult: number;
  private etaMin: number;
  private tCur: number;

  constructor(options: TorchCosineAnnealingWarmRestartsOptions) {
    super();
    this.attach(options);
    const name = this.className;
    // torch tests type and value at once and raises ValueError for either.
    const t0 = expectArgument(name, 'T_0', options.t0, integer(1), raisesOnly('ValueError'));
    const tMult = expectArgument(name, 'T_mult', options.tMult ?? 1, integer(1), raisesOnly('ValueError'));
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = expectArgument(name, 'eta_min', options.etaMin ?? 0, number());
    this.tCur = this.lastEpoch;
    this.begin();
  }

  getLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2;
  }

  override step(epoch?: number): void {
    const target = epoch === undefined ? undefined : checkEpoch(this.className, epoch);
    const position = { lastEpoch: this.lastEpoch, tCur: this.tCur, tI: this.tI };
    const next = advanceWarmRestarts(this.className, position, target, this.t0, this.tMult);
    this.tCur = next.tCur;
    this.tI = next.tI;
    this.lastEpoch = Math.floor(next.epoch);
    // torch prints the resolved epoch here, also for a plain step().
    this.write(this.getLr(), next.epoch);
  }

  protected override ownState(): Record<string, StateValue> {
    return { T_0: this.t0, T_i: this.tI, T_mult: this.tMult, eta_min: this.etaMin, T_cur: this.tCur };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('T_0', (value) => {
      this.t0 = value;
    });
    reader.number('T_i', (value) => {
      this.tI = value;
    });
    reader.number('T_mult', (value) => {
      this.tMult = value;
    });
    reader.number('eta_min', (value) => {
      this.etaMin = value;
    });
    reader.number('T_cur', (value) => {
      this.tCur = value;
    });
  }

  // torch's state dict has them too; the full state must, or a restored instance restarts its cycle.
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

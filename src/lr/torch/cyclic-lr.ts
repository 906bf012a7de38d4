import { anyString, boolean, callable, number } from '../../rules/index.js';
import { expectArgument, valueFault } from '../checks.js';
import type { LrLambda, StateValue } from '../scheduler.js';
import { callLambda } from './lambda-lr.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { groupValue } from './param-group.js';
import { divide, power } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchCyclicLROptions extends TorchSchedulerOptions {
  /** Lower bound of the cycle (a number, or a list of one); also the group's lr when fresh. */
  baseLr: number | readonly number[];
  /** Upper bound of the cycle (a number, or a list of one). */
  maxLr: number | readonly number[];
  /** Steps rising. Default 2000. */
  stepSizeUp?: number;
  /** Steps falling. Default `stepSizeUp`. */
  stepSizeDown?: number;
  /** `'triangular'` (default), `'triangular2'` or `'exp_range'`; ignored when `scaleFn` is given. */
  mode?: string;
  /** `exp_range`'s base: `gamma ** iterations`. Default 1.0. */
  gamma?: number;
  /** Custom amplitude scale of the cycle number or the iteration (see `scaleMode`); overrides `mode`. */
  scaleFn?: LrLambda;
  /** With `scaleFn`: `'cycle'` (default) evaluates it on the cycle number, anything else on the iteration. */
  scaleMode?: string;
  /** Accepted and ignored: there is no momentum to cycle here, and the lr values do not depend on it. Default true. */
  cycleMomentum?: boolean;
  /** Accepted and ignored (momentum). Default 0.8. */
  baseMomentum?: number | readonly number[];
  /** Accepted and ignored (momentum). Default 0.9. */
  maxMomentum?: number | readonly number[];
}

const MODES: readonly string[] = ['triangular', 'triangular2', 'exp_range'];

/**
 * PyTorch's `CyclicLR` (not chainable): with C = up + down, `cycle = floor(1 + e / C)`, `x = 1 + e / C - cycle`,
 * `s = x / r` if `x <= r` else `(x - 1) / (r - 1)` (r = up / C), and
 * `lr = base_lr + (max_lr - base_lr) * s * f(cycle or e)`; f = 1 (triangular), `1 / 2 ** (cycle - 1)` (triangular2),
 * `gamma ** e` (exp_range, always on iterations), or `scale_fn`.
 *
 * As in torch, the constructor's own step uses the group's `initial_lr` as base (that is `base_lr` for a fresh
 * group, but not when resuming or when another scheduler attached first); later steps use `base_lr`.
 * Momentum cycling (`cycle_momentum`, `base_momentum`, `max_momentum`) is accepted and ignored: dptrain has no
 * momentum to cycle, and the lr values are identical either way.
 *
 * @example
 * new TorchCyclicLR({ learningRate: 0.1, baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5 }); // 0.01, 0.028, …, 0.1 at e = 5, …
 */
export class TorchCyclicLR extends TorchLRScheduler {
  readonly className = 'torch.CyclicLR';
  private maxLr: number;
  private totalSize: number;
  private stepRatio: number;
  private mode: string;
  private gamma: number;
  private readonly scaleFn: LrLambda | undefined;
  private scaleMode: string;
  private cycleMomentum: boolean;
  private readonly momentum: { readonly base: number; readonly max: number } | undefined;

  constructor(options: TorchCyclicLROptions) {
    super();
    const group = this.attach(options);
    const name = this.className;
    const baseLr = groupValue(name, 'base_lr', options.baseLr);
    if (this.lastEpoch === -1) group.lr = baseLr;
    this.maxLr = groupValue(name, 'max_lr', options.maxLr);
    const up = expectArgument(name, 'step_size_up', options.stepSizeUp ?? 2000, number());
    const down =
      options.stepSizeDown === undefined
        ? up
        : expectArgument(name, 'step_size_down', options.stepSizeDown, number());
    this.totalSize = up + down;
    if (this.totalSize === 0) {
      throw valueFault(
        name,
        'step_size_up',
        'such that step_size_up + step_size_down is not 0 (torch divides by it)',
        up,
        'ZeroDivisionError',
      );
    }
    this.stepRatio = up / this.totalSize;
    this.mode = expectArgument(name, 'mode', options.mode ?? 'triangular', anyString);
    if (!MODES.includes(this.mode) && options.scaleFn === undefined) {
      throw valueFault(
        name,
        'mode',
        "'triangular', 'triangular2' or 'exp_range' when scale_fn is not given",
        this.mode,
      );
    }
    this.gamma = expectArgument(name, 'gamma', options.gamma ?? 1, number());
    if (options.scaleFn === undefined) {
      this.scaleFn = undefined;
      this.scaleMode = this.mode === 'exp_range' ? 'iterations' : 'cycle';
    } else {
      this.scaleFn = expectArgument(name, 'scale_fn', options.scaleFn, callable('the epoch'));
      this.scaleMode = expectArgument(name, 'scale_mode', options.scaleMode ?? 'cycle', anyString);
    }
    this.cycleMomentum = expectArgument(name, 'cycle_momentum', options.cycleMomentum ?? true, boolean);
    this.momentum = this.cycleMomentum
      ? {
          base: groupValue(name, 'base_momentum', options.baseMomentum ?? 0.8),
          max: groupValue(name, 'max_momentum', options.maxMomentum ?? 0.9),
        }
      : undefined;
    this.begin();
    this.baseLr = baseLr;
  }

  getLr(): number {
    const e = this.lastEpoch;
    const cycle = Math.floor(1 + e / this.totalSize);
    const x = 1 + e / this.totalSize - cycle;
    const ratio = this.stepRatio;
    const scale =
      x <= ratio
        ? divide(this.className, 'step_size_up', x, ratio)
        : divide(this.className, 'step_size_down', x - 1, ratio - 1);
    const height = (this.maxLr - this.baseLr) * scale;
    return this.baseLr + height * this.scale(this.scaleMode === 'cycle' ? cycle : e);
  }

  private scale(x: number): number {
    if (this.scaleFn !== undefined) return callLambda(this.className, this.scaleFn, x, 'scale_fn');
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    if (this.mode === 'exp_range') return power(this.className, 'gamma', this.gamma, x);
    return 1;
  }

  protected override ownState(): Record<string, StateValue> {
    return {
      max_lrs: [this.maxLr],
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      ...(this.scaleFn === undefined ? { _scale_fn_custom: null } : {}),
      scale_mode: this.scaleMode,
      cycle_momentum: this.cycleMomentum,
      ...(this.momentum === undefined
        ? {}
        : { base_momentums: [this.momentum.base], max_momentums: [this.momentum.max] }),
    };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.groupNumber('max_lrs', (value) => {
      this.maxLr = value;
    });
    reader.number('total_size', (value) => {
      this.totalSize = value;
    });
    reader.number('step_ratio', (value) => {
      this.stepRatio = value;
    });
    reader.string('mode', (value) => {
      this.mode = value;
    });
    reader.number('gamma', (value) => {
      this.gamma = value;
    });
    reader.skip('_scale_fn_custom');
    reader.string('scale_mode', (value) => {
      this.scaleMode = value;
    });
    reader.boolean('cycle_momentum', (value) => {
      this.cycleMomentum = value;
    });
    reader.skip('base_momentums');
    reader.skip('max_momentums');
  }
}

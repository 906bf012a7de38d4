import { SchedulerError } from '../../errors.js';
import { boolean, integer, number } from '../../rules/index.js';
import { expectArgument, raisesOnly, typeFault, valueFault } from '../checks.js';
import type { StateDict, StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { groupValue, type TorchParamGroup } from './param-group.js';
import { divide } from './torch-math.js';
import { type StateReader, stateList } from './torch-state.js';

export interface TorchOneCycleLROptions extends TorchSchedulerOptions {
  /** Peak lr (a number, or a list of one). */
  maxLr: number | readonly number[];
  /** Steps in the cycle; else `epochs * stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent rising. Default 0.3. */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'`. */
  annealStrategy?: string;
  /** Accepted and ignored: there is no momentum to cycle here, and the lr values do not depend on it. Default true. */
  cycleMomentum?: boolean;
  /** Accepted and ignored (momentum). Default 0.85. */
  baseMomentum?: number | readonly number[];
  /** Accepted and ignored (momentum). Default 0.95. */
  maxMomentum?: number | readonly number[];
  /** `initial_lr = max_lr / div_factor`. Default 25. */
  divFactor?: number;
  /** `min_lr = initial_lr / final_div_factor`. Default 1e4. */
  finalDivFactor?: number;
  /** Rise, fall back to `initial_lr`, then anneal to `min_lr`. Default false. */
  threePhase?: boolean;
}

type GroupKey = 'initial_lr' | 'max_lr' | 'min_lr';
type MomentumKey = 'max_momentum' | 'base_momentum';

interface Phase {
  readonly endStep: number;
  readonly startLr: GroupKey;
  readonly endLr: GroupKey;
  readonly startMomentum: MomentumKey;
  readonly endMomentum: MomentumKey;
}

const GROUP_KEYS: readonly string[] = ['initial_lr', 'max_lr', 'min_lr'];
const MOMENTUM_KEYS: readonly string[] = ['max_momentum', 'base_momentum'];

/**
 * PyTorch's `OneCycleLR` (1cycle policy, not chainable). Phases end at `pct_start * N - 1` and `N - 1` (three
 * phases: also `2 * pct_start * N - 2`); in each, `pct = (e - start) / (end - start)` anneals between the group's
 * `initial_lr` (`max_lr / div_factor`), `max_lr` and `min_lr` (`initial_lr / final_div_factor`):
 * cos `end + (start - end) / 2 * (cos(pi pct) + 1)`, linear `(end - start) * pct + start`. Epochs 0..N are
 * defined (N extrapolates the last phase); the step to N + 1 throws ERR_LR_STEP (ValueError), as torch does.
 *
 * Momentum cycling (`cycle_momentum`, `base_momentum`, `max_momentum`) is accepted and ignored: dptrain has no
 * momentum to cycle, and the lr values are identical either way.
 *
 * @example
 * new TorchOneCycleLR({ learningRate: 0.1, maxLr: 0.1, totalSteps: 100 }); // 0.004 → 0.1 at e = 29 → 4e-7 at e = 99
 */
export class TorchOneCycleLR extends TorchLRScheduler {
  readonly className = 'torch.OneCycleLR';
  private totalSteps: number;
  private phases: readonly Phase[];
  private readonly cos: boolean;
  private cycleMomentum: boolean;

  constructor(options: TorchOneCycleLROptions) {
    super();
    const group = this.attach(options);
    const name = this.className;
    const total = totalStepsOf(name, options);
    // torch raises ValueError for a pct_start of any type or value outside [0, 1].
    const pct = number({ min: 0, max: 1 });
    const pctStart = expectArgument(
      name,
      'pct_start',
      options.pctStart ?? 0.3,
      pct,
      raisesOnly('ValueError'),
    );
    const threePhase = expectArgument(name, 'three_phase', options.threePhase ?? false, boolean);
    this.totalSteps = total;
    this.phases = threePhase
      ? [
          phase(pctStart * total - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(2 * pctStart * total - 2, 'max_lr', 'initial_lr', 'base_momentum', 'max_momentum'),
          phase(total - 1, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum'),
        ]
      : [
          phase(pctStart * total - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(total - 1, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum'),
        ];
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear')
      throw valueFault(name, 'anneal_strategy', "'cos' or 'linear'", strategy);
    this.cos = strategy === 'cos';
    const maxLr = groupValue(name, 'max_lr', options.maxLr);
    const divFactor = expectArgument(name, 'div_factor', options.divFactor ?? 25, number());
    const finalDivFactor = expectArgument(name, 'final_div_factor', options.finalDivFactor ?? 1e4, number());
    if (this.lastEpoch === -1) {
      const initialLr = constructorDivide(name, 'div_factor', maxLr, divFactor);
      group.initialLr = initialLr;
      group.maxLr = maxLr;
      group.minLr = constructorDivide(name, 'final_div_factor', initialLr, finalDivFactor);
    }
    this.cycleMomentum = expectArgument(name, 'cycle_momentum', options.cycleMomentum ?? true, boolean);
    if (this.cycleMomentum) {
      groupValue(name, 'max_momentum', options.maxMomentum ?? 0.95);
      groupValue(name, 'base_momentum', options.baseMomentum ?? 0.85);
    }
    this.begin();
  }

  getLr(): number {
    const e = this.lastEpoch;
    if (e > this.totalSteps) {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'ValueError',
        `${this.className}: step ${e + 1} is past total_steps=${this.totalSteps} (torch: "Tried to step ${e + 1} times"); ` +
          'the schedule covers epochs 0..total_steps, so give a larger total_steps (or epochs × steps_per_epoch)',
        { argument: 'total_steps' },
      );
    }
    let start = 0;
    for (const [i, { endStep, startLr, endLr }] of this.phases.entries()) {
      if (e <= endStep || i === this.phases.length - 1) {
        const pct = divide(this.className, 'pct_start', e - start, endStep - start);
        return this.anneal(this.read(startLr), this.read(endLr), pct);
      }
      start = endStep;
    }
    throw new Error('unreachable: OneCycleLR has at least two phases');
  }

  private anneal(start: number, end: number, pct: number): number {
    if (!this.cos) return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2) * cosOut;
  }

  /** The group's `initial_lr` / `max_lr` / `min_lr`, which torch reads at every step. */
  private read(key: GroupKey): number {
    const group: TorchParamGroup = this.group;
    const value = key === 'initial_lr' ? group.initialLr : key === 'max_lr' ? group.maxLr : group.minLr;
    if (value === undefined) {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'KeyError',
        `${this.className}: the parameter group has no ${key}: only a fresh OneCycleLR (last_epoch -1) writes it; ` +
          'to resume, build it fresh and restore with setStateDict()',
        { argument: 'last_epoch' },
      );
    }
    return value;
  }

  protected override ownState(): Record<string, StateValue> {
    const phases = this.phases.map(
      (p): StateDict => ({
        end_step: p.endStep,
        start_lr: p.startLr,
        end_lr: p.endLr,
        start_momentum: p.startMomentum,
        end_momentum: p.endMomentum,
      }),
    );
    return {
      total_steps: this.totalSteps,
      _schedule_phases: stateList(phases),
      cycle_momentum: this.cycleMomentum,
      ...(this.cycleMomentum ? { use_beta1: false } : {}),
    };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.number('total_steps', (value) => {
      this.totalSteps = value;
    });
    reader.dicts('_schedule_phases', (list) => {
      this.phases = list.map((item) => restorePhase(reader, item));
    });
    reader.boolean('cycle_momentum', (value) => {
      this.cycleMomentum = value;
    });
    reader.skip('use_beta1');
  }
}

function phase(
  endStep: number,
  startLr: GroupKey,
  endLr: GroupKey,
  startMomentum: MomentumKey,
  endMomentum: MomentumKey,
): Phase {
  return { endStep, startLr, endLr, startMomentum, endMomentum };
}

function restorePhase(reader: StateReader, item: StateDict): Phase {
  const {
    end_step: endStep,
    start_lr: startLr,
    end_lr: endLr,
    start_momentum: startM,
    end_momentum: endM,
  } = item;
  const valid =
    typeof endStep === 'number' &&
    GROUP_KEYS.includes(startLr as string) &&
    GROUP_KEYS.includes(endLr as string) &&
    MOMENTUM_KEYS.includes(startM as string) &&
    MOMENTUM_KEYS.includes(endM as string);
  if (!valid) throw reader.refuse('_schedule_phases', 'a list of phases made by stateDict()', item);
  return phase(endStep, startLr as GroupKey, endLr as GroupKey, startM as MomentumKey, endM as MomentumKey);
}

/** torch's total-steps rules: `total_steps`, else `epochs * steps_per_epoch`, each a positive integer. */
function totalStepsOf(name: string, options: TorchOneCycleLROptions): number {
  const { totalSteps, epochs, stepsPerEpoch } = options;
  if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
    throw valueFault(name, 'total_steps', 'given, or else epochs and steps_per_epoch', totalSteps);
  }
  if (totalSteps !== undefined) return positiveInteger(name, 'total_steps', totalSteps);
  return positiveInteger(name, 'epochs', epochs) * positiveInteger(name, 'steps_per_epoch', stepsPerEpoch);
}

/** torch compares before it asks for an int: a non-number is a TypeError, a fraction a ValueError. */
function positiveInteger(name: string, argument: string, value: unknown): number {
  const checked = integer(1).check(value);
  if (checked.ok) return checked.value;
  throw typeof value === 'number'
    ? valueFault(name, argument, checked.allowed, value)
    : typeFault(name, argument, checked.allowed, value);
}

function constructorDivide(name: string, argument: string, a: number, b: number): number {
  if (b === 0)
    throw valueFault(
      name,
      argument,
      'non-zero (torch divides by it: ZeroDivisionError)',
      b,
      'ZeroDivisionError',
    );
  return a / b;
}

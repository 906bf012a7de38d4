import { SchedulerError } from '../../errors.js';
import { integer } from '../../rules/index.js';
import { describe, expectArgument, numberList, typeFault, valueFault } from '../checks.js';
import { encodeNumber, FullStateReader, fullStateOf, setChildrenFullState } from '../full-state.js';
import type { StateDict, Verbose } from '../scheduler.js';
import { duringConstruction, type TorchEpochScheduler, TorchLRScheduler } from './lr-scheduler.js';
import {
  groupFullState,
  readGroupFullState,
  type TorchGroupOptions,
  type TorchParamGroup,
} from './param-group.js';
import { bisectRight } from './torch-math.js';
import { StateReader, stateList } from './torch-state.js';

export interface TorchSequentialLROptions extends TorchGroupOptions {
  /** The schedulers, already built on one shared group (each torch.* except the composites and ReduceLROnPlateau). */
  schedulers: readonly TorchLRScheduler[];
  /** `len(schedulers) - 1` epochs at which the next scheduler takes over. */
  milestones: readonly number[];
  /** Default -1. */
  lastEpoch?: number;
  /** Accepted and ignored, as in torch ("does nothing"). */
  verbose?: Verbose;
}

/**
 * PyTorch's `SequentialLR`. Construction resets the group's lr to `initial_lr`, undoes every child's constructor
 * step (`last_epoch -= 1`) and re-runs the first child's initial step. `step()`: `last_epoch += 1`,
 * `i = bisect_right(milestones, last_epoch)`; at a milestone the child gets `step(0)` (its closed form, when it has
 * one), otherwise `step()` — so a later child starts at its epoch 0 and continues chainably on the current lr.
 * `step(epoch)` is refused (torch's takes no epoch). `fullState()` holds `last_epoch`, `last_lr`, the children's
 * full states under `_schedulers` and the shared group.
 *
 * @example
 * // lr 1: ConstantLR(factor 0.1, total_iters 2) then ExponentialLR(0.9) at milestone 2 → 0.1, 0.1, 0.9, 0.81, 0.729, …
 */
export class TorchSequentialLR implements TorchEpochScheduler {
  readonly metricDriven = false as const;
  readonly className = 'torch.SequentialLR';
  readonly group: TorchParamGroup;
  lastEpoch: number;
  lastLr: number;
  private readonly schedulers: readonly TorchLRScheduler[];
  private milestones: readonly number[];

  constructor(options: TorchSequentialLROptions) {
    const name = this.className;
    const schedulers = checkChildren(
      name,
      options.schedulers,
      (child): child is TorchLRScheduler => child instanceof TorchLRScheduler,
    );
    const milestones = expectArgument(name, 'milestones', options.milestones, numberList);
    const group = sharedGroup(name, options, schedulers);
    if (milestones.length !== schedulers.length - 1) {
      throw valueFault(
        name,
        'milestones',
        `one entry fewer than schedulers (${schedulers.length - 1})`,
        milestones,
      );
    }
    const lastEpoch = expectArgument(name, 'last_epoch', options.lastEpoch ?? -1, integer());
    if (group === undefined || group.initialLr === undefined) {
      throw valueFault(
        name,
        'schedulers',
        'at least one scheduler attached to the group',
        options.schedulers,
        'KeyError',
      );
    }
    this.group = group;
    this.schedulers = schedulers;
    this.milestones = milestones;
    this.lastEpoch = lastEpoch + 1;
    group.lr = group.initialLr;
    for (const child of schedulers) child.lastEpoch -= 1;
    const first = schedulers[0] as TorchLRScheduler;
    duringConstruction(() => first.initialStep());
    this.lastLr = first.lastLr;
  }

  /** SequentialLR has no formula of its own (torch's raises): the value last written. */
  getLr(): number {
    return this.lastLr;
  }

  step(epoch?: number): void {
    if (epoch !== undefined) throw noEpoch(this.className, epoch);
    this.lastEpoch += 1;
    const index = bisectRight(this.milestones, this.lastEpoch);
    const child = this.schedulers[index] as TorchLRScheduler;
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) child.step(0);
    else child.step();
    this.lastLr = child.lastLr;
  }

  stateDict(): StateDict {
    return {
      _milestones: [...this.milestones],
      last_epoch: this.lastEpoch,
      _last_lr: [this.lastLr],
      _schedulers: stateList(this.schedulers.map((child) => child.stateDict())),
    };
  }

  setStateDict(state: StateDict): readonly string[] {
    const reader = new StateReader(this.className, state);
    reader.numbers('_milestones', (value) => {
      this.milestones = [...value];
    });
    reader.number('last_epoch', (value) => {
      this.lastEpoch = value;
    });
    reader.groupNumber('_last_lr', (value) => {
      this.lastLr = value;
    });
    const notes = restoreChildren(reader, this.schedulers);
    // The children restored their own (possibly stale) lrs; the group holds the composite's.
    this.group.lr = this.lastLr;
    return [...notes, ...reader.warnings()];
  }

  fullState(): StateDict {
    return fullStateOf(this.className, {
      last_epoch: encodeNumber(this.lastEpoch),
      last_lr: encodeNumber(this.lastLr),
      _schedulers: this.schedulers.map((child) => child.fullState()),
      group: groupFullState(this.group),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const lastEpoch = reader.number('last_epoch');
    const lastLr = reader.number('last_lr');
    const children = reader.nestedList(
      '_schedulers',
      this.schedulers.length,
      'full states (one per scheduler)',
    );
    const commitGroup = readGroupFullState(reader, 'group', this.group);
    reader.done();
    setChildrenFullState(this.className, '_schedulers', this.schedulers, children);
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    // After the children: each wrote its own view of the shared group, the composite's is the one in use.
    commitGroup();
  }
}

/** Checks a composite's children list: an array of torch epoch schedulers `accept` allows. */
export function checkChildren<T>(
  name: string,
  value: unknown,
  accept: (child: unknown) => child is T,
): readonly T[] {
  if (!Array.isArray(value)) throw typeFault(name, 'schedulers', 'a list of torch schedulers', value);
  for (const [i, child] of value.entries()) {
    if (!accept(child)) {
      throw typeFault(
        name,
        `schedulers[${i}]`,
        name === 'torch.SequentialLR'
          ? 'a torch.* epoch scheduler other than SequentialLR / ChainedScheduler / ReduceLROnPlateau (torch cannot re-run their first step)'
          : 'a torch.* epoch scheduler (ReduceLROnPlateau needs a metric, which ChainedScheduler does not pass)',
        child,
      );
    }
  }
  return value as readonly T[];
}

/** The group every child must share (torch: "expects all schedulers to belong to the same optimizer"). */
export function sharedGroup(
  name: string,
  options: TorchGroupOptions,
  children: readonly TorchEpochScheduler[],
): TorchParamGroup | undefined {
  const group = options.group ?? children[0]?.group;
  if (
    group !== undefined &&
    options.learningRate !== undefined &&
    options.learningRate !== group.learningRate
  ) {
    throw valueFault(
      name,
      'learning_rate',
      `the learning rate of its schedulers' optimizer (${group.learningRate})`,
      options.learningRate,
    );
  }
  for (const [i, child] of children.entries()) {
    if (child.group !== group) {
      throw valueFault(
        name,
        `schedulers[${i}]`,
        'attached to the same parameter group as the others (one optimizer)',
        child,
      );
    }
  }
  return group;
}

/** Restores each child from `_schedulers`, prefixing the children's warnings with their index. */
export function restoreChildren(reader: StateReader, children: readonly TorchEpochScheduler[]): string[] {
  const notes: string[] = [];
  reader.dicts('_schedulers', (states) => {
    if (states.length !== children.length) {
      throw reader.refuse(
        '_schedulers',
        `a list of ${children.length} state dicts (one per scheduler)`,
        states,
      );
    }
    for (const [i, child] of children.entries()) {
      for (const note of child.setStateDict(states[i] as StateDict)) notes.push(`_schedulers[${i}]: ${note}`);
    }
  });
  return notes;
}

/** torch's composites' `step()` takes no epoch (TypeError). */
export function noEpoch(name: string, epoch: unknown): SchedulerError {
  return new SchedulerError(
    'ERR_LR_STEP',
    'TypeError',
    `${name}: step() takes no epoch (torch's has no epoch parameter), received ${describe(epoch)}; call step()`,
  );
}

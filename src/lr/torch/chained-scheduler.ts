import { valueFault } from '../checks.js';
import { encodeNumber, FullStateReader, fullStateOf, setChildrenFullState } from '../full-state.js';
import type { StateDict } from '../scheduler.js';
import { isTorchEpochScheduler, type TorchEpochScheduler } from './lr-scheduler.js';
import {
  groupFullState,
  readGroupFullState,
  type TorchGroupOptions,
  type TorchParamGroup,
} from './param-group.js';
import { checkChildren, noEpoch, restoreChildren, sharedGroup } from './sequential-lr.js';
import { StateReader, stateList } from './torch-state.js';

export interface TorchChainedSchedulerOptions extends TorchGroupOptions {
  /** The schedulers, already built on one shared group, stepped in this order. */
  schedulers: readonly TorchEpochScheduler[];
}

/**
 * PyTorch's `ChainedScheduler`: `step()` steps every child in list order on the shared group, so chainable
 * children multiply. There is no reset: the first value is the lr after all children's constructors ran
 * (ConstantLR(0.1, 2) then ExponentialLR(0.9) on lr 1 → 0.1, 0.09, 0.81, 0.729, …; torch 1.13's docstring lists
 * other values). torch's has no `last_epoch`; `lastEpoch` here reports the first child's. `fullState()` holds
 * `last_lr`, the children's full states under `_schedulers` and the shared group.
 *
 * @example
 * new TorchChainedScheduler({ schedulers: [constant, exponential] }).lastLr; // 0.1
 */
export class TorchChainedScheduler implements TorchEpochScheduler {
  readonly metricDriven = false as const;
  readonly className = 'torch.ChainedScheduler';
  readonly group: TorchParamGroup;
  lastLr: number;
  private readonly schedulers: readonly TorchEpochScheduler[];

  constructor(options: TorchChainedSchedulerOptions) {
    const name = this.className;
    const schedulers = checkChildren(name, options.schedulers, isTorchEpochScheduler);
    const group = sharedGroup(name, options, schedulers);
    if (group === undefined || schedulers.length === 0) {
      throw valueFault(name, 'schedulers', 'a non-empty list (torch: IndexError)', options.schedulers);
    }
    this.group = group;
    this.schedulers = schedulers;
    this.lastLr = group.lr;
  }

  get lastEpoch(): number {
    return (this.schedulers[0] as TorchEpochScheduler).lastEpoch;
  }

  /** ChainedScheduler has no formula of its own: the value last written. */
  getLr(): number {
    return this.lastLr;
  }

  step(epoch?: number): void {
    if (epoch !== undefined) throw noEpoch(this.className, epoch);
    for (const child of this.schedulers) child.step();
    this.lastLr = this.group.lr;
  }

  stateDict(): StateDict {
    return {
      _last_lr: [this.lastLr],
      _schedulers: stateList(this.schedulers.map((child) => child.stateDict())),
    };
  }

  setStateDict(state: StateDict): readonly string[] {
    const reader = new StateReader(this.className, state);
    reader.groupNumber('_last_lr', (value) => {
      this.lastLr = value;
    });
    const notes = restoreChildren(reader, this.schedulers);
    this.group.lr = this.lastLr;
    return [...notes, ...reader.warnings()];
  }

  fullState(): StateDict {
    return fullStateOf(this.className, {
      last_lr: encodeNumber(this.lastLr),
      _schedulers: this.schedulers.map((child) => child.fullState()),
      group: groupFullState(this.group),
    });
  }

  setFullState(state: StateDict): void {
    const reader = FullStateReader.open(this.className, state);
    const lastLr = reader.number('last_lr');
    const children = reader.nestedList(
      '_schedulers',
      this.schedulers.length,
      'full states (one per scheduler)',
    );
    const commitGroup = readGroupFullState(reader, 'group', this.group);
    reader.done();
    setChildrenFullState(this.className, '_schedulers', this.schedulers, children);
    this.lastLr = lastLr;
    // After the children: each wrote its own view of the shared group, the composite's is the one in use.
    commitGroup();
  }
}

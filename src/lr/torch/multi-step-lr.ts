import { integer, number } from '../../rules/index.js';
import { expectArgument, numberList } from '../checks.js';
import type { StateDict, StateValue } from '../scheduler.js';
import { TorchLRScheduler, type TorchSchedulerOptions } from './lr-scheduler.js';
import { bisectRight, power } from './torch-math.js';
import type { StateReader } from './torch-state.js';

export interface TorchMultiStepLROptions extends TorchSchedulerOptions {
  /** Epochs at which to decay. As in torch they are counted (`Counter`): repeats decay more, order is free. */
  milestones: readonly number[];
  /** Decay factor. Default 0.1. */
  gamma?: number;
}

/**
 * PyTorch's `MultiStepLR`: at a milestone epoch the group's lr is multiplied by `gamma ** count` (count = how often
 * the epoch is listed); `step(epoch)` uses `base_lr * gamma ** bisect_right(sorted milestones, e)`.
 *
 * @example
 * new TorchMultiStepLR({ learningRate: 0.05, milestones: [30, 80] }); // 0.05, …, 0.005 from e = 30, 0.0005 from 80
 */
export class TorchMultiStepLR extends TorchLRScheduler {
  readonly className = 'torch.MultiStepLR';
  private milestones: Map<number, number>;
  private gamma: number;

  constructor(options: TorchMultiStepLROptions) {
    super();
    this.attach(options);
    this.milestones = count(expectArgument(this.className, 'milestones', options.milestones, numberList));
    this.gamma = expectArgument(this.className, 'gamma', options.gamma ?? 0.1, number());
    this.begin();
  }

  getLr(): number {
    const times = this.milestones.get(this.lastEpoch);
    if (times === undefined) return this.group.lr;
    return this.group.lr * power(this.className, 'gamma', this.gamma, times);
  }

  protected override closedFormLr(): number {
    const sorted = [...this.milestones]
      .flatMap(([epoch, times]) => Array<number>(times).fill(epoch))
      .sort((a, b) => a - b);
    return this.baseLr * power(this.className, 'gamma', this.gamma, bisectRight(sorted, this.lastEpoch));
  }

  protected override ownState(): Record<string, StateValue> {
    // torch's Counter, as JSON writes a dict: epoch (as a string key) -> count.
    const milestones: Record<string, number> = {};
    for (const [epoch, times] of this.milestones) milestones[String(epoch)] = times;
    return { milestones, gamma: this.gamma };
  }

  protected override restoreOwn(reader: StateReader): void {
    reader.dict('milestones', (value) => {
      this.milestones = fromCounter(reader, value);
    });
    reader.number('gamma', (value) => {
      this.gamma = value;
    });
  }
}

function count(epochs: readonly number[]): Map<number, number> {
  const counter = new Map<number, number>();
  for (const epoch of epochs) counter.set(epoch, (counter.get(epoch) ?? 0) + 1);
  return counter;
}

const positiveCount = integer(1);

function fromCounter(reader: StateReader, state: StateDict): Map<number, number> {
  const counter = new Map<number, number>();
  for (const [key, times] of Object.entries(state)) {
    const epoch = Number(key);
    const count = positiveCount.check(times);
    if (key.trim() === '' || !Number.isFinite(epoch) || !count.ok) {
      throw reader.refuse('milestones', 'a map of epoch to a positive count', state);
    }
    counter.set(epoch, count.value);
  }
  return counter;
}

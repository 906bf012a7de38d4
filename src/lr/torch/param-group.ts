import { SchedulerError } from '../../errors.js';
import { number } from '../../rules/index.js';
import { describe, expectArgument, typeFault, valueFault } from '../checks.js';
import { encodeNumber, type FullStateReader } from '../full-state.js';
import type { StateDict } from '../scheduler.js';

/**
 * The one parameter group of the optimizer a torch scheduler drives. Torch schedulers read and write
 * `optimizer.param_groups[i]['lr']`; dptrain has no torch optimizer, so this object stands for the group and is
 * shared by schedulers that share an optimizer (the children of torch.SequentialLR / torch.ChainedScheduler),
 * which is how chainable forms compose exactly as in torch.
 *
 * @example
 * const group = createParamGroup(0.1); // { learningRate: 0.1, lr: 0.1, initialLr: undefined, … }
 */
export interface TorchParamGroup {
  /** The learning rate the optimizer was created with (`SGD(params, lr=…)`; `learning_rate` in configs). */
  readonly learningRate: number;
  /** `group['lr']`: the value in use now. */
  lr: number;
  /** `group['initial_lr']`: set by the first scheduler attached (torch.OneCycleLR overwrites it). */
  initialLr: number | undefined;
  /** `group['max_lr']`: written by a fresh torch.OneCycleLR, read by it at every step. */
  maxLr: number | undefined;
  /** `group['min_lr']`: written by a fresh torch.OneCycleLR, read by it at every step. */
  minLr: number | undefined;
}

/** Where a torch scheduler gets its parameter group: its own optimizer's learning rate, or a shared group. */
export interface TorchGroupOptions {
  /** The optimizer's initial learning rate; the scheduler gets a group of its own. */
  learningRate?: number;
  /** A group shared with other torch schedulers (as torch schedulers share one optimizer). */
  group?: TorchParamGroup;
}

/**
 * A fresh optimizer's group, checked as torch's optimizers check `lr` (a number >= 0).
 *
 * @example
 * createParamGroup(0.1).lr; // 0.1
 */
export function createParamGroup(learningRate: unknown, className = 'torch.optim'): TorchParamGroup {
  const lr = expectArgument(className, 'learning_rate', learningRate, number({ min: 0 }));
  return { learningRate: lr, lr, initialLr: undefined, maxLr: undefined, minLr: undefined };
}

/** True for an object with the fields of a TorchParamGroup. @example isParamGroup(createParamGroup(0.1)) // true */
export function isParamGroup(value: unknown): value is TorchParamGroup {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { learningRate?: unknown }).learningRate === 'number' &&
    typeof (value as { lr?: unknown }).lr === 'number'
  );
}

/**
 * The group a scheduler attaches to. A shared `group` wins; a `learningRate` given beside it must equal the
 * group's (torch's children all use one optimizer). A new group made for a resume (`last_epoch != -1`) holds
 * `initial_lr = learning_rate`, as an optimizer restored for a resume does.
 *
 * @example
 * resolveGroup('torch.StepLR', { learningRate: 0.1 }, false).initialLr; // undefined until the scheduler attaches
 */
export function resolveGroup(
  className: string,
  options: TorchGroupOptions,
  resuming: boolean,
): TorchParamGroup {
  const { group, learningRate } = options;
  if (group !== undefined) {
    if (!isParamGroup(group)) throw typeFault(className, 'group', 'a TorchParamGroup', group);
    if (learningRate !== undefined && learningRate !== group.learningRate) {
      throw valueFault(
        className,
        'learning_rate',
        `the learning rate of the optimizer it shares (${group.learningRate}): the schedulers of a torch.SequentialLR ` +
          'or torch.ChainedScheduler drive one optimizer, so omit learning_rate in them or give the same value',
        learningRate,
      );
    }
    return group;
  }
  if (learningRate === undefined) {
    throw new SchedulerError(
      'ERR_LR_ARGUMENT_TYPE',
      'TypeError',
      `${className}: learning_rate (the optimizer's initial learning rate) is required, received ${describe(learningRate)}`,
      { argument: 'learning_rate' },
    );
  }
  const created = createParamGroup(learningRate, className);
  if (resuming) created.initialLr = created.learningRate;
  return created;
}

/**
 * A per-group argument (`max_lr`, `base_lr`, `min_lr`, …): torch takes a number or a list with one entry per
 * group; with one group, a list must hold exactly one number (torch: ValueError "expected 1 values for …").
 *
 * @example
 * groupValue('torch.OneCycleLR', 'max_lr', [0.1]); // 0.1
 */
export function groupValue(className: string, argument: string, value: unknown): number {
  if (Array.isArray(value)) {
    if (value.length !== 1) {
      throw valueFault(className, argument, 'a number or a list of 1 value (one per parameter group)', value);
    }
    return groupValue(className, argument, value[0]);
  }
  return expectArgument(className, argument, value, number());
}

/**
 * The group's mutable keys for a full state: torch keeps them in the optimizer's state dict, not the scheduler's,
 * and chainable forms read `lr` while torch.OneCycleLR reads `initial_lr`, `max_lr` and `min_lr` at every step.
 * Unset keys are null. `learning_rate` is not here: it comes from the config.
 *
 * @example
 * groupFullState(createParamGroup(0.1)); // { lr: 0.1, initial_lr: null, max_lr: null, min_lr: null }
 */
export function groupFullState(group: TorchParamGroup): StateDict {
  const optional = (value: number | undefined) => (value === undefined ? null : encodeNumber(value));
  return {
    lr: encodeNumber(group.lr),
    initial_lr: optional(group.initialLr),
    max_lr: optional(group.maxLr),
    min_lr: optional(group.minLr),
  };
}

/**
 * Reads and checks a `groupFullState` under `key`; the returned function writes it into `group`.
 *
 * @example
 * const commit = readGroupFullState(reader, 'group', group); reader.done(); commit();
 */
export function readGroupFullState(reader: FullStateReader, key: string, group: TorchParamGroup): () => void {
  const section = reader.section(key);
  const lr = section.number('lr');
  const initialLr = section.nullableNumber('initial_lr');
  const maxLr = section.nullableNumber('max_lr');
  const minLr = section.nullableNumber('min_lr');
  section.done();
  return () => {
    group.lr = lr;
    group.initialLr = initialLr ?? undefined;
    group.maxLr = maxLr ?? undefined;
    group.minLr = minLr ?? undefined;
  };
}

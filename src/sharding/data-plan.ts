import { TaskError } from '../errors.js';
import {
  type EpochHistory,
  type EpochPlan,
  epochBatch,
  epochBatchSamples,
  epochMembers,
  planEpoch,
} from './epoch-plan.js';
import { epochIndices, stepsPerEpoch } from './sampler.js';

/** What a data plan is made of: the data set's size, the seed shuffles derive from, and the batch size. */
export interface DataPlanOptions {
  readonly datasetSize: number;
  readonly seed: number;
  readonly batchSize: number;
  /** the epoch in progress and its worlds */
  readonly history: EpochHistory;
}

/**
 * The ranks 0 … count − 1, the members of a world that never changed.
 *
 * @example
 * ranksUpTo(3); // [0, 1, 2]
 */
export function ranksUpTo(count: number): number[] {
  return Array.from({ length: count }, (_, rank) => rank);
}

/**
 * The history of a run whose world of `workers` ranks never changed, at the epoch holding `round`.
 *
 * @example
 * fixedWorldHistory(2, 7, 3); // { epoch: 2, worlds: [{ round: 6, members: [0, 1] }] }
 */
export function fixedWorldHistory(workers: number, round: number, roundsPerEpoch: number): EpochHistory {
  const epoch = Math.floor(round / roundsPerEpoch);
  return { epoch, worlds: [{ round: epoch * roundsPerEpoch, members: ranksUpTo(workers) }] };
}

/**
 * The run's data order as it goes: the history of the epoch in progress (what a checkpoint saves and a welcome
 * carries), and every round's batches from it. Epochs after it start fresh with the last world's members, until a
 * `resize` says otherwise. The coordinator and every worker hold one with the same history, so they agree on each
 * rank's batch.
 *
 * @example
 * const plan = new DataPlan({ datasetSize: 10, seed: 1, batchSize: 2, history: fixedWorldHistory(2, 0, 3) }); plan.batch(0, 1);
 */
export class DataPlan {
  readonly datasetSize: number;
  readonly seed: number;
  readonly batchSize: number;
  private current: EpochHistory;
  /** the last few epochs laid out: a shuffle of the whole data set is worth keeping */
  private readonly plans = new Map<string, EpochPlan>();

  constructor(options: DataPlanOptions) {
    this.datasetSize = options.datasetSize;
    this.seed = options.seed;
    this.batchSize = options.batchSize;
    this.current = structuredClone(options.history);
    this.planOf(this.current);
  }

  /** The history of the epoch in progress (a copy, JSON-safe). */
  get history(): EpochHistory {
    return structuredClone(this.current);
  }

  /** The examples `rank` trains on in `round` (empty when it is not a member of that round's world). */
  batch(round: number, rank: number): Int32Array {
    return epochBatch(this.locate(round).plan, round, rank);
  }

  /** Examples in each member's batch of `round`. */
  samples(round: number): number {
    return epochBatchSamples(this.locate(round).plan, round);
  }

  /** The ranks that train `round`. */
  members(round: number): readonly number[] {
    return epochMembers(this.locate(round).plan, round);
  }

  /** The epoch `round` belongs to. */
  epochOf(round: number): number {
    return this.locate(round).plan.epoch;
  }

  /** Whether `round` is the last round of its epoch. */
  endsEpoch(round: number): boolean {
    return this.locate(round).plan.end === round + 1;
  }

  /** Moves the history on to the epoch that holds `round` (rounds are consumed in order). */
  advanceTo(round: number): void {
    this.current = this.locate(round).history;
  }

  /**
   * The world changes at `round`: from it on `members` train. Mid-epoch, they share the examples of the epoch not
   * yet seen; at an epoch's first round they start it afresh. `unfinished` names ranks of the world before whose
   * batch of round − 1 did not count (those examples are left for the new world, in the same epoch).
   */
  resize(round: number, members: readonly number[], unfinished: readonly number[] = []): void {
    const world = {
      round,
      members: [...members],
      ...(unfinished.length > 0 ? { unfinished: [...unfinished] } : {}),
    };
    const start = this.locate(round).plan.start;
    const before = round > this.planOf(this.current).start ? this.locate(round - 1) : null;
    const within = (history: EpochHistory) => ({
      epoch: history.epoch,
      worlds: [...history.worlds, world],
    });
    if (before !== null && before.plan.end > round) {
      const history = within(before.history);
      this.planOf(history);
      this.current = history;
      return;
    }
    // At an epoch's end only a lost rank's unfinished batch can leave examples to the same epoch.
    if (before !== null && unfinished.length > 0 && this.tryPlan(within(before.history)) !== null) {
      this.current = within(before.history);
      return;
    }
    const history = { epoch: this.locate(start).plan.epoch, worlds: [{ round, members: [...members] }] };
    this.planOf(history);
    this.current = history;
  }

  /**
   * The round at which `epochs` epochs are done, if the world does not change again: the end of the epoch in
   * progress, then the last world's epochs of `stepsPerEpoch(datasetSize, members, batchSize)` rounds each.
   * An epoch count the run is already past gives the round the epoch in progress started at.
   *
   * @example
   * new DataPlan({ datasetSize: 10, seed: 1, batchSize: 2, history: fixedWorldHistory(2, 0, 3) }).roundAfterEpochs(3); // 9
   */
  roundAfterEpochs(epochs: number): number {
    const plan = this.planOf(this.current);
    if (epochs <= this.current.epoch) return plan.start;
    const members = this.current.worlds.at(-1)!.members.length;
    return (
      plan.end + (epochs - this.current.epoch - 1) * stepsPerEpoch(this.datasetSize, members, this.batchSize)
    );
  }

  /** The history and layout of the epoch that holds `round`, from the history in progress on. */
  private locate(round: number): { history: EpochHistory; plan: EpochPlan } {
    const plan = this.planOf(this.current);
    if (round < plan.start) {
      throw new TaskError(
        'ERR_TASK_ARGUMENT',
        `round ${round} is before epoch ${plan.epoch}, which started at round ${plan.start}: the data plan only goes forward`,
      );
    }
    if (round < plan.end) return { history: this.current, plan };
    // After the epoch in progress, every epoch is a fresh one of the last world: equally long, so jump.
    const members = this.current.worlds.at(-1)!.members;
    const length = stepsPerEpoch(this.datasetSize, members.length, this.batchSize);
    const skipped = Math.floor((round - plan.end) / length);
    const history = {
      epoch: this.current.epoch + 1 + skipped,
      worlds: [{ round: plan.end + skipped * length, members: [...members] }],
    };
    return { history, plan: this.planOf(history) };
  }

  private tryPlan(history: EpochHistory): EpochPlan | null {
    try {
      return this.planOf(history);
    } catch (error) {
      if (error instanceof TaskError) return null;
      throw error;
    }
  }

  private planOf(history: EpochHistory): EpochPlan {
    const key = JSON.stringify(history);
    const known = this.plans.get(key);
    if (known !== undefined) return known;
    const permutation = epochIndices(this.datasetSize, this.seed, history.epoch);
    const plan = planEpoch(permutation, this.batchSize, history);
    if (this.plans.size >= 3) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(key, plan);
    return plan;
  }
}

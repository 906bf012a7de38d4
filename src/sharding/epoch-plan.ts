/**
 * Which examples each rank trains on in one epoch when the world may change during it (a resumed run with another
 * number of workers, a world that loses a rank). Pure functions of the epoch's permutation and its worlds.
 *
 * The first world of an epoch splits the whole permutation as `shardIndices` does (padded to a multiple of its
 * member count by repeating from the start, every member-count-th index from the member's position). When the world
 * changes at a round, the examples of the epoch no earlier world's batches have covered — in permutation order —
 * are the next world's pool, split by the same rule; the epoch ends when the last world's shares are used up.
 */
import { TaskError } from '../errors.js';
import { shardIndices } from './sampler.js';

/** One world of an epoch: who trains from which round on. JSON-safe. */
export interface World {
  /** the run's batch index (counted over the whole run) from which this world trains */
  readonly round: number;
  /** the ranks that train, in share order: `members[i]` takes the i-th share */
  readonly members: readonly number[];
  /**
   * ranks of the previous world whose batch of the round just before `round` did not count (a lost worker's
   * interrupted round): those examples are left for this world; absent or empty: every batch counted
   */
  readonly unfinished?: readonly number[];
}

/** Where the run's data order is: the epoch in progress and its worlds, the first one starting the epoch. */
export interface EpochHistory {
  readonly epoch: number;
  readonly worlds: readonly World[];
}

/** One world's part of an epoch: its pool of examples, each member's share and how many rounds they take. */
export interface Segment {
  readonly world: World;
  /** the examples this world splits, in permutation order, each once */
  readonly pool: Int32Array;
  /** each member's share of the padded pool, in member order */
  readonly shares: readonly Int32Array[];
  /** rounds the shares take if the world does not change: ceil(share length / batch size) */
  readonly rounds: number;
}

/** An epoch laid out: the rounds it spans and its segments, one per world. */
export interface EpochPlan {
  readonly epoch: number;
  readonly batchSize: number;
  /** the first round of the epoch */
  readonly start: number;
  /** the round after its last: where the next epoch starts */
  readonly end: number;
  readonly segments: readonly Segment[];
}

function argument(message: string): never {
  throw new TaskError('ERR_TASK_ARGUMENT', message);
}

function checkWorld(world: World, at: string): void {
  if (!Number.isSafeInteger(world?.round) || world.round < 0) {
    argument(`${at}.round must be an integer >= 0, received ${String(world?.round)}`);
  }
  const members = world.members;
  if (!Array.isArray(members) || members.length === 0) {
    argument(`${at}.members must be a non-empty list of ranks, received ${JSON.stringify(members)}`);
  }
  if (
    !members.every((rank) => Number.isSafeInteger(rank) && rank >= 0) ||
    new Set(members).size !== members.length
  ) {
    argument(`${at}.members must be distinct ranks (integers >= 0), received ${JSON.stringify(members)}`);
  }
  if (world.unfinished !== undefined && !Array.isArray(world.unfinished)) {
    argument(`${at}.unfinished must be a list of ranks, received ${JSON.stringify(world.unfinished)}`);
  }
}

function segmentOf(world: World, pool: Int32Array, batchSize: number): Segment {
  const count = world.members.length;
  const shares = world.members.map((_, position) => shardIndices(pool, position, count));
  return { world, pool, shares, rounds: Math.ceil(shares[0]!.length / batchSize) };
}

/** The examples of `segment` not covered by its members' first `rounds` batches (one fewer for `unfinished`). */
function unseen(
  segment: Segment,
  rounds: number,
  unfinished: readonly number[],
  batchSize: number,
): Int32Array {
  const seen = new Set<number>();
  segment.world.members.forEach((rank, position) => {
    const batches = unfinished.includes(rank) ? rounds - 1 : rounds;
    // A padded duplicate counts as seen like its original: an example is seen once any batch held it.
    for (const index of segment.shares[position]!.subarray(0, batches * batchSize)) seen.add(index);
  });
  return segment.pool.filter((index) => !seen.has(index));
}

/**
 * Lays out one epoch: `permutation` is the epoch's shuffle (`epochIndices`), `history` its worlds. A later world
 * must start after the previous one and no later than its last round ends, and must leave it examples to take
 * (otherwise it starts the next epoch: see `DataPlan.resize`); `unfinished` ranks must be members of the world
 * before. Throws TaskError ERR_TASK_ARGUMENT naming the world at fault.
 *
 * @example
 * planEpoch(Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 2, { epoch: 0, worlds: [{ round: 0, members: [0, 1] }, { round: 1, members: [0, 1, 2] }] }).end; // 2
 */
export function planEpoch(permutation: Int32Array, batchSize: number, history: EpochHistory): EpochPlan {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    argument(`batchSize must be an integer >= 1, received ${batchSize}`);
  }
  if (!Number.isSafeInteger(history?.epoch) || history.epoch < 0) {
    argument(`history.epoch must be an integer >= 0, received ${String(history?.epoch)}`);
  }
  if (!Array.isArray(history.worlds) || history.worlds.length === 0) {
    argument('history.worlds must hold at least the world the epoch started with');
  }
  if (permutation.length === 0) argument('the permutation must not be empty');
  for (const [i, world] of history.worlds.entries()) checkWorld(world, `history.worlds[${i}]`);
  const first = history.worlds[0]!;
  const segments: Segment[] = [segmentOf(first, permutation, batchSize)];
  for (let i = 1; i < history.worlds.length; i++) {
    const world = history.worlds[i]!;
    const before = segments[i - 1]!;
    const done = world.round - before.world.round;
    const at = `history.worlds[${i}]`;
    if (done < 1 || done > before.rounds) {
      argument(
        `${at}.round must be after round ${before.world.round} and at most ${before.world.round + before.rounds} ` +
          `(where the world before it runs out), received ${world.round}`,
      );
    }
    const unfinished = world.unfinished ?? [];
    const strangers = unfinished.filter((rank: number) => !before.world.members.includes(rank));
    if (strangers.length > 0) {
      argument(`${at}.unfinished names ${JSON.stringify(strangers)}, not members of the world before it`);
    }
    const pool = unseen(before, done, unfinished, batchSize);
    if (pool.length === 0) {
      argument(
        `${at} starts at round ${world.round}, where the epoch has no examples left: it starts the next epoch`,
      );
    }
    segments.push(segmentOf(world, pool, batchSize));
  }
  const last = segments.at(-1)!;
  return {
    epoch: history.epoch,
    batchSize,
    start: first.round,
    end: last.world.round + last.rounds,
    segments,
  };
}

/** The segment of `plan` that trains `round` (a round of the epoch). */
function segmentAt(plan: EpochPlan, round: number): Segment {
  if (!Number.isSafeInteger(round) || round < plan.start || round >= plan.end) {
    argument(
      `round must be within epoch ${plan.epoch}'s rounds ${plan.start} to ${plan.end - 1}, received ${round}`,
    );
  }
  let found = plan.segments[0]!;
  for (const segment of plan.segments) if (segment.world.round <= round) found = segment;
  return found;
}

/**
 * The examples `rank` trains on in `round`: batch `round − world.round` of its share in the world of that round;
 * empty when the rank is not a member of it.
 *
 * @example
 * epochBatch(plan, 1, 2); // Int32Array [6, 9] for the plan of planEpoch's example
 */
export function epochBatch(plan: EpochPlan, round: number, rank: number): Int32Array {
  const segment = segmentAt(plan, round);
  const position = segment.world.members.indexOf(rank);
  if (position < 0) return new Int32Array(0);
  const start = (round - segment.world.round) * plan.batchSize;
  return segment.shares[position]!.subarray(start, start + plan.batchSize);
}

/**
 * Examples in every member's batch of `round` (the shares of a world are equally long, so all members hold
 * equally many): the batch size, except in a world's last round.
 *
 * @example
 * epochBatchSamples(plan, 1); // 2
 */
export function epochBatchSamples(plan: EpochPlan, round: number): number {
  const segment = segmentAt(plan, round);
  const share = segment.shares[0]!.length;
  return Math.min(plan.batchSize, share - (round - segment.world.round) * plan.batchSize);
}

/** The members of the world that trains `round`. @example epochMembers(plan, 1); // [0, 1, 2] */
export function epochMembers(plan: EpochPlan, round: number): readonly number[] {
  return segmentAt(plan, round).world.members;
}

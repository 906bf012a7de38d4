import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataPlan,
  type EpochHistory,
  epochBatch,
  epochBatchSamples,
  epochIndices,
  fixedWorldHistory,
  planEpoch,
  shardIndices,
  stepsPerEpoch,
  type World,
} from '../../src/sharding/index.js';
import { naiveEpoch } from '../support/naive-epochs.js';

const IDENTITY = Int32Array.from({ length: 10 }, (_, i) => i);
const list = (a: Int32Array) => Array.from(a);

describe('planEpoch: hand-worked epochs', () => {
  it('2 → 3 workers at round 1, 10 examples, batch 2: the 6 unseen ones are split, the epoch ends at round 2', () => {
    // World [0,1]: shares 0 2 4 6 8 | 1 3 5 7 9; round 0 takes 0 2 | 1 3. Unseen: 4 … 9, over three: 4 7 | 5 8 | 6 9.
    const history = {
      epoch: 0,
      worlds: [
        { round: 0, members: [0, 1] },
        { round: 1, members: [0, 1, 2] },
      ],
    };
    const plan = planEpoch(IDENTITY, 2, history);
    expect(plan.end).toBe(2);
    expect([0, 1].map((rank) => list(epochBatch(plan, 0, rank)))).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect([0, 1, 2].map((rank) => list(epochBatch(plan, 1, rank)))).toEqual([
      [4, 7],
      [5, 8],
      [6, 9],
    ]);
    expect(list(epochBatch(plan, 0, 2))).toEqual([]);
    expect(epochBatchSamples(plan, 1)).toBe(2);
  });

  it('3 → 2 workers at round 1: the padded start of the 3-world is never reached, 6 … 9 are left', () => {
    // World [0,1,2] pads 10 to 12 (0 1 again): shares 0 3 6 9 | 1 4 7 0 | 2 5 8 1; round 0 takes 0 3 | 1 4 | 2 5.
    const plan = planEpoch(IDENTITY, 2, {
      epoch: 0,
      worlds: [
        { round: 0, members: [0, 1, 2] },
        { round: 1, members: [0, 1] },
      ],
    });
    expect(plan.end).toBe(2);
    expect([0, 1].map((rank) => list(epochBatch(plan, 1, rank)))).toEqual([
      [6, 8],
      [7, 9],
    ]);
  });

  it('2 → 4 workers at round 1: the 6 left are padded to 8 by repeating the first two of them', () => {
    const plan = planEpoch(IDENTITY, 2, {
      epoch: 0,
      worlds: [
        { round: 0, members: [0, 1] },
        { round: 1, members: [0, 1, 2, 3] },
      ],
    });
    // Pool 4 5 6 7 8 9 + 4 5: shares 4 8 | 5 9 | 6 4 | 7 5.
    expect([0, 1, 2, 3].map((rank) => list(epochBatch(plan, 1, rank)))).toEqual([
      [4, 8],
      [5, 9],
      [6, 4],
      [7, 5],
    ]);
  });

  it("a lost rank's unfinished batch is left to the survivors, but not a padded duplicate another rank saw", () => {
    // Rank 2 is lost in round 1; its batch 8 1 did not count. 1 was seen by rank 1 in round 0, so only 8 is left.
    const plan = planEpoch(IDENTITY, 2, {
      epoch: 0,
      worlds: [
        { round: 0, members: [0, 1, 2] },
        { round: 2, members: [0, 1], unfinished: [2] },
      ],
    });
    expect(plan.end).toBe(3);
    expect([0, 1].map((rank) => list(epochBatch(plan, 2, rank)))).toEqual([[8], [8]]);
    expect(epochBatchSamples(plan, 2)).toBe(1);
  });

  it('members need not be 0 … N−1: the i-th member takes the i-th share', () => {
    const plan = planEpoch(IDENTITY, 5, { epoch: 0, worlds: [{ round: 4, members: [5, 3] }] });
    expect(list(epochBatch(plan, 4, 5))).toEqual([0, 2, 4, 6, 8]);
    expect(list(epochBatch(plan, 4, 3))).toEqual([1, 3, 5, 7, 9]);
    expect(plan).toMatchObject({ start: 4, end: 5 });
  });

  it('a fixed world gives the batches of shardIndices, as before the plan existed', () => {
    const permutation = epochIndices(37, 5, 2);
    const plan = planEpoch(permutation, 4, { epoch: 2, worlds: [{ round: 0, members: [0, 1, 2] }] });
    expect(plan.end).toBe(stepsPerEpoch(37, 3, 4));
    for (let rank = 0; rank < 3; rank++) {
      const shard = list(shardIndices(permutation, rank, 3));
      const got = Array.from({ length: plan.end }, (_, k) => list(epochBatch(plan, k, rank))).flat();
      expect(got).toEqual(shard);
    }
  });

  it('refuses a world that starts before the last, after it ran out, or with nothing left, naming it', () => {
    const two = { round: 0, members: [0, 1] };
    const bad: [World[], string][] = [
      [[two, { round: 0, members: [0] }], 'worlds[1].round must be after round 0'],
      [[two, { round: 4, members: [0] }], 'at most 3'],
      [[two, { round: 3, members: [0] }], 'no examples left'],
      [[two, { round: 1, members: [0, 0] }], 'distinct ranks'],
      [[two, { round: 1, members: [0], unfinished: [7] }], 'unfinished names [7]'],
    ];
    for (const [worlds, message] of bad) {
      expect(() => planEpoch(IDENTITY, 2, { epoch: 0, worlds })).toThrow(
        expect.objectContaining({ code: 'ERR_TASK_ARGUMENT', message: expect.stringContaining(message) }),
      );
    }
  });
});

/** Random epochs: up to three changes at random rounds, random member lists, sometimes a lost rank. */
const epochArb = fc
  .record({
    size: fc.integer({ min: 1, max: 40 }),
    batchSize: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    start: fc.integer({ min: 0, max: 50 }),
    worlds: fc.array(
      fc.record({
        members: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }),
        after: fc.integer({ min: 1, max: 6 }),
        lose: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ size, batchSize, seed, start, worlds }) => {
    const permutation = epochIndices(size, seed, 0);
    // Keep the changes that still leave examples (checked by the naive rule, so the plan is never asked to refuse).
    const kept: World[] = [{ round: start, members: worlds[0]!.members }];
    for (const world of worlds.slice(1)) {
      const last = kept.at(-1)!;
      const candidate: World = {
        round: last.round + world.after,
        members: world.members,
        ...(world.lose ? { unfinished: [last.members[0]!] } : {}),
      };
      const naive = naiveEpoch(Array.from(permutation), batchSize, [...kept, candidate]);
      const roundsOfLast = naive.rounds.get(candidate.round - 1);
      if (roundsOfLast === undefined || naive.end <= candidate.round) continue;
      kept.push(candidate);
    }
    return { permutation, batchSize, history: { epoch: 0, worlds: kept } as EpochHistory };
  });

describe('planEpoch against the naive dealing', () => {
  it('gives every rank the same batch in every round, and ends the epoch at the same round', () => {
    fc.assert(
      fc.property(epochArb, ({ permutation, batchSize, history }) => {
        const naive = naiveEpoch(Array.from(permutation), batchSize, history.worlds);
        const plan = planEpoch(permutation, batchSize, history);
        expect(plan.end).toBe(naive.end);
        for (const [round, byRank] of naive.rounds) {
          for (const [rank, batch] of byRank) expect(list(epochBatch(plan, round, rank))).toEqual(batch);
          expect(epochBatchSamples(plan, round)).toBe([...byRank.values()][0]!.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('covers every example of the epoch, each once apart from the padding of each world', () => {
    fc.assert(
      fc.property(
        epochArb.filter(({ history }) => history.worlds.every((w) => w.unfinished === undefined)),
        ({ permutation, batchSize, history }) => {
          const plan = planEpoch(permutation, batchSize, history);
          const visits = new Map<number, number>();
          for (let round = plan.start; round < plan.end; round++) {
            for (const rank of new Set(history.worlds.flatMap((w) => w.members))) {
              for (const index of epochBatch(plan, round, rank))
                visits.set(index, (visits.get(index) ?? 0) + 1);
            }
          }
          expect([...visits.keys()].sort((a, b) => a - b)).toEqual(
            Array.from(permutation).sort((a, b) => a - b),
          );
          // The padding: a pool of p examples over m members repeats m·ceil(p/m) − p of them, all in the world's
          // last round; a world that changes before its last round repeats none, so only the last world pads.
          const last = plan.segments.at(-1)!;
          const m = last.world.members.length;
          const padding = m * Math.ceil(last.pool.length / m) - last.pool.length;
          const total = [...visits.values()].reduce((a, b) => a + b, 0);
          expect(total - permutation.length).toBe(padding);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('DataPlan', () => {
  it('runs fresh epochs of the last world after a change, and counts the rounds of a run in epochs', () => {
    // 10 examples, batch 2: two workers take 3 rounds an epoch, three take 2.
    const plan = new DataPlan({
      datasetSize: 10,
      seed: 3,
      batchSize: 2,
      history: fixedWorldHistory(2, 0, 3),
    });
    expect(plan.roundAfterEpochs(3)).toBe(9);
    plan.advanceTo(1);
    plan.resize(1, [0, 1, 2]);
    expect(plan.history).toEqual({
      epoch: 0,
      worlds: [
        { round: 0, members: [0, 1] },
        { round: 1, members: [0, 1, 2] },
      ],
    });
    // Epoch 0 ends after round 1; epochs 1 and 2 take 2 rounds each.
    expect(plan.roundAfterEpochs(3)).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((round) => plan.epochOf(round))).toEqual([0, 0, 1, 1, 2, 2]);
    expect([1, 2, 3].map((round) => plan.endsEpoch(round))).toEqual([true, false, true]);
    plan.advanceTo(4);
    expect(plan.history).toEqual({ epoch: 2, worlds: [{ round: 4, members: [0, 1, 2] }] });
    const permutation = epochIndices(10, 3, 2);
    expect(list(plan.batch(4, 1))).toEqual(list(shardIndices(permutation, 1, 3).subarray(0, 2)));
    expect(() => plan.batch(3, 0)).toThrow(expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }));
  });

  it("a change at an epoch's first round starts that epoch with the new world", () => {
    const plan = new DataPlan({
      datasetSize: 10,
      seed: 3,
      batchSize: 2,
      history: fixedWorldHistory(2, 0, 3),
    });
    plan.resize(3, [0, 1, 2, 3]);
    expect(plan.history).toEqual({ epoch: 1, worlds: [{ round: 3, members: [0, 1, 2, 3] }] });
    expect(plan.samples(3)).toBe(2);
    expect(plan.samples(4)).toBe(1);
  });
});

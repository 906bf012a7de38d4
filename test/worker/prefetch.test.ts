import { describe, expect, it } from 'vitest';
import { DataPlan, fixedWorldHistory } from '../../src/sharding/index.js';
import type { Dataset } from '../../src/tasks/index.js';
import { type GradientComputer, RoundLoop } from '../../src/worker/index.js';

const SIZE = 12;

/** Example i has features (i, i + 0.5) and label i mod 3, so a gathered batch names its examples. */
const train: Dataset = {
  size: SIZE,
  inputSize: 2,
  targetSize: 1,
  x: Float32Array.from({ length: SIZE * 2 }, (_, k) => Math.floor(k / 2) + (k % 2) * 0.5),
  labels: Int32Array.from({ length: SIZE }, (_, i) => i % 3),
};

/** A computer that only records which examples (features and labels, checked to belong together) it was given. */
function recorder() {
  const seen: number[][] = [];
  const computer = {
    parameterCount: 1,
    compute(_params: Float32Array, x: Float32Array, labels: Int32Array | Float32Array, size: number) {
      const examples: number[] = [];
      for (let k = 0; k < size; k++) {
        const i = x[2 * k]!;
        expect([x[2 * k + 1], labels[k]]).toEqual([i + 0.5, i % 3]);
        examples.push(i);
      }
      seen.push(examples);
      return { loss: 0, grad: new Float32Array(1) };
    },
  };
  return { seen, computer: computer as unknown as GradientComputer };
}

function loopOf(computer: GradientComputer, micro?: number) {
  return new RoundLoop({
    rank: 0,
    worldSize: 2,
    seed: 3,
    batchSize: 2,
    ...(micro === undefined ? {} : { microBatchSize: micro }),
    train,
    params: new Float32Array(1),
    computer,
  });
}

/** Rank 0's batches straight from the data plan: the independent expectation. */
function planned(rounds: number, resizeAt?: { round: number; members: number[]; unfinished: number[] }) {
  const plan = new DataPlan({
    datasetSize: SIZE,
    seed: 3,
    batchSize: 2,
    history: fixedWorldHistory(2, 0, 3),
  });
  const batches: number[][] = [];
  for (let round = 0; round < rounds; round++) {
    if (resizeAt?.round === round) plan.resize(round, resizeAt.members, resizeAt.unfinished);
    plan.advanceTo(round);
    batches.push(Array.from(plan.batch(round, 0)));
  }
  return batches;
}

describe('RoundLoop.prefetch: the next batch gathered while the update is awaited', () => {
  it('computes each round on the batch of the data plan when every next batch was gathered ahead, across epochs', () => {
    const { seen, computer } = recorder();
    const loop = loopOf(computer);
    for (let round = 0; round < 7; round++) {
      loop.gradient(round);
      loop.prefetch(round + 1);
    }
    expect(seen).toEqual(planned(7));
  });

  it('discards the gathered batch when the world changes before it is used, and gathers the new one', () => {
    const { seen, computer } = recorder();
    const loop = loopOf(computer);
    loop.gradient(0);
    loop.prefetch(1);
    const gathered = planned(2)[1]!;
    // Rank 1 was lost in round 0 (its batch did not count): rank 0 alone shares the rest of the epoch from round 1.
    loop.resize(1, [0], [1]);
    loop.gradient(1);
    loop.prefetch(2);
    loop.gradient(2);
    const expected = planned(3, { round: 1, members: [0], unfinished: [1] });
    expect(expected[1]).not.toEqual(gathered);
    expect(seen).toEqual(expected);
  });

  it('is not used for another round than the one it was gathered for', () => {
    const { seen, computer } = recorder();
    const loop = loopOf(computer);
    loop.prefetch(1);
    loop.gradient(2);
    expect(seen).toEqual([planned(3)[2]]);
  });

  it('gathers nothing ahead for a batch of several micro-batches, which still computes on its examples', () => {
    const { seen, computer } = recorder();
    const loop = loopOf(computer, 1);
    loop.gradient(0);
    loop.prefetch(1);
    loop.gradient(1);
    expect(seen).toEqual(planned(2).flatMap((batch) => batch.map((i) => [i])));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../src/errors.js';
import {
  batches,
  batchSamples,
  epochIndices,
  shardIndices,
  stepsPerEpoch,
} from '../../src/sharding/index.js';

const sizeArb = fc.integer({ min: 1, max: 300 });
const worldArb = fc.integer({ min: 1, max: 9 });
const batchArb = fc.integer({ min: 1, max: 40 });
const seedArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
const epochArb = fc.integer({ min: 0, max: 1000 });

function allShards(size: number, seed: number, epoch: number, worldSize: number): Int32Array[] {
  const indices = epochIndices(size, seed, epoch);
  return Array.from({ length: worldSize }, (_, rank) => shardIndices(indices, rank, worldSize));
}

describe('epochIndices', () => {
  it('is a permutation of 0 … size-1', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, epochArb, (size, seed, epoch) => {
        const sorted = [...epochIndices(size, seed, epoch)].sort((a, b) => a - b);
        expect(sorted).toEqual(Array.from({ length: size }, (_, i) => i));
      }),
    );
  });

  it('is the same for the same seed and epoch', () => {
    fc.assert(
      fc.property(sizeArb, seedArb, epochArb, (size, seed, epoch) => {
        expect(epochIndices(size, seed, epoch)).toEqual(epochIndices(size, seed, epoch));
      }),
    );
  });

  it('shuffles differently in different epochs and for different seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 300 }), seedArb, epochArb, (size, seed, epoch) => {
        const base = epochIndices(size, seed, epoch);
        // 20! orderings: an accidental equality would be a bug in the seeding, not chance.
        expect(epochIndices(size, seed, epoch + 1)).not.toEqual(base);
        expect(epochIndices(size, seed + 1, epoch)).not.toEqual(base);
      }),
    );
  });

  it('moves every position about equally often (no biased shuffle)', () => {
    const size = 8;
    const counts = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    const epochs = 4000;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const [position, index] of epochIndices(size, 7, epoch).entries()) counts[index]![position]!++;
    }
    const expected = epochs / size;
    for (const row of counts)
      for (const c of row) expect(Math.abs(c - expected)).toBeLessThan(0.2 * expected);
  });

  it('refuses a size below 1 or a negative epoch', () => {
    expect(() => epochIndices(0, 1, 0)).toThrow(TaskError);
    expect(() => epochIndices(10, 1, -1)).toThrow(expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }));
    expect(() => epochIndices(10, 1.5, 0)).toThrow(expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }));
  });
});

describe('shardIndices', () => {
  it('splits an epoch into disjoint shards that cover the data set, apart from the padding', () => {
    fc.assert(
      fc.property(sizeArb, worldArb, seedArb, epochArb, (size, worldSize, seed, epoch) => {
        const shards = allShards(size, seed, epoch, worldSize);
        const perRank = Math.ceil(size / worldSize);
        const all = shards.flatMap((s) => [...s]);
        expect(all).toHaveLength(perRank * worldSize);
        const counts = new Map<number, number>();
        for (const i of all) counts.set(i, (counts.get(i) ?? 0) + 1);
        // every example appears; only the padding (perRank*worldSize - size extra slots) repeats any
        expect(counts.size).toBe(size);
        const repeats = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
        expect(repeats).toBe(perRank * worldSize - size);
      }),
    );
  });

  it('pads by repeating the shuffled indices from the start, as DistributedSampler', () => {
    const indices = Int32Array.of(5, 1, 4, 0, 2);
    expect([...shardIndices(indices, 0, 2)]).toEqual([5, 4, 2]);
    expect([...shardIndices(indices, 1, 2)]).toEqual([1, 0, 5]);
    // fewer examples than ranks: the list is repeated cyclically
    expect([0, 1, 2, 3].map((r) => [...shardIndices(Int32Array.of(9, 8), r, 4)])).toEqual([
      [9],
      [8],
      [9],
      [8],
    ]);
  });

  it('gives every rank the same number of batches and batch k the same size on every rank', () => {
    fc.assert(
      fc.property(sizeArb, worldArb, batchArb, seedArb, (size, worldSize, batchSize, seed) => {
        const perRank = allShards(size, seed, 0, worldSize).map((s) =>
          batches(s, batchSize).map((b) => b.length),
        );
        const steps = stepsPerEpoch(size, worldSize, batchSize);
        for (const sizes of perRank) {
          expect(sizes).toHaveLength(steps);
          expect(sizes).toEqual(perRank[0]);
        }
      }),
    );
  });

  it('refuses a rank outside [0, worldSize) and a worldSize below 1', () => {
    const indices = Int32Array.of(0, 1, 2);
    expect(() => shardIndices(indices, 2, 2)).toThrow(expect.objectContaining({ code: 'ERR_TASK_ARGUMENT' }));
    expect(() => shardIndices(indices, -1, 2)).toThrow(TaskError);
    expect(() => shardIndices(indices, 0, 0)).toThrow(TaskError);
  });
});

describe('batches', () => {
  it('cuts consecutive slices and keeps the last partial one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), batchArb, (length, batchSize) => {
        const shard = Int32Array.from({ length }, (_, i) => i * 3);
        const cut = batches(shard, batchSize);
        expect(cut.flatMap((b) => [...b])).toEqual([...shard]);
        expect(cut.slice(0, -1).every((b) => b.length === batchSize)).toBe(true);
        expect(cut.at(-1)!.length).toBe(length - (cut.length - 1) * batchSize);
      }),
    );
  });
});

describe('stepsPerEpoch', () => {
  it('is ceil(ceil(size / worldSize) / batchSize)', () => {
    expect(stepsPerEpoch(60000, 2, 64)).toBe(469);
    expect(stepsPerEpoch(60000, 1, 128)).toBe(469);
    expect(stepsPerEpoch(10, 4, 2)).toBe(2);
    expect(() => stepsPerEpoch(10, 4, 0)).toThrow(TaskError);
  });
});

describe('batchSamples', () => {
  it('is the batch size except for the last batch of an epoch, which holds the rest of the padded share', () => {
    // 100 examples over 2 ranks: 50 each, batches of 16: 16, 16, 16, 2 — then the next epoch starts again.
    expect([0, 1, 2, 3, 4, 7].map((round) => batchSamples(100, 2, 16, round))).toEqual([
      16, 16, 16, 2, 16, 2,
    ]);
    // 101 examples over 2 ranks: padded to 102, 51 each: 16, 16, 16, 3.
    expect(batchSamples(101, 2, 16, 3)).toBe(3);
    expect(batchSamples(64, 1, 64, 0)).toBe(64);
  });
});

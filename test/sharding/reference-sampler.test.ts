import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batches,
  batchSamples,
  epochIndices,
  shardIndices,
  stepsPerEpoch,
} from '../../src/sharding/index.js';
import { mixSeed, Random } from '../../src/tasks/index.js';
import {
  ReferenceStream,
  referenceBatches,
  referenceGlobalBatches,
  referenceMixSeed,
  referenceShard,
  referenceShuffle,
  referenceStepsPerEpoch,
} from '../support/reference-sampler.js';

// Two implementations of the same documented sharding check each other here: the reference against values
// worked out by hand (and fmix32 outputs from a Python transcription of MurmurHash3's finalizer, a third
// implementation), then src/sharding and src/tasks' Random against the reference over many random cases.

const seedArb = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(
    0,
    -1,
    2 ** 32 - 1,
    2 ** 32,
    -(2 ** 32),
    2 ** 32 + 5,
    Number.MAX_SAFE_INTEGER,
    -(2 ** 53 - 1),
  ),
);
const epochArb = fc.integer({ min: 0, max: 1000 });

describe('the reference sampler, against hand-worked values', () => {
  it('hashes seeds as mixSeed documents: both 32-bit halves of each part through fmix32', () => {
    // No parts: the starting value itself.
    expect(referenceMixSeed()).toBe(0x243f6a88);
    // mixSeed(0): h + gamma = 0x243f6a88 + 0x9e3779b9 = 0xc276e441, xor low 0 -> fmix32 = 0x09e6633d;
    // 0x09e6633d + 0x9e3779b9 = 0xa81ddcf6, xor high 0 -> fmix32 = 0x5d7bf35c.
    expect(referenceMixSeed(0)).toBe(0x5d7bf35c);
    // 2^32 has low half 0 and high half 1: the same first step, then fmix32(0xa81ddcf6 ^ 1) = 0x3dfd12ff.
    expect(referenceMixSeed(2 ** 32)).toBe(0x3dfd12ff);
    // -1 is 0xffffffff_ffffffff: 0xc276e441 ^ 0xffffffff = 0x3d891bbe -> 0xa9f94c4a;
    // (0xa9f94c4a + 0x9e3779b9) mod 2^32 = 0x4830c603, ^ 0xffffffff = 0xb7cf39fc -> 0x10383094.
    expect(referenceMixSeed(-1)).toBe(0x10383094);
    // The golden of test/tasks/random.test.ts, cross-checked there against a Python implementation.
    expect(referenceMixSeed(42, 3)).toBe(1848535725);
  });

  it('draws the splitmix32 stream and scales int(n) down from the top bits', () => {
    const stream = new ReferenceStream(42);
    // The goldens of test/tasks/random.test.ts for seed 42.
    expect([stream.nextUint32(), stream.nextUint32()]).toEqual([946162892, 647716403]);
    // The next draws are 1973482637 and 504638024:
    // floor(1973482637 * 10 / 2^32) = floor(4.59…) = 4; floor(504638024 * 7 / 2^32) = floor(0.82…) = 0.
    expect([stream.int(10), stream.int(7)]).toEqual([4, 0]);
    expect(() => stream.int(0)).toThrow(/int\(n\)/);
  });

  it('shuffles 5 examples by Fisher–Yates from the end', () => {
    // seed 7, epoch 2: the stream is seeded with mixSeed(7, 2) = 0x79d53d55, whose hash 0xfce61a84 is its
    // first state. Its draws and the swaps (j = floor(u * (i + 1) / 2^32)):
    //   i=4 u=0xc61f6b8b (0.774 of 2^32) j=floor(3.87)=3: [0, 1, 2, 4, 3]
    //   i=3 u=0x534ca115 (0.325)         j=floor(1.30)=1: [0, 4, 2, 1, 3]
    //   i=2 u=0x7a46b4e3 (0.478)         j=floor(1.43)=1: [0, 2, 4, 1, 3]
    //   i=1 u=0x1fb609e5 (0.124)         j=floor(0.25)=0: [2, 0, 4, 1, 3]
    expect(referenceMixSeed(7, 2)).toBe(0x79d53d55);
    const stream = new ReferenceStream(0x79d53d55);
    expect([1, 2, 3, 4].map(() => stream.nextUint32())).toEqual([
      0xc61f6b8b, 0x534ca115, 0x7a46b4e3, 0x1fb609e5,
    ]);
    expect(referenceShuffle(5, 7, 2)).toEqual([2, 0, 4, 1, 3]);
    // and so does the project's shuffle
    expect([...epochIndices(5, 7, 2)]).toEqual([2, 0, 4, 1, 3]);
  });

  it('pads from the start of the shuffled list, cyclically, and deals every worldSize-th index', () => {
    // 5 over 2 ranks: padded to 6 = 5 1 4 0 2 | 5
    expect([0, 1].map((r) => referenceShard([5, 1, 4, 0, 2], r, 2))).toEqual([
      [5, 4, 2],
      [1, 0, 5],
    ]);
    // 5 over 4 ranks: padded to 8 = 5 1 4 0 2 | 5 1 4
    expect([0, 1, 2, 3].map((r) => referenceShard([5, 1, 4, 0, 2], r, 4))).toEqual([
      [5, 2],
      [1, 5],
      [4, 1],
      [0, 4],
    ]);
    // 2 over 5 ranks: padded to 5 = 9 8 | 9 8 | 9 (more padding than data: repeated twice and cut)
    expect([0, 1, 2, 3, 4].map((r) => referenceShard([9, 8], r, 5))).toEqual([[9], [8], [9], [8], [9]]);
    expect(referenceBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('counts ceil(ceil(size / W) / batchSize) steps per epoch and lists each step by rank', () => {
    expect(referenceStepsPerEpoch(60000, 2, 64)).toBe(469); // 30000 / 64 = 468.75
    expect(referenceStepsPerEpoch(10, 4, 2)).toBe(2); // ceil(2.5) = 3 per rank, ceil(3 / 2) = 2
    expect(referenceStepsPerEpoch(7, 8, 1)).toBe(1);
    expect(referenceStepsPerEpoch(64, 1, 64)).toBe(1);
    // 5 examples, 2 ranks, batches of 2: 3 per rank, 2 steps per epoch, so steps 4 and 5 are epoch 2,
    // whose order [2, 0, 4, 1, 3] (above) pads to 2 0 4 1 3 2: rank 0 holds 2 4 3, rank 1 holds 0 1 2.
    const steps = referenceGlobalBatches({ size: 5, seed: 7, worldSize: 2, batchSize: 2, steps: 6 });
    expect(steps).toHaveLength(6);
    expect(steps.slice(4)).toEqual([
      [
        [2, 4],
        [0, 1],
      ],
      [[3], [2]],
    ]);
  });

  it('imports nothing from src/, so it shares no code with what it checks', () => {
    const source = readFileSync(new URL('../support/reference-sampler.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/\bfrom\s+['"]/);
    expect(source).not.toMatch(/\bimport\s*\(/);
  });
});

describe('src/sharding and Random, against the reference sampler', () => {
  it('mixSeed equals the reference hash for any safe integers, negative and above 2^32 included', () => {
    fc.assert(
      fc.property(fc.array(seedArb, { maxLength: 4 }), (parts) => {
        expect(mixSeed(...parts)).toBe(referenceMixSeed(...parts));
      }),
      { numRuns: 300 },
    );
  });

  it('Random draws the reference stream, and int(n) the same integers', () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.integer({ min: 1, max: 2 ** 21 }), { maxLength: 30 }), (seed, ns) => {
        const random = new Random(seed);
        const stream = new ReferenceStream(seed);
        for (const n of ns) {
          expect(random.nextUint32()).toBe(stream.nextUint32());
          expect(random.int(n)).toBe(stream.int(n));
        }
      }),
    );
  });

  it('epochIndices is the reference shuffle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), seedArb, epochArb, (size, seed, epoch) => {
        expect([...epochIndices(size, seed, epoch)]).toEqual(referenceShuffle(size, seed, epoch));
      }),
    );
  });

  it('shardIndices is the reference share of every rank, for lists shorter and longer than the world', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (order, worldSize) => {
          for (let rank = 0; rank < worldSize; rank++) {
            expect([...shardIndices(Int32Array.from(order), rank, worldSize)]).toEqual(
              referenceShard(order, rank, worldSize),
            );
          }
        },
      ),
    );
  });

  it('the project composition gives the reference batches at every global step, over several epochs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        seedArb,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        (size, seed, worldSize, batchSize, extraSteps) => {
          const perEpoch = stepsPerEpoch(size, worldSize, batchSize);
          expect(perEpoch).toBe(referenceStepsPerEpoch(size, worldSize, batchSize));
          const steps = 2 * perEpoch + extraSteps;
          const expected = referenceGlobalBatches({ size, seed, worldSize, batchSize, steps });
          for (let step = 0; step < steps; step++) {
            const order = epochIndices(size, seed, Math.floor(step / perEpoch));
            const ranks = Array.from({ length: worldSize }, (_, rank) => [
              ...batches(shardIndices(order, rank, worldSize), batchSize)[step % perEpoch]!,
            ]);
            expect(ranks).toEqual(expected[step]);
            expect(batchSamples(size, worldSize, batchSize, step)).toBe(expected[step]![0]!.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { SyncRound } from '../../src/coordinator/index.js';

const SIZE = 257;

/**
 * The reference: a plain float32 accumulator, rank by rank in rank order, then one division per element. Written
 * here from the definition, independently of the code under test.
 */
function referenceMean(grads: readonly Float32Array[]): Float32Array {
  const sum = new Float32Array(grads[0]!.length);
  for (let i = 0; i < sum.length; i++) sum[i] = grads[0]![i]!;
  for (let k = 1; k < grads.length; k++)
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + grads[k]![i]!;
  const mean = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) mean[i] = sum[i]! / grads.length;
  return mean;
}

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** float32 values of every kind: ordinary ones across magnitudes, ±0, NaN, ±∞, and near-max ones whose sum overflows. */
function gradients(n: number, seed: number): Float32Array[] {
  const next = random(seed);
  const special = [
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    3e38,
    -3e38,
    1e-45,
    1e8,
  ];
  return Array.from({ length: n }, () =>
    Float32Array.from({ length: SIZE }, () => {
      const r = next();
      if (r < 0.08) return special[Math.floor(next() * special.length)]!;
      return (next() - 0.5) * 10 ** Math.floor(next() * 12 - 6);
    }),
  );
}

function permutations(ranks: number[]): number[][] {
  if (ranks.length <= 1) return [ranks];
  return ranks.flatMap((rank, i) =>
    permutations([...ranks.slice(0, i), ...ranks.slice(i + 1)]).map((rest) => [rank, ...rest]),
  );
}

const message = (rank: number, grad: Float32Array) => ({
  type: 'gradient' as const,
  rank,
  step: 0,
  round: 0,
  loss: 1,
  samples: 2,
  computeMs: 0,
  grad,
});

/** Runs one round with the gradients offered in `order`, summing ahead into an accumulator it reduces into. */
function progressive(grads: readonly Float32Array[], order: readonly number[]): Float32Array {
  const accumulator = new Float32Array(SIZE).fill(Number.NaN);
  const round = new SyncRound({ step: 0, round: 0, worldSize: grads.length, size: SIZE, accumulator });
  for (const rank of order) expect(round.offer(rank, message(rank, grads[rank]!))).toBeNull();
  round.reduce(accumulator);
  return accumulator;
}

/** Bit patterns, so that −0 against 0 and NaN payloads count. */
const bits = (values: Float32Array) =>
  Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

describe('SyncRound with an accumulator: the rank-order sum as gradients arrive', () => {
  it('is bit-identical to a plain rank-order loop for every arrival order of 3, 4 and 5 ranks', () => {
    for (const n of [3, 4, 5]) {
      const grads = gradients(n, 100 + n);
      const expected = bits(referenceMean(grads));
      for (const order of permutations([...Array(n).keys()]))
        expect(bits(progressive(grads, order))).toEqual(expected);
    }
  });

  it('is bit-identical for 1 to 6 ranks, in order, in reverse and shuffled, over several data sets', () => {
    for (let n = 1; n <= 6; n++) {
      for (let seed = 0; seed < 4; seed++) {
        const grads = gradients(n, seed * 10 + n);
        const expected = bits(referenceMean(grads));
        const inOrder = [...Array(n).keys()];
        const next = random(seed);
        const shuffled = [...inOrder].sort(() => next() - 0.5);
        for (const order of [inOrder, [...inOrder].reverse(), shuffled]) {
          expect(bits(progressive(grads, order))).toEqual(expected);
        }
      }
    }
  });

  it('from five members, has summed ranks 0 … k − 1 by the time they are in and the round still waits', () => {
    const grads = [
      Float32Array.of(1, 0.1),
      Float32Array.of(1e8, 0.2),
      Float32Array.of(-1e8, 0.3),
      Float32Array.of(5, 7),
      Float32Array.of(2, 1),
    ];
    const accumulator = new Float32Array(2);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 5, size: 2, accumulator });
    for (const rank of [2, 4, 0, 1]) round.offer(rank, message(rank, grads[rank]!));
    // By hand in float32: (1 + 1e8) rounds to 1e8, then − 1e8 gives 0; fround(fround(0.1 + 0.2) + 0.3).
    const f = Math.fround;
    const ahead = f(f(f(0.1) + f(0.2)) + f(0.3));
    expect(Array.from(accumulator)).toEqual([0, ahead]);
    round.offer(3, message(3, grads[3]!));
    round.reduce(accumulator);
    expect(Array.from(accumulator)).toEqual([f(7 / 5), f(f(f(ahead + 7) + 1) / 5)]);
  });

  it('sums nothing ahead for fewer than five members (their one-pass mean reads each gradient once)', () => {
    const accumulator = new Float32Array(2).fill(-1);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 4, size: 2, accumulator });
    for (const rank of [0, 1, 2]) round.offer(rank, message(rank, Float32Array.of(rank, rank)));
    expect(Array.from(accumulator)).toEqual([-1, -1]);
    round.offer(3, message(3, Float32Array.of(3, 3)));
    round.reduce(accumulator);
    expect(Array.from(accumulator)).toEqual([1.5, 1.5]);
  });

  it('shrink: a summed rank taken out leaves the mean of the others, bit for bit', () => {
    const grads = gradients(6, 7);
    for (const lost of [0, 1, 3]) {
      const accumulator = new Float32Array(SIZE);
      const round = new SyncRound({ step: 0, round: 0, worldSize: 6, size: SIZE, accumulator });
      for (const rank of [0, 1, 2, 3, 4]) round.offer(rank, message(rank, grads[rank]!));
      round.withdraw(lost, true);
      round.offer(5, message(5, grads[5]!));
      expect(round.complete).toBe(true);
      round.reduce(accumulator);
      const survivors = [0, 1, 2, 3, 4, 5].filter((rank) => rank !== lost).map((rank) => grads[rank]!);
      expect(bits(accumulator)).toEqual(bits(referenceMean(survivors)));
    }
    // A rank after the running sum is lost: the sum of 0 … 2 stands, ranks 3 and 4 complete the round.
    const accumulator = new Float32Array(SIZE);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 6, size: SIZE, accumulator });
    for (const rank of [0, 1, 2]) round.offer(rank, message(rank, grads[rank]!));
    round.withdraw(5, true);
    for (const rank of [3, 4]) round.offer(rank, message(rank, grads[rank]!));
    round.reduce(accumulator);
    expect(bits(accumulator)).toEqual(bits(referenceMean(grads.slice(0, 5))));
  });

  it('restart: a summed rank taken out and sent again counts with its new gradient only', () => {
    const grads = gradients(5, 11);
    const again = gradients(1, 12)[0]!;
    const accumulator = new Float32Array(SIZE);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 5, size: SIZE, accumulator });
    for (const rank of [0, 1, 2]) round.offer(rank, message(rank, grads[rank]!));
    round.withdraw(0, false);
    for (const rank of [3, 4]) round.offer(rank, message(rank, grads[rank]!));
    expect(round.complete).toBe(false);
    round.offer(0, message(0, again));
    round.reduce(accumulator);
    expect(bits(accumulator)).toEqual(bits(referenceMean([again, ...grads.slice(1)])));
  });

  it('flags a non-finite mean, and refuses to reduce a round twice (it let go of the gradients)', () => {
    const grads = [Float32Array.of(1, 3e38), Float32Array.of(2, 3e38), Float32Array.of(3, 0)];
    const accumulator = new Float32Array(2);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 3, size: 2, accumulator });
    for (const rank of [0, 1, 2]) round.offer(rank, message(rank, grads[rank]!));
    expect(round.reduce(accumulator).finite).toBe(false);
    expect(Array.from(accumulator)).toEqual([2, Number.POSITIVE_INFINITY]);
    expect(() => round.reduce(accumulator)).toThrow(
      expect.objectContaining({ code: 'ERR_TRAINING_INTERNAL' }),
    );
  });
});

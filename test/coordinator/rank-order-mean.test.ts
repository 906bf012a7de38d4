/**
 * The one-pass mean against a second implementation written here (whole tensors summed rank by rank into a float32
 * accumulator, then ÷ n), and against hand values where the order of the sum decides the result.
 */
import { describe, expect, it } from 'vitest';
import { rankOrderMean } from '../../src/coordinator/rank-order-mean.js';

function byTensors(grads: readonly Float32Array[]): { mean: Float32Array; finite: boolean } {
  const sum = Float32Array.from(grads[0]!);
  for (const grad of grads.slice(1)) for (let i = 0; i < sum.length; i++) sum[i]! += grad[i]!;
  const mean = sum.map((v) => v / grads.length);
  return { mean, finite: mean.every((v) => Number.isFinite(v)) };
}

/** Deterministic float32 values over many magnitudes, so that rounding differs with the order of the adds. */
function values(length: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return ((x / 2147483648 - 0.5) * 10 ** ((x % 17) - 8)) as number;
  });
}

describe('rankOrderMean', () => {
  it.each([1, 2, 3, 4, 5, 6])('gives the bits of the rank-by-rank sum ÷ n for %i ranks', (n) => {
    const grads = Array.from({ length: n }, (_, k) => values(4099, k + 1));
    const into = new Float32Array(4099);
    const finite = rankOrderMean(grads, into);
    const expected = byTensors(grads);
    expect(Buffer.from(into.buffer).equals(Buffer.from(expected.mean.buffer))).toBe(true);
    expect(finite).toBe(true);
  });

  it('sums in rank order: (1e8 + −1e8) + 1 = 1, where 1e8 + (−1e8 + 1) would be 0 in float32', () => {
    const into = new Float32Array(1);
    rankOrderMean([Float32Array.of(1e8), Float32Array.of(-1e8), Float32Array.of(1)], into);
    expect(into[0]).toBe(Math.fround(1 / 3));
    rankOrderMean(
      [Float32Array.of(1e8), Float32Array.of(-1e8), Float32Array.of(1), Float32Array.of(1)],
      into,
    );
    expect(into[0]).toBe(0.5);
    // Two ranks: the sum is rounded to float32 before the division (3.4e38 + 3.4e38 overflows to Infinity).
    expect(rankOrderMean([Float32Array.of(3.4e38), Float32Array.of(3.4e38)], into)).toBe(false);
    expect(into[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('says when an element is not finite, for every number of ranks', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const grads = Array.from({ length: n }, () => Float32Array.of(1, 2, 3));
      grads[n - 1]![1] = Number.NaN;
      expect(rankOrderMean(grads, new Float32Array(3)), `${n} ranks`).toBe(false);
      expect(
        rankOrderMean(
          grads.map(() => Float32Array.of(1, 2, 3)),
          new Float32Array(3),
        ),
      ).toBe(true);
    }
  });
});

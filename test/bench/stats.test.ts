import { describe, expect, it } from 'vitest';
import { median, p90, quantile } from '../../src/bench/stats.js';
import { BenchError } from '../../src/errors.js';

describe('bench statistics', () => {
  it('takes the middle value of an odd sample and the mean of the two middle values of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('puts p90 at position (n−1)·0.9 of the sorted values, interpolating linearly (numpy default)', () => {
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(10);
    // position 0.9 · 9 = 8.1, between 9 and 100
    expect(p90([100, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toBeCloseTo(9 + 0.1 * 91, 12);
    expect(p90([2, 2, 2])).toBe(2);
  });

  it('returns the minimum at q = 0 and the maximum at q = 1, and leaves the input unsorted', () => {
    const values = [3, -1, 8, 2];
    expect(quantile(values, 0)).toBe(-1);
    expect(quantile(values, 1)).toBe(8);
    // position 3 · 0.25 = 0.75, between −1 and 2 (numpy gives 1.25 too)
    expect(quantile(values, 0.25)).toBeCloseTo(1.25, 12);
    expect(values).toEqual([3, -1, 8, 2]);
  });

  it('refuses an empty sample and a quantile outside [0, 1]', () => {
    for (const call of [() => median([]), () => quantile([1], 1.5), () => quantile([1], Number.NaN)]) {
      expect(call).toThrow(BenchError);
      try {
        call();
      } catch (error) {
        expect((error as BenchError).code).toBe('ERR_BENCH_ARGUMENT');
      }
    }
  });
});

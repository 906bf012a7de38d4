import { BenchError } from '../errors.js';

/**
 * The `q`-quantile of `values` (any order), interpolating linearly between the two closest ranks: the
 * sorted values sit at positions 0 … n−1 and the quantile at position (n−1)·q. This is numpy's default
 * (`method='linear'`, R type 7), so `quantile(x, 0.5)` is the usual median.
 *
 * @example
 * quantile([4, 1, 3, 2], 0.5); // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) {
    throw new BenchError('ERR_BENCH_ARGUMENT', 'quantile needs at least one value, received an empty array');
  }
  if (!(q >= 0 && q <= 1)) {
    throw new BenchError('ERR_BENCH_ARGUMENT', `quantile q must be in [0, 1], received ${String(q)}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below]!;
  const high = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return low + (position - below) * (high - low);
}

/**
 * The median of `values`: the middle value, or the mean of the two middle ones.
 *
 * @example
 * median([5, 1, 3]); // 3
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * The 90th percentile of `values` (see `quantile`).
 *
 * @example
 * p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // 10
 */
export function p90(values: readonly number[]): number {
  return quantile(values, 0.9);
}

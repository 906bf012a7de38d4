import type { StalenessSummary } from './result.js';

/**
 * The staleness of an async run's applied updates: max, mean, nearest-rank p50 and p99, and the histogram
 * τ → applied updates; with the counts of dropped gradients and of those that arrived after the last step.
 *
 * @example
 * stalenessSummary([0, 1, 1, 3], 2, 1); // { max: 3, mean: 1.25, p50: 1, p99: 3, histogram: { 0: 1, 1: 2, 3: 1 }, dropped: 2, lateAfterEnd: 1 }
 */
export function stalenessSummary(
  taus: readonly number[],
  dropped: number,
  lateAfterEnd: number,
): StalenessSummary {
  const sorted = [...taus].sort((a, b) => a - b);
  const histogram = stalenessHistogram(sorted);
  let sum = 0;
  for (const tau of sorted) sum += tau;
  const n = sorted.length;
  return {
    max: n === 0 ? null : sorted[n - 1]!,
    mean: n === 0 ? null : sum / n,
    p50: nearestRank(sorted, 50),
    p99: nearestRank(sorted, 99),
    histogram,
    dropped,
    lateAfterEnd,
  };
}

/** The smallest value with at least p % of the values at or below it (null for none). */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * τ → how many of `taus` have it (keys in ascending order, as JSON writes an object's integer keys anyway).
 *
 * @example
 * stalenessHistogram([1, 0, 1]); // { 0: 1, 1: 2 }
 */
export function stalenessHistogram(taus: readonly number[]): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const tau of taus) histogram[tau] = (histogram[tau] ?? 0) + 1;
  return histogram;
}

/**
 * The τ values a histogram counts, in ascending order: what a resumed run's summary goes on from.
 *
 * @example
 * tausOf({ 0: 1, 1: 2 }); // [0, 1, 1]
 */
export function tausOf(histogram: Readonly<Record<string, number>>): number[] {
  const taus: number[] = [];
  for (const [tau, n] of Object.entries(histogram).sort(([a], [b]) => Number(a) - Number(b))) {
    for (let k = 0; k < n; k++) taus.push(Number(tau));
  }
  return taus;
}

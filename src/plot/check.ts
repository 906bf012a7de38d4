import { PlotError } from '../errors.js';
import type { LineChart } from './chart.js';

/** Throws a `PlotError` unless `value` is an integer in [min, max]. */
export function checkInteger(argument: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PlotError(
      `${argument} must be an integer from ${min} to ${max}, received ${String(value)}; pass a size in that range`,
    );
  }
}

/**
 * Throws a `PlotError` for a chart no renderer can draw: a series whose x and y differ in length, or a
 * `stepsPerEpoch` that is not a finite number > 0. Everything
 * else that could be wrong with data (NaN, ±Infinity, non-positive values on a log scale) is drawn as a gap.
 */
export function checkChart(chart: LineChart): void {
  for (const [index, series] of chart.series.entries()) {
    if (series.x.length !== series.y.length) {
      throw new PlotError(
        `series[${index}] (${JSON.stringify(series.name)}): x and y must have the same length, received ` +
          `${series.x.length} x values and ${series.y.length} y values; pass one y per x`,
      );
    }
  }
  const perEpoch = chart.stepsPerEpoch;
  if (perEpoch !== undefined && !(perEpoch > 0 && Number.isFinite(perEpoch))) {
    throw new PlotError(
      `stepsPerEpoch must be a finite number > 0, received ${String(perEpoch)}; pass the run's steps per epoch or leave it out`,
    );
  }
}

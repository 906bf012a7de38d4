import type { LineChart } from './chart.js';
import { MAX_MAGNITUDE, MIN_LOG_VALUE } from './scale.js';

/** The smallest and largest x and y among the points a chart can draw. */
export interface Extent {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

/**
 * The range of the drawable points of all series (x and y within ±`MAX_MAGNITUDE`, and y ≥ `MIN_LOG_VALUE` on
 * a log scale; the scales leave the others out); `undefined` when no point is drawable. Markers do not widen it:
 * the x axis ends where the data ends, so that a run of 1407 steps is not drawn on an axis to 1600 or 2000.
 *
 * @example
 * dataExtent({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', x: [1, 2], y: [3, NaN] }] });
 * // { xMin: 1, xMax: 1, yMin: 3, yMax: 3 }
 */
export function dataExtent(chart: LineChart): Extent | undefined {
  const yFloor = chart.yScale === 'log' ? MIN_LOG_VALUE : -MAX_MAGNITUDE;
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const series of chart.series) {
    const { x, y } = series;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const yi = y[i]!;
      if (!(Math.abs(xi) <= MAX_MAGNITUDE && yi >= yFloor && yi <= MAX_MAGNITUDE)) continue;
      if (xi < xMin) xMin = xi;
      if (xi > xMax) xMax = xi;
      if (yi < yMin) yMin = yi;
      if (yi > yMax) yMax = yi;
    }
  }
  if (xMin > xMax) return undefined;
  return { xMin, xMax, yMin, yMax };
}

import type { Polyline } from './downsample.js';

/** For each pixel column of a plot, the lowest and highest y any curve reaches there (NaN where none does). */
export interface Occupancy {
  readonly left: number;
  readonly top: Float64Array;
  readonly bottom: Float64Array;
}

/**
 * Rasterises polylines into per-column y spans, so that labels can be placed where no curve is.
 *
 * @example
 * const taken = occupancy([[10, 50, 20, 60]], 0, 100);
 * isFree(taken, 12, 18, 0, 40); // true: the curve is at y 50–60 there
 */
export function occupancy(polylines: readonly Polyline[], left: number, right: number): Occupancy {
  const width = Math.max(1, Math.ceil(right - left) + 1);
  const top = new Float64Array(width).fill(Number.NaN);
  const bottom = new Float64Array(width).fill(Number.NaN);
  const mark = (x: number, ya: number, yb: number): void => {
    const column = Math.round(x - left);
    if (column < 0 || column >= width) return;
    const lo = Math.min(ya, yb);
    const hi = Math.max(ya, yb);
    if (!(top[column]! <= lo)) top[column] = lo;
    if (!(bottom[column]! >= hi)) bottom[column] = hi;
  };
  for (const line of polylines) {
    mark(line[0]!, line[1]!, line[1]!);
    for (let i = 2; i < line.length; i += 2) {
      const [x0, y0, x1, y1] = [line[i - 2]!, line[i - 1]!, line[i]!, line[i + 1]!];
      const steps = Math.max(1, Math.ceil(Math.abs(x1 - x0)));
      for (let s = 0; s < steps; s++) {
        const a = s / steps;
        const b = (s + 1) / steps;
        mark(x0 + (x1 - x0) * b, y0 + (y1 - y0) * a, y0 + (y1 - y0) * b);
      }
    }
  }
  return { left, top, bottom };
}

/** Whether no curve passes through the box [x0, x1] × [y0, y1]. */
export function isFree(taken: Occupancy, x0: number, x1: number, y0: number, y1: number): boolean {
  const from = Math.max(0, Math.floor(x0 - taken.left));
  const to = Math.min(taken.top.length - 1, Math.ceil(x1 - taken.left));
  for (let column = from; column <= to; column++) {
    if (taken.top[column]! <= y1 && taken.bottom[column]! >= y0) return false;
  }
  return true;
}

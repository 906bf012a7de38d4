import type { Scale } from './scale.js';

/** A run of drawable points as flat output coordinates `[x0, y0, x1, y1, …]`. */
export type Polyline = number[];

/**
 * Projects a series into output coordinates and thins it to at most four points per output column (the first,
 * the lowest, the highest and the last of each run of consecutive points in that column, in their original
 * order), so a million points become a few thousand while every spike keeps its height. A point that does not
 * project to finite coordinates (NaN, ±Infinity, y ≤ 0 on a log scale) ends the current polyline: a gap.
 *
 * @example
 * downsample([0, 0.1, 0.2, 5], [1, 9, 2, 3], (x) => x, (y) => y, Math.floor); // [[0, 1, 0.1, 9, 0.2, 2, 5, 3]]
 */
export function downsample(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  toX: Scale,
  toY: Scale,
  columnOf: (px: number) => number,
): Polyline[] {
  const polylines: Polyline[] = [];
  let current: Polyline = [];
  // the run of points in one column: [index, x, y] of its first, lowest-y, highest-y and last point
  let column = Number.NaN;
  let run: [number, number, number][] | undefined;
  const flushRun = (): void => {
    if (run === undefined) return;
    const picks = [...new Map(run.map((point) => [point[0], point])).values()].sort((a, b) => a[0] - b[0]);
    for (const [, u, v] of picks) current.push(u, v);
    run = undefined;
  };
  const endPolyline = (): void => {
    flushRun();
    if (current.length > 0) polylines.push(current);
    current = [];
  };
  for (let i = 0; i < x.length; i++) {
    const u = toX(x[i]!);
    const v = toY(y[i]!);
    if (!Number.isFinite(u) || !Number.isFinite(v)) {
      endPolyline();
      continue;
    }
    const c = columnOf(u);
    if (run === undefined || c !== column) {
      flushRun();
      column = c;
      run = [
        [i, u, v],
        [i, u, v],
        [i, u, v],
        [i, u, v],
      ];
      continue;
    }
    if (v < run[1]![2]) run[1] = [i, u, v];
    if (v > run[2]![2]) run[2] = [i, u, v];
    run[3] = [i, u, v];
  }
  endPolyline();
  return polylines;
}

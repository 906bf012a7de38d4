import type { Polyline } from './downsample.js';

/**
 * The step path of a piecewise-constant series in output coordinates: each value holds flat until the next
 * point's x, where the path jumps straight to the next value (matplotlib's `steps-post`). A learning rate is such
 * a series: the LR of step k is the one used from step k until step k + 1. Points a flat run passes through are
 * left out. It works on a downsampled polyline as well: the downsampler keeps the last point of each column and the
 * first of the next, which are neighbours in the series, so every jump between columns stays a vertical one.
 *
 * @example
 * stepPath([0, 5, 1, 5, 2, 3]); // [0, 5, 2, 5, 2, 3]
 */
export function stepPath(line: Polyline): Polyline {
  if (line.length <= 2) return [...line];
  const out: Polyline = [line[0]!, line[1]!];
  for (let i = 2; i < line.length; i += 2) {
    const x = line[i]!;
    const y = line[i + 1]!;
    const previousY = line[i - 1]!;
    if (y === previousY && i + 2 < line.length) continue;
    out.push(x, previousY);
    if (y !== previousY) out.push(x, y);
  }
  return out;
}

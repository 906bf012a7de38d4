/** A y axis turns logarithmic when its positive values span more than this factor: more than two decades. */
export const LOG_AXIS_RATIO = 100;

/** The y scale `autoYScale` picks, and how many finite values a log axis leaves out for being ≤ 0. */
export interface YScaleChoice {
  readonly scale: 'linear' | 'log';
  readonly omitted: number;
}

/**
 * The y scale for values that may span decades, such as a learning rate decayed by 0.1 twice: `log` when the
 * positive finite values have max ÷ min > `ratio` (a linear axis would flatten the small ones onto its floor),
 * `linear` otherwise. Only positive values count, so a warmup from 0 does not keep the axis linear; `omitted` is
 * then the number of finite values ≤ 0, which a log axis cannot draw (0 for a linear choice).
 *
 * @example
 * autoYScale([0, 0.007, 7e-4, 7e-6]); // { scale: 'log', omitted: 1 }
 */
export function autoYScale(values: ArrayLike<number>, ratio: number = LOG_AXIS_RATIO): YScaleChoice {
  let min = Infinity;
  let max = -Infinity;
  let nonPositive = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    if (value <= 0) {
      nonPositive += 1;
      continue;
    }
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return max / min > ratio ? { scale: 'log', omitted: nonPositive } : { scale: 'linear', omitted: 0 };
}

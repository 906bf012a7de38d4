/** A y axis turns logarithmic when its positive values span more than this factor: more than two decades. */
export const LOG_AXIS_RATIO = 100;

/** The y scale `autoYScale` picks, and how many finite values a log axis leaves out for being ≤ 0. */
export interface YScaleChoice {
  readonly scale: 'linear' | 'log';
  readonly omitted: number;
}

/** The share of the positive values that may lie below the peak ÷ `ratio` before the axis turns logarithmic. */
export const LOG_AXIS_SHARE = 0.1;

/**
 * The y scale for values that may span decades, such as a learning rate decayed by 0.1 twice: `log` when more
 * than a tenth of the positive finite values lie more than `ratio` below the largest (a linear axis would flatten
 * that part of the run onto its floor), `linear` otherwise — so the few tiny LRs at the start of a warmup or the
 * end of a cosine to 0 keep the familiar linear picture. Only positive values count; `omitted` is then the number
 * of finite values ≤ 0, which a log axis cannot draw (0 for a linear choice).
 *
 * @example
 * autoYScale([0, 0.007, 7e-4, 7e-6]); // { scale: 'log', omitted: 1 }
 */
export function autoYScale(values: ArrayLike<number>, ratio: number = LOG_AXIS_RATIO): YScaleChoice {
  const positive: number[] = [];
  let nonPositive = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    if (value <= 0) nonPositive += 1;
    else positive.push(value);
  }
  if (positive.length === 0) return { scale: 'linear', omitted: 0 };
  positive.sort((a, b) => a - b);
  const max = positive.at(-1)!;
  // The value a tenth of the way up: the floor of what most of the run shows.
  const floor = positive[Math.floor(LOG_AXIS_SHARE * (positive.length - 1))]!;
  return max / floor > ratio ? { scale: 'log', omitted: nonPositive } : { scale: 'linear', omitted: 0 };
}

/** Values beyond ±1e300 are not drawn: tick arithmetic on them would overflow to Infinity. */
export const MAX_MAGNITUDE = 1e300;
/** The smallest value a log scale draws (1e-300: its power of ten is still a normal double). */
export const MIN_LOG_VALUE = 1e-300;

/** Maps data values to output coordinates (pixels or character cells); NaN for a value it cannot place. */
export type Scale = (value: number) => number;

/**
 * A linear map from [d0, d1] onto [r0, r1]; d0 ≠ d1. NaN for values beyond ±`MAX_MAGNITUDE`.
 *
 * @example
 * linearScale(0, 10, 100, 0)(5); // 50
 */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = (r1 - r0) / (d1 - d0);
  return (value) => (Math.abs(value) <= MAX_MAGNITUDE ? r0 + (value - d0) * k : Number.NaN);
}

/**
 * A logarithmic map from [d0, d1] (both > 0, d0 ≠ d1) onto [r0, r1]; NaN for values outside
 * [`MIN_LOG_VALUE`, `MAX_MAGNITUDE`], which includes every value ≤ 0.
 *
 * @example
 * logScale(1, 100, 0, 2)(10); // 1
 */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const inner = linearScale(Math.log10(d0), Math.log10(d1), r0, r1);
  return (value) =>
    value >= MIN_LOG_VALUE && value <= MAX_MAGNITUDE ? inner(Math.log10(value)) : Number.NaN;
}

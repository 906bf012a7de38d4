import { PlotError } from '../errors.js';
import { MAX_MAGNITUDE, MIN_LOG_VALUE } from './scale.js';

const MANTISSAS = [1, 2, 5] as const;
const MAX_TICK_COUNT = 1000;
/** Spans and centres below this are treated as zero: their 1-2-5 steps would underflow. */
const TINY = 1e-280;

/** 10^exponent as the double nearest the decimal value (`10 ** -3` may not be). */
function pow10(exponent: number): number {
  return Number(`1e${exponent}`);
}

/**
 * index·mantissa·10^exponent as the double nearest that decimal (0.3, not 0.30000000000000004): parsing the
 * decimal is correctly rounded, where multiplying by an inexact power of ten is not.
 */
function tickValue(index: number, mantissa: number, exponent: number): number {
  return Number(`${index * mantissa}e${exponent}`) + 0; // + 0 turns -0 into 0
}

/**
 * Widens an empty or nearly empty range (one value, or a span below 1e-12 of its magnitude or below 1e-280) so
 * that it can be scaled and ticked: ±10 % around a non-zero value, ±1 around zero (or a value below 1e-280).
 * Other ranges are returned as they are.
 *
 * @example
 * padRange(5, 5); // [4.5, 5.5]
 */
export function padRange(min: number, max: number): [number, number] {
  if (max - min > Math.max(TINY, 1e-12 * Math.max(Math.abs(min), Math.abs(max)))) return [min, max];
  const centre = (min + max) / 2;
  const pad = Math.abs(centre) < TINY ? 1 : Math.abs(centre) * 0.1;
  return [centre - pad, centre + pad];
}

function checkTickArguments(min: number, max: number, count: number): void {
  if (!(Math.abs(min) <= MAX_MAGNITUDE && Math.abs(max) <= MAX_MAGNITUDE)) {
    throw new PlotError(
      `niceTicks: min and max must be finite and within ±1e300, received ${min} and ${max}`,
    );
  }
  if (min > max) {
    throw new PlotError(`niceTicks: min must not exceed max, received min ${min} and max ${max}; swap them`);
  }
  if (!Number.isInteger(count) || count < 2 || count > MAX_TICK_COUNT) {
    throw new PlotError(`niceTicks: count must be an integer from 2 to ${MAX_TICK_COUNT}, received ${count}`);
  }
}

/**
 * Ticks at a 1-2-5 step (1, 2 or 5 times a power of ten) that cover [min, max]: the first tick is ≤ min, the
 * last ≥ max. The step is the one that best balances a tick count close to `count` against axis left empty
 * beyond the data (missing the count by x % weighs as much as extending the axis by x % of the range). A range
 * of one value is widened first (see `padRange`). Throws `PlotError` for non-finite bounds, min > max, or a count
 * that is not an integer in [2, 1000].
 *
 * @example
 * niceTicks(0, 0.95, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  checkTickArguments(min, max, count);
  const [lo, hi] = padRange(min, max);
  const span = hi - lo;
  if (!Number.isFinite(span)) {
    throw new PlotError(
      `niceTicks: max - min must be finite, received a span of ${span} between ${min} and ${max}`,
    );
  }
  const e0 = Math.floor(Math.log10(span / (count - 1)));
  let best: { mantissa: number; exponent: number; first: number; last: number; score: number } | undefined;
  for (const exponent of [e0 + 1, e0, e0 - 1]) {
    for (const mantissa of MANTISSAS) {
      const step = mantissa * pow10(exponent);
      let first = Math.floor(lo / step + 1e-9);
      if (tickValue(first, mantissa, exponent) > lo) first -= 1;
      let last = Math.ceil(hi / step - 1e-9);
      if (tickValue(last, mantissa, exponent) < hi) last += 1;
      // the relative miss of the requested count plus the share of the axis beyond the data
      const score = Math.abs(last - first + 1 - count) / count + ((last - first) * step - span) / span;
      if (best === undefined || score < best.score) best = { mantissa, exponent, first, last, score };
    }
  }
  const chosen = best!;
  const ticks: number[] = [];
  for (let i = chosen.first; i <= chosen.last; i++)
    ticks.push(tickValue(i, chosen.mantissa, chosen.exponent));
  return ticks;
}

/**
 * Ticks for an axis that ends where the data ends: `min` and `max` themselves, and between them the 1-2-5 ticks of
 * `niceTicks(min, max, count)` that fall inside, less those nearer than half a tick step to an end (their labels
 * would run into the end's). A range `padRange` has to widen gets `niceTicks` instead. So a run of 1407 steps gets
 * an axis that stops at 1407 and says so, with round numbers to read between.
 *
 * @example
 * boundedTicks(0, 1407, 8); // [0, 200, 400, 600, 800, 1000, 1200, 1407]
 */
export function boundedTicks(min: number, max: number, count: number): number[] {
  const nice = niceTicks(min, max, count);
  const [lo, hi] = padRange(min, max);
  if (lo !== min || hi !== max) return nice;
  const half = (nice[1]! - nice[0]!) / 2;
  const inside = nice.filter((tick) => tick - min >= half && max - tick >= half);
  return [min, ...inside, max];
}

/** The largest exponent k with 10^k ≤ value (exact at powers of ten, where Math.log10 may round). */
function floorLog10(value: number): number {
  let k = Math.floor(Math.log10(value));
  if (pow10(k) > value) k -= 1;
  if (pow10(k + 1) <= value) k += 1;
  return k;
}

/** 1-2-5 values m·10^k from the largest one ≤ min to the smallest one ≥ max. */
function oneTwoFiveTicks(min: number, max: number): number[] {
  const candidates: number[] = [];
  for (let k = floorLog10(min); k <= floorLog10(max) + 1; k++) {
    for (const mantissa of MANTISSAS) candidates.push(tickValue(1, mantissa, k));
  }
  const start = candidates.findLastIndex((value) => value <= min);
  const end = candidates.findIndex((value) => value >= max);
  return candidates.slice(start, end + 1);
}

/**
 * Ticks for a log axis covering [min, max] (1e-300 ≤ min ≤ max ≤ 1e300): 1-2-5 linear ticks when the range is under a decade and
 * they stay positive, 1-2-5 values per decade when they number at most `count + 2`, otherwise powers of ten,
 * every n-th one when there are many decades.
 *
 * @example
 * logTicks(0.3, 2.5, 6);  // [0.2, 0.5, 1, 2, 5]
 * logTicks(1e-6, 1, 6);   // [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]
 */
export function logTicks(min: number, max: number, count: number): number[] {
  checkTickArguments(min, max, count);
  if (min < MIN_LOG_VALUE) throw new PlotError(`logTicks: min must be at least 1e-300, received ${min}`);
  const [lo, hi] = min === max ? [min / 2, max * 2] : [min, max];
  if (hi / lo < 10) {
    const linear = niceTicks(lo, hi, count);
    if (linear[0]! > 0 && linear.length <= count + 2) return linear;
  }
  const oneTwoFive = oneTwoFiveTicks(lo, hi);
  if (oneTwoFive.length <= count + 2) return oneTwoFive;
  const kLo = floorLog10(lo);
  let kHi = floorLog10(hi);
  if (pow10(kHi) < hi) kHi += 1;
  const every = Math.max(1, Math.ceil((kHi - kLo) / count));
  const ticks: number[] = [];
  // aligned to a multiple of `every`, but never below 10^kLo, whose reciprocal power of ten could underflow
  for (let k = Math.max(kLo, Math.floor(kLo / every) * every); ; k += every) {
    ticks.push(pow10(k));
    if (k >= kHi) return ticks;
  }
}

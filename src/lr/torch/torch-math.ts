import { SchedulerError } from '../../errors.js';

/**
 * Python arithmetic faults that JavaScript passes over silently: torch raises ZeroDivisionError where a
 * division, a modulo or `0 ** negative` meets zero, JavaScript returns Infinity or NaN.
 */

/** The ZeroDivisionError torch raises during a step; `detail` says which argument made the divisor zero. */
export function zeroDivision(className: string, argument: string, detail: string): SchedulerError {
  return new SchedulerError(
    'ERR_LR_STEP',
    'ZeroDivisionError',
    `${className}: division by zero: ${detail} (torch raises ZeroDivisionError here); change ${argument}`,
    { argument },
  );
}

/** `a / b`, refusing `b == 0` as Python does. @example divide('torch.LinearLR', 'total_iters', 1, 4) // 0.25 */
export function divide(className: string, argument: string, a: number, b: number): number {
  if (b === 0) throw zeroDivision(className, argument, `${a} / 0`);
  return a / b;
}

/** Python's `a ** b`, refusing `0 ** negative`. @example power('torch.ExponentialLR', 'gamma', 0.5, 2) // 0.25 */
export function power(className: string, argument: string, a: number, b: number): number {
  if (a === 0 && b < 0) throw zeroDivision(className, argument, `0 ** ${b}`);
  return a ** b;
}

/** Python's `bisect.bisect_right` (the same probes, so an unsorted list gives torch's answer). @example bisectRight([2, 5], 5) // 2 */
export function bisectRight(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (x < (list[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Python's `max(a, b)`: `b` only when `b > a` (a NaN `b` loses). @example pyMax(1, 2) // 2 */
export function pyMax(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.max returns NaN for a NaN `b`, Python's max returns `a`
  return b > a ? b : a;
}

/** Python's `min(a, b)`: `b` only when `b < a`. @example pyMin(3, 2) // 2 */
export function pyMin(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.min returns NaN for a NaN `b`, Python's min returns `a`
  return b < a ? b : a;
}

import { accept, type Rule, refuse } from './rule.js';

/**
 * A safe integer from `min` to `max` (both included). A non-number, and a number that is not whole (2.5, NaN,
 * ±Infinity), is a wrong type, as Python's `int` is a type; a whole number outside [min, max], or beyond
 * ±2^53 - 1 where doubles stop counting exactly, is a wrong value.
 *
 * @example
 * integer(1, 64).allowed; // 'an integer from 1 to 64'
 */
export function integer(min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  const allowed = phrase(min, max);
  return {
    allowed,
    check: (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) return refuse('type', allowed);
      const inside = Number.isSafeInteger(value) && value >= min && value <= max;
      return inside ? accept(value) : refuse('value', allowed);
    },
  };
}

function phrase(min: number, max: number): string {
  const lowest = min <= -Number.MAX_SAFE_INTEGER;
  const highest = max >= Number.MAX_SAFE_INTEGER;
  if (lowest && highest) return 'an integer';
  if (highest) return `an integer >= ${min}`;
  if (lowest) return `an integer <= ${max}`;
  return `an integer from ${min} to ${max}`;
}

import { accept, type Rule, refuse } from './rule.js';

/**
 * Where a number may lie: at most one lower bound (`min` included, `above` excluded) and at most one upper
 * bound (`max` included, `below` excluded); `unit` names what the number counts ("seconds").
 */
export interface Bounds {
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly below?: number;
  readonly unit?: string;
}

/**
 * A finite number within the bounds. A non-number is a wrong type; NaN and ±Infinity are numbers of a wrong
 * value (as a Python float can hold them), as is a number outside the bounds. -0 counts as 0.
 *
 * @example
 * number({ min: 0, below: 1 }).allowed; // 'a number in [0, 1)'
 */
export function number(bounds: Bounds = {}): Rule<number> {
  const { min, above, max, below } = bounds;
  if (min !== undefined && above !== undefined) {
    throw new TypeError(`number(): give min or above, not both (received min ${min}, above ${above})`);
  }
  if (max !== undefined && below !== undefined) {
    throw new TypeError(`number(): give max or below, not both (received max ${max}, below ${below})`);
  }
  const allowed = phrase(bounds);
  return {
    allowed,
    check: (value) => {
      if (typeof value !== 'number') return refuse('type', allowed);
      const inside =
        Number.isFinite(value) &&
        (min === undefined || value >= min) &&
        (above === undefined || value > above) &&
        (max === undefined || value <= max) &&
        (below === undefined || value < below);
      return inside ? accept(value) : refuse('value', allowed);
    },
  };
}

/** "a number >= 0", "a number in (0, 1]"; "finite" is said only where a side is open to Infinity. */
function phrase({ min, above, max, below, unit }: Bounds): string {
  const lower = min ?? above;
  const upper = max ?? below;
  const noun = unit === undefined ? 'number' : `number of ${unit}`;
  if (lower !== undefined && upper !== undefined) {
    const open = min === undefined ? '(' : '[';
    const close = max === undefined ? ')' : ']';
    return `a ${noun} in ${open}${lower}, ${upper}${close}`;
  }
  if (lower !== undefined) return `a finite ${noun} ${min === undefined ? '>' : '>='} ${lower}`;
  if (upper !== undefined) return `a finite ${noun} ${max === undefined ? '<' : '<='} ${upper}`;
  return `a finite ${noun}`;
}

import { accept, type Rule, refuse } from './rule.js';

/**
 * A function; `of` says what it takes ("the epoch"). Only the type is checked: what a call returns is for the
 * caller to check.
 *
 * @example
 * callable('the epoch').allowed; // 'a function of the epoch'
 */
export function callable(of?: string): Rule<(x: number) => number> {
  const allowed = of === undefined ? 'a function' : `a function of ${of}`;
  return {
    allowed,
    check: (value) =>
      typeof value === 'function' ? accept(value as (x: number) => number) : refuse('type', allowed),
  };
}

import type { Rule } from './rule.js';

/**
 * The same rule, with advice for the values it refuses that `advice` has something to say about: a number
 * where text goes ("quote it"), a mode not built yet. What the rule allows and accepts does not change.
 *
 * @example
 * advise(oneOf('sync'), (v) => (v === 'async' ? 'async is not available yet' : undefined)).check('async').hint;
 */
export function advise<T>(rule: Rule<T>, advice: (value: unknown) => string | undefined): Rule<T> {
  return {
    allowed: rule.allowed,
    check: (value) => {
      const checked = rule.check(value);
      if (checked.ok) return checked;
      const hint = advice(value);
      return hint === undefined ? checked : { ...checked, hint };
    },
  };
}

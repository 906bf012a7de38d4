import { accept, type Rule } from './rule.js';

/**
 * A rule's values, or null for "none". Any other value is checked by the inner rule, and a refusal keeps the
 * inner kind but names null too.
 *
 * @example
 * nullable(integer(1)).allowed; // 'an integer >= 1, or null for none'
 */
export function nullable<T>(inner: Rule<T>): Rule<T | null> {
  const allowed = `${inner.allowed}, or null for none`;
  return {
    allowed,
    check: (value) => {
      if (value === null) return accept(null);
      const checked = inner.check(value);
      return checked.ok ? checked : { ...checked, allowed };
    },
  };
}

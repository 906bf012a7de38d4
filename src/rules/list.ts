import { accept, type Rule, refuse } from './rule.js';

/**
 * A list whose every item passes `item`, described as `allowed` ("a list of numbers"). The list is judged as
 * a whole, so a bad item makes it a wrong type, as Python's `list[float]` is a type.
 *
 * @example
 * listOf(number(), 'a list of numbers').check([1, '2']); // { ok: false, kind: 'type', … }
 */
export function listOf<T>(item: Rule<T>, allowed: string): Rule<readonly T[]> {
  return {
    allowed,
    check: (value) => {
      if (!Array.isArray(value)) return refuse('type', allowed);
      const items: unknown[] = value;
      return items.every((entry) => item.check(entry).ok)
        ? accept(items as readonly T[])
        : refuse('type', allowed);
    },
  };
}

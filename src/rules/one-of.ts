import { accept, type Rule, refuse } from './rule.js';

/**
 * One of the given strings, compared exactly (case matters). A non-string is a wrong type, another string a
 * wrong value.
 *
 * @example
 * oneOf('text', 'json').allowed; // 'one of text, json'
 */
export function oneOf<const T extends string>(...choices: readonly T[]): Rule<T> {
  const allowed = choices.length === 1 ? `${choices[0]}` : `one of ${choices.join(', ')}`;
  return {
    allowed,
    check: (value) => {
      if (typeof value !== 'string') return refuse('type', allowed);
      return (choices as readonly string[]).includes(value) ? accept(value as T) : refuse('value', allowed);
    },
  };
}

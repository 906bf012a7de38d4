import { closestKey } from './closest.js';
import { accept, type Rule, refuse } from './rule.js';

/**
 * One of the given strings, compared exactly (case matters). A non-string is a wrong type, another string a
 * wrong value, with the choice it most likely meant as a hint ("did you mean Adam?").
 *
 * @example
 * oneOf('text', 'json').check('jsno'); // { ok: false, kind: 'value', allowed: 'one of text, json', hint: 'did you mean json?' }
 */
export function oneOf<const T extends string>(...choices: readonly T[]): Rule<T> {
  const allowed = choices.length === 1 ? `${choices[0]}` : `one of ${choices.join(', ')}`;
  return {
    allowed,
    check: (value) => {
      if (typeof value !== 'string') return refuse('type', allowed);
      if ((choices as readonly string[]).includes(value)) return accept(value as T);
      const close = closestKey(value, choices);
      const refused = refuse('value', allowed);
      return close === undefined ? refused : { ...refused, hint: `did you mean ${close}?` };
    },
  };
}

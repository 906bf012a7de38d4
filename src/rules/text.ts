import { accept, type Rule, refuse } from './rule.js';

/** Any string, the empty one too; a non-string is a wrong type. @example anyString.check('').ok; // true */
export const anyString: Rule<string> = {
  allowed: 'a string',
  check: (value) => (typeof value === 'string' ? accept(value) : refuse('type', 'a string')),
};

/**
 * A string with something besides spaces in it, `what` saying what it names. A non-string is a wrong type, an
 * empty or blank string a wrong value.
 *
 * @example
 * text('a folder').allowed; // 'a non-empty string (a folder)'
 */
export function text(what?: string): Rule<string> {
  const allowed = what === undefined ? 'a non-empty string' : `a non-empty string (${what})`;
  return {
    allowed,
    check: (value) => {
      if (typeof value !== 'string') return refuse('type', allowed);
      return value.trim() === '' ? refuse('value', allowed) : accept(value);
    },
  };
}

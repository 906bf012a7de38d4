import { accept, type Rule, refuse } from './rule.js';

/** true or false; anything else (1, "true", null) is a wrong type. @example boolean.check('true').ok; // false */
export const boolean: Rule<boolean> = {
  allowed: 'true or false',
  check: (value) => (typeof value === 'boolean' ? accept(value) : refuse('type', 'true or false')),
};

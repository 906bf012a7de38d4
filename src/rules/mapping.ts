import { isMapping } from '../key-path.js';
import { accept, type Rule, refuse } from './rule.js';

/**
 * A mapping (a plain object: not null, not a list), `what` saying what it holds. The value is returned as
 * given, not copied: a caller that keeps it copies it.
 *
 * @example
 * mapping('an optimizer config').allowed; // 'a mapping (an optimizer config)'
 */
export function mapping(what?: string): Rule<Readonly<Record<string, unknown>>> {
  const allowed = what === undefined ? 'a mapping' : `a mapping (${what})`;
  return {
    allowed,
    check: (value) => (isMapping(value) ? accept(value) : refuse('type', allowed)),
  };
}

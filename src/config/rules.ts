import { describe } from '../describe.js';
/** The value rules run-config keys are checked with: each says what it allows and refuses anything else. */
import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';

/** Checks one value at a key path and returns it typed, or throws a ConfigError naming the path. */
export interface Rule<T> {
  /** What the rule allows, as error messages and the README table say it. */
  readonly allowed: string;
  readonly parse: (value: unknown, path: string) => T;
}

/** A rule from its description and a test; a value that fails the test is refused as ERR_CONFIG_BAD_VALUE. */
function rule<T>(allowed: string, accepts: (value: unknown) => value is T): Rule<T> {
  return {
    allowed,
    parse: (value, path) => {
      if (accepts(value)) return value;
      throw new ConfigError('ERR_CONFIG_BAD_VALUE', path, `must be ${allowed}, received ${describe(value)}`);
    },
  };
}

/**
 * A safe integer within [min, max].
 *
 * @example
 * integer(1, 64).parse(2, 'workers'); // 2
 */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return rule(
    `an integer ${range}`,
    (value): value is number =>
      Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
  );
}

/**
 * A rule's values, or null for "not given".
 *
 * @example
 * nullable(integer(1)).parse(null, 'steps'); // null
 */
export function nullable<T>(inner: Rule<T>): Rule<T | null> {
  const allowed = `${inner.allowed}, or null for none`;
  return {
    allowed,
    parse: (value, path) => {
      if (value === null) return null;
      try {
        return inner.parse(value, path);
      } catch {
        throw new ConfigError(
          'ERR_CONFIG_BAD_VALUE',
          path,
          `must be ${allowed}, received ${describe(value)}`,
        );
      }
    },
  };
}

/** A finite number of seconds > 0. @example seconds.parse(2.5, 'heartbeat_interval'); // 2.5 */
export const seconds: Rule<number> = rule(
  'a number of seconds > 0',
  (value): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0,
);

/** true or false. @example boolean.parse(false, 'progress'); // false */
export const boolean: Rule<boolean> = rule(
  'true or false',
  (value): value is boolean => typeof value === 'boolean',
);

/**
 * One of the given strings.
 *
 * @example
 * oneOf('text', 'json').parse('json', 'log_format'); // 'json'
 */
export function oneOf<const T extends string>(...choices: T[]): Rule<T> {
  return rule(`one of ${choices.join(', ')}`, (value): value is T =>
    (choices as readonly unknown[]).includes(value),
  );
}

/**
 * A non-empty string; a number (YAML reads `out: 2024` as one) is refused with the advice to quote it.
 *
 * @example
 * text('a folder').parse('runs', 'out'); // 'runs'
 */
export function text(what: string): Rule<string> {
  const inner = rule(
    `a non-empty string (${what})`,
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  return {
    allowed: inner.allowed,
    parse: (value, path) => {
      if (typeof value === 'number') {
        throw new ConfigError(
          'ERR_CONFIG_BAD_VALUE',
          path,
          `must be ${inner.allowed}, received the number ${value}; quote it to mean the text: "${value}"`,
        );
      }
      return inner.parse(value, path);
    },
  };
}

/**
 * A mapping, returned as a deeply frozen copy.
 *
 * @example
 * mapping('an optimizer config').parse({ name: 'SGD' }, 'optimizer'); // { name: 'SGD' } (frozen)
 */
export function mapping(what: string): Rule<Readonly<Record<string, unknown>>> {
  const inner = rule(`a mapping (${what})`, isMapping);
  return { allowed: inner.allowed, parse: (value, path) => deepFreeze(copyPlain(inner.parse(value, path))) };
}

export { isMapping } from '../key-path.js';

/** A copy of nested mappings and lists; other values (numbers, strings, callables) are shared. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (!isMapping(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyPlain(item)])) as T;
}

/** Freezes a value and everything it holds. @example deepFreeze({ a: [1] }).a; // frozen too */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

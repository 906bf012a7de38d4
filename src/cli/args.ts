import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into UsageError (exit code 2).
 *
 * @example
 * parseCommandArgs(['cfg.yaml', '--steps', '10'], { steps: { type: 'string' } }); // { values: { steps: '10' }, positionals: ['cfg.yaml'] }
 */
export function parseCommandArgs(
  argv: readonly string[],
  options: Options,
): { values: Readonly<Record<string, string | boolean | string[] | undefined>>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments', { cause: error });
  }
}

/** A flag's value as an integer within [min, max], or a UsageError naming the flag. */
export function integerFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) throw new UsageError(`--${name} is required`);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, received "${raw}"`);
  }
  return value;
}

/** A flag's value as a positive number of seconds (undefined when absent), or a UsageError naming the flag. */
export function secondsFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number of seconds, received "${raw}"`);
  }
  return value;
}

/** Exactly `count` positional arguments, or a UsageError that shows the usage line. */
export function positionals(values: readonly string[], names: readonly string[], usage: string): string[] {
  if (values.length !== names.length) {
    const what =
      values.length < names.length
        ? `missing ${names.slice(values.length).join(', ')}`
        : `unexpected "${values[names.length]}"`;
    throw new UsageError(`${what}; usage: ${usage}`);
  }
  return [...values];
}

/** Every value of a flag declared with `multiple: true`. */
export function stringFlags(value: string | boolean | string[] | undefined): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A string flag's value (parseArgs gives booleans only for `type: 'boolean'` flags). */
export function stringFlag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

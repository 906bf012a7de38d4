import { UsageError } from '../errors.js';
import { closestKey } from '../rules/index.js';

/**
 * One flag of a command, as its help and the README's table of its options say it. A flag with a `value`
 * takes one (`--steps N`); one without is a switch (`--ascii`).
 */
export interface Flag {
  /** the long name, without the dashes: `restore-at` */
  readonly name: string;
  /** a one-letter alias: `o` for `-o` */
  readonly short?: string;
  /** the placeholder of its value in help and README (`N`, `calls.json`); absent: a switch */
  readonly value?: string;
  /** may be given more than once; the values come as a list */
  readonly multiple?: boolean;
  /** what it does, one line of markdown (`code` in backticks), as the README table says it */
  readonly meaning: string;
}

/** What parseCommandArgs found: each flag's value by its long name, and the positionals in order. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: string[];
}

/**
 * Splits a command's arguments by its flag table: `--name value`, `--name=value`, `-o value`, switches alone,
 * everything after `--` positional. A flag's value is the next argument whatever it looks like, so
 * `--steps -1` reaches the flag's own check (which says what it takes) instead of being taken for an option.
 * Throws UsageError naming the flag for an unknown one (with the closest known), a missing value, a value given
 * to a switch, or a flag given twice.
 *
 * @example
 * parseCommandArgs(['cfg.yaml', '--steps', '-1'], [{ name: 'steps', value: 'N', meaning: '…' }], 'dptrain lr values'); // { values: { steps: '-1' }, positionals: ['cfg.yaml'] }
 */
export function parseCommandArgs(
  argv: readonly string[],
  flags: readonly Flag[],
  command: string,
): ParsedArgs {
  const values: Record<string, string | boolean | string[]> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      rest.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const written = equals < 0 ? token : token.slice(0, equals);
    const flag = findFlag(written, flags);
    if (flag === undefined) throw unknownFlag(written, flags, command);
    let raw: string | undefined = equals < 0 ? undefined : token.slice(equals + 1);
    if (flag.value === undefined) {
      if (raw !== undefined) {
        throw new UsageError(`${written} takes no value, received "${raw}"; write ${written} alone`);
      }
    } else if (raw === undefined) {
      raw = argv[i + 1];
      if (raw === undefined) {
        throw new UsageError(`${written} needs a value: ${written} ${flag.value} (see ${command} --help)`);
      }
      i += 1;
    }
    const value = raw ?? true;
    const before = values[flag.name];
    if (flag.multiple === true) {
      values[flag.name] = [...((before as string[] | undefined) ?? []), value as string];
    } else if (before !== undefined) {
      const both = flag.value === undefined ? '' : ` ("${before}" and "${value}")`;
      throw new UsageError(`--${flag.name} is given twice${both}; give it once`);
    } else {
      values[flag.name] = value;
    }
  }
  return { values, positionals: rest };
}

function findFlag(written: string, flags: readonly Flag[]): Flag | undefined {
  if (written.startsWith('--')) return flags.find((flag) => flag.name === written.slice(2));
  return written.length === 2 ? flags.find((flag) => flag.short === written.slice(1)) : undefined;
}

function unknownFlag(written: string, flags: readonly Flag[], command: string): UsageError {
  const names = flags.map((flag) => `--${flag.name}`);
  const close = closestKey(
    written.replace(/^-+/, ''),
    flags.map((flag) => flag.name),
  );
  const hint = close === undefined ? '' : ` Did you mean --${close}?`;
  const known = names.length === 0 ? 'It takes no options' : `Its options: ${names.join(', ')}`;
  return new UsageError(`unknown option ${written} for ${command}.${hint} ${known} (${command} --help)`);
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

/** A string flag's value (switches give booleans). */
export function stringFlag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

import { ConfigError } from '../errors.js';

/** Python's `round(x)` for a float: to the nearest integer, halves to the even one. @example pyRound(2.5) // 2 */
export function pyRound(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The run variables a dialect needs: steps per epoch and epochs, as the run (or the command's flags) gives them. */
export interface DialectRun {
  readonly stepsPerEpoch?: number;
  readonly epochs?: number;
}

/** A run variable is needed but not given: the refusal names what is missing and why. */
export type MissingRunVariable = (name: 'stepsPerEpoch' | 'epochs', needer: string) => never;

/**
 * The variable a translation needs, or the caller's refusal (a command names its flag).
 *
 * @example runValue({ stepsPerEpoch: 4 }, 'stepsPerEpoch', 'Optimizer.lr (Cosine)', refuse); // 4
 */
export function runValue(
  run: DialectRun,
  name: 'stepsPerEpoch' | 'epochs',
  needer: string,
  missing: MissingRunVariable,
): number {
  const value = run[name];
  return value === undefined ? missing(name, needer) : value;
}

/** A key a dialect class requires (Python raises TypeError without it). */
export function required(
  block: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  what: string,
): unknown {
  const value = block[key];
  if (value === undefined || value === null) {
    throw new ConfigError('ERR_CONFIG_MISSING_KEY', `${path}.${key}`, `is required by ${what}`);
  }
  return value;
}

/** A number list (milestones, decay epochs), refused with its key path otherwise. */
export function numberList(value: unknown, path: string): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a list of numbers, received ${JSON.stringify(value)}`,
    );
  }
  return value as number[];
}

/** A number, refused with its key path otherwise. */
export function numberAt(value: unknown, path: string): number {
  if (typeof value !== 'number') {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a number, received ${JSON.stringify(value)}`,
    );
  }
  return value;
}

import { describe } from '../describe.js';
import { type PythonErrorClass, SchedulerError } from '../errors.js';

export { describe } from '../describe.js';

/** Throws the TypeError Paddle raises for a value of the wrong type. */
export function typeFault(className: string, argument: string, rule: string, value: unknown): SchedulerError {
  return new SchedulerError(
    'ERR_LR_ARGUMENT_TYPE',
    'TypeError',
    `${className}: ${argument} must be ${rule}, received ${describe(value)}`,
    { argument },
  );
}

/** The ValueError (or AssertionError, where Paddle asserts) for a value Paddle refuses. */
export function valueFault(
  className: string,
  argument: string,
  rule: string,
  value: unknown,
  pythonClass: PythonErrorClass = 'ValueError',
): SchedulerError {
  return new SchedulerError(
    'ERR_LR_ARGUMENT_VALUE',
    pythonClass,
    `${className}: ${argument} must be ${rule}, received ${describe(value)}`,
    { argument },
  );
}

/** A number (Python `float | int`), else TypeError. NaN and ±Infinity are refused as values. */
export function expectNumber(className: string, argument: string, value: unknown): number {
  if (typeof value !== 'number') throw typeFault(className, argument, 'a number', value);
  if (!Number.isFinite(value)) throw valueFault(className, argument, 'a finite number', value);
  return value;
}

/** An integer (Python `int`), else TypeError. */
export function expectInteger(className: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw typeFault(className, argument, 'an integer', value);
  return value;
}

/** A boolean, else TypeError. */
export function expectBoolean(className: string, argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeFault(className, argument, 'true or false', value);
  return value;
}

/** A string, else TypeError. */
export function expectString(className: string, argument: string, value: unknown): string {
  if (typeof value !== 'string') throw typeFault(className, argument, 'a string', value);
  return value;
}

/** A function of one number (`lr_lambda`, `scale_fn`), else TypeError. */
export function expectFunction(className: string, argument: string, value: unknown): (x: number) => number {
  if (typeof value !== 'function') throw typeFault(className, argument, 'a function of the epoch', value);
  return value as (x: number) => number;
}

/** A list of finite numbers, else TypeError. */
export function expectNumberList(className: string, argument: string, value: unknown): readonly number[] {
  if (!Array.isArray(value)) throw typeFault(className, argument, 'a list of numbers', value);
  for (const item of value) {
    if (typeof item !== 'number' || !Number.isFinite(item)) {
      throw typeFault(className, argument, 'a list of numbers', value);
    }
  }
  return value as readonly number[];
}

import { type PythonErrorClass, SchedulerError } from '../errors.js';
import { listOf, mustBe, number, type RefusalKind, type Rule } from '../rules/index.js';

export { describe } from '../describe.js';

/** The TypeError Paddle raises for a value of the wrong type. */
export function typeFault(className: string, argument: string, rule: string, value: unknown): SchedulerError {
  return new SchedulerError(
    'ERR_LR_ARGUMENT_TYPE',
    'TypeError',
    `${className}: ${argument} ${mustBe(rule, value)}`,
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
    `${className}: ${argument} ${mustBe(rule, value)}`,
    { argument },
  );
}

/** The Python class raised for each kind of refusal. */
export type Raises = Readonly<Record<RefusalKind, PythonErrorClass>>;

/** What Paddle's checks mostly raise: TypeError for a wrong type, ValueError for a wrong value. */
const TYPE_OR_VALUE: Raises = { type: 'TypeError', value: 'ValueError' };

/** Paddle's `isinstance` check (TypeError) followed by an `assert` on the value (AssertionError). */
export const ASSERTS_VALUE: Raises = { type: 'TypeError', value: 'AssertionError' };

/**
 * One class for both kinds, where Python checks type and value in one test (`assert isinstance(n, int) and n > 0`).
 *
 * @example
 * raisesOnly('AssertionError'); // { type: 'AssertionError', value: 'AssertionError' }
 */
export function raisesOnly(pythonClass: PythonErrorClass): Raises {
  return { type: pythonClass, value: pythonClass };
}

/**
 * A constructor argument checked with a rule; a refusal is a SchedulerError with the Python class `raises`
 * gives for its kind (ERR_LR_ARGUMENT_TYPE for a TypeError, ERR_LR_ARGUMENT_VALUE otherwise).
 *
 * @example
 * expectArgument('StepDecay', 'gamma', options.gamma ?? 0.1, number()); // 0.1
 */
export function expectArgument<T>(
  className: string,
  argument: string,
  value: unknown,
  rule: Rule<T>,
  raises: Raises = TYPE_OR_VALUE,
): T {
  const checked = rule.check(value);
  if (checked.ok) return checked.value;
  const pythonClass = raises[checked.kind];
  throw pythonClass === 'TypeError'
    ? typeFault(className, argument, checked.allowed, value)
    : valueFault(className, argument, checked.allowed, value, pythonClass);
}

/** Milestones and boundaries: a list of finite numbers (a bad item makes the list a wrong type, as in Paddle). */
export const numberList: Rule<readonly number[]> = listOf(number(), 'a list of numbers');

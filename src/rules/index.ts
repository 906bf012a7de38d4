/**
 * The value rules every config, argument and message check is built on: each says what it allows (the phrase
 * messages and docs use) and checks a value without throwing, telling a wrong type from a wrong value. Each
 * caller turns a refusal into its own error class.
 *
 * @example
 * const checked = integer(1).check(value); if (!checked.ok) throw new Error(`batch_size ${mustBe(checked.allowed, value)}`);
 */
export { advise } from './advise.js';
export { boolean } from './boolean.js';
export { callable } from './callable.js';
export { closestKey } from './closest.js';
export { integer } from './integer.js';
export { listOf } from './list.js';
export { mapping } from './mapping.js';
export { nullable } from './nullable.js';
export { type Bounds, number } from './number.js';
export { oneOf } from './one-of.js';
export { accept, type Checked, type Refusal, type RefusalKind, type Rule, refuse } from './rule.js';
export { anyString, text } from './text.js';
export { mustBe } from './wording.js';

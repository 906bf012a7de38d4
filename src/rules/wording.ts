import { describe } from '../describe.js';

/**
 * The one wording of a refusal, for every caller to put after the name of what it checked:
 * "must be <allowed>, received <value>", then the hint when there is one.
 *
 * @example
 * `batch_size ${mustBe('an integer >= 1', 0)}`; // 'batch_size must be an integer >= 1, received 0'
 */
export function mustBe(allowed: string, value: unknown, hint?: string): string {
  const advice = hint === undefined ? '' : `; ${hint}`;
  return `must be ${allowed}, received ${describe(value)}${advice}`;
}

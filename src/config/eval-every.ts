/**
 * `eval_every`: how often a run evaluates on the test split while it trains, as a whole number of epochs (`2`) or a
 * text with its unit (`"500 steps"`, `"2 epochs"`). The value stays as written, so `config.yaml` reads back equal;
 * `evalIntervalSteps` turns it into global steps once the epoch length is known.
 */
import { accept, type Rule, refuse } from '../rules/index.js';

/** `eval_every` as written: epochs as a number, or a text with its unit. */
export type EvalEvery = number | string;

const WITH_UNIT = /^\s*([1-9][0-9]*)\s*(steps?|epochs?)\s*$/;
const ALLOWED = 'an integer >= 1 (epochs), or a text "N steps" or "N epochs" with N >= 1';

/**
 * The rule of `eval_every`. A number is epochs and must be a whole number >= 1; a text needs its unit.
 *
 * @example
 * evalEveryRule.check('500 steps').ok; // true
 */
export const evalEveryRule: Rule<EvalEvery> = {
  allowed: ALLOWED,
  check: (value) => {
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) && value >= 1
        ? accept(value)
        : refuse(Number.isInteger(value) ? 'value' : 'type', ALLOWED);
    }
    if (typeof value !== 'string') return refuse('type', ALLOWED);
    return WITH_UNIT.test(value) ? accept(value) : refuse('value', ALLOWED);
  },
};

/**
 * The interval of `eval_every` in global steps: N epochs are N × `stepsPerEpoch` steps (the epoch length the run
 * starts with), N steps are N.
 *
 * @example
 * evalIntervalSteps('500 steps', 469); // 500
 * evalIntervalSteps(2, 469); // 938
 */
export function evalIntervalSteps(value: EvalEvery, stepsPerEpoch: number): number {
  if (typeof value === 'number') return value * stepsPerEpoch;
  const [, count, unit] = WITH_UNIT.exec(value) ?? [];
  const n = Number(count);
  return unit?.startsWith('step') ? n : n * stepsPerEpoch;
}

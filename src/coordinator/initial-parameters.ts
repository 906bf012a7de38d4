import { TrainingError } from '../errors.js';
import type { ParameterLayout } from '../optim/index.js';
import type { MessageOf } from '../protocol/index.js';

/**
 * Rank 0's initial parameters, checked before anyone trains on them: a non-empty, all-finite vector and a layout
 * whose tensor sizes add up to it. A refusal is told to rank 0 (`refuse`) and ends the run before it starts,
 * naming the task's `initialParameters()` as the place to look.
 *
 * @example
 * const { params, layout } = checkInitialParameters(message, (problem) => group.refuse(0, 'ERR_PARAMS_INVALID', problem, 0));
 */
export function checkInitialParameters(
  message: MessageOf<'params'>,
  refuse: (problem: string) => void,
): { params: Float32Array; layout: ParameterLayout } {
  const params = Float32Array.from(message.params);
  if (params.length === 0 || !params.every(Number.isFinite)) {
    const problem = `rank 0's initial parameters are ${params.length === 0 ? 'empty' : 'not all finite'}`;
    refuse(problem);
    throw new TrainingError('ERR_TRAINING_MISMATCH', `${problem}; check the task's initialParameters()`, {
      rank: 0,
    });
  }
  const layout = checkLayout(message.layout, params.length);
  if (layout === null) {
    const problem = `rank 0's parameter layout ${JSON.stringify(message.layout).slice(0, 200)} does not describe its ${params.length} parameters`;
    refuse(problem);
    throw new TrainingError('ERR_TRAINING_MISMATCH', `${problem}; check the task's parameters list`, {
      rank: 0,
    });
  }
  return { params, layout };
}

/** `{ sizes, names? }` with positive sizes adding up to `count`, or null. */
function checkLayout(layout: Readonly<Record<string, unknown>>, count: number): ParameterLayout | null {
  const { sizes, names } = layout;
  const valid =
    Array.isArray(sizes) &&
    sizes.every((s) => Number.isSafeInteger(s) && (s as number) > 0) &&
    (sizes as number[]).reduce((a, b) => a + b, 0) === count &&
    (names === undefined ||
      (Array.isArray(names) && names.length === sizes.length && names.every((n) => typeof n === 'string')));
  if (!valid) return null;
  return names === undefined
    ? { sizes: sizes as number[] }
    : { sizes: sizes as number[], names: names as string[] };
}

/**
 * Checks an `lr` config against a run: before the data set size is known, that it builds at all; once it is
 * known, that it covers every step of the run as the coordinator will drive it.
 */
import { ConfigError, SchedulerError } from '../errors.js';
import { isMapping } from '../key-path.js';
import { createScheduler, type LrGranularity, ScheduleClock } from '../lr/index.js';
import { number } from '../rules/index.js';

const nonNegative = number({ min: 0 });

/** Run variables that stand in for the real ones before the data set size is known. */
export const PLACEHOLDER_LR_VARIABLES: Readonly<Record<string, number>> = Object.freeze({
  steps_per_epoch: 1000,
  total_steps: 10000,
  epochs: 10,
});

/**
 * Builds `lr` (path `lr`) with placeholder variables so a bad key, name or type is refused before anything
 * starts. A value refusal is let through when `lr` holds strings: with the run's real variables the value may
 * be fine, and {@link checkScheduleCoversRun} decides then.
 *
 * @example
 * checkScheduleShape({ name: 'StepDecay', learning_rate: 0.1, step_sise: 2 }); // throws ConfigError lr.step_sise
 */
export function checkScheduleShape(lr: Readonly<Record<string, unknown>>): void {
  try {
    createScheduler(quiet(lr), { path: 'lr', variables: PLACEHOLDER_LR_VARIABLES });
  } catch (error) {
    if (error instanceof SchedulerError && hasStrings(lr)) return;
    throw error;
  }
}

/** How the coordinator will drive the schedule. */
export interface ScheduleRun {
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly variables: Readonly<Record<string, number>>;
}

/** What the dry run over the run saw: the smallest and largest LR a step uses, and whether the loss drives it. */
export interface ScheduleDryRun {
  readonly lrRange: { readonly min: number; readonly max: number };
  readonly metricDriven: boolean;
}

/**
 * Builds `lr` with the run's variables and steps it through the whole run as the coordinator's ScheduleClock
 * will (ReduceOnPlateau sees a constant loss of 1.0), and returns the range of the LRs it gave. Refuses, as ConfigError ERR_CONFIG_CONFLICT at `lr`, a
 * scheduler that throws within the run, or an LR a step would use that is negative or non-finite. Errors of
 * building the scheduler pass through: they already name their key path.
 *
 * @example
 * checkScheduleCoversRun({ name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 100 },
 *   { granularity: 'step', stepsPerEpoch: 469, totalSteps: 1407, variables }); // throws: cannot cover the run
 */
export function checkScheduleCoversRun(
  lr: Readonly<Record<string, unknown>>,
  run: ScheduleRun,
): ScheduleDryRun {
  const { granularity, stepsPerEpoch, totalSteps } = run;
  const scheduler = createScheduler(quiet(lr), { path: 'lr', variables: run.variables });
  const clock = new ScheduleClock(scheduler, { granularity, stepsPerEpoch });
  const shape = `the run has ${totalSteps} steps (${stepsPerEpoch} per epoch, lr_granularity ${granularity})`;
  const follow = 'expressions over total_steps, steps_per_epoch and epochs follow the run';
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let step = 0; step < totalSteps; step++) {
    const lr = clock.lr;
    min = Math.min(min, lr);
    max = Math.max(max, lr);
    if (!nonNegative.check(lr).ok) {
      throw new ConfigError(
        'ERR_CONFIG_CONFLICT',
        'lr',
        `the schedule gives global step ${step} (epoch ${Math.floor(step / stepsPerEpoch)}) a learning rate ` +
          `of ${lr}, but a learning rate must be finite and >= 0; ${shape}: change lr so it stays >= 0 over the whole run ` +
          `(${follow}), or shorten the run`,
      );
    }
    try {
      clock.completeStep(1.0);
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      const calls = granularity === 'step' ? step + 1 : Math.floor((step + 1) / stepsPerEpoch);
      throw new ConfigError(
        'ERR_CONFIG_CONFLICT',
        'lr',
        `the schedule cannot cover the run: stepping it after global step ${step} (scheduler call ${calls}) ` +
          `failed (${error.message}); ${shape}: change lr so it covers every step (${follow}), or shorten the run`,
        { cause: error },
      );
    }
  }
  return { lrRange: { min, max }, metricDriven: scheduler.metricDriven };
}

/** True when some argument other than a class name is a string: an expression, a lambda or a mode. */
function hasStrings(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasStrings);
  if (!isMapping(value)) return false;
  return Object.entries(value).some(([key, item]) =>
    typeof item === 'string' ? key !== 'name' : hasStrings(item),
  );
}

/** The config with `verbose: true` silenced, so checks print nothing; other verbose values are still checked. */
function quiet(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(quiet);
  if (!isMapping(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === 'verbose' && item === true ? () => {} : quiet(item),
    ]),
  );
}

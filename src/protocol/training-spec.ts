import { TrainingError } from '../errors.js';
import { integer, mapping, mustBe, nullable, number, oneOf, type Rule, text } from '../rules/index.js';

/**
 * What a worker needs to know about the run, sent in `assign.config`: the coordinator owns everything else
 * (the schedule, the step, the parameters).
 */
export interface TrainingSpec {
  /** a built-in task name or an absolute path to a task module */
  readonly task: string;
  readonly seed: number;
  /** examples per worker per micro-batch (per step without accumulation) */
  readonly batchSize: number;
  /** micro-batches whose gradients a worker averages into the one gradient of a round (1: none) */
  readonly accumulateSteps: number;
  /** Paddle optimizer config, applied by every worker to the averaged gradient */
  readonly optimizer: Readonly<Record<string, unknown>>;
  /** keep only the first N training examples */
  readonly dataLimit: number | null;
  /** evaluate on the first N test examples only */
  readonly evalLimit: number | null;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  /** `sync`: gradients averaged in rounds; `async`: every gradient pushed to the parameter server on its own */
  readonly mode: 'sync' | 'async';
  /** this rank's simulated slowness: its compute takes `slowdown` times as long (1: as fast as it is) */
  readonly slowdown: number;
  /** seeded uniform jitter of ± this fraction of the compute time, added to this rank's simulated sleep */
  readonly jitter: number;
}

const count = integer(1);

/** The rule of every field, in the order they are checked. */
const FIELDS: { readonly [K in keyof TrainingSpec]: Rule<TrainingSpec[K]> } = {
  task: text('a task name or path'),
  seed: integer(0),
  batchSize: count,
  accumulateSteps: count,
  optimizer: mapping(),
  dataLimit: nullable(count),
  evalLimit: nullable(count),
  heartbeatIntervalMs: count,
  heartbeatTimeoutMs: count,
  mode: oneOf('sync', 'async'),
  slowdown: number({ min: 1 }),
  jitter: number({ min: 0, below: 1 }),
};

/** Fields a peer may leave out, with the value that means "as before the field existed". */
const DEFAULTS: Partial<Readonly<Record<keyof TrainingSpec, unknown>>> = { accumulateSteps: 1 };

/**
 * Reads a TrainingSpec from `assign.config`, refusing anything that is not one (the two ends disagree) with
 * a TrainingError ERR_TRAINING_PROTOCOL naming the field.
 *
 * @example
 * parseTrainingSpec(assign.config).batchSize; // 64
 */
export function parseTrainingSpec(value: Readonly<Record<string, unknown>>): TrainingSpec {
  const spec: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(FIELDS) as [keyof TrainingSpec, Rule<unknown>][]) {
    const given = value[key] === undefined && Object.hasOwn(DEFAULTS, key) ? DEFAULTS[key] : value[key];
    const checked = rule.check(given);
    if (!checked.ok) {
      throw new TrainingError(
        'ERR_TRAINING_PROTOCOL',
        `assign.config.${key} ${mustBe(checked.allowed, given, checked.hint)}; ` +
          'coordinator and worker versions differ?',
      );
    }
    spec[key] = checked.value;
  }
  return Object.freeze(spec as unknown as TrainingSpec);
}

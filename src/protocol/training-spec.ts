import { TrainingError } from '../errors.js';

/**
 * What a worker needs to know about the run, sent in `assign.config`: the coordinator owns everything else
 * (the schedule, the step, the parameters).
 */
export interface TrainingSpec {
  /** a built-in task name or an absolute path to a task module */
  readonly task: string;
  readonly seed: number;
  /** examples per worker per step */
  readonly batchSize: number;
  /** Paddle optimizer config, applied by every worker to the averaged gradient */
  readonly optimizer: Readonly<Record<string, unknown>>;
  /** keep only the first N training examples */
  readonly dataLimit: number | null;
  /** evaluate on the first N test examples only */
  readonly evalLimit: number | null;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
}

/**
 * Reads a TrainingSpec from `assign.config`, refusing anything that is not one (the two ends disagree).
 *
 * @example
 * parseTrainingSpec(assign.config).batchSize; // 64
 */
export function parseTrainingSpec(value: Readonly<Record<string, unknown>>): TrainingSpec {
  const fail = (key: string, rule: string): never => {
    throw new TrainingError(
      'ERR_TRAINING_PROTOCOL',
      `assign.config.${key} must be ${rule}, received ${JSON.stringify(value[key])}; coordinator and worker versions differ?`,
    );
  };
  const integer = (key: string, min: number) => {
    const v = value[key];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min
      ? v
      : fail(key, `an integer >= ${min}`);
  };
  const optional = (key: string) => (value[key] === null ? null : integer(key, 1));
  const task =
    typeof value.task === 'string' && value.task !== '' ? value.task : fail('task', 'a task name or path');
  const optimizer = value.optimizer;
  if (typeof optimizer !== 'object' || optimizer === null || Array.isArray(optimizer))
    fail('optimizer', 'a mapping');
  return Object.freeze({
    task,
    seed: integer('seed', 0),
    batchSize: integer('batchSize', 1),
    optimizer: optimizer as Readonly<Record<string, unknown>>,
    dataLimit: optional('dataLimit'),
    evalLimit: optional('evalLimit'),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', 1),
    heartbeatTimeoutMs: integer('heartbeatTimeoutMs', 1),
  });
}

import { SchedulerError } from '../errors.js';
import { mustBe, number } from '../rules/index.js';
import { describe } from './checks.js';
import type { Scheduler } from './scheduler.js';

/** One call of a scheduler: a plain step, an explicit epoch, or a metric (ReduceOnPlateau). */
export type SchedulerCall =
  | null
  | { readonly epoch: number }
  | { readonly metrics: number; readonly epoch?: number };

/**
 * Performs one call on any scheduler, refusing a call the scheduler cannot take (a metric-driven scheduler
 * without a metric, a metric given to an epoch scheduler).
 *
 * @example
 * applyCall(scheduler, { epoch: 5 }); // scheduler.step(5)
 */
export function applyCall(scheduler: Scheduler, call: SchedulerCall): void {
  const metrics = call !== null && 'metrics' in call ? call.metrics : undefined;
  const epoch = call?.epoch;
  if (scheduler.metricDriven) {
    if (metrics === undefined) {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'TypeError',
        `${scheduler.className} steps on a metric: give {"metrics": m} (and optionally "epoch") for every call`,
      );
    }
    scheduler.step(metrics, epoch);
  } else {
    if (metrics !== undefined) {
      throw new SchedulerError(
        'ERR_LR_STEP',
        'TypeError',
        `${scheduler.className} does not take metrics; give null or {"epoch": e}`,
      );
    }
    scheduler.step(epoch);
  }
}

/**
 * Checks a JSON list of calls (`null`, `{"epoch": e}`, `{"metrics": m}`, `{"metrics": m, "epoch": e}`).
 *
 * @example
 * parseCalls([null, { epoch: 3 }], 2); // [null, { epoch: 3 }]
 */
export function parseCalls(value: unknown, count: number): SchedulerCall[] {
  if (!Array.isArray(value)) throw callsFault(`must be a JSON array, received ${describe(value)}`);
  if (value.length !== count)
    throw callsFault(`must hold ${count} calls (one per step), received ${value.length}`);
  return value.map((call, i) => {
    if (call === null) return null;
    if (typeof call !== 'object' || Array.isArray(call)) {
      throw callsFault(`call ${i} must be null or an object, received ${describe(call)}`);
    }
    const record = call as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== 'epoch' && key !== 'metrics')
        throw callsFault(`call ${i} has unknown key "${key}" (use epoch, metrics)`);
    }
    for (const key of ['epoch', 'metrics'] as const) {
      const v = record[key];
      const checked = v === undefined ? undefined : finiteNumber.check(v);
      if (checked !== undefined && !checked.ok)
        throw callsFault(`call ${i}: ${key} ${mustBe(checked.allowed, v)}`);
    }
    if (record.metrics !== undefined) {
      return record.epoch === undefined
        ? { metrics: record.metrics as number }
        : { metrics: record.metrics as number, epoch: record.epoch as number };
    }
    if (record.epoch === undefined) throw callsFault(`call ${i} must give epoch or metrics`);
    return { epoch: record.epoch as number };
  });
}

const finiteNumber = number();

function callsFault(message: string): SchedulerError {
  return new SchedulerError('ERR_LR_STEP', 'ValueError', `calls: ${message}`);
}

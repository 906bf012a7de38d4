import { LinearWarmup } from './paddle/linear-warmup.js';
import { OneCycleLR } from './paddle/one-cycle-lr.js';
import type { Scheduler } from './scheduler.js';

/**
 * Where the rise of a schedule ends, in scheduler calls: LinearWarmup's warmup, OneCycleLR's peak; null for
 * schedules without a rise. Pictures mark it.
 *
 * @example
 * warmupEnd(createScheduler({ name: 'LinearWarmup', learning_rate: 0.1, warmup_steps: 100, start_lr: 0, end_lr: 0.1 })); // { calls: 100, label: 'warmup ends' }
 */
export function warmupEnd(scheduler: Scheduler): { calls: number; label: string } | null {
  if (scheduler instanceof LinearWarmup) return { calls: scheduler.warmupSteps, label: 'warmup ends' };
  if (scheduler instanceof OneCycleLR) return { calls: Math.ceil(scheduler.peakStep), label: 'peak' };
  return null;
}

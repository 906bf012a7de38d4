import { DptrainError, TrainingError } from '../errors.js';
import { ScheduleClock, type ScheduleClockState } from '../lr/index.js';
import type { RunPlan } from './run-plan.js';
import type { RunState } from './run-state.js';

/** The key of an async run's part in `RunState.extensions`. */
export const ASYNC_EXTENSION = 'async';

/** Bumped whenever the layout below changes; a checkpoint of another version is refused. */
export const ASYNC_PROGRESS_VERSION = 1;

/**
 * What an async checkpoint keeps beside the run state (JSON, in `extensions.async`): the counts the summary
 * reports over the whole run, the state of the staleness policy and of the LR check, and where the arrival log
 * stood. It holds nothing a resumed run recomputes: every worker is welcomed with the checkpoint's parameters, so
 * each rank's last-read step and DC-ASGD's read parameters start again at the checkpoint's step, and no answer is
 * held or pending.
 */
export interface AsyncProgress {
  readonly version: typeof ASYNC_PROGRESS_VERSION;
  /** gradients decided so far: the entries arrivals.jsonl held at this step, and the `i` of the next one */
  readonly arrivals: number;
  /** per rank: gradients pushed and decided (ssp_bound compares these), applied, dropped */
  readonly pushed: readonly number[];
  readonly applied: readonly number[];
  readonly dropped: readonly number[];
  /**
   * per rank (`shrink`; absent in a checkpoint written before): decided batches of lost ranks' shards it
   * computed, and decided batches of its own shard that others computed
   */
  readonly taken?: readonly number[];
  readonly lent?: readonly number[];
  /** gradients that came after the last step (a run resumed for more steps had some) */
  readonly lateAfterEnd: number;
  /** τ → applied updates */
  readonly staleness: Readonly<Record<string, number>>;
  /** the second scheduler every applied LR is checked against, as it is at this step */
  readonly reference: ScheduleClockState;
}

/** An async progress restored around a run state: the counts and the LR check's clock, continuing. */
export interface RestoredProgress {
  readonly progress: AsyncProgress;
  readonly reference: ScheduleClock;
}

/**
 * Reads the async part of a restored run state and rebuilds the LR check's clock around the plan's reference
 * scheduler. Refuses (TrainingError ERR_TRAINING_STATE, naming the field) a state that has none (written before
 * async runs could resume), one of another version, or counts that do not add up with the run state's step,
 * drops and batch positions.
 *
 * @example
 * const { progress, reference } = restoreAsyncProgress(RunState.restore(saved, parts), plan); progress.arrivals;
 */
export function restoreAsyncProgress(state: RunState, plan: RunPlan): RestoredProgress {
  const progress = parseAsyncProgress(state.extensions[ASYNC_EXTENSION], state.positions.length);
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const applied = sum(progress.applied);
  const dropped = sum(progress.dropped);
  const late = sum(progress.pushed) - applied - dropped;
  const taus = sum(Object.values(progress.staleness));
  if (applied !== state.step || taus !== state.step || dropped !== state.skippedSteps) {
    refuse(
      `its ${applied} applied and ${dropped} dropped gradients (${taus} in the staleness histogram) do not add up ` +
        `with the run state's step ${state.step} and ${state.skippedSteps} skipped steps`,
    );
  }
  if (late !== progress.lateAfterEnd || sum(progress.pushed) !== progress.arrivals) {
    refuse(
      `its ${progress.arrivals} arrivals, ${sum(progress.pushed)} pushes and ${progress.lateAfterEnd} late gradients do not add up`,
    );
  }
  for (const [rank, position] of state.positions.entries()) {
    // A rank's decided gradients, less those of other shards it took over, plus its shard's batches others took.
    const used =
      progress.applied[rank]! +
      progress.dropped[rank]! -
      (progress.taken?.[rank] ?? 0) +
      (progress.lent?.[rank] ?? 0);
    if (used !== position) {
      refuse(`rank ${rank} used ${used} batches by its counts, but its batch position is ${position}`);
    }
  }
  if (plan.referenceScheduler === null) {
    refuse("the plan has no referenceScheduler to continue the LR check's clock with");
  }
  let reference: ScheduleClock;
  try {
    reference = ScheduleClock.restore(
      plan.referenceScheduler,
      { granularity: plan.granularity, stepsPerEpoch: plan.stepsPerEpoch },
      progress.reference,
    );
  } catch (error) {
    if (!(error instanceof DptrainError)) throw error;
    return refuse(`its reference schedule: ${error.message}`);
  }
  if (progress.reference.completedSteps !== state.step) {
    refuse(
      `its reference schedule is at step ${progress.reference.completedSteps}, the run at ${state.step}`,
    );
  }
  return { progress, reference };
}

/**
 * The shape check of an async progress as a checkpoint holds it (JSON): `workers` entries per rank, counts that
 * are counts. Throws TrainingError ERR_TRAINING_STATE naming the field.
 *
 * @example
 * parseAsyncProgress(saved.json.extensions.async, 2).arrivals; // the arrival log's entries at the checkpoint
 */
export function parseAsyncProgress(value: unknown, workers: number): AsyncProgress {
  if (value === undefined) {
    refuse(
      'it holds no async state (extensions.async): it was written by a dptrain that could not resume async runs; ' +
        'start the run again',
    );
  }
  if (typeof value !== 'object' || value === null) refuse(`extensions.async is ${JSON.stringify(value)}`);
  const fields = value as Record<string, unknown>;
  if (fields['version'] !== ASYNC_PROGRESS_VERSION) {
    refuse(
      `extensions.async is version ${JSON.stringify(fields['version'])}, this dptrain reads version ${ASYNC_PROGRESS_VERSION}`,
    );
  }
  const count = (key: string, v: unknown): number =>
    Number.isSafeInteger(v) && (v as number) >= 0
      ? (v as number)
      : refuse(`extensions.async.${key} must be an integer >= 0, found ${JSON.stringify(v)}`);
  const perRank = (key: string): number[] => {
    const list = fields[key];
    if (!Array.isArray(list) || list.length !== workers) {
      refuse(
        `extensions.async.${key} must hold one count per worker (${workers}), found ${JSON.stringify(list)}`,
      );
    }
    return (list as unknown[]).map((v, rank) => count(`${key}[${rank}]`, v));
  };
  const histogram = fields['staleness'];
  if (typeof histogram !== 'object' || histogram === null || Array.isArray(histogram)) {
    refuse(`extensions.async.staleness must be an object τ → count, found ${JSON.stringify(histogram)}`);
  }
  const staleness: Record<string, number> = {};
  for (const [tau, n] of Object.entries(histogram as Record<string, unknown>)) {
    count(`staleness key ${tau}`, /^\d+$/.test(tau) ? Number(tau) : Number.NaN);
    staleness[tau] = count(`staleness[${tau}]`, n);
  }
  const reference = fields['reference'];
  if (typeof reference !== 'object' || reference === null) {
    refuse(`extensions.async.reference must be a schedule clock's state, found ${JSON.stringify(reference)}`);
  }
  return {
    version: ASYNC_PROGRESS_VERSION,
    arrivals: count('arrivals', fields['arrivals']),
    pushed: perRank('pushed'),
    applied: perRank('applied'),
    dropped: perRank('dropped'),
    ...(fields['taken'] === undefined ? {} : { taken: perRank('taken') }),
    ...(fields['lent'] === undefined ? {} : { lent: perRank('lent') }),
    lateAfterEnd: count('lateAfterEnd', fields['lateAfterEnd']),
    staleness,
    reference: reference as ScheduleClockState,
  };
}

function refuse(what: string): never {
  throw new TrainingError('ERR_TRAINING_STATE', `the saved async run cannot be continued: ${what}`);
}

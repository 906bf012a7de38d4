/**
 * What a run produces, as plain data: the step records the coordinator emits as it goes and the result it resolves
 * with. Kept apart from the coordinator so the run directory, the launcher and tests read results without it.
 */
import type { TraceEvent } from './trace.js';

/** One completed global step, as metrics.jsonl records it. */
export interface StepRecord {
  readonly step: number;
  readonly epoch: number;
  /** the batch index (rounds run, skipped ones included) */
  readonly round: number;
  readonly lr: number;
  /** mean over the workers of their batch's mean loss */
  readonly loss: number;
  /** examples in the global batch */
  readonly samples: number;
  /** from the round's completion to the end of the broadcast: what the coordinator spends */
  readonly reduceMs: number;
  /** from the previous broadcast to this one: the whole round as the workers see it */
  readonly roundMs: number;
  readonly samplesPerSec: number;
  /** each rank's gradient compute time, in rank order */
  readonly computeMs: readonly number[];
}

/** Rank 0's evaluation of the final parameters on the test split. */
export interface Evaluation {
  /** summed loss / examples */
  readonly loss: number;
  /** correct / examples; null for a task without classes */
  readonly accuracy: number | null;
  readonly correct: number | null;
  readonly examples: number;
}

/** One (rank, step) whose applied LR or parameter digest differs from the coordinator's own. */
export interface Mismatch {
  readonly rank: number;
  readonly step: number;
  readonly expectedLr: number;
  readonly appliedLr: number;
  readonly expectedDigest: string;
  readonly digest: string;
}

/** A (rank, step) that rank was a member at and never reported. */
export interface MissingReport {
  readonly rank: number;
  readonly step: number;
}

/**
 * The verdict of the consistency check of a synchronous run. `consistent`: every rank that was a member at a
 * step reported that step, its LR equals the schedule's bit for bit and its parameter digest equals the
 * coordinator's. `replicasIdentical`: no reported digest differs from the coordinator's, and at least one step
 * was checked (vacuously true for a run that completed no step).
 */
export interface ConsistencyReport {
  /** steps the coordinator applied (and expected reports for) */
  readonly steps: number;
  /** steps every member reported */
  readonly checkedSteps: number;
  /** (rank, step) pairs whose applied LR differs bitwise from the schedule's */
  readonly lrMismatches: number;
  /** (rank, step) pairs whose parameter digest differs from the coordinator's */
  readonly digestMismatches: number;
  /** (rank, step) pairs never reported */
  readonly missingReports: number;
  readonly consistent: boolean;
  readonly replicasIdentical: boolean;
}

/** How a run that started ended: all its steps (or an early stop the config asked for), a stop request, a failure. */
export type RunOutcome = 'finished' | 'stopped' | 'failed';

/** The error a failed run ended with. */
export interface RunFailure {
  readonly code: string;
  readonly message: string;
  readonly rank: number | null;
}

/** A worker of the run. */
export interface MemberInfo {
  readonly rank: number;
  readonly host: string;
  readonly pid: number;
  readonly backend: string;
}

/** The timeline, as Chrome trace events (what Perfetto and chrome://tracing open). */
export interface TraceJson {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms';
}

/** What a run that started produced, however it ended. */
export interface RunResult {
  readonly mode: string;
  readonly outcome: RunOutcome;
  /** the error when `outcome` is 'failed', else null */
  readonly failure: RunFailure | null;
  /** why a stopped run stopped (a signal, a launcher that lost a worker), else null */
  readonly stopped: string | null;
  readonly completedSteps: number;
  /** batches consumed: completed plus skipped steps */
  readonly rounds: number;
  readonly skippedSteps: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** the coordinator's parameters after the last completed step */
  readonly params: Float32Array;
  readonly paramsDigest: string;
  /** the LR the schedule gave each completed step */
  readonly lrs: readonly number[];
  /** the mean loss of the last completed step */
  readonly finalLoss: number | null;
  readonly consistency: ConsistencyReport;
  readonly mismatches: readonly Mismatch[];
  readonly missing: readonly MissingReport[];
  /** the LR each rank reported applying, per step (index = step; NaN where it did not report) */
  readonly appliedLrs: readonly (readonly number[])[];
  readonly evaluation: Evaluation | null;
  /** training time from the first round to the last update, without start-up and evaluation */
  readonly trainSeconds: number;
  /** examples in all completed steps */
  readonly samples: number;
  readonly members: readonly MemberInfo[];
  readonly trace: TraceJson;
}

/**
 * What a run produces, as plain data: the step records the coordinator emits as it goes and the result it resolves
 * with. Kept apart from the coordinator so the run directory, the launcher and tests read results without it.
 */
import type { ArrivalEntry } from '../arrivals/index.js';
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
  /** each rank's gradient compute time, in rank order (async: the one rank's) */
  readonly computeMs: readonly number[];
  /** async: the rank whose gradient this update was */
  readonly rank?: number;
  /** async: its staleness in global steps */
  readonly tau?: number;
  /** async: the staleness policy's factor (`lr` = `scheduleLr` × `scale`) */
  readonly scale?: number;
  /** async: the schedule's own LR at this step (`lr` is what the update used) */
  readonly scheduleLr?: number;
}

/** One decided gradient of an async run: the arrival log's entry, defined once by the log. */
export type Arrival = ArrivalEntry;

/** The staleness of an async run's applied updates (τ in global steps). */
export interface StalenessSummary {
  readonly max: number | null;
  readonly mean: number | null;
  /** nearest-rank percentiles */
  readonly p50: number | null;
  readonly p99: number | null;
  /** τ → applied updates */
  readonly histogram: Readonly<Record<string, number>>;
  /** gradients not applied (too stale, not finite) */
  readonly dropped: number;
  /** gradients that arrived after the last step, counted apart */
  readonly lateAfterEnd: number;
}

/** What an async run adds to its result. */
export interface AsyncReport {
  readonly policy: {
    readonly maxStaleness: number | null;
    readonly sspBound: number | null;
    readonly lrScale: 'none' | 'inverse';
    readonly dcLambda: number;
  };
  readonly staleness: StalenessSummary;
  readonly perWorker: readonly {
    readonly rank: number;
    readonly pushed: number;
    readonly applied: number;
    readonly dropped: number;
    readonly samplesPerSec: number;
  }[];
  /** memory the coordinator keeps for the parameters each worker last read (N × P float32) */
  readonly readSnapshotBytes: number;
  /** gradients decided (entries of the arrival log) */
  readonly arrivals: number;
  /** LRs the workers reported back and the coordinator checked */
  readonly checkedReports: number;
  /** gradients dropped because their worker was lost while computing or sending them */
  readonly lostInFlight: number;
}

/** A worker the run went on without: who, at which global step, why, and the step it rejoined at (restart). */
export interface LostWorkerRecord {
  readonly rank: number;
  readonly pid: number;
  readonly host: string;
  readonly step: number;
  readonly reason: string;
  readonly policy: 'restart' | 'shrink';
  /** the global step a new process of the rank was welcomed at; null: it did not rejoin */
  readonly rejoinedAtStep: number | null;
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

/** An evaluation on the test split during training (`eval_every`), as metrics.jsonl records it. */
export interface EvalRecord {
  /** global steps completed: the evaluated parameters are those after this many updates */
  readonly step: number;
  /** epochs completed, step ÷ steps per epoch */
  readonly epoch: number;
  readonly evalLoss: number;
  /** null for a task without classes */
  readonly evalAccuracy: number | null;
  readonly evalExamples: number;
}

/** Why and where early stopping ended a run, against the schedule's plan (summary.json's `earlyStopping`). */
export interface EarlyStopReport {
  readonly metric: 'eval_loss' | 'eval_accuracy';
  readonly best: number;
  readonly bestStep: number;
  /** global steps completed at the stop */
  readonly stoppedAtStep: number;
  /** the planned run's length */
  readonly totalSteps: number;
  /** the schedule's LR at the stop: the LR the next step would have had */
  readonly lrAtStop: number;
  /** the largest LR of the planned schedule, from a fresh scheduler (null: a metric-driven one has no plan) */
  readonly lrPeak: number | null;
  /** the LR the planned schedule reaches after its last step (null: no plan) */
  readonly lrEnd: number | null;
  /** (lrAtStop − lrEnd) ÷ (lrPeak − lrEnd): the share of the decay the run did not go through; null: none planned */
  readonly undoneDecay: number | null;
  /** the same in one sentence, as the log says it */
  readonly message: string;
}

/** One (rank, step) whose applied LR or parameter digest differs from the coordinator's own. */
export interface Mismatch {
  readonly rank: number;
  readonly step: number;
  readonly expectedLr: number;
  readonly appliedLr: number;
  /** null in async mode, where replicas differ by design and only LRs are compared */
  readonly expectedDigest: string | null;
  readonly digest: string | null;
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
  /** (rank, step) pairs a lost rank owed when the run went on without it (`on_worker_failure`): not missing */
  readonly excusedReports: number;
  readonly consistent: boolean;
  /** null in async mode: workers hold the parameters of different steps by design */
  readonly replicasIdentical: boolean | null;
}

/** How a run that started ended: all its steps (or an early stop the config asked for), a stop request, a failure. */
export type RunOutcome = 'finished' | 'stopped' | 'failed';

/** The error a failed run ended with. */
export interface RunFailure {
  readonly code: string;
  readonly message: string;
  /** the rank it names (a lost worker, a rank a round waited for), else null */
  readonly rank: number | null;
  /**
   * the global step the run was at when it failed: the steps completed before it, which is the index of the step
   * it could not complete (null for a run that failed before training began)
   */
  readonly step: number | null;
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
  /** the evaluations during training (`eval_every`), and the one at the end when there were such */
  readonly evaluations: readonly EvalRecord[];
  /** set when early stopping ended the run (`outcome` is then 'stopped', `evaluation` that of the stop's step) */
  readonly earlyStopping: EarlyStopReport | null;
  /** training time from the first round to the last update, without start-up and evaluation */
  readonly trainSeconds: number;
  /** examples in all completed steps */
  readonly samples: number;
  readonly members: readonly MemberInfo[];
  /** workers lost while the run went on (`on_worker_failure: restart | shrink`), in the order they were lost */
  readonly lostWorkers: readonly LostWorkerRecord[];
  readonly trace: TraceJson;
  /** async mode: staleness, per-worker counts and the policy; null in sync mode */
  readonly async: AsyncReport | null;
}

import type { Log } from '../log/index.js';
import type { ProcessGroup } from './group.js';
import type { StalenessPolicy } from './parameter-server.js';
import type { Member } from './rendezvous.js';
import type {
  Arrival,
  AsyncReport,
  ConsistencyReport,
  Mismatch,
  MissingReport,
  StepRecord,
} from './result.js';
import type { RunPlan } from './run-plan.js';
import type { RunState } from './run-state.js';
import type { Trigger } from './trigger.js';

/** What a mode reports as it goes (the coordinator re-emits these as its own events). */
export interface ModeEvents {
  step(record: StepRecord): void;
  skipped(info: { step: number; round: number; reason: string }): void;
  mismatch(mismatch: Mismatch): void;
  /** async: a gradient was decided (the arrival log's entry) */
  arrival?(arrival: Arrival): void;
  /** `shrink`: the world changed from batch `round` on; `totalSteps` is the run's length from now on */
  resized?(world: Resized): void;
}

/** A world that shrank: who trains from which batch on, and how long the run is now. */
export interface Resized {
  readonly round: number;
  readonly members: readonly number[];
  readonly totalSteps: number;
}

/** Everything a training mode works with: the group, the one run state, the plan, and the run's settings. */
export interface ModeContext {
  readonly group: ProcessGroup;
  readonly state: RunState;
  /** replaced (never mutated) when a shrunk world changes the length of a run given in epochs */
  plan: RunPlan;
  /** fires with the reason when the run is asked to stop after the round in progress */
  readonly stop: Trigger<string>;
  readonly onNonfinite: 'skip' | 'abort';
  /** async mode's staleness policy */
  readonly policy: StalenessPolicy;
  /** how long one round may wait for every rank */
  readonly roundTimeoutMs: number;
  /** after the last step, how long to wait for the reports still owed */
  readonly settleMs: number;
  readonly events: ModeEvents;
  /**
   * Called once a step is complete, with the global steps completed: the evaluation due then (`eval_every`), which
   * the mode awaits before it applies another step, or undefined when none is. An early stop fires `stop`.
   */
  readonly evaluateAt?: (step: number) => Promise<void> | undefined;
  /** records a span of the coordinator's timeline */
  readonly span: (name: string, step: number, startUs: number) => void;
  readonly log: Log;
}

/** What a mode knows about the run's consistency and schedule, at any moment (also after a failure). */
export interface ModeReport {
  readonly consistency: ConsistencyReport;
  readonly mismatches: readonly Mismatch[];
  readonly missing: readonly MissingReport[];
  /** per rank, the LR it reported applying at each completed step */
  readonly appliedLrs: readonly (readonly number[])[];
  /** the schedule's LR of each completed step */
  readonly lrs: readonly number[];
  /** seconds spent in rounds */
  readonly trainSeconds: number;
  /** async mode's staleness, counts and policy */
  readonly async?: AsyncReport;
}

/**
 * How training proceeds once the group is formed and every worker holds the initial parameters. A mode registers
 * the handlers it needs on the group, advances the run state, and returns when the run is done or asked to stop;
 * it throws (a TrainingError) when the run cannot go on. `report()` may be called at any time.
 *
 * @example
 * const mode = MODES.sync(context); await mode.run(); mode.report().consistency.consistent;
 */
export interface TrainingMode {
  readonly name: string;
  run(): Promise<void>;
  report(): ModeReport;
  /**
   * `rank` was lost and the run goes on (`on_worker_failure`): with `restart` the mode waits for it to rejoin (the
   * round in progress completes once it did), with `shrink` it goes on without it. What it owed is not applied.
   */
  lost(rank: number, policy: 'restart' | 'shrink'): void;
  /**
   * A lost rank joined again. The mode calls `welcome(round)` (which makes `member` the rank's member and sends it
   * the current parameters, optimizer state and step, with `round` as its batch position) at a point where the run
   * state is whole, and takes it back from then on.
   */
  readmit(member: Member, welcome: (round: number) => void): Promise<void>;
}

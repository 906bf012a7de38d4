import {
  CheckpointError,
  ConfigError,
  ExpressionError,
  NetsimError,
  OptimizerError,
  SchedulerError,
  TaskError,
  TrainingError,
  UsageError,
} from '../errors.js';

/**
 * Exit codes of every dptrain command. When several apply, the most telling wins: a refused config or argument
 * (2) beats a failed run (1), which beats a run that finished but is inconsistent (3), which beats the signal
 * that ended it (130 for SIGINT, 143 for SIGTERM).
 */
export const EXIT_CODES = {
  /** success, also an early stop the config asked for */
  success: 0,
  /** the run failed (a worker lost, a deadline missed, a refused message, an internal error) */
  failed: 1,
  /** a refused config or argument: nothing was started */
  refused: 2,
  /** the run finished but is inconsistent (an applied LR or a replica differs, a report is missing) */
  inconsistent: 3,
  sigint: 130,
  sigterm: 143,
} as const;

/** The signals a command stops cleanly on, and their exit codes. */
export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = {
  SIGINT: EXIT_CODES.sigint,
  SIGTERM: EXIT_CODES.sigterm,
};

/** What happened to a run, as far as its exit code is concerned. */
export interface RunVerdict {
  readonly failed: boolean;
  readonly inconsistent: boolean;
  /** the signal that stopped it, if one did */
  readonly signal: 'SIGINT' | 'SIGTERM' | null;
}

/**
 * The exit code of a run that started (a refused config never gets this far: it exits 2).
 *
 * @example
 * runExitCode({ failed: false, inconsistent: true, signal: 'SIGINT' }); // 3
 */
export function runExitCode(verdict: RunVerdict): number {
  if (verdict.failed) return EXIT_CODES.failed;
  if (verdict.inconsistent) return EXIT_CODES.inconsistent;
  if (verdict.signal !== null) return SIGNAL_EXIT_CODES[verdict.signal];
  return EXIT_CODES.success;
}

/**
 * The exit code for an error a command threw: 2 when it is the user's input to fix (a refused config or
 * argument, a file that cannot be read), else 1.
 *
 * @example
 * errorExitCode(new UsageError('--steps is required')); // 2
 */
export function errorExitCode(error: unknown): number {
  if (error instanceof TrainingError && error.code === 'ERR_TRAINING_STOPPED' && error.signal !== null) {
    return SIGNAL_EXIT_CODES[error.signal];
  }
  return isBadInput(error) ? EXIT_CODES.refused : EXIT_CODES.failed;
}

/** A refused config, argument or file: the user's to fix. */
function isBadInput(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof SchedulerError ||
    error instanceof ExpressionError ||
    error instanceof OptimizerError ||
    error instanceof TaskError ||
    error instanceof NetsimError ||
    // only reading one can fail a command: a resume whose checkpoint is missing or damaged
    error instanceof CheckpointError ||
    isSystemError(error)
  );
}

/** Node's file-system and network errors (ENOENT, EACCES, …) are the user's to fix, like a bad argument. */
function isSystemError(error: unknown): boolean {
  return (
    error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error
  );
}

/**
 * Every error dptrain throws on purpose. Each class has a stable `code` users can grep for; tests assert
 * the class and the code, never the wording. Messages name the argument, the rule and the value received.
 *
 * @example
 * try { new StepDecay({ learningRate: 0.1, stepSize: 0 }); } catch (e) { if (e instanceof SchedulerError) console.log(e.code); }
 */

/** The Python exception class Paddle (or PyTorch) raises for the same fault. */
export type PythonErrorClass =
  | 'ValueError'
  | 'TypeError'
  | 'AssertionError'
  | 'NotImplementedError'
  | 'RuntimeError'
  | 'KeyError'
  | 'ZeroDivisionError'
  | 'OverflowError';

/** Base class: `code` is stable across releases; `cause` carries the underlying error when there is one. */
export abstract class DptrainError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type SchedulerErrorCode =
  /** an argument has the wrong type (Python: TypeError) */
  | 'ERR_LR_ARGUMENT_TYPE'
  /** an argument has a value the scheduler refuses (Python: ValueError or AssertionError) */
  | 'ERR_LR_ARGUMENT_VALUE'
  /** a step() call the scheduler cannot perform (past OneCycleLR's total steps, a negative epoch, …) */
  | 'ERR_LR_STEP'
  /** setStateDict() received a state that lacks a key or holds a value of the wrong type */
  | 'ERR_LR_STATE'
  /** the abstract base class was instantiated (Python: NotImplementedError) */
  | 'ERR_LR_ABSTRACT';

/** A scheduler refused an argument, a call or a state, where Paddle/PyTorch refuse it too. */
export class SchedulerError extends DptrainError {
  /** The argument at fault (snake_case, as in a config), when one is. */
  readonly argument: string | undefined;

  constructor(
    readonly code: SchedulerErrorCode,
    readonly pythonClass: PythonErrorClass,
    message: string,
    options?: { cause?: unknown; argument?: string },
  ) {
    super(message, options);
    this.argument = options?.argument;
  }
}

export type ConfigErrorCode =
  /** a key the config format does not know */
  | 'ERR_CONFIG_UNKNOWN_KEY'
  /** a required key is absent */
  | 'ERR_CONFIG_MISSING_KEY'
  /** a value of the wrong type or outside its range */
  | 'ERR_CONFIG_BAD_VALUE'
  /** a scheduler / optimizer / task name that does not exist */
  | 'ERR_CONFIG_UNKNOWN_NAME'
  /** the text is not valid YAML/JSON */
  | 'ERR_CONFIG_SYNTAX'
  /** a config file that cannot be read: missing, a folder, not permitted */
  | 'ERR_CONFIG_FILE'
  /** keys that cannot be used together, or a schedule that cannot cover the run */
  | 'ERR_CONFIG_CONFLICT'
  /** a schedule that does not fit the run (an LR of 0 throughout; under --strict-schedule, any misfit) */
  | 'ERR_CONFIG_SCHEDULE_MISFIT';

/** A configuration (file, object or flags) was refused; `path` is the key path, e.g. `lr.learning_rate.gamma`. */
export class ConfigError extends DptrainError {
  constructor(
    readonly code: ConfigErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(path === '' ? message : `${path}: ${message}`, options);
  }
}

/** An arithmetic expression (`lr_lambda: "0.95 ** x"`) could not be parsed or evaluated. */
export class ExpressionError extends DptrainError {
  readonly code = 'ERR_EXPRESSION';

  /**
   * @param pythonClass for a fault while evaluating, the exception Python raises for the same arithmetic
   * (`ZeroDivisionError`, `ValueError` for a math domain error, `OverflowError`)
   */
  constructor(
    message: string,
    readonly source: string,
    readonly position: number,
    readonly pythonClass?: PythonErrorClass,
  ) {
    super(position >= 0 ? `${message} at position ${position} in "${source}"` : `${message} in "${source}"`);
  }
}

/** A command-line argument was refused (unknown flag, missing value, bad number). */
export class UsageError extends DptrainError {
  readonly code = 'ERR_USAGE';
}

/** WebSocket close codes dptrain uses when a stream cannot be trusted (RFC 6455 §7.4.1). */
export const CLOSE_CODES = {
  /** normal end of a run */
  normal: 1000,
  /** undecodable frame, unknown message type, wrong protocol version */
  protocolError: 1002,
  /** failed authentication or a message sent out of turn */
  policyViolation: 1008,
  /** a frame or message larger than the negotiated bound */
  messageTooBig: 1009,
  /** the coordinator hit an internal error */
  internalError: 1011,
} as const;

export type ProtocolErrorCode =
  /** bytes that do not decode as a dptrain frame or message */
  | 'ERR_PROTOCOL_MALFORMED'
  /** a frame or a whole message larger than its bound */
  | 'ERR_PROTOCOL_TOO_LARGE'
  /** a message `type` the protocol does not define */
  | 'ERR_PROTOCOL_UNKNOWN_TYPE'
  /** the peer speaks another protocol version */
  | 'ERR_PROTOCOL_VERSION'
  /** wrong or missing token */
  | 'ERR_PROTOCOL_AUTH';

/** The stream cannot be trusted: the connection is closed with `closeCode` and the reason is logged. */
export class ProtocolError extends DptrainError {
  constructor(
    readonly code: ProtocolErrorCode,
    readonly closeCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type OptimizerErrorCode =
  /** an optimizer argument of the wrong type or value */
  | 'ERR_OPTIM_ARGUMENT'
  /** parameter and gradient vectors of different lengths */
  | 'ERR_OPTIM_SIZE'
  /** optimizer state that does not fit the parameters */
  | 'ERR_OPTIM_STATE';

/** An optimizer refused its arguments, a gradient or a state. */
export class OptimizerError extends DptrainError {
  constructor(
    readonly code: OptimizerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A chart, a picture size or a tick request that cannot be drawn (x and y of different lengths, a size out of range, a non-finite range). */
export class PlotError extends DptrainError {
  readonly code = 'ERR_PLOT_ARGUMENT';
}

export type TaskErrorCode =
  /** a task name that is neither built in nor a module path, or a module file that does not exist */
  | 'ERR_TASK_NOT_FOUND'
  /** the task module exists but importing it threw (syntax error, failing top-level code) */
  | 'ERR_TASK_IMPORT'
  /** the module's export (or a model it creates) does not implement the Task / Model interface */
  | 'ERR_TASK_INVALID'
  /** an argument a task, model or sampler refuses (a seed that is not an integer, a layer size of 0, rank ≥ worldSize) */
  | 'ERR_TASK_ARGUMENT'
  /** a parameter vector, batch or buffer whose length does not fit the model or the data set */
  | 'ERR_TASK_SHAPE';

/** A task could not be loaded, or a model, a data set or a batch does not fit what was asked of it. */
export class TaskError extends DptrainError {
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A TensorFlow.js backend that was asked for explicitly could not be activated; `backend` names it. */
export class BackendError extends DptrainError {
  readonly code = 'ERR_BACKEND_UNAVAILABLE';

  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type TransportErrorCode =
  /** a send on a connection that is closing or closed, or a connection that closed mid-send */
  | 'ERR_TRANSPORT_CLOSED'
  /** connect() could not open the WebSocket (refused, timed out, or an HTTP answer instead of an upgrade) */
  | 'ERR_TRANSPORT_CONNECT'
  /** listen() could not bind its host and port */
  | 'ERR_TRANSPORT_LISTEN'
  /** the socket under an open connection failed (reset, broken pipe) */
  | 'ERR_TRANSPORT_SOCKET';

/** A WebSocket could not be opened, bound or written; `cause` holds the underlying `ws` or socket error. */
export class TransportError extends DptrainError {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type TrainingErrorCode =
  /** not every worker joined within the join timeout */
  | 'ERR_TRAINING_JOIN_TIMEOUT'
  /** a worker's connection closed or went silent during the run */
  | 'ERR_TRAINING_WORKER_LOST'
  /** the coordinator's process died before it ended the run, and it was not started again */
  | 'ERR_TRAINING_COORDINATOR_LOST'
  /** a round (or the evaluation) waited longer than `round_timeout`; the message names the ranks it waited for */
  | 'ERR_TRAINING_ROUND_TIMEOUT'
  /** a non-finite gradient under `on_nonfinite: abort` */
  | 'ERR_TRAINING_NONFINITE'
  /** the peer refused a message with an `error` reply, or sent one out of turn */
  | 'ERR_TRAINING_PROTOCOL'
  /** workers disagree about the data (steps per epoch) or the parameters */
  | 'ERR_TRAINING_MISMATCH'
  /** the coordinator stopped the run early (signal, stop request) */
  | 'ERR_TRAINING_STOPPED'
  /** a saved run state that cannot be restored here (another version, optimizer, world size, or a damaged one) */
  | 'ERR_TRAINING_STATE'
  /** something unexpected broke the run; `cause` holds it (please report it) */
  | 'ERR_TRAINING_INTERNAL';

/** A training run could not go on; `rank` names the worker at fault when there is one. */
export class TrainingError extends DptrainError {
  readonly rank: number | null;
  /** ERR_TRAINING_STOPPED: the signal that stopped the run, when one did (its exit code is then 130 or 143) */
  readonly signal: 'SIGINT' | 'SIGTERM' | null;

  constructor(
    readonly code: TrainingErrorCode,
    message: string,
    options?: { cause?: unknown; rank?: number | null; signal?: 'SIGINT' | 'SIGTERM' | null },
  ) {
    super(message, options);
    this.rank = options?.rank ?? null;
    this.signal = options?.signal ?? null;
  }
}

export type BenchErrorCode =
  /** a benchmark worker process exited, or its connection closed, before the case ended */
  | 'ERR_BENCH_WORKER_LOST'
  /** workers did not join, or a round did not finish, within the time allowed */
  | 'ERR_BENCH_TIMEOUT'
  /** a benchmark peer sent a message out of turn or one the round refused */
  | 'ERR_BENCH_PROTOCOL'
  /** a benchmark helper was called with an argument it cannot use (an empty sample, a quantile outside [0, 1]) */
  | 'ERR_BENCH_ARGUMENT'
  /** a `dptrain launch` the training benchmark started failed or left no run directory */
  | 'ERR_BENCH_RUN';

/** `dptrain bench` could not measure a case; `rank` names the worker at fault when there is one. */
export class BenchError extends DptrainError {
  readonly rank: number | null;

  constructor(
    readonly code: BenchErrorCode,
    message: string,
    options?: { cause?: unknown; rank?: number | null },
  ) {
    super(message, options);
    this.rank = options?.rank ?? null;
  }
}

export type ReplayErrorCode =
  /** arrivals.jsonl cannot be trusted: unreadable, another format or version, a damaged line, a broken hash chain, fewer entries than the run decided */
  | 'ERR_REPLAY_LOG'
  /** a header, an entry or an argument the arrival log refuses (a non-finite LR, an index out of order, an expected count that is not a count) */
  | 'ERR_REPLAY_ARGUMENT'
  /** the arrival log could not be written: its file failed, or an entry came after close() */
  | 'ERR_REPLAY_WRITE'
  /** this machine computes gradients on another backend build than the run did: a replay could not be bit-exact */
  | 'ERR_REPLAY_BACKEND'
  /** the run directory cannot be replayed: a file is missing, it is not an async run, or the log contradicts the run */
  | 'ERR_REPLAY_RUN';

/**
 * The record an async run leaves for replay could not be written, read or trusted; `line` is the 1-based line
 * of arrivals.jsonl at fault and `entry` the 0-based entry on it, when there is one.
 */
export class ReplayError extends DptrainError {
  readonly line: number | null;
  readonly entry: number | null;

  constructor(
    readonly code: ReplayErrorCode,
    message: string,
    options?: { cause?: unknown; line?: number | null; entry?: number | null },
  ) {
    super(message, options);
    this.line = options?.line ?? null;
    this.entry = options?.entry ?? null;
  }
}

export type NetsimErrorCode =
  /** a link or relay option the network simulator refuses (a negative latency, jitter above latency, a bad port) */
  | 'ERR_NETSIM_OPTION'
  /** a call the release schedule cannot use (a non-finite arrival time, a byte count that is not a count) */
  | 'ERR_NETSIM_ARGUMENT'
  /** the relay could not bind its listen host and port; `cause` holds the socket error */
  | 'ERR_NETSIM_LISTEN';

/** `dptrain netsim` (the delaying TCP relay) refused an option or could not listen; `option` names the option at fault. */
export class NetsimError extends DptrainError {
  readonly option: string | null;

  constructor(
    readonly code: NetsimErrorCode,
    message: string,
    options?: { cause?: unknown; option?: string | null },
  ) {
    super(message, options);
    this.option = options?.option ?? null;
  }
}

export type CheckpointErrorCode =
  /** the file ends before the length its preamble declares: a write that did not finish */
  | 'ERR_CHECKPOINT_TORN'
  /** the checksum does not match, or the lengths, the header or the tensors do not fit together */
  | 'ERR_CHECKPOINT_CORRUPT'
  /** the file does not start with the checkpoint magic: it is not a dptrain checkpoint */
  | 'ERR_CHECKPOINT_FORMAT'
  /** a checkpoint of a format version this dptrain does not read */
  | 'ERR_CHECKPOINT_VERSION'
  /** no checkpoint file at the path given, or none in the folder that is valid */
  | 'ERR_CHECKPOINT_NOT_FOUND'
  /** a checkpoint file or folder exists but could not be read (permissions, an I/O error); `cause` holds the error */
  | 'ERR_CHECKPOINT_READ'
  /** the checkpoint (or its folder) could not be written, renamed or pruned; `cause` holds the file system error */
  | 'ERR_CHECKPOINT_WRITE'
  /** an argument the checkpoint part refuses (a step that is not a count, a value JSON cannot hold, keep 0) */
  | 'ERR_CHECKPOINT_ARGUMENT'
  /** an async checkpoint whose arrival log is missing, shorter than the checkpoint's position, or changed */
  | 'ERR_CHECKPOINT_ARRIVALS';

/**
 * A checkpoint could not be written, found or trusted. `path` names the file (or folder) at fault when there is
 * one; `problem` is what is wrong with it, without the path or the advice (`is torn (expected 1234 bytes, found
 * 512)`), so that a reader skipping the file can say it in its own sentence.
 */
export class CheckpointError extends DptrainError {
  readonly path: string | null;
  readonly problem: string;

  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    options?: { cause?: unknown; path?: string | null; problem?: string },
  ) {
    super(message, options);
    this.path = options?.path ?? null;
    this.problem = options?.problem ?? message;
  }
}

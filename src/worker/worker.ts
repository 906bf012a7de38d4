import { hostname } from 'node:os';
import { CLOSE_CODES, TrainingError, TransportError } from '../errors.js';
import { discardLog, type Log } from '../log/index.js';
import { createOptimizer } from '../optim/index.js';
import {
  type MessageOf,
  messageBytesBound,
  PROTOCOL_VERSION,
  parseTrainingSpec,
  type TrainingSpec,
} from '../protocol/index.js';
import { type EpochHistory, stepsPerEpoch } from '../sharding/index.js';
import {
  type Dataset,
  loadTask,
  type Model,
  type RankOptions,
  type Task,
  tensorSize,
} from '../tasks/index.js';
import {
  type Connection,
  connectWithRetry,
  DEFAULT_CONNECT_TIMEOUT_MS,
  LANE_FILES,
  LaneReader,
  LaneWriter,
  lanePath,
} from '../transport/index.js';
import { asyncLoop } from './async-loop.js';
import { type BackendName, type SelectedBackend, selectBackend } from './backend.js';
import { type Fault, Faults } from './faults.js';
import { GradientComputer } from './gradients.js';
import { Inbox } from './inbox.js';
import { Liveness } from './liveness.js';
import { RoundLoop } from './round-loop.js';
import { Slowdown } from './slowdown.js';
import { syncLoop } from './sync-loop.js';
import { Timeline } from './timeline.js';

export interface WorkerOptions {
  /** `ws://host:port` of the coordinator */
  readonly url: string;
  readonly token: string;
  /** ask for this rank (default: the coordinator chooses) */
  readonly rank?: number | null;
  /** default: tensorflow (tfjs-node) if it loads, else wasm, else cpu */
  readonly backend?: BackendName;
  /** resolve task module paths from here (default: the process's cwd) */
  readonly cwd?: string;
  readonly log?: Log;
  /** test hooks: deliberate misbehaviour, to show the coordinator's checks catch it */
  readonly faults?: readonly Fault[];
  /** send frames unmasked (faster on loopback and private networks; see connect()) */
  readonly zeroMask?: boolean;
  /** keep trying to reach the coordinator for this long, in ms, with backoff (default 60 s) */
  readonly connectTimeoutMs?: number;
  /**
   * the tensor-lane directory of a launcher that runs this worker on the coordinator's host: offered in `join`, and
   * used for the sync gradients and updates when the coordinator takes it
   */
  readonly lanes?: string | null;
}

/** What a worker did, for its exit report. */
export interface WorkerResult {
  readonly rank: number;
  readonly steps: number;
  readonly rounds: number;
  readonly backend: string;
  readonly stopReason: string;
  /** the coordinator ended the run as failed */
  readonly runFailed: boolean;
}

/** The close code a socket reports when it dropped without a close frame (the peer's process died, say). */
const DROPPED = 1006;

/** How long a failed send waits for its socket's close, which tells a dead coordinator from other faults. */
const CLOSE_WAIT_MS = 2_000;

/** Resolves once `connection` is closed, or after `ms`. */
function closedWithin(connection: Connection, ms: number): Promise<void> {
  if (connection.closeInfo !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      connection.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    connection.once('close', done);
  });
}

/** What a worker loads once and keeps across sessions: the task, its training data and the model. */
interface Loaded {
  /** what they were loaded for (task, seed, data limit) */
  readonly key: string;
  readonly task: Task;
  readonly model: Model;
  readonly train: Dataset;
}

/** What every session of a worker shares. */
interface SessionInput {
  readonly tf: SelectedBackend['tf'];
  readonly backend: string;
  readonly build: string;
  readonly faults: Faults;
  readonly loaded: Loaded | undefined;
}

/** How a session ended: the run is over for this worker, or the coordinator was lost and it may rejoin. */
type SessionEnd =
  | { readonly kind: 'finished'; readonly result: WorkerResult }
  | { readonly kind: 'lost'; readonly loaded: Loaded | undefined; readonly reason: string };

/**
 * A worker process's whole life: join the run, take the parameters the coordinator sends, train in the run's
 * mode (sync: gradient out, averaged update in, applied with the LR and step it carries — never a schedule of
 * its own), answer the evaluation request after the last step, and leave when the coordinator says stop.
 *
 * @example
 * const result = await new Worker({ url: 'ws://127.0.0.1:29500', token }).run();
 */
export class Worker {
  private readonly log: Log;
  private connection: Connection | undefined;
  private rank: number | null = null;
  private leaving: string | undefined;
  /** aborts a wait for the coordinator when this worker leaves */
  private readonly left = new AbortController();
  /** this session's coordinator said `stop`: whatever happens to the connection after it, the run is over */
  private stopSeen = false;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log ?? discardLog;
  }

  /**
   * Runs until the coordinator stops the run; rejects with a TrainingError when this worker cannot go on. A
   * connection lost without a `stop` (the coordinator died: close 1006, or it went silent past the heartbeat
   * timeout) starts a new session: connect again with backoff for up to the connect timeout, join asking for
   * the same rank, and continue from the new coordinator's `welcome`, with the task, data and model loaded once.
   */
  async run(): Promise<WorkerResult> {
    const { tf, backend, build } = await selectBackend(this.options.backend);
    this.log({ level: 'info', msg: 'backend selected', backend, build });
    const faults = new Faults(this.options.faults);
    let loaded: Loaded | undefined;
    for (let session = 0; ; session++) {
      const connection = await this.connect(session);
      const ended = await this.session(connection, { tf, backend, build, faults, loaded });
      if (ended.kind === 'finished') return ended.result;
      loaded = ended.loaded;
      this.log({
        level: 'warn',
        msg: 'lost the coordinator, rejoining',
        rank: this.rank,
        reason: ended.reason,
        connectTimeoutS: (this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000,
      });
    }
  }

  /** Leaves the run (a signal): tells the coordinator why and closes; `run()` then rejects with ERR_TRAINING_STOPPED. */
  async leave(reason: string): Promise<void> {
    this.leaving = reason;
    this.left.abort(new TrainingError('ERR_TRAINING_STOPPED', `worker left the run: ${reason}`));
    const connection = this.connection;
    if (connection === undefined) return;
    if (this.rank !== null && connection.closeInfo === null) {
      await connection.send({ type: 'leave', rank: this.rank, reason }).catch(() => {});
    }
    await connection.close(CLOSE_CODES.normal, 'worker left');
  }

  /**
   * The coordinator may not be up yet (workers started first, or it is being restarted): retry with backoff for
   * the connect timeout; a worker that cannot reach it then fails with a message saying so.
   */
  private async connect(session: number): Promise<Connection> {
    try {
      const connection = await connectWithRetry(this.options.url, {
        log: this.log,
        zeroMask: this.options.zeroMask,
        signal: this.left.signal,
        ...(this.options.connectTimeoutMs === undefined ? {} : { timeoutMs: this.options.connectTimeoutMs }),
      });
      this.connection = connection;
      return connection;
    } catch (error) {
      if (this.leaving !== undefined || session === 0) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new TrainingError(
        'ERR_TRAINING_WORKER_LOST',
        `rank ${this.rank} lost its coordinator and could not rejoin: ${message}`,
        { cause: error, rank: this.rank },
      );
    }
  }

  /** One connection's life: join, train from the welcome, and how it ended (the run's end, or a lost coordinator). */
  private async session(connection: Connection, given: SessionInput): Promise<SessionEnd> {
    const inbox = new Inbox(connection);
    this.stopSeen = false;
    let silent = false;
    let loaded = given.loaded;
    let lanes: { close(): void } | null = null;
    try {
      await connection.send({
        type: 'join',
        protocol: PROTOCOL_VERSION,
        token: this.options.token,
        // a rejoin asks for the rank this worker had, so its shard and replica stay its own
        rank: this.rank ?? this.options.rank ?? null,
        pid: process.pid,
        host: hostname(),
        // the build, not just the name: an async run's arrival log records it and a replay must match it
        backend: given.build,
        lanes: this.options.lanes ?? null,
      });
      const assign = await inbox.next('assign');
      this.rank = assign.rank;
      lanes = this.useLanes(connection, assign);
      const spec = parseTrainingSpec(assign.config);
      const liveness = this.liveness(connection, assign.rank, spec, () => {
        // A hung coordinator may never answer a close handshake: drop the socket and rejoin.
        silent = true;
        connection.socket.terminate();
      });
      try {
        loaded = await this.load(spec, loaded, { rank: assign.rank, worldSize: assign.worldSize });
        const result = await this.train(connection, inbox, assign, spec, given, loaded);
        return { kind: 'finished', result };
      } finally {
        await liveness.stop();
      }
    } catch (error) {
      if (this.leaving !== undefined) {
        throw new TrainingError('ERR_TRAINING_STOPPED', `worker left the run: ${this.leaving}`, {
          cause: error,
        });
      }
      // A send into a dead socket can fail before the socket reports its close: give the close a moment.
      if (error instanceof TransportError) await closedWithin(connection, CLOSE_WAIT_MS);
      const close = connection.closeInfo;
      // The heartbeat watch drops a silent coordinator's socket too, so both show as a drop here.
      const dropped = close !== null && close.code === DROPPED && !close.local;
      if (!this.stopSeen && dropped) {
        return { kind: 'lost', loaded, reason: silent ? 'coordinator silent' : 'connection dropped' };
      }
      throw error;
    } finally {
      await connection.close(CLOSE_CODES.normal, 'worker done');
      lanes?.close();
    }
  }

  /**
   * When the coordinator took this worker's lanes: its gradients go up through its own lane file and the updates
   * come down through the coordinator's (see TensorLane). Returns what closes them, or null.
   */
  private useLanes(connection: Connection, assign: MessageOf<'assign'>): { close(): void } | null {
    const directory = this.options.lanes ?? null;
    if (!assign.lanes) return null;
    if (directory === null) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        `the coordinator assigned rank ${assign.rank} tensor lanes, but this worker offered none: it cannot read them`,
        { rank: assign.rank },
      );
    }
    const up = new LaneWriter(lanePath(directory, LANE_FILES.up(assign.rank)));
    const down = new LaneReader(lanePath(directory, LANE_FILES.down));
    connection.useLanes({ send: { types: ['gradient'], lane: up }, receive: down });
    this.log({ level: 'info', msg: 'tensor lanes', rank: assign.rank, directory });
    return {
      close: () => {
        up.close();
        down.close();
      },
    };
  }

  /**
   * The task, its training data and the model: loaded once, again only when a new coordinator names others or the
   * worker stands elsewhere in the run (the task was told its rank and the world size).
   */
  private async load(
    spec: TrainingSpec,
    loaded: Loaded | undefined,
    place: Required<RankOptions>,
  ): Promise<Loaded> {
    const key = JSON.stringify([spec.task, spec.seed, spec.dataLimit, place.rank, place.worldSize]);
    if (loaded !== undefined && loaded.key === key) return loaded;
    const task = await loadTask(spec.task, this.options.cwd);
    const model = task.createModel({ seed: spec.seed, ...place });
    const train = await task.loadData('train', {
      seed: spec.seed,
      ...place,
      ...(spec.dataLimit === null ? {} : { limit: spec.dataLimit }),
    });
    return { key, task, model, train };
  }

  private async train(
    connection: Connection,
    inbox: Inbox,
    assign: MessageOf<'assign'>,
    spec: TrainingSpec,
    given: SessionInput,
    loaded: Loaded,
  ): Promise<WorkerResult> {
    const { rank, worldSize } = assign;
    const { tf, backend, faults } = given;
    const { task, model, train } = loaded;
    const sizes = model.parameters.map((p) => tensorSize(p.shape));
    if (assign.sendParams) {
      await connection.send({
        type: 'params',
        rank,
        datasetSize: train.size,
        layout: { sizes, names: model.parameters.map((p) => p.name) },
        params: model.initialParameters(),
      });
    }
    const welcome = await inbox.next('welcome');
    // A round's batch is every micro-batch this rank accumulates for it.
    const roundBatch = spec.batchSize * spec.accumulateSteps;
    const perEpoch = stepsPerEpoch(train.size, worldSize, roundBatch);
    // An async global step is one worker's batch: the run's epoch holds every rank's batches.
    const runPerEpoch = spec.mode === 'async' ? perEpoch * worldSize : perEpoch;
    if (runPerEpoch !== welcome.stepsPerEpoch) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        `rank ${rank} counts ${runPerEpoch} steps per epoch (${train.size} examples) but the run has ${welcome.stepsPerEpoch}: workers must load the same data`,
        { rank },
      );
    }
    const params = Float32Array.from(welcome.params);
    connection.maxMessageBytes = messageBytesBound(params.length);
    // The sync loop reads update t (applies it) before it sends gradient t+1, and the coordinator sends update
    // t+1 only after that gradient: one update is read at a time, so its split tensor part can reuse one array,
    // lent again when the next gradient goes out. Nothing keeps an update's grad after the apply; `welcome`,
    // `pushed` and `evaluate` parameters are kept as state or evaluated later and keep fresh arrays.
    if (spec.mode !== 'async') {
      connection.poolReceived({ type: 'update', floats: params.length, releasedBy: 'gradient' });
    }
    const computer = new GradientComputer(tf, model);
    const timeline = new Timeline(connection, rank);
    const loop = new RoundLoop({
      rank,
      worldSize,
      seed: spec.seed,
      batchSize: roundBatch,
      microBatchSize: spec.batchSize,
      train,
      stepsPerEpoch: perEpoch,
      // sync: the coordinator's data plan, which may hold worlds of another size earlier in the epoch
      ...(spec.mode === 'async' || welcome.plan === null
        ? {}
        : { history: welcome.plan as unknown as EpochHistory }),
      params,
      computer,
    });
    const answer = this.evaluator(connection, { rank, worldSize }, task, computer, params, spec);
    const slowdown = new Slowdown({
      factor: spec.slowdown,
      jitter: spec.jitter,
      seed: spec.seed * 1000 + rank,
    });
    const common = {
      connection,
      inbox,
      rank,
      totalSteps: welcome.totalSteps,
      params,
      loop,
      timeline,
      faults,
      slowdown,
    };
    const end =
      spec.mode === 'async'
        ? await asyncLoop({ ...common, step: welcome.step, lr: welcome.lr, round: welcome.round })
        : await syncLoop({
            ...common,
            step: welcome.step,
            round: welcome.round,
            optimizer: this.optimizer(spec, sizes, welcome),
            evaluate: answer,
          });
    const stop = end.kind === 'stopped' ? end.stop : await this.serveUntilStop(inbox, answer);
    this.stopSeen = true;
    if (!stop.failed && stop.reason !== 'finished') {
      this.log({ level: 'warn', msg: 'coordinator stopped the run', reason: stop.reason, step: stop.step });
    } else if (stop.failed) {
      this.log({ level: 'error', msg: 'the run failed', reason: stop.reason, step: stop.step });
    }
    await timeline.flush(true);
    return {
      rank,
      steps: end.step,
      rounds: end.round,
      backend,
      stopReason: stop.reason,
      runFailed: stop.failed,
    };
  }

  /** Heartbeats from a thread of their own once the rank is known (see Liveness), until the session ends. */
  private liveness(connection: Connection, rank: number, spec: TrainingSpec, onSilent: () => void): Liveness {
    const liveness = new Liveness({
      onSilent,
      url: this.options.url,
      token: this.options.token,
      rank,
      timing: { intervalMs: spec.heartbeatIntervalMs, timeoutMs: spec.heartbeatTimeoutMs },
      connection,
      zeroMask: this.options.zeroMask === true,
      log: this.log,
    });
    liveness.start();
    return liveness;
  }

  /** Sync mode's optimizer, holding the coordinator's accumulators (a fresh optimizer's at the start). */
  private optimizer(spec: TrainingSpec, sizes: readonly number[], welcome: MessageOf<'welcome'>) {
    const optimizer = createOptimizer(spec.optimizer, { sizes });
    optimizer.setStateDict(welcome.optimizerState);
    return optimizer;
  }

  /** After the last step: answer an evaluation request if one comes, until the coordinator says stop. */
  private async serveUntilStop(
    inbox: Inbox,
    answer: (message: MessageOf<'evaluate'>) => Promise<void>,
  ): Promise<MessageOf<'stop'>> {
    for (;;) {
      const message = await inbox.next('evaluate', 'stop');
      if (message.type === 'stop') return message;
      await answer(message);
    }
  }

  /**
   * Answers an `evaluate` request with the loss and correct predictions on the test split (loaded at the first
   * request, then kept). The request carries the coordinator's parameters in async mode (this worker's are stale
   * there); else this worker's own replica is evaluated, which in sync mode holds the parameters of the step asked for.
   */
  private evaluator(
    connection: Connection,
    place: Required<RankOptions>,
    task: Task,
    computer: GradientComputer,
    params: Float32Array,
    spec: TrainingSpec,
  ): (message: MessageOf<'evaluate'>) => Promise<void> {
    const { rank } = place;
    let test: Promise<Dataset> | undefined;
    return async (message) => {
      test ??= task.loadData('test', {
        seed: spec.seed,
        ...place,
        ...(spec.evalLimit === null ? {} : { limit: spec.evalLimit }),
      });
      const data = await test;
      const result = computer.evaluate(message.params ?? params, data);
      await connection.send({
        type: 'evaluation',
        rank,
        step: message.step,
        lossSum: result.loss * data.size,
        correct: result.accuracy === undefined ? null : Math.round(result.accuracy * data.size),
        examples: data.size,
      });
    };
  }
}

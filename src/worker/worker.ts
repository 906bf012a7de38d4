import { hostname } from 'node:os';
import { CLOSE_CODES, TrainingError } from '../errors.js';
import { discardLog, type Log } from '../log/index.js';
import { createOptimizer } from '../optim/index.js';
import {
  type MessageOf,
  messageBytesBound,
  PROTOCOL_VERSION,
  parseTrainingSpec,
  type TrainingSpec,
} from '../protocol/index.js';
import { stepsPerEpoch } from '../sharding/index.js';
import { loadTask, type Task, tensorSize } from '../tasks/index.js';
import { type Connection, connectWithRetry } from '../transport/index.js';
import { asyncLoop } from './async-loop.js';
import { type BackendName, selectBackend } from './backend.js';
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

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log ?? discardLog;
  }

  /** Runs until the coordinator stops the run; rejects with a TrainingError when this worker cannot go on. */
  async run(): Promise<WorkerResult> {
    const { tf, backend, build } = await selectBackend(this.options.backend);
    this.log({ level: 'info', msg: 'backend selected', backend, build });
    // The coordinator may not be up yet (workers started first, or a restart): retry with backoff for a while.
    const connection = await connectWithRetry(this.options.url, {
      log: this.log,
      zeroMask: this.options.zeroMask,
      ...(this.options.connectTimeoutMs === undefined ? {} : { timeoutMs: this.options.connectTimeoutMs }),
    });
    this.connection = connection;
    const inbox = new Inbox(connection);
    try {
      await connection.send({
        type: 'join',
        protocol: PROTOCOL_VERSION,
        token: this.options.token,
        rank: this.options.rank ?? null,
        pid: process.pid,
        host: hostname(),
        // the build, not just the name: an async run's arrival log records it and a replay must match it
        backend: build,
      });
      const assign = await inbox.next('assign');
      this.rank = assign.rank;
      const spec = parseTrainingSpec(assign.config);
      const liveness = this.liveness(connection, assign.rank, spec);
      try {
        return await this.train(connection, inbox, assign, spec, tf, backend);
      } finally {
        await liveness.stop();
      }
    } catch (error) {
      if (this.leaving !== undefined) {
        throw new TrainingError('ERR_TRAINING_STOPPED', `worker left the run: ${this.leaving}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      await connection.close(CLOSE_CODES.normal, 'worker done');
    }
  }

  /** Leaves the run (a signal): tells the coordinator why and closes; `run()` then rejects with ERR_TRAINING_STOPPED. */
  async leave(reason: string): Promise<void> {
    this.leaving = reason;
    const connection = this.connection;
    if (connection === undefined) return;
    if (this.rank !== null) {
      await connection.send({ type: 'leave', rank: this.rank, reason }).catch(() => {});
    }
    await connection.close(CLOSE_CODES.normal, 'worker left');
  }

  private async train(
    connection: Connection,
    inbox: Inbox,
    assign: MessageOf<'assign'>,
    spec: TrainingSpec,
    tf: Awaited<ReturnType<typeof selectBackend>>['tf'],
    backend: string,
  ): Promise<WorkerResult> {
    const { rank, worldSize } = assign;
    const task = await loadTask(spec.task, this.options.cwd);
    const model = task.createModel({ seed: spec.seed });
    const train = await task.loadData('train', {
      seed: spec.seed,
      ...(spec.dataLimit === null ? {} : { limit: spec.dataLimit }),
    });
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
    const perEpoch = stepsPerEpoch(train.size, worldSize, spec.batchSize);
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
    const computer = new GradientComputer(tf, model);
    const timeline = new Timeline(connection, rank);
    const loop = new RoundLoop({
      rank,
      worldSize,
      seed: spec.seed,
      batchSize: spec.batchSize,
      train,
      stepsPerEpoch: perEpoch,
      params,
      computer,
    });
    const faults = new Faults(this.options.faults);
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
          });
    const stop =
      end.kind === 'stopped'
        ? end.stop
        : await this.serveUntilStop(inbox, connection, rank, task, computer, params, spec);
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
  private liveness(connection: Connection, rank: number, spec: TrainingSpec): Liveness {
    const liveness = new Liveness({
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

  /**
   * After the last step: answer an evaluation request if one comes, until the coordinator says stop. The request
   * carries the coordinator's parameters in async mode (this worker's are stale there); else its own are used.
   */
  private async serveUntilStop(
    inbox: Inbox,
    connection: Connection,
    rank: number,
    task: Task,
    computer: GradientComputer,
    params: Float32Array,
    spec: TrainingSpec,
  ): Promise<MessageOf<'stop'>> {
    for (;;) {
      const message = await inbox.next('evaluate', 'stop');
      if (message.type === 'stop') return message;
      const test = await task.loadData('test', {
        seed: spec.seed,
        ...(spec.evalLimit === null ? {} : { limit: spec.evalLimit }),
      });
      const result = computer.evaluate(message.params ?? params, test);
      await connection.send({
        type: 'evaluation',
        rank,
        step: message.step,
        lossSum: result.loss * test.size,
        correct: result.accuracy === undefined ? null : Math.round(result.accuracy * test.size),
        examples: test.size,
      });
    }
  }
}

import { EventEmitter } from 'node:events';
import type { WebSocketServer } from 'ws';
import { ConfigError, DptrainError, TrainingError } from '../errors.js';
import { discardLog, type Log } from '../log/index.js';
import { type LrGranularity, ScheduleClock, type Scheduler } from '../lr/index.js';
import { createOptimizer } from '../optim/index.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type MessageOf,
  messageBytesBound,
  nowUs,
  parameterDigest,
  REFUSALS,
  type Span,
  TRACE_MAX_STEPS,
  type TrainingSpec,
} from '../protocol/index.js';
import { DataPlan, fixedWorldHistory, stepsPerEpoch } from '../sharding/index.js';
import { Connection, LANE_FILES, LaneReader, LaneWriter, lanePath, listen } from '../transport/index.js';
import { AsyncMode } from './async-mode.js';
import { restoreAsyncProgress } from './async-progress.js';
import { atMost } from './at-most.js';
import {
  EarlyStopping,
  type EarlyStoppingOptions,
  earlyStopSentence,
  plannedLrs,
  undoneDecay,
} from './early-stopping.js';
import { ProcessGroup } from './group.js';
import { checkInitialParameters } from './initial-parameters.js';
import { type LrWorldScaling, NO_LR_WORLD_SCALING, worldScaledLr } from './lr-world-scaling.js';
import type { ModeContext, Resized, TrainingMode } from './mode.js';
import { checkPolicy, PLAIN_ASYNC, type StalenessPolicy } from './parameter-server.js';
import { type Member, Rendezvous, STRANGER_CAUSES, STRANGER_MAX_MESSAGE_BYTES } from './rendezvous.js';
import type {
  Arrival,
  EarlyStopReport,
  EvalRecord,
  Evaluation,
  LostWorkerRecord,
  Mismatch,
  RunFailure,
  RunOutcome,
  RunResult,
  StepRecord,
} from './result.js';
import type { RunPlan } from './run-plan.js';
import { RunState, type SerializedRunState } from './run-state.js';
import { SyncMode } from './sync-mode.js';
import { TraceCollector } from './trace.js';
import { Trigger } from './trigger.js';

/** Timeouts, in ms, grouped as one object with defaults. */
export interface CoordinatorTimeouts {
  /** all workers must join within this */
  readonly joinMs: number;
  /** a connection without an accepted `join` this long after it was accepted is closed (1008, or cut before its upgrade) */
  readonly authMs: number;
  readonly heartbeatIntervalMs: number;
  /** a worker silent for this long is lost */
  readonly heartbeatTimeoutMs: number;
  /** a round (or the evaluation) waiting longer than this for a rank fails the run, naming the rank */
  readonly roundMs: number;
  /** after the last step (or a stop), how long to wait for the workers' last reports and traces */
  readonly settleMs: number;
}

export const DEFAULT_TIMEOUTS: CoordinatorTimeouts = Object.freeze({
  joinMs: 60_000,
  authMs: 5_000,
  // Short enough to name a hung worker in seconds: safe because a worker's heartbeats come from a thread that a
  // long synchronous gradient does not hold (src/worker/liveness.ts).
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
  roundMs: 600_000,
  settleMs: 60_000,
});

/** How the run unfolds once rank 0 reported the training set size; `datasetSize` defaults to that size. */
export interface PlanSpec {
  readonly datasetSize?: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly scheduler: Scheduler;
  readonly granularity: LrGranularity;
  /** a second scheduler of the same config for async mode's check of every applied LR */
  readonly referenceScheduler?: Scheduler;
  /**
   * sync: the run's length in epochs (null or absent: `totalSteps` as given). The run then lasts until that many
   * epochs of the data plan are done, which differs from `totalSteps` once a resumed run has another world.
   */
  readonly epochs?: number | null;
  /** sync: the LR applied follows the world size (default: none) */
  readonly lrWorldScaling?: LrWorldScaling;
  /**
   * builds a fresh scheduler of the run's config, never stepped by the run: early stopping reports the LR at the
   * stop against this planned schedule's peak and end (absent: those are null)
   */
  readonly plannedScheduler?: () => Scheduler;
  /**
   * sync: also ask rank 0 for an evaluation of the parameters after every this many global steps (null or absent:
   * only at the end); each is emitted as `evaluated`, and the result lists them
   */
  readonly evalEverySteps?: number | null;
}

/** The training modes a coordinator can run; adding one adds a file and a line here. */
export const MODES = {
  sync: (context: ModeContext): TrainingMode => new SyncMode(context),
  async: (context: ModeContext): TrainingMode => new AsyncMode(context),
} as const;

export type ModeName = keyof typeof MODES;

/** `on_worker_failure` with its limits. */
export interface FailurePolicy {
  readonly policy: 'abort' | 'restart' | 'shrink';
  readonly maxRestarts: number;
  readonly minWorkers: number;
}

/** A worker the run went on without (restart, shrink), as the `lost` event tells it: its record, before any rejoin. */
export type LostWorker = Omit<LostWorkerRecord, 'rejoinedAtStep'>;

export interface CoordinatorOptions {
  readonly workers: number;
  /** the shared secret every worker must present in `join` */
  readonly token: string;
  readonly host?: string;
  readonly port?: number;
  /** default `sync` */
  readonly mode?: ModeName;
  /** what workers are told in `assign` (heartbeat timing, the mode and the simulation are filled in) */
  readonly training: Omit<
    TrainingSpec,
    'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'mode' | 'slowdown' | 'jitter' | 'accumulateSteps'
  > & {
    /** micro-batches each worker averages into a round's gradient (default 1: none) */
    readonly accumulateSteps?: number;
  };
  /** async mode's staleness policy (default: none — plain asynchronous SGD) */
  readonly async?: StalenessPolicy;
  /** simulated slow workers: rank → compute-time factor ≥ 1, and a seeded jitter fraction (both modes) */
  readonly simulate?: { readonly slow: Readonly<Record<string, number>>; readonly jitter: number };
  /**
   * Checkpoints: `save` gets the run state every `everySteps` global steps (0: never during the run) and once at the
   * end, however the run ended, unless the state itself is in doubt (ERR_TRAINING_STATE or an internal error). The
   * state is a copy: the run goes on while it is written.
   */
  readonly checkpoint?: {
    readonly everySteps: number;
    readonly save: (state: SerializedRunState, why: 'every' | 'end') => void;
  };
  /**
   * A checkpoint's run state to continue from: the run starts at its global step with its parameters, optimizer
   * state, schedule and batch positions, and welcomes every worker with them, so it goes on as the saved run would
   * have (async mode: its parameter server also with the state's `extensions.async`). A sync run may resume with
   * another number of workers: they share the examples of the epoch not yet seen.
   */
  readonly resume?: SerializedRunState;
  /**
   * What a lost worker does to the run (`on_worker_failure`): `abort` fails it (the default); `restart` waits for
   * the rank to join again (at most `maxRestarts` times per rank) and welcomes it with the current state; `shrink`
   * goes on without it while at least `minWorkers` remain.
   */
  readonly failure?: FailurePolicy;
  /** called once rank 0 reported the training set size; throws to refuse the run */
  readonly plan: (datasetSize: number) => PlanSpec;
  readonly onNonfinite: 'skip' | 'abort';
  /** ask rank 0 for an evaluation on the test split after the last step */
  readonly evaluate: boolean;
  /** stop the run when the evaluations during training stop improving (needs the plan's `evalEverySteps`) */
  readonly earlyStopping?: EarlyStoppingOptions | null;
  readonly timeouts?: Partial<CoordinatorTimeouts>;
  readonly maxFrameBytes?: number;
  /** also accept workers on this Unix domain socket (co-located workers), beside the TCP port */
  readonly socketPath?: string;
  /**
   * a tensor-lane directory on this host's tmpfs (the launcher made it): a sync run's workers that offer the same
   * directory in `join` send their gradients and take the updates through files there (see TensorLane)
   */
  readonly lanes?: string;
  readonly log?: Log;
  /** a name for the run, sent to workers (default: derived from the start time) */
  readonly runId?: string;
}

export interface CoordinatorEvents {
  listening: [port: number];
  started: [
    info: {
      stepsPerEpoch: number;
      totalSteps: number;
      parameters: number;
      members: readonly Member[];
      /** parameterDigest of the initial parameters */
      initialDigest: string;
    },
  ];
  step: [record: StepRecord];
  /** an evaluation during training (`evalEverySteps`), or the one at the end of such a run */
  evaluated: [record: EvalRecord];
  skipped: [info: { step: number; round: number; reason: string }];
  mismatch: [mismatch: Mismatch];
  /** async: a gradient was decided */
  arrival: [arrival: Arrival];
  /** a worker was lost and the run goes on (`on_worker_failure: restart | shrink`) */
  lost: [worker: LostWorker];
  /** a lost rank joined again and was welcomed with the current state */
  rejoined: [worker: { rank: number; pid: number; host: string; step: number }];
  /** `shrink`: the survivors train from batch `round` on, and the run now has `totalSteps` steps */
  resized: [world: Resized];
}

/**
 * The coordinator: owns the global step, the single LR schedule, the optimizer state and its own copy of the
 * parameters. It runs the rendezvous, takes the initial parameters from rank 0 and sends them to everyone, then
 * hands the run to a training mode (`sync`: all-reduce rounds with a consistency check), asks rank 0 for an
 * evaluation, and ends the run with `stop`.
 *
 * `run()` rejects when the run could not start (the rendezvous timed out, rank 0's parameters or the plan were
 * refused, a stop came first). Once training started it always resolves, with `outcome` 'finished', 'stopped'
 * or 'failed' (`failure` then names the error), so what was done can be written down.
 *
 * @example
 * const coordinator = new Coordinator(options); const port = await coordinator.listen(); const result = await coordinator.run();
 */
export class Coordinator extends EventEmitter<CoordinatorEvents> {
  private readonly options: CoordinatorOptions;
  private readonly timeouts: CoordinatorTimeouts;
  private readonly log: Log;
  private readonly stop = new Trigger<string>();
  private readonly traces = new TraceCollector();
  private readonly spans: Span[] = [];
  private server: WebSocketServer | undefined;
  private rendezvous: Rendezvous | undefined;
  /** the lane the updates go down, made when the first worker takes lanes */
  private downLane: LaneWriter | undefined;
  private groupInUse: ProcessGroup | undefined;
  private finished = false;
  /** the error `abort` was given before the group existed: the run that could not start failed with it */
  private aborted: TrainingError | undefined;
  private runId: string | undefined;
  private readonly losses: LostWorkerRecord[] = [];
  private plannedScheduler: (() => Scheduler) | undefined;
  private evalEvery: number | null = null;

  constructor(options: CoordinatorOptions) {
    super();
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'workers',
        `must be an integer >= 1, received ${options.workers}`,
      );
    }
    if (options.mode !== undefined && !Object.hasOwn(MODES, options.mode)) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'mode',
        `must be one of ${Object.keys(MODES).join(', ')}, received ${String(options.mode)}`,
      );
    }
    if (options.async !== undefined) checkPolicy(options.async);
    if (options.earlyStopping != null && options.mode === 'async') {
      throw new ConfigError(
        'ERR_CONFIG_CONFLICT',
        'earlyStopping',
        'needs the evaluations of a sync run (mode: sync); remove earlyStopping or use mode: sync',
      );
    }
    this.options = options;
    this.timeouts = parseTimeouts(options.timeouts ?? {});
    this.log = options.log ?? discardLog;
  }

  /** The process group once the rendezvous is complete (for tests and tools that inspect a live run). */
  get group(): ProcessGroup | undefined {
    return this.groupInUse;
  }

  /** Starts the WebSocket server and the rendezvous; resolves with the bound port. */
  async listen(): Promise<number> {
    const authTimeoutS = this.timeouts.authMs / 1000;
    const rendezvous = new Rendezvous({
      worldSize: this.options.workers,
      token: this.options.token,
      timeoutMs: this.timeouts.joinMs,
      authTimeoutMs: this.timeouts.authMs,
      log: this.log,
    });
    const { server, port, acceptedAt } = await listen({
      host: this.options.host,
      port: this.options.port ?? 0,
      maxFrameBytes: this.options.maxFrameBytes,
      ...(this.options.socketPath === undefined ? {} : { socketPath: this.options.socketPath }),
      upgradeTimeoutMs: this.timeouts.authMs,
      onUpgradeTimeout: (address) =>
        rendezvous.refuse(STRANGER_CAUSES.upgradeTimeout, {
          level: 'warn',
          msg: 'closed a connection that did not complete the WebSocket upgrade in time',
          code: 'ERR_PROTOCOL_AUTH',
          authTimeout: authTimeoutS,
          address,
        }),
    }).catch((error: unknown) => {
      // Nobody can join a coordinator that does not listen: its join deadline must not keep the process alive.
      rendezvous.cancel('the coordinator could not listen');
      rendezvous.close();
      throw error;
    });
    this.server = server;
    this.rendezvous = rendezvous;
    server.on('connection', (socket, request) => {
      // A stranger gets room for a join and nothing more until its token checked out; its own log lines are a
      // stranger's (rate-limited) until then.
      const connection: Connection = new Connection(socket, {
        maxFrameBytes: this.options.maxFrameBytes,
        maxMessageBytes: STRANGER_MAX_MESSAGE_BYTES,
        log: rendezvous.connectionLog(() => connection),
      });
      const accepted = acceptedAt(request.socket);
      rendezvous.admit(
        connection,
        request.socket.remoteAddress ?? null,
        accepted === undefined ? 0 : performance.now() - accepted,
      );
    });
    this.log({ level: 'info', msg: 'coordinator listening', host: this.options.host ?? '127.0.0.1', port });
    this.emit('listening', port);
    return port;
  }

  /**
   * Asks the run to end after the round in progress (Ctrl-C); `run()` then resolves with what was done, and
   * `stopped` says why.
   */
  requestStop(reason: string): void {
    if (this.finished || !this.stop.fire(reason)) return;
    this.rendezvous?.cancel(reason);
  }

  /**
   * Fails the run with `error` (the launcher saw a worker process die): once training began the run ends as
   * failed with this error, unless another failure came first, keeping the parameters of the last completed
   * step; before that, the run does not start and `run()` rejects with this error.
   */
  abort(error: TrainingError): void {
    if (this.finished) return;
    if (this.groupInUse !== undefined) {
      this.groupInUse.fail(error);
    } else {
      this.aborted ??= error;
      this.requestStop(error.message);
    }
  }

  /** Runs the whole training; see the class comment for how it settles. */
  async run(): Promise<RunResult> {
    if (this.rendezvous === undefined) await this.listen();
    let group: ProcessGroup | undefined;
    let started: { state: RunState; plan: RunPlan };
    try {
      const members = await this.rendezvous!.members;
      group = new ProcessGroup(members, {
        heartbeat: {
          intervalMs: this.timeouts.heartbeatIntervalMs,
          timeoutMs: this.timeouts.heartbeatTimeoutMs,
        },
        log: this.log,
        ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
      });
      this.groupInUse = group;
      this.rendezvous!.routeLiveness((hello, connection) => group!.attachLiveness(hello, connection));
      group.handle('trace', (rank, message) => this.onTrace(group!, rank, message));
      // A worker may answer its welcome before the training mode is ready for it: held until the mode runs.
      group.hold(['gradient', 'push']);
      started = await this.start(group);
    } catch (error) {
      if (group !== undefined) {
        group.fail(asTrainingError(error));
        await this.end(group, error instanceof Error ? error.message : String(error), 0, true);
      } else {
        await this.closeServer();
      }
      this.finished = true;
      // A stop that an abort asked for is that abort's failure (a worker process that died, by its rank).
      throw this.aborted ?? error;
    }
    return this.train(group, started.state, started.plan);
  }

  private async train(group: ProcessGroup, state: RunState, plan: RunPlan): Promise<RunResult> {
    let lastSaved = -1;
    const every = this.evalEvery;
    const evaluations: EvalRecord[] = [];
    let lastEvaluation: { step: number; evaluation: Evaluation } | null = null;
    let earlyStop: EarlyStopReport | null = null;
    const stopping = this.options.earlyStopping ?? null;
    const stopper =
      stopping === null ? null : new EarlyStopping(stopping, state.extensions[EARLY_STOPPING_EXTENSION]);
    if (stopper !== null) state.extend(EARLY_STOPPING_EXTENSION, () => stopper.state());
    const evaluationDue = (step: number) =>
      every !== null && step > 0 && step % every === 0 && step < context.plan.totalSteps;
    const saveEvery = (step: number) => {
      const interval = this.options.checkpoint?.everySteps ?? 0;
      if (interval > 0 && step % interval === 0 && step !== lastSaved) {
        lastSaved = step;
        this.options.checkpoint!.save(state.serialize(), 'every');
      }
    };
    const record = (step: number, evaluation: Evaluation) => {
      const entry: EvalRecord = {
        step,
        epoch: Math.round((step / context.plan.stepsPerEpoch) * 1000) / 1000,
        evalLoss: evaluation.loss,
        evalAccuracy: evaluation.accuracy,
        evalExamples: evaluation.examples,
      };
      evaluations.push(entry);
      lastEvaluation = { step, evaluation };
      this.log({ level: 'info', msg: 'evaluated', ...entry });
      this.emit('evaluated', entry);
    };
    const evaluateDuring = async (step: number) => {
      const evaluation = await this.evaluate(group, step, null);
      record(step, evaluation);
      if (stopper?.offer(step, evaluation) === true) {
        earlyStop = this.earlyStopReport(stopper, state, context.plan, step);
        this.log({ level: 'info', msg: `early stopping: ${earlyStop.message}`, metric: earlyStop.metric });
        this.stop.fire(
          `early stopping: ${earlyStop.metric} did not improve by more than ${stopper.options.minDelta} in ` +
            `${stopper.options.patience} evaluations (best ${earlyStop.best} at step ${earlyStop.bestStep})`,
        );
      }
      // Saved after the evaluation, so a run resumed from this step knows it (and does not ask for it again).
      saveEvery(step);
    };
    const context: ModeContext = {
      group,
      state,
      plan,
      stop: this.stop,
      onNonfinite: this.options.onNonfinite,
      policy: this.options.async ?? PLAIN_ASYNC,
      roundTimeoutMs: this.timeouts.roundMs,
      settleMs: this.timeouts.settleMs,
      events: {
        step: (record) => {
          this.emit('step', record);
          if (!evaluationDue(state.step)) saveEvery(state.step);
        },
        skipped: (info) => this.emit('skipped', info),
        mismatch: (mismatch) => this.emit('mismatch', mismatch),
        arrival: (arrival) => this.emit('arrival', arrival),
        resized: (world) => this.emit('resized', world),
      },
      span: (name, step, startUs) => this.span(name, step, startUs),
      log: this.log,
      evaluateAt: (step) => (evaluationDue(step) ? evaluateDuring(step) : undefined),
    };
    const mode = MODES[this.options.mode ?? 'sync'](context);
    const failurePolicy = this.options.failure;
    if (failurePolicy !== undefined && failurePolicy.policy !== 'abort') {
      const restarts = new Array<number>(group.worldSize).fill(0);
      group.tolerateLosses((rank, error) =>
        this.onLost(group, mode, state, context.plan, failurePolicy, restarts, rank, error),
      );
    }
    let failure: TrainingError | null = null;
    try {
      // run() opens the first round (or the parameter server) before its first await: the held answers go there.
      const running = mode.run();
      group.release();
      await running;
    } catch (error) {
      failure = this.failed(group, error);
    }
    // The mode may have lengthened the run (a shrunk world given in epochs).
    plan = context.plan;
    const completed = state.step === plan.totalSteps;
    let evaluation: Evaluation | null = null;
    if (failure === null && completed && this.options.evaluate && state.step > 0) {
      try {
        evaluation = await this.evaluate(group, state.step, mode.name === 'async' ? state.params : null);
        if (every !== null) record(state.step, evaluation);
      } catch (error) {
        failure = this.failed(group, error);
      }
    }
    // An early stop's parameters were just evaluated: that is the run's evaluation.
    const evaluated = lastEvaluation as { step: number; evaluation: Evaluation } | null;
    if (evaluation === null && evaluated !== null && evaluated.step === state.step) {
      evaluation = evaluated.evaluation;
    }
    // Steps are applied whole, so the state is intact after a lost worker, a stop or a timeout; not after a fault in it.
    const doubtful =
      failure !== null && ['ERR_TRAINING_STATE', 'ERR_TRAINING_INTERNAL'].includes(failure.code);
    if (this.options.checkpoint !== undefined && !doubtful && state.step !== lastSaved) {
      this.options.checkpoint.save(state.serialize(), 'end');
    }
    const outcome: RunOutcome = failure !== null ? 'failed' : completed ? 'finished' : 'stopped';
    const reason =
      failure !== null
        ? failure.message
        : outcome === 'stopped'
          ? (this.stop.value ?? 'stopped')
          : 'finished';
    await this.end(group, reason, state.step, failure !== null);
    this.traces.add({ pid: process.pid, name: 'coordinator', order: 0 }, this.spans);
    const report = mode.report();
    return {
      mode: mode.name,
      outcome,
      failure: failure === null ? null : runFailure(failure, state.step),
      stopped: outcome === 'stopped' ? (this.stop.value ?? null) : null,
      completedSteps: state.step,
      rounds: state.round,
      skippedSteps: state.skippedSteps,
      totalSteps: plan.totalSteps,
      stepsPerEpoch: plan.stepsPerEpoch,
      params: state.params,
      paramsDigest: parameterDigest(state.params),
      lrs: report.lrs,
      finalLoss: state.lastLoss,
      consistency: report.consistency,
      mismatches: report.mismatches,
      missing: report.missing,
      appliedLrs: report.appliedLrs,
      evaluation,
      evaluations,
      earlyStopping: failure === null ? earlyStop : null,
      trainSeconds: report.trainSeconds,
      samples: state.samples,
      members: group.members.map(({ rank, host, pid, backend }) => ({ rank, host, pid, backend })),
      lostWorkers: this.losses.map((loss) => ({ ...loss })),
      trace: this.traces.toJSON(),
      async: report.async ?? null,
    };
  }

  /** Assign ranks, take rank 0's initial parameters, plan the run and welcome every worker. */
  private async start(group: ProcessGroup): Promise<{ state: RunState; plan: RunPlan }> {
    const worldSize = group.worldSize;
    const asyncMode = this.options.mode === 'async';
    // Only rank 0 sends a tensor before the model size is known; it may be as large as the default bound.
    group.members[0]!.connection.maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    await this.beforeTraining(
      group,
      Promise.all(
        group.members.map((m) => group.send(m.rank, this.assign(group, m, worldSize, m.rank === 0))),
      ),
    );
    const initial = await this.beforeTraining(
      group,
      group.receive(0, 'params', 'initial parameters', (m) =>
        m.rank === 0
          ? null
          : {
              code: REFUSALS.wrongRank,
              message: `params names rank ${m.rank} but this connection is rank 0`,
            },
      ),
    );
    const { params, layout } = checkInitialParameters(initial, (problem) =>
      group.refuse(0, REFUSALS.badParams, problem, 0),
    );
    const spec = this.options.plan(initial.datasetSize);
    this.plannedScheduler = spec.plannedScheduler;
    this.evalEvery = spec.evalEverySteps ?? null;
    if (this.evalEvery !== null && !(Number.isSafeInteger(this.evalEvery) && this.evalEvery >= 1)) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'evalEverySteps',
        `must be an integer >= 1 or null, received ${String(this.evalEvery)}`,
      );
    }
    if ((this.options.earlyStopping ?? null) !== null && (this.evalEvery === null || asyncMode)) {
      throw new ConfigError(
        'ERR_CONFIG_CONFLICT',
        'earlyStopping',
        `needs evaluations during a sync run (the plan's evalEverySteps is ${String(this.evalEvery)}); give the plan evalEverySteps or remove earlyStopping`,
      );
    }
    // A round takes every micro-batch a rank accumulates: the data plan hands out k × batch_size examples.
    const constants = {
      datasetSize: spec.datasetSize ?? initial.datasetSize,
      batchSize: this.options.training.batchSize * (this.options.training.accumulateSteps ?? 1),
    };
    let plan: RunPlan = {
      ...constants,
      stepsPerEpoch: spec.stepsPerEpoch,
      totalSteps: spec.totalSteps,
      scheduler: spec.scheduler,
      granularity: spec.granularity,
      referenceScheduler: spec.referenceScheduler ?? null,
      lrWorldScaling: spec.lrWorldScaling ?? NO_LR_WORLD_SCALING,
      epochs: spec.epochs ?? null,
    };
    // One async global step is one worker batch: an epoch has every rank's batches.
    const sharded = stepsPerEpoch(plan.datasetSize, worldSize, plan.batchSize) * (asyncMode ? worldSize : 1);
    if (sharded !== plan.stepsPerEpoch) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        `the plan has ${plan.stepsPerEpoch} steps per epoch, but ${plan.datasetSize} examples over ${worldSize} workers in batches of ${plan.batchSize} make ${sharded}${asyncMode ? ' (async: batches of all ranks)' : ''}`,
      );
    }
    if (asyncMode && plan.referenceScheduler === null) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        "async mode needs the plan's referenceScheduler: a second scheduler of the same config to check every applied LR against",
      );
    }
    const optimizer = createOptimizer(this.options.training.optimizer, layout);
    const bound = messageBytesBound(params.length);
    for (const m of group.members) {
      m.connection.maxMessageBytes = bound;
      if (!asyncMode) poolGradients(m.connection, params.length);
    }
    const clock = new ScheduleClock(plan.scheduler, {
      granularity: plan.granularity,
      stepsPerEpoch: plan.stepsPerEpoch,
    });
    const saved = this.options.resume;
    const seed = this.options.training.seed;
    // Async ranks each go through their own shard at their own pace: only sync rounds follow one data plan.
    const data = asyncMode
      ? undefined
      : new DataPlan({ ...constants, seed, history: fixedWorldHistory(worldSize, 0, plan.stepsPerEpoch) });
    const state =
      saved === undefined
        ? new RunState({ params, optimizer, clock, seed, worldSize, ...(data === undefined ? {} : { data }) })
        : RunState.restore(saved, {
            optimizer,
            scheduler: plan.scheduler,
            granularity: plan.granularity,
            stepsPerEpoch: plan.stepsPerEpoch,
            worldSize,
            ...(asyncMode ? {} : { data: constants }),
          });
    if (state.data !== null && spec.epochs != null) {
      // Epochs of another world have other lengths: the run ends where the data plan says the last epoch does.
      plan = { ...plan, totalSteps: state.data.roundAfterEpochs(spec.epochs) };
    }
    if (state.params.length !== params.length) {
      throw new TrainingError(
        'ERR_TRAINING_STATE',
        `the checkpoint holds ${state.params.length} parameters but the model has ${params.length}: resume with the same task`,
      );
    }
    // The parameter server continues from the state's async part: refused here, before anyone is welcomed.
    if (saved !== undefined && asyncMode) restoreAsyncProgress(state, plan);
    await this.beforeTraining(
      group,
      Promise.all(
        group.members.map((m) =>
          // async: each rank's own batch position (its batches are its own count there)
          group.send(m.rank, welcome(state, plan, asyncMode ? state.positions[m.rank]! : state.round)),
        ),
      ),
    );
    this.log({
      level: 'info',
      msg: 'training started',
      workers: worldSize,
      parameters: params.length,
      totalSteps: plan.totalSteps,
      stepsPerEpoch: plan.stepsPerEpoch,
    });
    this.emit('started', {
      stepsPerEpoch: plan.stepsPerEpoch,
      totalSteps: plan.totalSteps,
      parameters: params.length,
      members: group.members,
      initialDigest: parameterDigest(params),
    });
    return { state, plan };
  }

  /**
   * What `member` is told of the run when it joins: its rank, the world, the training settings, and whether its
   * tensors go through lanes (then its connection reads its lane from here on, and the group knows it reads the
   * down lane).
   */
  private assign(
    group: ProcessGroup,
    member: Member,
    worldSize: number,
    sendParams: boolean,
  ): MessageOf<'assign'> {
    const rank = member.rank;
    const lanes = this.takesLanes(member);
    if (lanes !== null) {
      const up = new LaneReader(lanePath(lanes.directory, LANE_FILES.up(rank)));
      member.connection.useLanes({ receive: up });
      member.connection.once('close', () => up.close());
      group.useLanes(lanes.down);
      group.readsLane(rank);
    }
    this.runId ??= this.options.runId ?? `run-${Date.now().toString(36)}`;
    const config: TrainingSpec = {
      ...this.options.training,
      accumulateSteps: this.options.training.accumulateSteps ?? 1,
      heartbeatIntervalMs: this.timeouts.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.timeouts.heartbeatTimeoutMs,
      mode: this.options.mode ?? 'sync',
      slowdown: this.options.simulate?.slow[String(rank)] ?? 1,
      jitter: this.options.simulate?.jitter ?? 0,
    };
    return {
      type: 'assign',
      rank,
      worldSize,
      runId: this.runId,
      config: { ...config },
      sendParams,
      lanes: lanes !== null,
    };
  }

  /** The lanes `member` takes: a sync run's, when it offered this coordinator's lane directory; else null. */
  private takesLanes(member: Member): { directory: string; down: LaneWriter } | null {
    const directory = this.options.lanes;
    if (directory === undefined || this.options.mode === 'async' || member.lanes !== directory) return null;
    this.downLane ??= new LaneWriter(lanePath(directory, LANE_FILES.down));
    return { directory, down: this.downLane };
  }

  /**
   * A worker was lost under `restart` or `shrink`: the run fails once the policy's limit is reached; otherwise the
   * mode goes on without it, and with `restart` the rank may join again and is welcomed with the current state.
   */
  private onLost(
    group: ProcessGroup,
    mode: TrainingMode,
    state: RunState,
    plan: RunPlan,
    failure: FailurePolicy,
    restarts: number[],
    rank: number,
    error: TrainingError,
  ): void {
    const member = group.members[rank]!;
    const { maxRestarts, minWorkers } = failure;
    const policy = failure.policy === 'restart' ? 'restart' : 'shrink';
    if (policy === 'restart' && restarts[rank]! >= maxRestarts) {
      group.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `${error.message}; it was restarted ${restarts[rank]} times already (worker_max_restarts ${maxRestarts})`,
          { rank, cause: error },
        ),
      );
      return;
    }
    const remaining = group.activeRanks().length;
    if (policy === 'shrink' && remaining < minWorkers) {
      group.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `${error.message}; ${remaining} workers remain, fewer than min_workers ${minWorkers}`,
          { rank, cause: error },
        ),
      );
      return;
    }
    this.log({
      level: 'warn',
      msg:
        policy === 'restart' ? 'waiting for a lost worker to join again' : 'going on without a lost worker',
      rank,
      step: state.step,
      remaining,
    });
    mode.lost(rank, policy);
    const record: { -readonly [K in keyof LostWorkerRecord]: LostWorkerRecord[K] } = {
      rank,
      pid: member.pid,
      host: member.host,
      step: state.step,
      reason: error.message,
      policy,
      rejoinedAtStep: null,
    };
    this.losses.push(record);
    const { rejoinedAtStep: _, ...lost } = record;
    this.emit('lost', lost);
    if (policy !== 'restart') return;
    restarts[rank]! += 1;
    void group
      .race(this.rendezvous!.rejoin(rank, this.timeouts.joinMs))
      .then((joined) =>
        group.race(
          mode.readmit(joined, (round) => {
            group.replace(joined);
            joined.connection.maxMessageBytes = messageBytesBound(state.params.length);
            if (this.options.mode !== 'async') poolGradients(joined.connection, state.params.length);
            for (const message of [
              this.assign(group, joined, group.worldSize, false),
              welcome(state, plan, round),
            ])
              group.send(rank, message).catch(() => {});
            record.rejoinedAtStep = state.step;
            this.log({
              level: 'info',
              msg: 'worker rejoined',
              rank,
              pid: joined.pid,
              step: state.step,
              round,
            });
            this.emit('rejoined', { rank, pid: joined.pid, host: joined.host, step: state.step });
          }),
        ),
      )
      .catch((problem: unknown) => {
        if (!group.isEnding) group.fail(asTrainingError(problem));
      });
  }

  /** Where early stopping ended the run, against the planned schedule of a fresh scheduler. */
  private earlyStopReport(
    stopper: EarlyStopping,
    state: RunState,
    plan: RunPlan,
    step: number,
  ): EarlyStopReport {
    const fresh = this.plannedScheduler?.();
    const planned = fresh === undefined ? null : plannedLrs(fresh, plan);
    const lrs = { lrAtStop: state.lr, lrPeak: planned?.peak ?? null, lrEnd: planned?.end ?? null };
    const figures = {
      stoppedAtStep: step,
      totalSteps: plan.totalSteps,
      ...lrs,
      undoneDecay: undoneDecay(lrs),
    };
    return {
      metric: stopper.options.metric,
      best: stopper.best!,
      bestStep: stopper.bestStep!,
      ...figures,
      message: earlyStopSentence(figures),
    };
  }

  /** A wait before training began: a failure rejects it, and so does a stop request. */
  private beforeTraining<T>(group: ProcessGroup, work: Promise<T>): Promise<T> {
    const stoppable = this.stop.race(work, (reason) => {
      throw new TrainingError('ERR_TRAINING_STOPPED', `stopped before training began: ${reason}`);
    }) as Promise<T>;
    return group.race(stoppable);
  }

  /** Rank 0 evaluates `params` (the coordinator's, in async mode) or its own replica (null: sync mode). */
  private async evaluate(
    group: ProcessGroup,
    step: number,
    params: Float32Array | null,
  ): Promise<Evaluation> {
    const reply = group.receive(0, 'evaluation', 'the evaluation', (m) => evaluationRefusal(m, step));
    await group.race(group.send(0, { type: 'evaluate', step, params }));
    const ms = this.timeouts.roundMs;
    const answer = await group.within(
      reply,
      ms,
      () =>
        new TrainingError(
          'ERR_TRAINING_ROUND_TIMEOUT',
          `the evaluation of step ${step} waited ${ms / 1000} s (round_timeout) for rank 0`,
          { rank: 0 },
        ),
    );
    return {
      loss: answer.examples === 0 ? Number.NaN : answer.lossSum / answer.examples,
      accuracy: answer.correct === null || answer.examples === 0 ? null : answer.correct / answer.examples,
      correct: answer.correct,
      examples: answer.examples,
    };
  }

  /** The run failed with `error` (a mode's throw, a missed deadline): the group fails with it once. */
  private failed(group: ProcessGroup, error: unknown): TrainingError {
    const failure = group.failure ?? asTrainingError(error);
    if (!(error instanceof DptrainError)) {
      this.log({ level: 'error', msg: 'internal error', error, stack: (error as Error)?.stack });
    }
    group.fail(failure);
    return failure;
  }

  /** Tells every worker still there that the run ended, waits for their last traces, and closes everything. */
  private async end(group: ProcessGroup, reason: string, step: number, failed: boolean): Promise<void> {
    this.finished = true;
    group.end();
    const open = group.openRanks();
    // A worker that does not read (the reason a run may have failed) must not hold the end of the run.
    await atMost(
      STOP_GRACE_MS,
      Promise.allSettled(
        open.map((rank) => group.send(rank, { type: 'stop', reason: reason.slice(0, 4000), step, failed })),
      ),
    );
    await this.traces.settled(
      group,
      failed ? Math.min(STOP_GRACE_MS, this.timeouts.settleMs) : this.timeouts.settleMs,
    );
    await atMost(STOP_GRACE_MS, group.close());
    await this.closeServer();
  }

  private span(name: string, step: number, startUs: number): void {
    if (step < TRACE_MAX_STEPS) this.spans.push({ name, step, startUs, durationUs: nowUs() - startUs });
  }

  private onTrace(group: ProcessGroup, rank: number, message: MessageOf<'trace'>): void {
    const member = group.members[rank]!;
    const problem = this.traces.offer(
      rank,
      { pid: member.pid, name: `worker ${rank} (${member.host})`, order: rank + 1 },
      message,
    );
    if (problem !== null) group.refuse(rank, REFUSALS.unexpected, problem, null);
  }

  private async closeServer(): Promise<void> {
    this.rendezvous?.close();
    this.downLane?.close();
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    });
  }
}

/** The `welcome` of a worker: the run's current state, with `round` as its batch position. */
function welcome(state: RunState, plan: RunPlan, round: number): MessageOf<'welcome'> {
  return {
    type: 'welcome',
    step: state.step,
    epoch: state.data?.epochOf(state.round) ?? Math.floor(state.step / plan.stepsPerEpoch),
    lr: worldScaledLr(
      state.lr,
      state.data?.members(state.round).length ?? state.positions.length,
      plan.lrWorldScaling,
    ),
    round,
    stepsPerEpoch: plan.stepsPerEpoch,
    totalSteps: plan.totalSteps,
    params: state.params,
    optimizerState: state.optimizer.stateDict(),
    // sync: the epoch in progress and its worlds, from which the worker knows its batches
    plan: state.data === null ? null : { ...state.data.history },
  };
}

/** The run state's key for early stopping's best value and patience count. */
const EARLY_STOPPING_EXTENSION = 'earlyStopping';

/** How long the end of a run waits for a worker to take `stop` or to close, before its socket is cut. */
const STOP_GRACE_MS = 2_000;

/** Fills in the default timeouts and refuses one that is not a positive number of ms. */
function parseTimeouts(given: Partial<CoordinatorTimeouts>): CoordinatorTimeouts {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...given };
  for (const [key, value] of Object.entries(timeouts)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        `timeouts.${key}`,
        `must be a positive number of milliseconds, received ${String(value)}`,
      );
    }
  }
  return Object.freeze(timeouts);
}

function evaluationRefusal(m: MessageOf<'evaluation'>, step: number) {
  if (m.rank !== 0) {
    return {
      code: REFUSALS.wrongRank,
      message: `evaluation names rank ${m.rank} but this connection is rank 0`,
    };
  }
  if (m.step !== step) {
    return {
      code: REFUSALS.evaluation,
      message: `the evaluation is of step ${m.step}, but the coordinator asked for step ${step}`,
    };
  }
  if (m.correct !== null && m.correct > m.examples) {
    return {
      code: REFUSALS.evaluation,
      message: `the evaluation counts ${m.correct} correct predictions among ${m.examples} examples`,
    };
  }
  return null;
}

function asTrainingError(error: unknown): TrainingError {
  if (error instanceof TrainingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TrainingError('ERR_TRAINING_INTERNAL', message, { cause: error });
}

/**
 * The failure as the result names it: the code of the error that broke the run (an OptimizerError's own, say), and
 * the global step it broke at.
 */
function runFailure(error: TrainingError, step: number): RunFailure {
  const cause = error.cause;
  const code =
    error.code === 'ERR_TRAINING_INTERNAL' && cause instanceof DptrainError ? cause.code : error.code;
  return { code, message: error.message, rank: error.rank, step };
}

/**
 * A sync run's gradients from `connection` are assembled into one reused array of the model's `floats` instead
 * of a fresh one per message (a fresh 40 MB array costs 30 ms of zero-fill and page faults).
 *
 * Why the reuse is safe: SyncMode stores a gradient only in the round open when it arrives, and only one per
 * rank; the round's reduce reads it before the coordinator broadcasts that round's `update`, and the next round
 * opens in the same tick as that broadcast. So once an `update` went to this rank, no round holds the array, and
 * the pool lends it again only then: a gradient sent out of turn (refused, or a duplicate) gets a fresh array and
 * never overwrites one a round still holds. A withdrawn rank's gradient leaves the round; a rejoined rank has a
 * new connection and a new pool. Async pushes are not pooled: AsyncMode queues them undecided and reads them
 * after the handler returns. `params` (kept as the run state) and every other type keep fresh arrays.
 */
function poolGradients(connection: Connection, floats: number): void {
  connection.poolReceived({ type: 'gradient', floats, releasedBy: 'update' });
}

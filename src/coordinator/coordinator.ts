import { EventEmitter } from 'node:events';
import type { WebSocketServer } from 'ws';
import { CLOSE_CODES, ConfigError, TrainingError } from '../errors.js';
import type { Log } from '../log/index.js';
import { type LrGranularity, ScheduleClock, type Scheduler } from '../lr/index.js';
import { createOptimizer, type Optimizer } from '../optim/index.js';
import {
  type Message,
  type MessageOf,
  messageBytesBound,
  nowUs,
  parameterDigest,
  REFUSALS,
  type Span,
  TRACE_MAX_STEPS,
  type TrainingSpec,
  unpackSpans,
} from '../protocol/index.js';
import { Connection, Heartbeat, listen } from '../transport/index.js';
import { ConsistencyLedger, type ConsistencySummary, type Mismatch } from './consistency.js';
import { type Member, Rendezvous } from './rendezvous.js';
import { SyncRound } from './sync-round.js';
import { TraceRecorder } from './trace.js';

/** How the run unfolds once the training set size is known (steps per epoch, length, the one schedule). */
export interface RunPlan {
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly scheduler: Scheduler;
  readonly granularity: LrGranularity;
}

/** Timeouts, in ms, grouped as one object with defaults. */
export interface CoordinatorTimeouts {
  /** all workers must join within this */
  readonly joinMs: number;
  readonly heartbeatIntervalMs: number;
  /** a worker silent for this long is lost */
  readonly heartbeatTimeoutMs: number;
  /** after the last step, how long to wait for the workers' last `applied` reports and the evaluation */
  readonly settleMs: number;
}

export const DEFAULT_TIMEOUTS: CoordinatorTimeouts = Object.freeze({
  joinMs: 60_000,
  heartbeatIntervalMs: 2_000,
  heartbeatTimeoutMs: 30_000,
  settleMs: 60_000,
});

export interface CoordinatorOptions {
  readonly workers: number;
  /** the shared secret every worker must present in `join` */
  readonly token: string;
  readonly host?: string;
  readonly port?: number;
  /** what workers are told in `assign` (heartbeat timing is filled in from `timeouts`) */
  readonly training: Omit<TrainingSpec, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'>;
  /** called once rank 0 reported the training set size; throws to refuse the run */
  readonly plan: (datasetSize: number) => RunPlan;
  readonly onNonfinite: 'skip' | 'abort';
  /** ask rank 0 for an evaluation on the test split after the last step */
  readonly evaluate: boolean;
  readonly timeouts?: Partial<CoordinatorTimeouts>;
  readonly maxFrameBytes?: number;
  readonly log?: Log;
  /** a name for the run, sent to workers (default: derived from the start time) */
  readonly runId?: string;
}

/** One completed global step, as metrics.jsonl records it. */
export interface StepRecord {
  readonly step: number;
  readonly epoch: number;
  readonly lr: number;
  readonly loss: number;
  readonly samples: number;
  /** from the first gradient's arrival... to the broadcast: what the coordinator spends */
  readonly reduceMs: number;
  /** from the previous broadcast to this one: the whole round as the workers see it */
  readonly roundMs: number;
  readonly samplesPerSec: number;
  /** each rank's gradient compute time, in rank order */
  readonly computeMs: readonly number[];
}

export interface Evaluation {
  readonly loss: number;
  readonly accuracy: number | null;
  readonly examples: number;
}

/** What a finished (or stopped) run produced. */
export interface RunResult {
  readonly completedSteps: number;
  readonly rounds: number;
  readonly skippedSteps: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly params: Float32Array;
  readonly paramsDigest: string;
  /** the LR the schedule gave for each completed step */
  readonly lrs: readonly number[];
  readonly finalLoss: number | null;
  readonly consistency: ConsistencySummary;
  readonly mismatches: readonly Mismatch[];
  /** every replica's digest after the last step equals the coordinator's */
  readonly replicasIdentical: boolean;
  /** the LR each rank reported applying, per step (index = step; NaN where it did not report) */
  readonly appliedLrs: readonly (readonly number[])[];
  readonly evaluation: Evaluation | null;
  /** training time from the first gradient request to the last update, excluding start-up and evaluation */
  readonly trainSeconds: number;
  readonly samples: number;
  readonly members: readonly { rank: number; host: string; pid: number; backend: string }[];
  readonly stopped: string | null;
  /** the run's timeline as Chrome trace events (coordinator and every worker) */
  readonly trace: ReturnType<TraceRecorder['toJSON']>;
}

export interface CoordinatorEvents {
  listening: [port: number];
  started: [
    info: { stepsPerEpoch: number; totalSteps: number; parameters: number; members: readonly Member[] },
  ];
  step: [record: StepRecord];
  skipped: [info: { step: number; round: number; reason: string }];
  mismatch: [mismatch: Mismatch];
}

type Inbox = { resolve: (m: Message) => void; reject: (e: Error) => void; accept: (m: Message) => boolean };

/**
 * The coordinator: owns the global step, the single LR schedule, the optimizer state and its own copy of the
 * parameters. It runs the rendezvous, takes the initial parameters from rank 0 and sends them to everyone, then
 * runs synchronous rounds: one gradient per rank for step t, averaged in rank order, applied with lr(t) on its own
 * copy, and broadcast (the averaged gradient, t and lr(t)) for every worker to apply with its own optimizer.
 * Workers report the LR they used and a digest of their parameters, compared bit for bit with the coordinator's.
 *
 * @example
 * const coordinator = new Coordinator(options); const port = await coordinator.listen(); const result = await coordinator.run();
 */
export class Coordinator extends EventEmitter<CoordinatorEvents> {
  private readonly options: CoordinatorOptions;
  private readonly timeouts: CoordinatorTimeouts;
  private readonly log: Log;
  private server: WebSocketServer | undefined;
  private rendezvous: Rendezvous | undefined;
  private members: Member[] = [];
  private readonly heartbeats: Heartbeat[] = [];
  private failure: TrainingError | undefined;
  private failureWake: (() => void) | undefined;
  private stopRequest: string | null = null;
  private round: SyncRound | undefined;
  private roundWake: (() => void) | undefined;
  private ledger: ConsistencyLedger | undefined;
  private inboxes: (Inbox | undefined)[] = [];
  private finished = false;
  /** set once `stop` went out: workers closing after it are not failures */
  private stopping = false;
  private readonly trace = new TraceRecorder();
  private readonly spans: Span[] = [];
  private readonly finalTraces = new Set<number>();
  private tracesWake: (() => void) | undefined;

  constructor(options: CoordinatorOptions) {
    super();
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'workers',
        `must be an integer >= 1, received ${options.workers}`,
      );
    }
    this.options = options;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.log = options.log ?? (() => {});
  }

  /** Starts the WebSocket server and the rendezvous; resolves with the bound port. */
  async listen(): Promise<number> {
    const { server, port } = await listen({
      host: this.options.host,
      port: this.options.port ?? 0,
      maxFrameBytes: this.options.maxFrameBytes,
    });
    this.server = server;
    this.rendezvous = new Rendezvous({
      worldSize: this.options.workers,
      token: this.options.token,
      timeoutMs: this.timeouts.joinMs,
      log: this.log,
    });
    server.on('connection', (socket) => {
      const connection = new Connection(socket, { maxFrameBytes: this.options.maxFrameBytes, log: this.log });
      this.rendezvous!.admit(connection);
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
    if (this.stopRequest !== null || this.finished) return;
    this.stopRequest = reason;
    this.rendezvous?.cancel(reason);
    if (this.ledger === undefined)
      this.fail(new TrainingError('ERR_TRAINING_STOPPED', `stopped before training began: ${reason}`));
    this.roundWake?.();
  }

  /** Runs the whole training; resolves with the result, rejects with a TrainingError naming what failed. */
  async run(): Promise<RunResult> {
    if (this.rendezvous === undefined) await this.listen();
    try {
      return await this.train();
    } catch (error) {
      await this.broadcastStop(error instanceof Error ? error.message : String(error), 0, true);
      throw error;
    } finally {
      this.finished = true;
      for (const beat of this.heartbeats) beat.stop();
      await this.closeAll();
    }
  }

  private async train(): Promise<RunResult> {
    this.members = await this.rendezvous!.members;
    const worldSize = this.members.length;
    this.inboxes = new Array(worldSize).fill(undefined);
    for (const member of this.members) this.watch(member);
    const runId = this.options.runId ?? `run-${Date.now().toString(36)}`;
    const training: TrainingSpec = {
      ...this.options.training,
      heartbeatIntervalMs: this.timeouts.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.timeouts.heartbeatTimeoutMs,
    };
    await Promise.all(
      this.members.map((m) =>
        m.connection.send({
          type: 'assign',
          rank: m.rank,
          worldSize,
          runId,
          config: { ...training },
          sendParams: m.rank === 0,
        }),
      ),
    );
    const initial = (await this.receive(
      0,
      (m) => m.type === 'params',
      'initial parameters',
    )) as MessageOf<'params'>;
    const params = Float32Array.from(initial.params);
    if (params.length === 0 || !params.every(Number.isFinite)) {
      const problem = `rank 0's initial parameters are ${params.length === 0 ? 'empty' : 'not all finite'}`;
      this.refuse(0, REFUSALS.badParams, problem, 0);
      throw new TrainingError('ERR_TRAINING_MISMATCH', `${problem}; check the task's initialParameters()`, {
        rank: 0,
      });
    }
    const layout = checkLayout(initial.layout, params.length);
    const plan = this.options.plan(initial.datasetSize);
    const optimizer = createOptimizer(training.optimizer, layout);
    const bound = messageBytesBound(params.length);
    for (const m of this.members) m.connection.maxMessageBytes = bound;
    const clock = new ScheduleClock(plan.scheduler, {
      granularity: plan.granularity,
      stepsPerEpoch: plan.stepsPerEpoch,
    });
    await Promise.all(
      this.members.map((m) =>
        m.connection.send({
          type: 'welcome',
          step: 0,
          epoch: 0,
          lr: clock.lr,
          round: 0,
          stepsPerEpoch: plan.stepsPerEpoch,
          totalSteps: plan.totalSteps,
          params,
          optimizerState: optimizer.stateDict(),
        }),
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
      members: this.members,
    });
    return this.rounds(plan, clock, optimizer, params);
  }

  private async rounds(
    plan: RunPlan,
    clock: ScheduleClock,
    optimizer: Optimizer,
    params: Float32Array,
  ): Promise<RunResult> {
    const worldSize = this.members.length;
    const ledger = new ConsistencyLedger(worldSize);
    this.ledger = ledger;
    const averaged = new Float32Array(params.length);
    const lrs: number[] = [];
    let step = 0;
    let roundIndex = 0;
    let skipped = 0;
    let samples = 0;
    let finalLoss: number | null = null;
    const started = performance.now();
    let lastBroadcast = started;
    while (step < plan.totalSteps && this.stopRequest === null) {
      const round = new SyncRound({ step, worldSize, size: params.length });
      this.round = round;
      const receiveStart = nowUs();
      await this.untilComplete(round);
      if (this.stopRequest !== null) break;
      this.span('receive', step, receiveStart);
      const reduceStart = performance.now();
      const reduceStartUs = nowUs();
      const reduction = round.reduce(averaged);
      const epoch = Math.floor(roundIndex / plan.stepsPerEpoch);
      const lr = clock.lr;
      if (!reduction.finite) {
        if (this.options.onNonfinite === 'abort') {
          throw new TrainingError(
            'ERR_TRAINING_NONFINITE',
            `the averaged gradient of step ${step} is not finite (on_nonfinite: abort)`,
          );
        }
        skipped += 1;
        this.log({ level: 'warn', msg: 'skipped a non-finite step', step, round: roundIndex });
        this.emit('skipped', { step, round: roundIndex, reason: 'non-finite gradient' });
        await this.broadcast({
          type: 'update',
          step,
          epoch,
          lr,
          round: roundIndex,
          skipped: true,
          grad: null,
        });
        roundIndex += 1;
        continue;
      }
      this.span('reduce', step, reduceStartUs);
      const broadcastStart = nowUs();
      const broadcast = this.broadcast({
        type: 'update',
        step,
        epoch,
        lr,
        round: roundIndex,
        skipped: false,
        grad: averaged,
      });
      // The update is on its way; the coordinator applies its own copy while the workers apply theirs. No message
      // is handled before the next await, so the ledger knows the step before any worker's report arrives.
      const applyStart = nowUs();
      optimizer.step(params, averaged, lr);
      ledger.expect(step, lr, parameterDigest(params));
      this.span('apply', step, applyStart);
      await broadcast;
      this.span('broadcast', step, broadcastStart);
      const now = performance.now();
      const roundMs = now - lastBroadcast;
      lastBroadcast = now;
      lrs.push(lr);
      samples += reduction.samples;
      finalLoss = reduction.loss;
      clock.completeStep(reduction.loss);
      this.emit('step', {
        step,
        epoch,
        lr,
        loss: reduction.loss,
        samples: reduction.samples,
        reduceMs: now - reduceStart,
        roundMs,
        samplesPerSec: (reduction.samples * 1000) / roundMs,
        computeMs: reduction.computeMs,
      });
      step += 1;
      roundIndex += 1;
    }
    this.round = undefined;
    const trainSeconds = (performance.now() - started) / 1000;
    await this.raceFailure(ledger.settle(this.timeouts.settleMs));
    const evaluation =
      this.options.evaluate && this.stopRequest === null && step > 0 ? await this.evaluate(step) : null;
    await this.broadcastStop(this.stopRequest ?? 'finished', step, false);
    await this.finalTracesIn(this.timeouts.settleMs);
    this.trace.add({ pid: process.pid, name: 'coordinator', order: 0 }, this.spans);
    return {
      completedSteps: step,
      rounds: roundIndex,
      skippedSteps: skipped,
      totalSteps: plan.totalSteps,
      stepsPerEpoch: plan.stepsPerEpoch,
      params,
      paramsDigest: parameterDigest(params),
      lrs,
      finalLoss,
      consistency: ledger.summary(),
      mismatches: ledger.mismatches(),
      replicasIdentical: step > 0 && ledger.identicalAt(step - 1),
      appliedLrs: this.members.map((m) => ledger.appliedLrs(m.rank, step)),
      evaluation,
      trainSeconds,
      samples,
      members: this.members.map(({ rank, host, pid, backend }) => ({ rank, host, pid, backend })),
      stopped: this.stopRequest,
      trace: this.trace.toJSON(),
    };
  }

  private span(name: string, step: number, startUs: number): void {
    if (step < TRACE_MAX_STEPS) this.spans.push({ name, step, startUs, durationUs: nowUs() - startUs });
  }

  /** Waits until every worker sent its last timeline spans (they send them on `stop`), at most `timeoutMs`. */
  private finalTracesIn(timeoutMs: number): Promise<void> {
    const open = () =>
      this.members.filter((m) => !this.finalTraces.has(m.rank) && m.connection.closeInfo === null);
    if (open().length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.tracesWake = () => {
        if (open().length > 0) return;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private onTrace(rank: number, message: MessageOf<'trace'>): void {
    const spans = unpackSpans(message.spans);
    if (spans === null || message.rank !== rank) {
      this.refuse(rank, REFUSALS.unexpected, `rank ${rank}'s trace message is not a packed span list`, null);
      return;
    }
    const member = this.members[rank]!;
    this.trace.add({ pid: member.pid, name: `worker ${rank} (${member.host})`, order: rank + 1 }, spans);
    if (message.final) this.finalTraces.add(rank);
    this.tracesWake?.();
  }

  private async evaluate(step: number): Promise<Evaluation> {
    await this.members[0]!.connection.send({ type: 'evaluate', step });
    const reply = (await this.receive(
      0,
      (m) => m.type === 'evaluation',
      'evaluation',
    )) as MessageOf<'evaluation'>;
    return {
      loss: reply.examples === 0 ? Number.NaN : reply.lossSum / reply.examples,
      accuracy: reply.correct === null || reply.examples === 0 ? null : reply.correct / reply.examples,
      examples: reply.examples,
    };
  }

  /** Routes every message of a member once training has begun. */
  private watch(member: Member): void {
    const { rank, connection } = member;
    connection.on('message', (message) => this.dispatch(rank, message));
    connection.once('close', (close) => {
      if (this.finished || this.stopping) return;
      this.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} (pid ${member.pid} on ${member.host}) disconnected: close code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
          { rank },
        ),
      );
    });
    const timing = {
      intervalMs: this.timeouts.heartbeatIntervalMs,
      timeoutMs: this.timeouts.heartbeatTimeoutMs,
    };
    const beat = new Heartbeat(connection, timing, (silentMs) => {
      this.fail(
        new TrainingError(
          'ERR_TRAINING_WORKER_LOST',
          `worker rank ${rank} silent for ${Math.round(silentMs)} ms`,
          { rank },
        ),
      );
      void connection.close(CLOSE_CODES.policyViolation, 'heartbeat timeout');
    });
    beat.start();
    this.heartbeats.push(beat);
  }

  private dispatch(rank: number, message: Message): void {
    const inbox = this.inboxes[rank];
    if (inbox?.accept(message)) {
      this.inboxes[rank] = undefined;
      inbox.resolve(message);
    } else if (message.type === 'gradient') {
      this.onGradient(rank, message);
    } else if (message.type === 'applied') {
      this.onApplied(rank, message);
    } else if (message.type === 'trace') {
      this.onTrace(rank, message);
    } else if (message.type === 'leave') {
      this.fail(
        new TrainingError('ERR_TRAINING_WORKER_LOST', `worker rank ${rank} left: ${message.reason}`, {
          rank,
        }),
      );
    } else if (message.type !== 'heartbeat') {
      this.refuse(
        rank,
        REFUSALS.unexpected,
        `a ${message.type} message is not expected from rank ${rank} now`,
        null,
      );
    }
  }

  private onGradient(rank: number, gradient: MessageOf<'gradient'>): void {
    const round = this.round;
    // A worker may send the next gradient before it hears that the run is ending: not an error.
    if (round === undefined && (this.stopRequest !== null || this.stopping)) return;
    const refusal =
      round === undefined
        ? { code: REFUSALS.unexpected, message: `no round is in progress for rank ${rank}'s gradient` }
        : round.offer(rank, gradient);
    if (refusal !== null) this.refuse(rank, refusal.code, refusal.message, gradient.step);
    else if (round?.complete) this.roundWake?.();
  }

  private onApplied(rank: number, applied: MessageOf<'applied'>): void {
    const ledger = this.ledger;
    const problem =
      applied.rank !== rank
        ? `applied names rank ${applied.rank} but this connection is rank ${rank}`
        : ledger === undefined
          ? 'no step has been applied yet'
          : ledger.report(rank, applied.step, applied.lr, applied.digest);
    if (problem !== null) {
      const code = applied.rank !== rank ? REFUSALS.wrongRank : REFUSALS.unexpected;
      this.refuse(rank, code, problem, applied.step);
      return;
    }
    const mismatch = ledger!.mismatches().at(-1);
    if (mismatch !== undefined && mismatch.rank === rank && mismatch.step === applied.step) {
      this.log({ level: 'error', msg: 'replica differs from the coordinator', ...mismatch });
      this.emit('mismatch', mismatch);
    }
  }

  private refuse(rank: number, code: string, message: string, step: number | null): void {
    this.log({ level: 'warn', msg: 'refused a message', code, rank, step, reason: message });
    this.members[rank]?.connection.send({ type: 'error', code, message, rank, step }).catch(() => {});
  }

  /** The next message from `rank` that `accept` takes (others are dispatched as usual). */
  private receive(rank: number, accept: (m: Message) => boolean, what: string): Promise<Message> {
    const waiting = new Promise<Message>((resolve, reject) => {
      this.inboxes[rank] = { resolve, reject, accept };
    });
    return this.raceFailure(waiting, `waiting for ${what} from rank ${rank}`);
  }

  private untilComplete(round: SyncRound): Promise<void> {
    if (round.complete) return Promise.resolve();
    return this.raceFailure(
      new Promise<void>((resolve) => {
        this.roundWake = () => {
          if (round.complete || this.stopRequest !== null) {
            this.roundWake = undefined;
            resolve();
          }
        };
      }),
    );
  }

  /** Resolves with `work`, or rejects as soon as the run fails (a worker lost, a stop). */
  private raceFailure<T>(work: Promise<T>, context?: string): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const failed = new Promise<never>((_, reject) => {
      const previous = this.failureWake;
      this.failureWake = () => {
        previous?.();
        const error = this.failure!;
        reject(
          context === undefined
            ? error
            : new TrainingError(error.code, `${error.message} (${context})`, {
                cause: error,
                rank: error.rank,
              }),
        );
      };
    });
    failed.catch(() => {});
    return Promise.race([work, failed]);
  }

  private fail(error: TrainingError): void {
    if (this.failure !== undefined || this.finished) return;
    this.failure = error;
    this.log({
      level: 'error',
      msg: 'run failed',
      code: error.code,
      rank: error.rank,
      reason: error.message,
    });
    const wake = this.failureWake;
    this.failureWake = undefined;
    wake?.();
  }

  private async broadcast(message: Message): Promise<void> {
    await Promise.all(this.members.map((m) => m.connection.send(message)));
  }

  private async broadcastStop(reason: string, step: number, failed: boolean): Promise<void> {
    this.stopping = true;
    const open = this.members.filter((m) => m.connection.closeInfo === null);
    await Promise.allSettled(
      open.map((m) => m.connection.send({ type: 'stop', reason: reason.slice(0, 4000), step, failed })),
    );
  }

  private async closeAll(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.connection.close(CLOSE_CODES.normal, 'run ended')));
    await new Promise<void>((resolve) => {
      if (this.server === undefined) return resolve();
      for (const client of this.server.clients) client.terminate();
      this.server.close(() => resolve());
    });
  }
}

/** The parameter layout rank 0 reported, checked against the parameter count. */
function checkLayout(
  layout: Readonly<Record<string, unknown>>,
  count: number,
): { sizes: number[]; names?: string[] } {
  const sizes = layout.sizes;
  const names = layout.names;
  const valid =
    Array.isArray(sizes) &&
    sizes.every((s) => Number.isSafeInteger(s) && (s as number) > 0) &&
    (sizes as number[]).reduce((a, b) => a + b, 0) === count &&
    (names === undefined ||
      (Array.isArray(names) && names.length === sizes.length && names.every((n) => typeof n === 'string')));
  if (!valid) {
    throw new TrainingError(
      'ERR_TRAINING_MISMATCH',
      `rank 0's parameter layout ${JSON.stringify(layout).slice(0, 200)} does not describe its ${count} parameters`,
      { rank: 0 },
    );
  }
  return names === undefined
    ? { sizes: sizes as number[] }
    : { sizes: sizes as number[], names: names as string[] };
}

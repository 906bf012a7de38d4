import { hostname } from 'node:os';
import { CLOSE_CODES, TrainingError } from '../errors.js';
import type { Log } from '../log/index.js';
import { createOptimizer } from '../optim/index.js';
import {
  type Message,
  type MessageOf,
  messageBytesBound,
  nowUs,
  PROTOCOL_VERSION,
  packSpans,
  parameterDigest,
  parseTrainingSpec,
  type Span,
  TRACE_MAX_STEPS,
  type TrainingSpec,
} from '../protocol/index.js';
import { batches, epochIndices, shardIndices, stepsPerEpoch } from '../sharding/index.js';
import { type Dataset, loadTask, type Task, tensorSize } from '../tasks/index.js';
import { type Connection, connect, Heartbeat } from '../transport/index.js';
import { type BackendName, selectBackend } from './backend.js';
import { gatherBatch } from './gather-batch.js';
import { GradientComputer } from './gradients.js';

/** A deliberate fault for tests of the consistency check: apply `factor × lr` at global step `step`. */
export interface LrFault {
  readonly step: number;
  readonly factor: number;
}

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
  /** test hook: a worker that applies a wrong LR, to show the consistency check catches it */
  readonly lrFault?: LrFault;
  /** send frames unmasked (faster on loopback and private networks; see connect()) */
  readonly zeroMask?: boolean;
}

/** What a worker did, for its exit report. */
export interface WorkerResult {
  readonly rank: number;
  readonly steps: number;
  readonly rounds: number;
  readonly backend: string;
  readonly stopReason: string;
}

/** Spans are sent to the coordinator in batches of this many (and the rest when the run stops). */
const TRACE_BATCH = 1000;

/**
 * A worker process's whole life: join the run, take the parameters the coordinator sends, then for every
 * round compute the gradient of its shard's batch, send it, apply the averaged update with the LR and step the
 * update carries (never a schedule of its own), and report the LR it used and a digest of its parameters.
 *
 * @example
 * const result = await new Worker({ url: 'ws://127.0.0.1:29500', token }).run();
 */
export class Worker {
  private readonly log: Log;
  private connection: Connection | undefined;
  private readonly queue: Message[] = [];
  private waiter: ((m: Message | Error) => void) | undefined;
  private closed: Error | undefined;
  /** timeline spans not yet sent to the coordinator (compute / send / wait / apply, per step) */
  private spans: Span[] = [];

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log ?? (() => {});
  }

  async run(): Promise<WorkerResult> {
    const { tf, backend } = await selectBackend(this.options.backend);
    this.log({ level: 'info', msg: 'backend selected', backend });
    const connection = await connect(this.options.url, { log: this.log, zeroMask: this.options.zeroMask });
    this.connection = connection;
    connection.on('message', (message) => this.deliver(message));
    connection.once('close', (close) => {
      this.closed = new TrainingError(
        'ERR_TRAINING_WORKER_LOST',
        `connection to the coordinator closed: code ${close.code}${close.reason ? ` (${close.reason})` : ''}`,
      );
      this.waiter?.(this.closed);
    });
    try {
      await connection.send({
        type: 'join',
        protocol: PROTOCOL_VERSION,
        token: this.options.token,
        rank: this.options.rank ?? null,
        pid: process.pid,
        host: hostname(),
        backend,
      });
      const assign = (await this.next('assign')) as MessageOf<'assign'>;
      const spec = parseTrainingSpec(assign.config);
      const heartbeat = new Heartbeat(
        connection,
        { intervalMs: spec.heartbeatIntervalMs, timeoutMs: spec.heartbeatTimeoutMs },
        () => void connection.close(CLOSE_CODES.policyViolation, 'coordinator silent'),
      );
      heartbeat.start();
      try {
        return await this.train(assign, spec, tf, backend);
      } finally {
        heartbeat.stop();
      }
    } finally {
      await connection.close(CLOSE_CODES.normal, 'worker done');
    }
  }

  private async train(
    assign: MessageOf<'assign'>,
    spec: TrainingSpec,
    tf: Awaited<ReturnType<typeof selectBackend>>['tf'],
    backend: string,
  ): Promise<WorkerResult> {
    const { rank, worldSize } = assign;
    const connection = this.connection!;
    const task = await loadTask(spec.task, this.options.cwd);
    const model = task.createModel({ seed: spec.seed });
    const train = await task.loadData('train', {
      seed: spec.seed,
      ...(spec.dataLimit === null ? {} : { limit: spec.dataLimit }),
    });
    if (assign.sendParams) {
      await connection.send({
        type: 'params',
        rank,
        datasetSize: train.size,
        layout: {
          sizes: model.parameters.map((p) => tensorSize(p.shape)),
          names: model.parameters.map((p) => p.name),
        },
        params: model.initialParameters(),
      });
    }
    const welcome = (await this.next('welcome')) as MessageOf<'welcome'>;
    const perEpoch = stepsPerEpoch(train.size, worldSize, spec.batchSize);
    if (perEpoch !== welcome.stepsPerEpoch) {
      throw new TrainingError(
        'ERR_TRAINING_MISMATCH',
        `rank ${rank} counts ${perEpoch} steps per epoch (${train.size} examples) but the run has ${welcome.stepsPerEpoch}: workers must load the same data`,
        { rank },
      );
    }
    const params = Float32Array.from(welcome.params);
    connection.maxMessageBytes = messageBytesBound(params.length);
    const optimizer = createOptimizer(spec.optimizer, {
      sizes: model.parameters.map((p) => tensorSize(p.shape)),
    });
    if (Object.keys(welcome.optimizerState).length > 0) optimizer.setStateDict(welcome.optimizerState);
    const computer = new GradientComputer(tf, model);
    const loop = new RoundLoop({ rank, worldSize, spec, train, perEpoch, params, computer });
    let step = welcome.step;
    let round = welcome.round;
    let report: { step: number; lr: number } | null = null;
    for (;;) {
      const computeStart = nowUs();
      const { loss, grad, samples } = loop.gradient(round);
      const computeMs = (nowUs() - computeStart) / 1000;
      this.span('compute', step, computeStart);
      const sendStart = nowUs();
      await connection.send({ type: 'gradient', rank, step, round, loss, samples, computeMs, grad });
      this.span('send', step, sendStart);
      // The report of the previous step goes out after this step's gradient: its digest is off the critical path.
      if (report !== null) await this.sendApplied(rank, report, params);
      report = null;
      const waitStart = nowUs();
      const reply = await this.next('update', 'stop', 'evaluate');
      this.span('wait', step, waitStart);
      if (reply.type === 'stop') return this.finish(rank, step, round, backend, reply);
      if (reply.type !== 'update') throw this.outOfTurn(reply);
      if (reply.step !== step || reply.round !== round) {
        throw new TrainingError(
          'ERR_TRAINING_PROTOCOL',
          `rank ${rank} is at step ${step} (batch ${round}) but the update is for step ${reply.step} (batch ${reply.round})`,
          { rank },
        );
      }
      round += 1;
      if (reply.skipped || reply.grad === null) continue;
      const applyStart = nowUs();
      const lr = this.appliedLr(reply.lr, step);
      optimizer.step(params, reply.grad, lr);
      this.span('apply', step, applyStart);
      report = { step, lr };
      step += 1;
      if (step === welcome.totalSteps) {
        await this.sendApplied(rank, report, params);
        return this.afterLastStep(rank, step, round, backend, task, computer, params, spec);
      }
    }
  }

  /** Reports the LR used at `report.step` and the digest of the parameters after it. */
  private async sendApplied(
    rank: number,
    report: { step: number; lr: number },
    params: Float32Array,
  ): Promise<void> {
    await this.connection!.send({
      type: 'applied',
      rank,
      step: report.step,
      lr: report.lr,
      digest: parameterDigest(params),
    });
    if (this.spans.length >= TRACE_BATCH) await this.flushTrace(rank, false);
  }

  /** After the last step: answer an evaluation request if one comes, then stop. */
  private async afterLastStep(
    rank: number,
    step: number,
    round: number,
    backend: string,
    task: Task,
    computer: GradientComputer,
    params: Float32Array,
    spec: TrainingSpec,
  ): Promise<WorkerResult> {
    for (;;) {
      const message = await this.next('evaluate', 'stop');
      if (message.type === 'stop') return this.finish(rank, step, round, backend, message);
      if (message.type !== 'evaluate') throw this.outOfTurn(message);
      const test = await task.loadData('test', {
        seed: spec.seed,
        ...(spec.evalLimit === null ? {} : { limit: spec.evalLimit }),
      });
      const result = computer.evaluate(params, test);
      await this.connection!.send({
        type: 'evaluation',
        rank,
        step: message.step,
        lossSum: result.loss * test.size,
        correct: result.accuracy === undefined ? null : Math.round(result.accuracy * test.size),
        examples: test.size,
      });
    }
  }

  private async finish(
    rank: number,
    steps: number,
    rounds: number,
    backend: string,
    stop: MessageOf<'stop'>,
  ): Promise<WorkerResult> {
    if (stop.reason !== 'finished') {
      this.log({ level: 'warn', msg: 'coordinator stopped the run', reason: stop.reason, step: stop.step });
    }
    await this.flushTrace(rank, true);
    return { rank, steps, rounds, backend, stopReason: stop.reason };
  }

  /** Sends the buffered timeline spans to the coordinator (for trace.json). */
  private async flushTrace(rank: number, final: boolean): Promise<void> {
    const spans = this.spans;
    this.spans = [];
    await this.connection!.send({ type: 'trace', rank, final, spans: packSpans(spans) }).catch(() => {});
  }

  private appliedLr(lr: number, step: number): number {
    const fault = this.options.lrFault;
    return fault !== undefined && fault.step === step ? lr * fault.factor : lr;
  }

  private span(name: string, step: number, startUs: number): void {
    if (step < TRACE_MAX_STEPS) this.spans.push({ name, step, startUs, durationUs: nowUs() - startUs });
  }

  private outOfTurn(message: Message): TrainingError {
    if (message.type === 'error') {
      return new TrainingError(
        'ERR_TRAINING_PROTOCOL',
        `the coordinator refused: ${message.code}: ${message.message}`,
      );
    }
    return new TrainingError(
      'ERR_TRAINING_PROTOCOL',
      `unexpected ${message.type} message from the coordinator`,
    );
  }

  private deliver(message: Message): void {
    if (message.type === 'heartbeat') return;
    if (this.waiter !== undefined) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(message);
    } else {
      this.queue.push(message);
    }
  }

  /** The next message, which must be one of `types` (an `error` reply or anything else fails the worker). */
  private async next(...types: Message['type'][]): Promise<Message> {
    const message =
      this.queue.shift() ??
      (await new Promise<Message | Error>((resolve) => {
        if (this.closed !== undefined) resolve(this.closed);
        else this.waiter = resolve;
      }));
    if (message instanceof Error) throw message;
    if (!types.includes(message.type)) throw this.outOfTurn(message);
    return message;
  }
}

/** Which examples a worker trains on in each round: its shard of the epoch's shuffle, batch by batch. */
class RoundLoop {
  private epoch = -1;
  private epochBatches: Int32Array[] = [];
  private readonly x: Float32Array;
  private readonly labels: Int32Array | Float32Array;

  constructor(
    private readonly s: {
      rank: number;
      worldSize: number;
      spec: TrainingSpec;
      train: Dataset;
      perEpoch: number;
      params: Float32Array;
      computer: GradientComputer;
    },
  ) {
    const { train, spec } = s;
    this.x = new Float32Array(spec.batchSize * train.inputSize);
    this.labels =
      train.labels instanceof Int32Array
        ? new Int32Array(spec.batchSize)
        : new Float32Array(spec.batchSize * train.targetSize);
  }

  /** The gradient of this rank's batch for `round` (batch `round % stepsPerEpoch` of epoch `round / stepsPerEpoch`). */
  gradient(round: number): { loss: number; grad: Float32Array; samples: number } {
    const { train, spec, rank, worldSize, perEpoch } = this.s;
    const epoch = Math.floor(round / perEpoch);
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.epochBatches = batches(
        shardIndices(epochIndices(train.size, spec.seed, epoch), rank, worldSize),
        spec.batchSize,
      );
    }
    const batch = gatherBatch(train, this.epochBatches[round % perEpoch]!, this.x, this.labels);
    const { loss, grad } = this.s.computer.compute(this.s.params, batch.x, batch.labels, batch.size);
    return { loss, grad, samples: batch.size };
  }
}

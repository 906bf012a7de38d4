/**
 * Scripted workers for in-process coordinator tests: a real Connection over loopback, driven message by message,
 * and a hand-written float32 SGD (Paddle's `p - fround(fround(lr) * g)`, written here independently of src/optim)
 * so a test can play an honest replica and know the digests it must report.
 */
import { Coordinator, type CoordinatorOptions, type RunResult } from '../../src/coordinator/index.js';
import { createScheduler } from '../../src/lr/index.js';
import { type Message, type MessageOf, PROTOCOL_VERSION, parameterDigest } from '../../src/protocol/index.js';
import { type Connection, connect } from '../../src/transport/index.js';

export const TOKEN = 'secret-token';

/** What a scripted run's workers train on: SGD, a StepDecay halving every step, 6 parameters of 1. */
export const SCRIPTED_TRAINING = {
  task: 'synthetic',
  seed: 1,
  batchSize: 4,
  optimizer: { name: 'SGD' },
  dataLimit: null,
  evalLimit: null,
} as const;

/** The StepDecay(0.5, step_size 1, gamma 0.5) LRs, by hand: 0.5 · 0.5^t. */
export const HALVING_LRS = [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625];

export const SCRIPTED_SIZE = 6;

/** A coordinator for scripted workers: SGD, StepDecay(0.5, 1, 0.5), 40 examples (10 per rank of batch 4 ⇒ 3 steps per epoch with 2 ranks). */
export function scriptedCoordinator(
  overrides: Partial<CoordinatorOptions> & { totalSteps?: number } = {},
): Coordinator {
  const { totalSteps = 4, ...rest } = overrides;
  const workers = rest.workers ?? 2;
  return new Coordinator({
    workers,
    token: TOKEN,
    training: SCRIPTED_TRAINING,
    plan: (datasetSize) => ({
      stepsPerEpoch: Math.ceil(Math.ceil(datasetSize / workers) / SCRIPTED_TRAINING.batchSize),
      totalSteps,
      granularity: 'step',
      scheduler: createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1, gamma: 0.5 }),
    }),
    onNonfinite: 'skip',
    evaluate: false,
    ...rest,
    // Scripted workers send no heartbeats: a test that wants the heartbeat timeout sets a short one itself.
    timeouts: { joinMs: 10_000, settleMs: 300, heartbeatTimeoutMs: 60_000, ...rest.timeouts },
  });
}

/**
 * A coordinator in async mode for scripted workers: SGD, StepDecay(0.5, 1, 0.5) per step (or per epoch), a second
 * StepDecay instance as the reference, `workers` ranks; an async epoch is every rank's batches of 4.
 */
export function asyncCoordinator(
  options: {
    policy?: Partial<NonNullable<CoordinatorOptions['async']>>;
    totalSteps?: number;
    workers?: number;
    granularity?: 'step' | 'epoch';
  } & Partial<CoordinatorOptions> = {},
): Coordinator {
  const { policy = {}, totalSteps = 6, workers = 2, granularity = 'step', ...rest } = options;
  const halving = () => createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1, gamma: 0.5 });
  return scriptedCoordinator({
    workers,
    mode: 'async',
    async: { maxStaleness: null, sspBound: null, lrScale: 'none', dcLambda: 0, ...policy },
    plan: (datasetSize) => ({
      stepsPerEpoch: workers * Math.ceil(Math.ceil(datasetSize / workers) / SCRIPTED_TRAINING.batchSize),
      totalSteps,
      granularity,
      scheduler: halving(),
      referenceScheduler: halving(),
    }),
    ...rest,
  });
}

/** A scripted worker: a Connection plus a queue of the messages it received. */
export class Script {
  readonly inbox: Message[] = [];
  private wake: (() => void) | undefined;
  closeCode: number | undefined;

  constructor(readonly connection: Connection) {
    connection.on('message', (m) => {
      this.inbox.push(m);
      this.wake?.();
    });
    connection.on('close', (c) => {
      this.closeCode = c.code;
      this.wake?.();
    });
  }

  static async open(port: number): Promise<Script> {
    return new Script(await connect(`ws://127.0.0.1:${port}`));
  }

  /** The next message of `type` (others stay queued). */
  async next<T extends Message['type']>(type: T): Promise<MessageOf<T>> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as unknown as MessageOf<T>;
      if (this.closeCode !== undefined) {
        throw new Error(`closed with ${this.closeCode} while waiting for ${type}`);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** The next message of any type but heartbeat. */
  async any(): Promise<Message> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type !== 'heartbeat');
      if (index >= 0) return this.inbox.splice(index, 1)[0]!;
      if (this.closeCode !== undefined) throw new Error(`closed with ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async closed(): Promise<number> {
    while (this.closeCode === undefined) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return this.closeCode;
  }

  join(rank: number | null = null, token = TOKEN, protocol = PROTOCOL_VERSION): Promise<void> {
    return this.connection.send({
      type: 'join',
      protocol,
      token,
      rank,
      pid: 1,
      host: 'test',
      backend: 'none',
      lanes: null,
    });
  }

  /** A gradient of `length` floats cycling through `values`, for `step` (batch `round`, default = step). */
  gradient(
    rank: number,
    step: number,
    values: readonly number[],
    options: { round?: number; length?: number; samples?: number } = {},
  ): Promise<void> {
    const grad = new Float32Array(options.length ?? SCRIPTED_SIZE).map((_, i) => values[i % values.length]!);
    return this.connection.send({
      type: 'gradient',
      rank,
      step,
      round: options.round ?? step,
      loss: 1,
      samples: options.samples ?? 4,
      computeMs: 0.1,
      grad,
    });
  }
}

/** What a scripted async worker pushes: defaults are an honest push of batch `round` = 0, 4 samples. */
export interface ScriptedPush {
  readonly read: number;
  /** whose shard the batch is of (default: the pushing rank's own) */
  readonly shard?: number;
  readonly lr: number;
  readonly round: number;
  readonly values: readonly number[];
  readonly loss?: number;
  readonly samples?: number;
  readonly length?: number;
  readonly rank?: number;
}

/** Sends one async push from `script` as `rank`. */
export function push(script: Script, rank: number, p: ScriptedPush): Promise<void> {
  const grad = new Float32Array(p.length ?? SCRIPTED_SIZE).map((_, i) => p.values[i % p.values.length]!);
  return script.connection.send({
    type: 'push',
    rank: p.rank ?? rank,
    shard: p.shard ?? p.rank ?? rank,
    read: p.read,
    lr: p.lr,
    round: p.round,
    loss: p.loss ?? 1,
    samples: p.samples ?? 4,
    computeMs: 0.1,
    grad,
  });
}

/** Float32 SGD by hand, in place: p = fround(p - fround(fround(lr) * g)). */
export function sgdStep(params: Float32Array, grad: Float32Array, lr: number): void {
  const rate = Math.fround(lr);
  for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i]! - Math.fround(rate * grad[i]!));
}

export interface ScriptedRun {
  readonly coordinator: Coordinator;
  readonly port: number;
  readonly workers: Script[];
  readonly result: Promise<RunResult>;
}

/** Starts `coordinator` and scripted workers that join as ranks 0…n-1 and receive their `assign`. */
export async function assigned(
  coordinator: Coordinator,
  opened: Script[],
  workers = 2,
): Promise<ScriptedRun> {
  const port = await coordinator.listen();
  const result = coordinator.run();
  result.catch(() => {});
  const scripts: Script[] = [];
  for (let rank = 0; rank < workers; rank++) scripts.push(await Script.open(port));
  opened.push(...scripts);
  for (const [rank, script] of scripts.entries()) await script.join(rank);
  await Promise.all(scripts.map((w) => w.next('assign')));
  return { coordinator, port, workers: scripts, result };
}

/** As `assigned`, then rank 0 sends `size` parameters of 1 (40 examples) and every worker receives `welcome`. */
export async function started(
  coordinator: Coordinator,
  opened: Script[],
  options: { workers?: number; size?: number; datasetSize?: number } = {},
): Promise<ScriptedRun> {
  const run = await assigned(coordinator, opened, options.workers ?? 2);
  const size = options.size ?? SCRIPTED_SIZE;
  await run.workers[0]!.connection.send({
    type: 'params',
    rank: 0,
    datasetSize: options.datasetSize ?? 40,
    layout: { sizes: [size] },
    params: new Float32Array(size).fill(1),
  });
  await Promise.all(run.workers.map((w) => w.next('welcome')));
  return run;
}

/** Every worker sends `values` for `step` (batch `round`), then reads the update. */
export async function round(
  workers: readonly Script[],
  step: number,
  values: readonly number[],
  roundIndex = step,
): Promise<MessageOf<'update'>[]> {
  await Promise.all(workers.map((w, rank) => w.gradient(rank, step, values, { round: roundIndex })));
  return Promise.all(workers.map((w) => w.next('update')));
}

/**
 * Plays honest replicas through `steps` rounds: every worker sends `values`, applies each update by hand and
 * reports the LR it carried and the digest of its parameters (unless `report` says otherwise for a rank/step).
 */
export async function honestRounds(
  workers: readonly Script[],
  steps: number,
  values: readonly number[],
  /** what `rank` reports for `step`: undefined for the honest report, null for none */
  report: (
    rank: number,
    step: number,
    honest: { lr: number; digest: string },
  ) => { lr: number; digest: string } | null | undefined = () => undefined,
): Promise<Float32Array> {
  const params = new Float32Array(SCRIPTED_SIZE).fill(1);
  for (let step = 0; step < steps; step++) {
    const updates = await round(workers, step, values);
    sgdStep(params, updates[0]!.grad!, updates[0]!.lr);
    const digest = parameterDigest(params);
    for (const [rank, worker] of workers.entries()) {
      const honest = { lr: updates[rank]!.lr, digest };
      const custom = report(rank, step, honest);
      const sent = custom === undefined ? honest : custom;
      if (sent !== null) {
        await worker.connection.send({ type: 'applied', rank, step, lr: sent.lr, digest: sent.digest });
      }
    }
  }
  return params;
}

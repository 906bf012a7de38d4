import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Coordinator, type RunResult } from '../../src/coordinator/coordinator.js';
import { createScheduler } from '../../src/lr/config.js';
import { type Message, MessageEncoder, type MessageOf, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { type Connection, connect } from '../../src/transport/index.js';

const SIZE = 6;
const TOKEN = 'secret-token';
const STEPS = 4;

const TRAINING = {
  task: 'synthetic',
  seed: 1,
  batchSize: 4,
  optimizer: { name: 'SGD' },
  dataLimit: null,
  evalLimit: null,
} as const;

/** A coordinator for 2 scripted workers, SGD, StepDecay; nothing of the task is loaded in the coordinator. */
function coordinator(onNonfinite: 'skip' | 'abort' = 'skip'): Coordinator {
  return new Coordinator({
    workers: 2,
    token: TOKEN,
    training: TRAINING,
    plan: () => ({
      stepsPerEpoch: 10,
      totalSteps: STEPS,
      granularity: 'step',
      scheduler: createScheduler({ name: 'StepDecay', learning_rate: 0.5, step_size: 1, gamma: 0.5 }),
    }),
    onNonfinite,
    evaluate: false,
    timeouts: { joinMs: 10_000, settleMs: 200 },
  });
}

/** A scripted worker: a Connection plus a queue of the messages it received. */
class Script {
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

  async next<T extends Message['type']>(type: T): Promise<MessageOf<T>> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as unknown as MessageOf<T>;
      if (this.closeCode !== undefined)
        throw new Error(`closed with ${this.closeCode} while waiting for ${type}`);
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
    });
  }

  gradient(rank: number, step: number, values: number[], length = SIZE): Promise<void> {
    const grad = new Float32Array(length).map((_, i) => values[i % values.length]!);
    return this.connection.send({
      type: 'gradient',
      rank,
      step,
      round: step,
      loss: 1,
      samples: 4,
      computeMs: 0.1,
      grad,
    });
  }
}

const opened: Script[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.connection.close()));
});

/** Starts `c` and two scripted workers that join as ranks 0 and 1 and receive their `assign`. */
async function assigned(
  c: Coordinator,
): Promise<{ port: number; workers: Script[]; result: Promise<RunResult> }> {
  const port = await c.listen();
  const result = c.run();
  result.catch(() => {});
  const workers = [await Script.open(port), await Script.open(port)];
  opened.push(...workers);
  await workers[0]!.join(0);
  await workers[1]!.join(1);
  await Promise.all(workers.map((w) => w.next('assign')));
  return { port, workers, result };
}

/** As `assigned`, then rank 0 sends valid parameters and both workers receive `welcome`. */
async function startRun(
  c: Coordinator,
): Promise<{ port: number; workers: Script[]; result: Promise<RunResult> }> {
  const { port, workers, result } = await assigned(c);
  await workers[0]!.connection.send({
    type: 'params',
    rank: 0,
    datasetSize: 40,
    layout: { sizes: [SIZE] },
    params: new Float32Array(SIZE).fill(1),
  });
  await Promise.all(workers.map((w) => w.next('welcome')));
  return { port, workers, result };
}

/** Every worker sends `values` for `step`, then reads the update. */
async function clean(workers: Script[], step: number, values: number[]): Promise<MessageOf<'update'>[]> {
  await Promise.all(workers.map((w, rank) => w.gradient(rank, step, values)));
  return Promise.all(workers.map((w) => w.next('update')));
}

describe('refusals of well-formed but wrong messages', () => {
  it('answers a wrong step, a second gradient and a wrong length with error replies, and the run is unchanged', async () => {
    const reference = await startRun(coordinator());
    for (let step = 0; step < STEPS; step++) await clean(reference.workers, step, [0.5, -1]);
    const expected = await reference.result.catch((e) => e);

    const { workers, result } = await startRun(coordinator());
    const [w0, w1] = workers as [Script, Script];
    await w0.gradient(0, 3, [9]);
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_STEP', rank: 0, step: 3 });
    await w0.gradient(0, 0, [0.5, -1]);
    await w0.gradient(0, 0, [7]);
    expect(await w0.next('error')).toMatchObject({ code: 'ERR_ROUND_DUPLICATE', rank: 0, step: 0 });
    await w1.gradient(1, 0, [1], SIZE + 1);
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_TENSOR_SIZE', rank: 1, step: 0 });
    await w1.gradient(0, 0, [1]);
    expect(await w1.next('error')).toMatchObject({ code: 'ERR_ROUND_WRONG_RANK', rank: 1 });
    await w1.gradient(1, 0, [0.5, -1]);
    await Promise.all(workers.map((w) => w.next('update')));
    for (let step = 1; step < STEPS; step++) await clean(workers, step, [0.5, -1]);
    const outcome = await result.catch((e) => e);
    expect(Array.from(outcome.params)).toEqual(Array.from(expected.params));
    expect(outcome.lrs).toEqual(expected.lrs);
    expect(outcome.completedSteps).toBe(STEPS);
  });

  it('skips a NaN step: no update, the step and the schedule stay, and the batch is consumed', async () => {
    const { workers, result } = await startRun(coordinator('skip'));
    const first = await clean(workers, 0, [0.5, -1]);
    expect(first[0]).toMatchObject({ step: 0, round: 0, lr: 0.5, skipped: false });
    const skipped = await clean(workers, 1, [Number.NaN, 1]);
    expect(skipped[0]).toMatchObject({ step: 1, round: 1, lr: 0.25, skipped: true, grad: null });
    const again = await clean(workers, 1, [0.5, -1]);
    expect(again[0]).toMatchObject({ step: 1, round: 2, lr: 0.25, skipped: false });
    for (let step = 2; step < STEPS; step++) await clean(workers, step, [0.5, -1]);
    const outcome = await result.catch((e) => e);
    expect(outcome).toMatchObject({
      completedSteps: STEPS,
      rounds: STEPS + 1,
      skippedSteps: 1,
      lrs: [0.5, 0.25, 0.125, 0.0625],
    });
  });

  it('aborts on a NaN step under on_nonfinite: abort and tells the workers', async () => {
    const { workers, result } = await startRun(coordinator('abort'));
    await Promise.all(workers.map((w, rank) => w.gradient(rank, 0, [Number.POSITIVE_INFINITY])));
    await expect(result).rejects.toMatchObject({ code: 'ERR_TRAINING_NONFINITE' });
    expect((await workers[0]!.next('stop')).reason).toContain('not finite');
  });

  it('checks every applied report bit for bit and names the rank and step that differ', async () => {
    const { workers, result } = await startRun(coordinator());
    const params = new Float32Array(SIZE).fill(1);
    const { parameterDigest } = await import('../../src/protocol/index.js');
    for (let step = 0; step < STEPS; step++) {
      const [update] = await clean(workers, step, [0.5, -1]);
      for (let i = 0; i < SIZE; i++)
        params[i] = Math.fround(params[i]! - Math.fround(Math.fround(update!.lr) * update!.grad![i]!));
      const digest = parameterDigest(params);
      await workers[0]!.connection.send({ type: 'applied', rank: 0, step, lr: update!.lr, digest });
      const wrong = step === 2 ? update!.lr * 1.5 : update!.lr;
      await workers[1]!.connection.send({
        type: 'applied',
        rank: 1,
        step,
        lr: wrong,
        digest: step === 2 ? 'sha256:0' : digest,
      });
    }
    const outcome = await result;
    expect(outcome.mismatches).toEqual([
      expect.objectContaining({ rank: 1, step: 2, appliedLr: 0.1875, expectedLr: 0.125, digest: 'sha256:0' }),
    ]);
    expect(outcome.consistency).toEqual({
      checkedSteps: STEPS,
      mismatches: 1,
      consistent: false,
      digestMismatches: 1,
    });
    expect(outcome.replicasIdentical).toBe(true);
  });
});

describe('refusals before training starts', () => {
  it('refuses non-finite initial parameters from rank 0 and ends the run naming it', async () => {
    const { workers, result } = await assigned(coordinator());
    const params = new Float32Array(SIZE).fill(1);
    params[2] = Number.NaN;
    await workers[0]!.connection.send({
      type: 'params',
      rank: 0,
      datasetSize: 40,
      layout: { sizes: [SIZE] },
      params,
    });
    expect(await workers[0]!.next('error')).toMatchObject({ code: 'ERR_PARAMS_INVALID', rank: 0 });
    await expect(result).rejects.toMatchObject({ code: 'ERR_TRAINING_MISMATCH', rank: 0 });
    expect((await workers[1]!.next('stop')).reason).toContain('not all finite');
  });
});

describe('refusals of streams that cannot be trusted', () => {
  async function rawSocket(port: number): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    return { socket, closed };
  }

  it('closes with 1002 on garbage, 1009 on an oversized frame, 1002 on a wrong version, 1008 on a wrong token or a message before join, and keeps serving', async () => {
    const c = coordinator();
    const port = await c.listen();
    const result = c.run();
    result.catch(() => {});

    const garbage = await rawSocket(port);
    garbage.socket.send(Buffer.from('definitely not a dptrain frame'));
    expect(await garbage.closed).toBe(1002);

    const oversized = await rawSocket(port);
    oversized.socket.send(Buffer.alloc(17 * 1024 * 1024));
    expect(await oversized.closed).toBe(1009);

    const unknownType = await rawSocket(port);
    const [frame] = new MessageEncoder().encode({ type: 'heartbeat', sentAt: 1 });
    const tampered = Buffer.from(frame!);
    tampered.write('hxartbeat', tampered.indexOf('heartbeat'), 'latin1');
    unknownType.socket.send(tampered);
    expect(await unknownType.closed).toBe(1002);

    for (const [script, expected] of [
      [async (s: Script) => s.join(null, TOKEN, PROTOCOL_VERSION + 1), 1002],
      [async (s: Script) => s.join(null, 'wrong'), 1008],
      [async (s: Script) => s.gradient(0, 0, [1]), 1008],
    ] as const) {
      const s = await Script.open(port);
      await script(s);
      expect(await s.closed()).toBe(expected);
    }

    const rankTaken = [await Script.open(port), await Script.open(port)];
    opened.push(...rankTaken);
    await rankTaken[0]!.join(1);
    await rankTaken[1]!.join(1);
    expect(await rankTaken[1]!.next('error')).toMatchObject({ code: 'ERR_RENDEZVOUS_RANK' });
    const late = await Script.open(port);
    opened.push(late);
    await late.join(0);
    await Promise.all([rankTaken[0]!.next('assign'), late.next('assign')]);
    const extra = await Script.open(port);
    await extra.join();
    expect(await extra.next('error')).toMatchObject({ code: 'ERR_RENDEZVOUS_FULL' });
    c.requestStop('test over');
    await result.catch(() => {});
  });

  it('gives up the rendezvous after the join timeout, naming how many joined', async () => {
    const c = new Coordinator({
      workers: 3,
      token: TOKEN,
      training: TRAINING,
      plan: () => {
        throw new Error('unreachable');
      },
      onNonfinite: 'skip',
      evaluate: false,
      timeouts: { joinMs: 300 },
    });
    const port = await c.listen();
    const result = c.run();
    const one = await Script.open(port);
    await one.join();
    await expect(result).rejects.toMatchObject({
      code: 'ERR_TRAINING_JOIN_TIMEOUT',
      message: expect.stringContaining('only 1 of 3'),
    });
  });
});

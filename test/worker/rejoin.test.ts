import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { TrainingError } from '../../src/errors.js';
import { type Message, type MessageOf, PROTOCOL_VERSION, parameterDigest } from '../../src/protocol/index.js';
import { batches, epochIndices, shardIndices, stepsPerEpoch } from '../../src/sharding/index.js';
import { type Dataset, syntheticTask, type Tf } from '../../src/tasks/index.js';
import { Connection, listen } from '../../src/transport/index.js';
import { gatherBatch, selectBackend, Worker } from '../../src/worker/index.js';
import { trainReference } from '../support/reference-training.js';
import { sgdStep, TOKEN } from '../support/scripted.js';
import { relativeDifference } from '../support/vectors.js';

const SEED = 1;
const BATCH = 8;
const DATA_LIMIT = 64;
const WORLD = 2;

/**
 * A coordinator played by hand, one accepted connection at a time: the messages the worker sends, in order, and
 * `drop()` to cut its socket as a dying process would (the worker sees close 1006).
 */
class ScriptedCoordinator {
  private readonly received: Message[] = [];
  private wake: (() => void) | undefined;
  private connection: Connection | undefined;

  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      const connection = new Connection(socket);
      this.connection = connection;
      connection.on('message', (message) => {
        if (message.type === 'heartbeat') return;
        this.received.push(message);
        this.wake?.();
      });
    });
  }

  static async at(port = 0): Promise<{ peer: ScriptedCoordinator; port: number }> {
    const { server, port: bound } = await listen({ port });
    return { peer: new ScriptedCoordinator(server), port: bound };
  }

  async next<T extends Message['type']>(type: T): Promise<MessageOf<T>> {
    for (;;) {
      const message = this.received.shift();
      if (message !== undefined) {
        expect(message.type).toBe(type);
        return message as unknown as MessageOf<T>;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  send(message: Message): Promise<void> {
    return this.connection!.send(message);
  }

  /** The worker's socket cut without a close frame; the server stops listening. */
  async drop(): Promise<void> {
    this.connection?.socket.terminate();
    await this.close();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const spec = (heartbeat = { intervalMs: 200, timeoutMs: 30_000 }) => ({
  task: 'synthetic',
  seed: SEED,
  batchSize: BATCH,
  optimizer: { name: 'SGD' },
  dataLimit: DATA_LIMIT,
  evalLimit: null,
  heartbeatIntervalMs: heartbeat.intervalMs,
  heartbeatTimeoutMs: heartbeat.timeoutMs,
  mode: 'sync' as const,
  slowdown: 1,
  jitter: 0,
});

/** assign and welcome as a coordinator sends them to `rank`, starting at `step` after `round` batches. */
async function welcome(
  peer: ScriptedCoordinator,
  at: { rank: number; step: number; round: number; totalSteps: number; params: Float32Array },
  heartbeat?: { intervalMs: number; timeoutMs: number },
): Promise<void> {
  await peer.send({
    type: 'assign',
    rank: at.rank,
    worldSize: WORLD,
    runId: 'rejoin-test',
    config: { ...spec(heartbeat) },
    sendParams: false,
    lanes: false,
  });
  await peer.send({
    type: 'welcome',
    step: at.step,
    epoch: 0,
    lr: 0.1,
    plan: null,
    round: at.round,
    stepsPerEpoch: stepsPerEpoch(DATA_LIMIT, WORLD, BATCH),
    totalSteps: at.totalSteps,
    params: at.params,
    optimizerState: {},
  });
}

describe("a worker's session loop", () => {
  let tf: Tf;
  let train: Dataset;
  let initial: Float32Array;
  const open: ScriptedCoordinator[] = [];
  beforeAll(async () => {
    ({ tf } = await selectBackend('wasm'));
    train = await syntheticTask.loadData('train', { seed: SEED, limit: DATA_LIMIT });
    initial = syntheticTask.createModel({ seed: SEED }).initialParameters();
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((peer) => peer.close()));
  });

  /** Rank `rank`'s batch of round `round`, by the sharding rule (epoch = round / steps per epoch). */
  function batchOf(rank: number, round: number) {
    const perEpoch = stepsPerEpoch(train.size, WORLD, BATCH);
    const shard = shardIndices(epochIndices(train.size, SEED, Math.floor(round / perEpoch)), rank, WORLD);
    const b = gatherBatch(
      train,
      batches(shard, BATCH)[round % perEpoch]!,
      new Float32Array(BATCH * train.inputSize),
      new Int32Array(BATCH),
    );
    return { size: b.size, x: b.x.slice(), labels: b.labels.slice() };
  }

  it('rejoins a new coordinator on the same port after its connection dropped, asking for its rank, and continues from its welcome', async () => {
    const first = await ScriptedCoordinator.at();
    open.push(first.peer);
    const worker = new Worker({ url: `ws://127.0.0.1:${first.port}`, token: TOKEN, backend: 'wasm' });
    const run = worker.run();
    run.catch(() => {});
    const join = await first.peer.next('join');
    expect(join).toMatchObject({ token: TOKEN, rank: null, protocol: PROTOCOL_VERSION });
    await welcome(first.peer, { rank: 1, step: 0, round: 0, totalSteps: 20, params: initial });
    expect(await first.peer.next('gradient')).toMatchObject({ rank: 1, step: 0, round: 0 });
    // The coordinator dies mid-round; another comes up on the same port a moment later.
    await first.peer.drop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await ScriptedCoordinator.at(first.port);
    open.push(second.peer);
    expect(await second.peer.next('join')).toMatchObject({ token: TOKEN, rank: 1 });
    // The new coordinator's state: other parameters, global step 5 after 6 batches (one step was skipped).
    const resumed = initial.map((p, i) => p + 0.01 * ((i % 7) - 3));
    await welcome(second.peer, { rank: 1, step: 5, round: 6, totalSteps: 6, params: resumed });
    const gradient = await second.peer.next('gradient');
    expect(gradient).toMatchObject({ rank: 1, step: 5, round: 6, samples: BATCH });
    // The gradient of those parameters on batch 6 of rank 1, from plain TensorFlow.js: one SGD step with lr 1
    // moves the parameters by exactly the gradient.
    const after = trainReference({
      tf,
      task: syntheticTask,
      seed: SEED,
      batches: [batchOf(1, 6)],
      lrs: [1],
      initialParameters: resumed,
    });
    const expected = resumed.map((p, i) => p - after[i]!);
    expect(relativeDifference(gradient.grad, expected)).toBeLessThan(1e-5);
    const averaged = new Float32Array(initial.length).map((_, i) => ((i % 5) - 2) / 8);
    await second.peer.send({
      type: 'update',
      step: 5,
      epoch: 1,
      lr: 0.05,
      round: 6,
      skipped: false,
      world: null,
      grad: averaged,
    });
    // Its replica after the update is the welcome's parameters with one float32 SGD step by hand.
    const replica = Float32Array.from(resumed);
    sgdStep(replica, averaged, 0.05);
    expect(await second.peer.next('applied')).toMatchObject({
      rank: 1,
      step: 5,
      lr: 0.05,
      digest: parameterDigest(replica),
    });
    await second.peer.send({ type: 'stop', reason: 'finished', step: 6, failed: false });
    expect(await run).toMatchObject({
      rank: 1,
      steps: 6,
      rounds: 7,
      stopReason: 'finished',
      runFailed: false,
    });
  }, 60_000);

  it('rejoins when the coordinator goes silent past the heartbeat timeout (a hung process keeps its socket open)', async () => {
    const { peer, port } = await ScriptedCoordinator.at();
    open.push(peer);
    const worker = new Worker({ url: `ws://127.0.0.1:${port}`, token: TOKEN, rank: 0, backend: 'wasm' });
    const run = worker.run();
    run.catch(() => {});
    expect(await peer.next('join')).toMatchObject({ rank: 0 });
    // The coordinator assigns and then says nothing at all: no heartbeat, no welcome.
    await peer.send({
      type: 'assign',
      rank: 0,
      worldSize: WORLD,
      runId: 'rejoin-test',
      config: { ...spec({ intervalMs: 100, timeoutMs: 600 }) },
      sendParams: false,
      lanes: false,
    });
    // The worker dropped the silent connection and joined again, asking for the same rank.
    expect(await peer.next('join')).toMatchObject({ rank: 0 });
    await welcome(peer, { rank: 0, step: 0, round: 0, totalSteps: 20, params: initial });
    expect(await peer.next('gradient')).toMatchObject({ rank: 0, step: 0, round: 0 });
    await peer.send({ type: 'stop', reason: 'stopped by the test', step: 0, failed: false });
    expect(await run).toMatchObject({ rank: 0, steps: 0, stopReason: 'stopped by the test' });
  }, 60_000);

  it('fails naming its rank when no coordinator comes back within the connect timeout', async () => {
    const { peer, port } = await ScriptedCoordinator.at();
    open.push(peer);
    const worker = new Worker({
      url: `ws://127.0.0.1:${port}`,
      token: TOKEN,
      backend: 'wasm',
      connectTimeoutMs: 1_000,
    });
    const run = worker.run();
    run.catch(() => {});
    await peer.next('join');
    await welcome(peer, { rank: 1, step: 0, round: 0, totalSteps: 20, params: initial });
    await peer.next('gradient');
    await peer.drop();
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as TrainingError).code).toBe('ERR_TRAINING_WORKER_LOST');
    expect((error as TrainingError).message).toMatch(
      /^rank 1 lost its coordinator and could not rejoin: cannot connect to ws:\/\/127\.0\.0\.1:\d+: tried for/,
    );
  }, 60_000);
});

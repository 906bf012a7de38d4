import { afterEach, describe, expect, it } from 'vitest';
import { BenchReducer } from '../../src/bench/reducer.js';
import { BenchError } from '../../src/errors.js';
import { nowUs } from '../../src/protocol/index.js';
import { type Connection, connect } from '../../src/transport/index.js';
import { type Served, serve } from '../transport/pair.js';

let served: Served | undefined;

afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** Opens `n` client connections and the server's side of each, in rank order. */
async function ranks(n: number): Promise<{ near: Connection[]; far: Connection[] }> {
  served = await serve();
  const near: Connection[] = [];
  const far: Connection[] = [];
  for (let rank = 0; rank < n; rank++) {
    far.push(await connect(`ws://127.0.0.1:${served.port}`, { zeroMask: true }));
    near.push(await served.nextConnection());
  }
  return { near, far };
}

/** A worker that answers go with `grad` for step `step` and records the update it receives. */
function answer(far: Connection, rank: number, grad: readonly number[], step = 0): Float32Array[] {
  const updates: Float32Array[] = [];
  far.on('message', (message) => {
    if (message.type === 'heartbeat') {
      void far.send({
        type: 'gradient',
        rank,
        step,
        round: step,
        loss: 0,
        samples: 0,
        computeMs: 0,
        grad: Float32Array.from(grad),
      });
    } else if (message.type === 'update' && message.grad !== null) {
      updates.push(Float32Array.from(message.grad));
      void far.send({ type: 'heartbeat', sentAt: nowUs() });
    }
  });
  return updates;
}

async function failure(promise: Promise<unknown>): Promise<BenchError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BenchError);
  return error as BenchError;
}

describe('BenchReducer', () => {
  it('broadcasts the mean of the workers’ gradients and times the round to the last decoded update', async () => {
    const { near, far } = await ranks(2);
    const updates = [answer(far[0]!, 0, [1, 2, 3, 4]), answer(far[1]!, 1, [3, -2, 0.5, 8])];
    const reducer = new BenchReducer(near, 4, 10_000);
    const ms = await reducer.runRound(0);
    expect(Number.isFinite(ms) && ms > 0).toBe(true);
    for (const received of updates) expect(received.map((u) => [...u])).toEqual([[2, 0, 1.75, 6]]);
  });

  it('fails the round with ERR_BENCH_PROTOCOL when a worker sends a gradient for another step', async () => {
    const { near, far } = await ranks(2);
    answer(far[0]!, 0, [1, 2]);
    answer(far[1]!, 1, [1, 2], 5);
    const reducer = new BenchReducer(near, 2, 10_000);
    expect((await failure(reducer.runRound(0))).code).toBe('ERR_BENCH_PROTOCOL');
  });

  it('fails the round with ERR_BENCH_WORKER_LOST when a worker’s connection closes', async () => {
    const { near, far } = await ranks(2);
    answer(far[0]!, 0, [1, 2]);
    far[1]!.on('message', () => far[1]!.socket.terminate());
    const reducer = new BenchReducer(near, 2, 10_000);
    const error = await failure(reducer.runRound(0));
    expect(error.code).toBe('ERR_BENCH_WORKER_LOST');
    expect(error.rank).toBe(1);
  });

  it('fails the round with ERR_BENCH_TIMEOUT when a worker never answers', async () => {
    const { near, far } = await ranks(2);
    answer(far[0]!, 0, [1, 2]);
    const reducer = new BenchReducer(near, 2, 200);
    expect((await failure(reducer.runRound(0))).code).toBe('ERR_BENCH_TIMEOUT');
  });
});

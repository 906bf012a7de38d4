import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { Message, MessageOf } from '../../src/protocol/index.js';
import { type Connection, ReceivePool } from '../../src/transport/index.js';
import { bytesOf, tensorOf } from '../protocol/arbitraries.js';
import { SAMPLES } from '../protocol/samples.js';
import { nextMessage, openPair, type Pair } from './pair.js';

// 500 floats in frames of 256 bytes: every tensor part below is split over frames, so it is assembled.
const FLOATS = 500;
const SMALL_FRAMES = { maxFrameBytes: 256 };

let pair: Pair | null = null;

afterEach(async () => {
  await pair?.close();
  pair = null;
});

async function smallFramePair(): Promise<Pair> {
  pair = await openPair(SMALL_FRAMES, SMALL_FRAMES);
  return pair;
}

/** Sends `message` from `from` and resolves with what `to` decodes. */
async function carry<T extends Message>(from: Connection, to: Connection, message: T): Promise<T> {
  const received = nextMessage(to);
  await from.send(message);
  return (await received) as T;
}

function gradient(seed: number): MessageOf<'gradient'> {
  return { ...SAMPLES.gradient, grad: tensorOf(FLOATS, seed) };
}

function update(seed: number): MessageOf<'update'> {
  return { ...SAMPLES.update, grad: tensorOf(FLOATS, seed) };
}

describe('ReceivePool', () => {
  it('lends one array to one message at a time, and only for its type and size', () => {
    const pool = new ReceivePool({ type: 'gradient', floats: 4, releasedBy: 'update' });
    const first = pool.take(4, 'gradient');
    expect(pool.take(4, 'gradient')).not.toBe(first);
    pool.sent('heartbeat');
    expect(pool.take(4, 'gradient')).not.toBe(first);
    pool.sent('update');
    expect(pool.take(4, 'params')).not.toBe(first);
    expect(pool.take(5, 'gradient')).toHaveLength(5);
    expect(pool.take(4, 'gradient')).toBe(first);
  });

  it('refuses a pool of no floats', () => {
    expect(() => new ReceivePool({ type: 'gradient', floats: 0, releasedBy: 'update' })).toThrow(ConfigError);
  });
});

describe('Connection.poolReceived', () => {
  it('decodes consecutive split gradients into the same array, each with its own values', async () => {
    const { near, far } = await smallFramePair();
    near.poolReceived({ type: 'gradient', floats: FLOATS, releasedBy: 'update' });
    const sent = [gradient(1), gradient(2), gradient(3)];
    const arrays: Float32Array[] = [];
    for (const message of sent) {
      const received = await carry(far, near, message);
      // Checked before the update goes out: after it, the array belongs to the next gradient.
      expect(bytesOf(received.grad).equals(bytesOf(message.grad))).toBe(true);
      arrays.push(received.grad);
      await near.send({ ...SAMPLES.update, grad: null, skipped: true });
    }
    expect(arrays[1]!.buffer).toBe(arrays[0]!.buffer);
    expect(arrays[2]!.buffer).toBe(arrays[0]!.buffer);
  });

  it('gives a gradient sent before this side answered a fresh array and leaves the lent one intact', async () => {
    const { near, far } = await smallFramePair();
    near.poolReceived({ type: 'gradient', floats: FLOATS, releasedBy: 'update' });
    const held = gradient(5);
    const first = await carry(far, near, held);
    const early = gradient(6);
    const second = await carry(far, near, early);
    expect(second.grad.buffer).not.toBe(first.grad.buffer);
    expect(bytesOf(first.grad).equals(bytesOf(held.grad))).toBe(true);
    expect(bytesOf(second.grad).equals(bytesOf(early.grad))).toBe(true);
  });

  it('gives params fresh arrays on the coordinator side, and welcome on the worker side, while updates reuse one', async () => {
    const { near, far } = await smallFramePair();
    near.poolReceived({ type: 'gradient', floats: FLOATS, releasedBy: 'update' });
    far.poolReceived({ type: 'update', floats: FLOATS, releasedBy: 'gradient' });
    const params = { ...SAMPLES.params, params: tensorOf(FLOATS, 7) };
    const gotParams = [await carry(far, near, params), await carry(far, near, params)];
    await carry(near, far, update(0));
    const pooledGradient = (await carry(far, near, gradient(8))).grad;
    for (const got of gotParams) {
      expect(got.params.buffer).not.toBe(pooledGradient.buffer);
      expect(bytesOf(got.params).equals(bytesOf(params.params))).toBe(true);
    }
    expect(gotParams[0]!.params.buffer).not.toBe(gotParams[1]!.params.buffer);

    const welcome = { ...SAMPLES.welcome, params: tensorOf(FLOATS, 9), optimizerState: {} };
    const gotWelcome = await carry(near, far, welcome);
    const firstUpdate = update(10);
    const gotUpdate = await carry(near, far, firstUpdate);
    expect(bytesOf(gotUpdate.grad!).equals(bytesOf(firstUpdate.grad!))).toBe(true);
    await carry(far, near, gradient(11));
    const secondUpdate = update(12);
    const gotNext = await carry(near, far, secondUpdate);
    expect(gotNext.grad!.buffer).toBe(gotUpdate.grad!.buffer);
    expect(bytesOf(gotNext.grad!).equals(bytesOf(secondUpdate.grad!))).toBe(true);
    expect(gotWelcome.params.buffer).not.toBe(gotUpdate.grad!.buffer);
    expect(bytesOf(gotWelcome.params).equals(bytesOf(welcome.params))).toBe(true);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { type Message, MessageEncoder, type MessageOf } from '../../src/protocol/index.js';
import type { Connection } from '../../src/transport/index.js';
import { bytesOf, tensorOf } from '../protocol/arbitraries.js';
import { SAMPLES } from '../protocol/samples.js';
import { closeGroups, groupOf } from '../support/group.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeGroups();
});

function update(floats: number, seed: number): MessageOf<'update'> {
  return { ...SAMPLES.update, step: seed, grad: tensorOf(floats, seed) };
}

/** The next `count` update messages `connection` decodes, with a copy of each one's grad taken on arrival. */
function updates(connection: Connection, count: number): Promise<Float32Array[]> {
  return new Promise((resolve) => {
    const got: Float32Array[] = [];
    const onMessage = (message: Message) => {
      if (message.type !== 'update') return;
      got.push(Float32Array.from(message.grad!));
      if (got.length < count) return;
      connection.off('message', onMessage);
      resolve(got);
    };
    connection.on('message', onMessage);
  });
}

/** Every binary frame `connection`'s socket receives from now on, copied. */
function rawFrames(connection: Connection): Buffer[] {
  const frames: Buffer[] = [];
  connection.socket.on('message', (data) => frames.push(Buffer.from(data as Buffer)));
  return frames;
}

describe('ProcessGroup.broadcast', () => {
  it('encodes an update once for three members, which all receive the same frames and decode it exactly', async () => {
    const { group, workers } = await groupOf(3, 256);
    const encode = vi.spyOn(MessageEncoder.prototype, 'encode');
    const frames = workers.map(rawFrames);
    const received = workers.map((worker) => updates(worker, 1));
    const sent = update(500, 1);
    await Promise.all(group.broadcast(sent));
    const got = await Promise.all(received);
    expect(encode.mock.calls.filter(([message]) => message.type === 'update')).toHaveLength(1);
    for (const [grad] of got) expect(bytesOf(grad!).equals(bytesOf(sent.grad!))).toBe(true);
    const updateFrames = frames.map((list) => list.filter((frame) => frame.readUInt8(3) !== 0));
    expect(updateFrames[0]!.length).toBeGreaterThan(5);
    for (const list of updateFrames.slice(1)) {
      expect(list.map((frame) => frame.toString('hex'))).toEqual(
        updateFrames[0]!.map((frame) => frame.toString('hex')),
      );
    }
    for (const [rank, member] of group.members.entries()) {
      expect(member.connection.bytesSent).toBe(workers[rank]!.bytesReceived);
    }
  });

  it('leaves the frames of an update unchanged until a slow member has read them, while the next update goes out', async () => {
    // 16 MB per update, more than loopback socket buffers hold, so the paused member's writes stay pending.
    const floats = 4 * 1024 * 1024;
    const { group, workers } = await groupOf(3, 1024 * 1024);
    const slow = workers[2]!;
    slow.socket.pause();
    const received = workers.map((worker) => updates(worker, 2));
    const first = update(floats, 2);
    const second = update(floats, 3);
    const firstSends = group.broadcast(first);
    const secondSends = group.broadcast(second);
    await Promise.all([firstSends[0], firstSends[1], secondSends[0], secondSends[1]]);
    slow.socket.resume();
    await Promise.all([...firstSends, ...secondSends]);
    for (const got of await Promise.all(received)) {
      expect(bytesOf(got[0]!).equals(bytesOf(first.grad!))).toBe(true);
      expect(bytesOf(got[1]!).equals(bytesOf(second.grad!))).toBe(true);
    }
  });

  it('rejects every active member’s send for a message that cannot be encoded', async () => {
    const { group } = await groupOf(2, 256);
    const invalid = { ...SAMPLES.update, step: -1 } as Message;
    const results = await Promise.allSettled(group.broadcast(invalid));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ProtocolError);
    }
  });
});

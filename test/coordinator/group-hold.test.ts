import { afterEach, describe, expect, it } from 'vitest';
import type { Message, MessageOf } from '../../src/protocol/index.js';
import type { Connection } from '../../src/transport/index.js';
import { SAMPLES } from '../protocol/samples.js';
import { closeGroups, groupOf } from '../support/group.js';

afterEach(async () => {
  await closeGroups();
});

function gradient(step: number, value: number): MessageOf<'gradient'> {
  return { ...SAMPLES.gradient, step, grad: Float32Array.of(value, value) };
}

/** The next message of `type` that `connection` receives. */
function next(connection: Connection, type: Message['type']): Promise<Message> {
  return new Promise((resolve) => {
    const onMessage = (message: Message) => {
      if (message.type !== type) return;
      connection.off('message', onMessage);
      resolve(message);
    };
    connection.on('message', onMessage);
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('ProcessGroup.hold', () => {
  it('keeps a gradient that comes before the mode is ready, and hands it over in order at release', async () => {
    const { group, workers } = await groupOf(2);
    group.hold(['gradient']);
    // Without the hold this gradient would be refused: no handler for gradients is registered yet.
    const refused = next(workers[1]!, 'error').then(() => 'refused');
    await workers[1]!.send(gradient(0, 1.5));
    await workers[0]!.send(gradient(0, 0.5));
    await settle();
    const got: [number, number][] = [];
    group.handle('gradient', (rank, message) => got.push([rank, message.grad![0]!]));
    expect(got).toEqual([]);
    group.release();
    expect(got).toEqual([
      [1, 1.5],
      [0, 0.5],
    ]);
    // After the release gradients go straight to the handler.
    await workers[0]!.send(gradient(1, 2.5));
    await settle();
    expect(got.at(-1)).toEqual([0, 2.5]);
    expect(await Promise.race([refused, settle().then(() => 'not refused')])).toBe('not refused');
  });

  it('holds one message per rank: a second one before release is routed at once, and refused with nothing to take it', async () => {
    const { group, workers } = await groupOf(1);
    group.hold(['gradient']);
    const refusal = next(workers[0]!, 'error');
    await workers[0]!.send(gradient(0, 1));
    await workers[0]!.send(gradient(1, 2));
    const error = (await refusal) as MessageOf<'error'>;
    expect(error.code).toBe('ERR_UNEXPECTED_MESSAGE');
    expect(error.message).toBe('a gradient message is not expected from rank 0 now');
  });

  it('refuses a gradient that arrives with no hold and no handler, as before', async () => {
    const { workers } = await groupOf(1);
    const refusal = next(workers[0]!, 'error');
    await workers[0]!.send(gradient(0, 1));
    expect(((await refusal) as MessageOf<'error'>).code).toBe('ERR_UNEXPECTED_MESSAGE');
  });
});

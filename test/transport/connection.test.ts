import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { ProtocolError, TransportError } from '../../src/errors.js';
import type { LogEntry } from '../../src/log/index.js';
import { type Message, messageBytesBound, type WelcomeMessage } from '../../src/protocol/index.js';
import type { ConnectionClose } from '../../src/transport/index.js';
import { bytesOf, tensorIn, tensorOf } from '../protocol/arbitraries.js';
import { SAMPLES } from '../protocol/samples.js';
import { nextMessage, openPair, type Pair, type Served, serve } from './pair.js';

const MiB = 1024 * 1024;
let pair: Pair | null = null;
let served: Served | null = null;

afterEach(async () => {
  vi.restoreAllMocks();
  await pair?.close();
  await served?.close();
  pair = null;
  served = null;
});

function closeOf(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

function closed(connection: {
  once: (event: 'close', listener: (close: ConnectionClose) => void) => unknown;
}) {
  return new Promise<ConnectionClose>((resolve) => connection.once('close', resolve));
}

async function rawClient(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function expectSameTensor(received: Message, sent: Float32Array): void {
  const tensor = tensorIn(received);
  expect(tensor?.length).toBe(sent.length);
  expect(bytesOf(tensor as Float32Array).equals(bytesOf(sent))).toBe(true);
}

describe('Connection', () => {
  it('carries 1e6-float tensors both ways intact', async () => {
    pair = await openPair();
    const params = tensorOf(1_000_000, 11);
    const welcome: Message = { ...SAMPLES.welcome, params };
    const atWorker = nextMessage(pair.far);
    await pair.near.send(welcome);
    const received = await atWorker;
    expect({ ...received, params: null }).toEqual({ ...welcome, params: null });
    expectSameTensor(received, params);

    const grad = tensorOf(1_000_000, 12);
    const atCoordinator = nextMessage(pair.near);
    await pair.far.send({ ...SAMPLES.gradient, grad });
    expectSameTensor(await atCoordinator, grad);
  });

  it.each([false, true])(
    'carries 5e6-float tensors split into 4 MiB frames both ways (zeroMask %s)',
    async (zeroMask) => {
      const options = { maxFrameBytes: 4 * MiB };
      pair = await openPair(options, { ...options, zeroMask });
      const frames: number[] = [];
      const send = pair.near.socket.send.bind(pair.near.socket);
      vi.spyOn(pair.near.socket, 'send').mockImplementation((data: unknown, ...rest: unknown[]) => {
        frames.push((data as Buffer).length);
        return (send as (...args: unknown[]) => void)(data, ...rest);
      });
      const params = tensorOf(5_000_000, 21);
      const atWorker = nextMessage(pair.far);
      await pair.near.send({ ...SAMPLES.welcome, params });
      expectSameTensor(await atWorker, params);
      expect(frames).toHaveLength(5);
      expect(Math.max(...frames)).toBeLessThanOrEqual(4 * MiB);

      const grad = tensorOf(5_000_000, 22);
      const atCoordinator = nextMessage(pair.near);
      await pair.far.send({ ...SAMPLES.gradient, grad });
      expectSameTensor(await atCoordinator, grad);
      expect(pair.far.bytesSent).toBe(pair.near.bytesReceived);
      expect(pair.near.bytesSent).toBe(pair.far.bytesReceived);
      expect(pair.near.bytesSent).toBe(frames.reduce((sum, length) => sum + length, 0));
    },
  );

  it('carries a welcome with parameters and Adam accumulators split into 4 MiB frames, every tensor intact', async () => {
    const options = { maxFrameBytes: 4 * MiB };
    pair = await openPair(options, options);
    const params = tensorOf(1_500_000, 31);
    const optimizerState = {
      moment1: tensorOf(1_500_000, 32),
      moment2: tensorOf(1_500_000, 33),
      beta1_pow_acc: Float32Array.of(0.9),
      beta2_pow_acc: Float32Array.of(0.999),
    };
    const atWorker = nextMessage(pair.far);
    await pair.near.send({ ...SAMPLES.welcome, params, optimizerState });
    const received = (await atWorker) as WelcomeMessage;
    expect(bytesOf(received.params).equals(bytesOf(params))).toBe(true);
    expect(Object.keys(received.optimizerState)).toEqual([
      'moment1',
      'moment2',
      'beta1_pow_acc',
      'beta2_pow_acc',
    ]);
    for (const [key, sent] of Object.entries(optimizerState)) {
      expect(bytesOf(received.optimizerState[key] as Float32Array).equals(bytesOf(sent))).toBe(true);
    }
  });

  it('delivers concurrent sends in call order', async () => {
    pair = await openPair({ maxFrameBytes: MiB }, { maxFrameBytes: MiB });
    const received: Message[] = [];
    const all = new Promise<void>((resolve) =>
      pair?.far.on('message', (message) => {
        received.push(message);
        if (received.length === 3) resolve();
      }),
    );
    const big: Message = { ...SAMPLES.update, grad: tensorOf(1_000_000, 3) };
    await Promise.all([pair.near.send(big), pair.near.send(SAMPLES.heartbeat), pair.near.send(SAMPLES.stop)]);
    await all;
    expect(received.map((message) => message.type)).toEqual(['update', 'heartbeat', 'stop']);
  });

  it('waits while bufferedAmount exceeds the high-water mark, and completes once the peer reads', async () => {
    const highWaterMark = 2 * MiB;
    const entries: LogEntry[] = [];
    pair = await openPair(
      { maxFrameBytes: MiB, highWaterMark, log: (entry) => entries.push(entry) },
      { maxFrameBytes: MiB },
    );
    const socket = pair.near.socket;
    const before: number[] = [];
    const send = socket.send.bind(socket);
    vi.spyOn(socket, 'send').mockImplementation((...args: unknown[]) => {
      before.push(socket.bufferedAmount);
      return (send as (...a: unknown[]) => void)(...args);
    });
    const received: Message[] = [];
    pair.far.on('message', (message) => received.push(message));
    // The worker stops reading, so the coordinator's socket buffers fill up.
    pair.far.socket.pause();
    const grads = Array.from({ length: 12 }, (_, i) => tensorOf(1_000_000, 100 + i));
    const sends = grads.map((grad, step) => pair?.near.send({ ...SAMPLES.update, step, grad }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const framesWhilePaused = before.length;
    expect(framesWhilePaused).toBeLessThan(12 * 4);
    pair.far.socket.resume();
    await Promise.all(sends);
    expect(before.length).toBeGreaterThanOrEqual(12 * 4);
    expect(Math.max(...before)).toBeLessThanOrEqual(highWaterMark);
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'debug', msg: 'send waits for the peer to read', type: 'update' }),
    );
    await vi.waitFor(() => expect(received).toHaveLength(12));
    received.forEach((message, step) => {
      expect(message.type === 'update' && message.step).toBe(step);
      expectSameTensor(message, grads[step] as Float32Array);
    });
  });

  it('closes a peer that sends garbage with 1002, reports the ProtocolError and logs it without console output', async () => {
    const entries: LogEntry[] = [];
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((name) =>
      vi.spyOn(console, name),
    );
    served = await serve({ log: (entry) => entries.push(entry) });
    const raw = await rawClient(served.port);
    const near = await served.nextConnection();
    const nearClosed = closed(near);
    const rawClosed = closeOf(raw);
    raw.send(Buffer.from('definitely not a dptrain frame'));
    expect(await rawClosed).toBe(1002);
    const close = await nearClosed;
    expect(close).toMatchObject({ code: 1002, local: true, reason: 'ERR_PROTOCOL_MALFORMED' });
    expect(close.error).toBeInstanceOf(ProtocolError);
    expect(close.error?.code).toBe('ERR_PROTOCOL_MALFORMED');
    expect(near.closeInfo).toBe(close);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'closing the connection',
        code: 'ERR_PROTOCOL_MALFORMED',
        closeCode: 1002,
      }),
    );
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  });

  it('closes a peer that sends a text frame with 1002', async () => {
    served = await serve();
    const raw = await rawClient(served.port);
    const rawClosed = closeOf(raw);
    raw.send(JSON.stringify(SAMPLES.heartbeat));
    expect(await rawClosed).toBe(1002);
  });

  it('closes a peer whose frame exceeds maxFrameBytes with 1009', async () => {
    served = await serve({ maxFrameBytes: MiB });
    const raw = await rawClient(served.port);
    const near = await served.nextConnection();
    const nearClosed = closed(near);
    const rawClosed = closeOf(raw);
    raw.send(Buffer.alloc(MiB + 1));
    expect(await rawClosed).toBe(1009);
    expect((await nearClosed).error?.code).toBe('ERR_PROTOCOL_TOO_LARGE');
  });

  it('closes a peer whose message exceeds maxMessageBytes with 1009, and later sends on that side reject', async () => {
    pair = await openPair({ maxFrameBytes: MiB }, { maxFrameBytes: MiB });
    pair.near.maxMessageBytes = messageBytesBound(100_000);
    expect(pair.near.maxMessageBytes).toBe(messageBytesBound(100_000));
    const farClosed = closed(pair.far);
    const nearClosed = closed(pair.near);
    const sending = pair.far.send({ ...SAMPLES.gradient, grad: tensorOf(1_000_000, 5) });
    const close = await farClosed;
    expect(close).toMatchObject({ code: 1009, local: false, error: null });
    expect((await nearClosed).error?.code).toBe('ERR_PROTOCOL_TOO_LARGE');
    await sending.catch(() => {});
    const late = pair.far.send(SAMPLES.heartbeat);
    await expect(late).rejects.toBeInstanceOf(TransportError);
    await expect(late).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' });
  });

  it('rejects an invalid message with ProtocolError and keeps the connection usable', async () => {
    pair = await openPair();
    const invalid = { ...SAMPLES.stop, step: -1 } as Message;
    await expect(pair.far.send(invalid)).rejects.toMatchObject({ code: 'ERR_PROTOCOL_MALFORMED' });
    const atCoordinator = nextMessage(pair.near);
    await pair.far.send(SAMPLES.leave);
    expect(await atCoordinator).toEqual(SAMPLES.leave);
  });

  it('counts the frame bytes sent and received', async () => {
    pair = await openPair();
    const atCoordinator = nextMessage(pair.near);
    await pair.far.send(SAMPLES.gradient);
    await atCoordinator;
    expect(pair.far.bytesSent).toBeGreaterThan(16 + 8);
    expect(pair.near.bytesReceived).toBe(pair.far.bytesSent);
    expect(pair.far.bytesReceived).toBe(0);
  });

  it('closes cleanly: close() resolves and both sides see the code, only the closer as local', async () => {
    pair = await openPair();
    const nearClosed = closed(pair.near);
    await pair.far.close(1000, 'run finished');
    expect(pair.far.closeInfo).toMatchObject({
      code: 1000,
      reason: 'run finished',
      local: true,
      error: null,
    });
    expect(await nearClosed).toMatchObject({ code: 1000, reason: 'run finished', local: false, error: null });
    await pair.far.close();
  });

  it('messages() yields messages in order and ends when the peer closes', async () => {
    pair = await openPair();
    const iterator = pair.far.messages();
    await pair.near.send(SAMPLES.assign);
    await pair.near.send(SAMPLES.welcome);
    await pair.near.close();
    const seen: Message[] = [];
    for await (const message of iterator) seen.push(message);
    expect(seen.map((message) => message.type)).toEqual(['assign', 'welcome']);
    expect(tensorIn(seen[1] as Message)).toEqual(SAMPLES.welcome.params);
  });

  it('messages() throws the ProtocolError that closed the connection', async () => {
    served = await serve();
    const raw = await rawClient(served.port);
    const near = await served.nextConnection();
    const iterator = near.messages();
    raw.send(Buffer.alloc(8));
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ERR_PROTOCOL_MALFORMED' });
  });
});

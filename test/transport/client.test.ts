import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, TransportError } from '../../src/errors.js';
import { MessageEncoder } from '../../src/protocol/index.js';
import { type Connection, connect } from '../../src/transport/index.js';
import { SAMPLES } from '../protocol/samples.js';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function listening(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A bare TCP server that completes the WebSocket handshake and hands over the first bytes the client sends
 * afterwards, so a test can read the frame exactly as it crossed the wire.
 */
async function wireTap(): Promise<{ port: number; firstFrame: Promise<Buffer> }> {
  let deliver: (bytes: Buffer) => void = () => {};
  const firstFrame = new Promise<Buffer>((resolve) => {
    deliver = resolve;
  });
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let pending = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(pending.subarray(0, end).toString())?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + WEBSOCKET_GUID)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upgraded = true;
        pending = pending.subarray(end + 4);
      }
      if (pending.length >= 2 && pending.length >= 6 + ((pending[1] ?? 0) & 0x7f)) deliver(pending);
    });
  });
  const port = await listening(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return { port, firstFrame };
}

async function firstFrameSent(zeroMask: boolean): Promise<{ wire: Buffer; payload: Buffer }> {
  const tap = await wireTap();
  const connection: Connection = await connect(`ws://127.0.0.1:${tap.port}`, { zeroMask });
  cleanups.push(() => connection.socket.terminate());
  await connection.send(SAMPLES.heartbeat);
  const payload = Buffer.from(new MessageEncoder().encode(SAMPLES.heartbeat)[0] as Buffer);
  return { wire: await tap.firstFrame, payload };
}

describe('connect', () => {
  it('with zeroMask sends frames with an all-zero masking key and the payload unmasked', async () => {
    const { wire, payload } = await firstFrameSent(true);
    expect(payload.length).toBeLessThan(126);
    expect([(wire[1] ?? 0) & 0x80, (wire[1] ?? 0) & 0x7f]).toEqual([0x80, payload.length]);
    expect([...wire.subarray(2, 6)]).toEqual([0, 0, 0, 0]);
    expect(wire.subarray(6, 6 + payload.length).equals(payload)).toBe(true);
  });

  it('without zeroMask masks frames with a nonzero key', async () => {
    const { wire, payload } = await firstFrameSent(false);
    expect((wire[1] ?? 0) & 0x80).toBe(0x80);
    expect(wire.subarray(2, 6).equals(Buffer.alloc(4))).toBe(false);
    expect(wire.subarray(6, 6 + payload.length).equals(payload)).toBe(false);
  });

  it('rejects with ERR_TRANSPORT_CONNECT when nothing listens', async () => {
    const server = createServer();
    const port = await listening(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const attempt = connect(`ws://127.0.0.1:${port}`);
    await expect(attempt).rejects.toBeInstanceOf(TransportError);
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CONNECT' });
  });

  it('rejects with ERR_TRANSPORT_CONNECT when the server answers without upgrading', async () => {
    const server = createHttpServer((_, response) => response.writeHead(404).end());
    const port = await listening(server);
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: 'ERR_TRANSPORT_CONNECT',
      message: expect.stringContaining('404'),
    });
  });

  it('rejects an invalid URL and invalid options', async () => {
    await expect(connect('not a url')).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CONNECT' });
    await expect(connect('ws://127.0.0.1:1', { handshakeTimeoutMs: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(connect('ws://127.0.0.1:1', { highWaterMark: -1 })).rejects.toBeInstanceOf(ConfigError);
    await expect(connect('ws://127.0.0.1:1', { maxFrameBytes: 10 })).rejects.toBeInstanceOf(ConfigError);
  });
});

import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketServer } from 'ws';
import { ConfigError, TransportError } from '../../src/errors.js';
import { Connection, connect, listen } from '../../src/transport/index.js';

const servers: WebSocketServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('listen', () => {
  it('destroys a TCP connection that sends no upgrade within upgradeTimeoutMs, reporting it, and leaves an upgraded one open', async () => {
    const reported: (string | null)[] = [];
    const { server, port } = await listen({
      upgradeTimeoutMs: 300,
      onUpgradeTimeout: (a) => reported.push(a),
    });
    servers.push(server);
    const started = performance.now();
    const silent = tcpConnect(port, '127.0.0.1');
    silent.on('error', () => {});
    // Half an HTTP request, never finished.
    const partial = tcpConnect(port, '127.0.0.1', () => partial.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    partial.on('error', () => {});
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => client.once('open', resolve));
    await Promise.all([silent, partial].map((s) => new Promise((resolve) => s.once('close', resolve))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(reported).toEqual(['127.0.0.1', '127.0.0.1']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.readyState).toBe(WebSocket.OPEN);
    client.terminate();
  });

  it('answers a plain HTTP request with 426 Upgrade Required', async () => {
    const { server, port } = await listen();
    servers.push(server);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(426);
    await response.text();
  });

  it('binds loopback on a free port by default and accepts WebSocket clients', async () => {
    const { server, port } = await listen();
    servers.push(server);
    expect(port).toBeGreaterThan(0);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
    const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await Promise.all([accepted, new Promise((resolve) => client.once('open', resolve))]);
    client.terminate();
  });

  it('rejects with ERR_TRANSPORT_LISTEN when the port is taken', async () => {
    const first = await listen();
    servers.push(first.server);
    const second = listen({ port: first.port });
    await expect(second).rejects.toBeInstanceOf(TransportError);
    await expect(second).rejects.toMatchObject({ code: 'ERR_TRANSPORT_LISTEN' });
  });

  it('refuses a port outside 0–65535 and an invalid maxFrameBytes', async () => {
    await expect(listen({ port: 70_000 })).rejects.toBeInstanceOf(ConfigError);
    await expect(listen({ maxFrameBytes: 0 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('lets ws refuse frames over maxFrameBytes with close code 1009', async () => {
    const { server, port } = await listen({ maxFrameBytes: 4096 });
    servers.push(server);
    server.on('connection', (socket) => socket.on('error', () => {}));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => client.once('open', resolve));
    const code = new Promise<number>((resolve) => client.once('close', resolve));
    client.send(Buffer.alloc(4097));
    expect(await code).toBe(1009);
  });
});

describe('listen with a Unix socket', () => {
  it('accepts peers on the socket as well as on TCP, and removes the socket file when it closes', async () => {
    const socketPath = join(tmpdir(), `dptrain-server-${process.pid}.sock`);
    const { server, port } = await listen({ socketPath });
    const received: string[] = [];
    server.on('connection', (socket) => {
      const connection = new Connection(socket);
      connection.on('message', (message) => received.push(message.type));
    });
    const overUnix = await connect(`ws+unix://${socketPath}:/`);
    const overTcp = await connect(`ws://127.0.0.1:${port}`);
    await overUnix.send({ type: 'heartbeat', sentAt: 1 });
    await overTcp.send({ type: 'leave', rank: 0, reason: 'done' });
    await expect.poll(() => [...received].sort()).toEqual(['heartbeat', 'leave']);
    expect(existsSync(socketPath)).toBe(true);
    overUnix.socket.terminate();
    overTcp.socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(existsSync(socketPath)).toBe(false);
  });

  it('refuses a socket path longer than sun_path holds, naming the limit', async () => {
    await expect(listen({ socketPath: `/tmp/${'s'.repeat(120)}.sock` })).rejects.toThrow(/103 bytes/);
  });
});

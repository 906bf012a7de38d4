import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { TransportError } from '../../src/errors.js';
import { backoffDelay, connectWithRetry, isRetryable, listen } from '../../src/transport/index.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A port nothing listens on (bound, read, released). */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('backoffDelay', () => {
  it('doubles from 100 ms to a 2 s cap with equal jitter: cap/2 + random · cap/2', () => {
    // The caps by hand: 100, 200, 400, 800, 1600, 2000, 2000, …
    const caps = [100, 200, 400, 800, 1600, 2000, 2000, 2000];
    expect(caps.map((_, attempt) => backoffDelay(attempt, () => 0))).toEqual(caps.map((c) => c / 2));
    expect(caps.map((_, attempt) => backoffDelay(attempt, () => 0.5))).toEqual([
      75, 150, 300, 600, 1200, 1500, 1500, 1500,
    ]);
    expect(caps.map((_, attempt) => backoffDelay(attempt, () => 1))).toEqual(caps);
    expect(backoffDelay(10_000, () => 1)).toBe(2000);
  });

  it('takes another schedule', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, () => 0.25, { initialMs: 10, maxMs: 50 }))).toEqual([
      6.25, 12.5, 25, 31.25,
    ]);
  });
});

describe('isRetryable', () => {
  const failed = (cause: unknown) => new TransportError('ERR_TRANSPORT_CONNECT', 'cannot connect', { cause });
  it('retries a refused, unreachable or unanswered peer and an HTTP answer that is not an auth refusal', () => {
    expect(
      isRetryable(failed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))),
    ).toBe(true);
    expect(isRetryable(failed(new Error('getaddrinfo ENOTFOUND coordinator')))).toBe(true);
    expect(isRetryable(failed(new Error('Opening handshake has timed out')))).toBe(true);
    expect(isRetryable(failed(new Error('Unexpected server response: 503')))).toBe(true);
  });

  it('does not retry an auth refusal, an address that does not parse, or another error', () => {
    expect(isRetryable(failed(new Error('Unexpected server response: 401')))).toBe(false);
    expect(isRetryable(failed(new Error('Unexpected server response: 403')))).toBe(false);
    expect(isRetryable(failed(new SyntaxError('Invalid URL: nope')))).toBe(false);
    expect(isRetryable(new TransportError('ERR_TRANSPORT_CLOSED', 'closed'))).toBe(false);
    expect(isRetryable(new Error('other'))).toBe(false);
  });
});

describe('connectWithRetry', () => {
  it('connects to a server that starts listening 600 ms after the first attempt', async () => {
    const port = await freePort();
    const logged: string[] = [];
    const connecting = connectWithRetry(`ws://127.0.0.1:${port}`, {
      timeoutMs: 20_000,
      log: (e) => logged.push(e.msg),
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const { server } = await listen({ port });
    servers.push(server);
    const connection = await connecting;
    expect(connection.closeInfo).toBeNull();
    // The first failure is logged, the retries within the next 5 s are not.
    expect(logged.filter((m) => m === 'coordinator not reachable yet, retrying')).toHaveLength(1);
    await connection.close();
  });

  it('gives up after timeoutMs naming the address, the time it tried and the last error', async () => {
    const port = await freePort();
    const started = performance.now();
    const error = await connectWithRetry(`ws://127.0.0.1:${port}`, { timeoutMs: 700 }).catch((e) => e);
    const took = performance.now() - started;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_CONNECT');
    expect(error.message).toContain(`cannot connect to ws://127.0.0.1:${port}: tried for`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(took).toBeLessThan(10_000);
  });

  it('does not retry a 401 answer to the upgrade', async () => {
    const http = createServer();
    http.on('upgrade', (_request, socket) =>
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    let upgrades = 0;
    http.on('upgrade', () => {
      upgrades += 1;
    });
    const error = await connectWithRetry(`ws://127.0.0.1:${port}`, { timeoutMs: 20_000 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ERR_TRANSPORT_CONNECT' });
    expect(String(error.cause?.message)).toContain('401');
    expect(upgrades).toBe(1);
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
});

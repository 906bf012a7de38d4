import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetsimError } from '../../src/errors.js';
import { type Relay, type RelayClock, type RelayOptions, startRelay } from '../../src/netsim/index.js';
import { mulberry32Draws, referenceDirectionSeed } from './reference-random.js';
import {
  collect,
  connectTo,
  echoServer,
  type Peer,
  PIECE_SIZES,
  type Received,
  randomPayload,
  sha256,
  until,
  writeInPieces,
} from './tcp-peers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function relayTo(port: number, options: Partial<RelayOptions> = {}): Promise<Relay> {
  const relay = await startRelay({ listenPort: 0, targetHost: '127.0.0.1', targetPort: port, ...options });
  cleanup.push(() => relay.close());
  return relay;
}

async function peer(start: Promise<Peer>): Promise<Peer> {
  const p = await start;
  cleanup.push(() => p.close());
  return p;
}

/** A target that sends `payload` in pieces and records what it receives, for each connection. */
async function exchangeServer(payload: Buffer): Promise<{ peer: Peer; received: Promise<Received>[] }> {
  const received: Promise<Received>[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    received.push(collect(socket));
    void writeInPieces(socket, payload, [...PIECE_SIZES].reverse());
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const p: Peer = {
    port: address.port,
    server,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  cleanup.push(() => p.close());
  return { peer: p, received };
}

/** A clock the test moves by hand; timers fire in due order when it advances. */
function manualClock(): RelayClock & { advance(toMs: number): void; pending(): number } {
  let now = 0;
  let timers: { due: number; callback: () => void }[] = [];
  return {
    now: () => now,
    setTimer(callback, delayMs) {
      const timer = { due: now + delayMs, callback };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(toMs) {
      now = toMs;
      for (;;) {
        const due = timers.filter((t) => t.due <= now).sort((a, b) => a.due - b.due)[0];
        if (due === undefined) return;
        timers = timers.filter((t) => t !== due);
        due.callback();
      }
    },
    pending: () => timers.length,
  };
}

describe('startRelay: the bytes', () => {
  it.each([
    ['latency 0, no bandwidth limit', {}, 3_000_000],
    ['latency 3 ms ± 1 ms at 2000 Mbit/s', { latencyMs: 3, jitterMs: 1, bandwidthMbps: 2000 }, 1_500_000],
  ])('forwards both directions byte for byte (%s), pieces of 1 B to 1 MiB', async (_, link, size) => {
    const toTarget = randomPayload(size);
    const fromTarget = randomPayload(size + 17);
    const { peer: target, received } = await exchangeServer(fromTarget);
    const relay = await relayTo(target.port, link);
    const client = await connectTo(relay.port);
    const back = collect(client);
    await writeInPieces(client, toTarget, PIECE_SIZES);
    const atClient = await back;
    await until(() => received.length === 1, 20_000, 'the target connection');
    const atTarget = await received[0]!;
    expect(atTarget.bytes.length).toBe(toTarget.length);
    expect(sha256(atTarget.bytes)).toBe(sha256(toTarget));
    expect(atClient.bytes.length).toBe(fromTarget.length);
    expect(sha256(atClient.bytes)).toBe(sha256(fromTarget));
    expect(relay.stats()).toEqual({
      connections: 1,
      bytesToTarget: toTarget.length,
      bytesFromTarget: fromTarget.length,
    });
  });

  it('keeps connections apart: five echo clients at once each get their own bytes back', async () => {
    const echo = await peer(echoServer());
    const relay = await relayTo(echo.port, { latencyMs: 2, jitterMs: 2, seed: 9 });
    const payloads = [1, 10, 1000, 200_000, 1_000_000].map(randomPayload);
    const results = await Promise.all(
      payloads.map(async (payload, i) => {
        const client = await connectTo(relay.port);
        const back = collect(client);
        await writeInPieces(client, payload, PIECE_SIZES.slice(i));
        return (await back).bytes;
      }),
    );
    for (const [i, payload] of payloads.entries()) expect(sha256(results[i]!)).toBe(sha256(payload));
    const total = payloads.reduce((sum, p) => sum + p.length, 0);
    expect(relay.stats()).toEqual({ connections: 5, bytesToTarget: total, bytesFromTarget: total });
  });

  it('passes a half-close on: the target can still answer after the client ended', async () => {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        setTimeout(() => socket.end(`got ${Buffer.concat(chunks).length} bytes`), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const relay = await relayTo(address.port, { latencyMs: 5 });
    const client = await connectTo(relay.port);
    const back = collect(client);
    client.end(randomPayload(12_345));
    expect((await back).bytes.toString()).toBe('got 12345 bytes');
    expect(relay.stats()).toMatchObject({ bytesToTarget: 12_345, bytesFromTarget: 15 });
  });

  it('stops reading a sender whose receiver does not read, and loses nothing when it does again', async () => {
    let targetSocket: Socket | undefined;
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.pause();
      targetSocket = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise((resolve) => {
          targetSocket?.destroy();
          server.close(() => resolve());
        }),
    );
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const relay = await relayTo(address.port, { maxQueuedBytes: 64 * 1024 });
    const payload = randomPayload(64 * 1024 * 1024);
    const client = await connectTo(relay.port);
    const sent = writeInPieces(client, payload, [1 << 20]);
    await until(() => targetSocket !== undefined, 20_000, 'the target connection');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Without backpressure the relay would have read all 64 MiB into the target socket's buffer; with it,
    // only what the kernel buffers on the way hold (a few MiB) plus the 64 KiB limit has gone through.
    expect(relay.stats().bytesToTarget).toBeLessThan(40 * 1024 * 1024);
    const received = collect(targetSocket!);
    targetSocket!.resume();
    await sent;
    const bytes = (await received).bytes;
    expect(bytes.length).toBe(payload.length);
    expect(sha256(bytes)).toBe(sha256(payload));
  });
});

describe('startRelay: the timing, on a clock the test drives', () => {
  it('holds a chunk until its release time, which the seeded jitter of connection 0 sets', async () => {
    const clock = manualClock();
    const echo = await peer(echoServer());
    const seed = 1234;
    const relay = await relayTo(echo.port, { latencyMs: 50, jitterMs: 10, seed, clock });
    const client = await connectTo(relay.port);
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    client.write('hello');
    await until(() => clock.pending() === 1, 20_000, 'the chunk to be queued');
    const [u] = mulberry32Draws(referenceDirectionSeed(seed, 0, 0), 1);
    const release = 50 + 10 * (2 * u! - 1);
    clock.advance(release - 0.001);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(relay.stats().bytesToTarget).toBe(0);
    clock.advance(release);
    expect(relay.stats().bytesToTarget).toBe(5);
    // The echo comes back at the relay at the current (manual) time and waits for its own release.
    await until(() => clock.pending() === 1, 20_000, 'the echo to be queued');
    const [v] = mulberry32Draws(referenceDirectionSeed(seed, 0, 1), 1);
    const back = release + 50 + 10 * (2 * v! - 1);
    clock.advance(back - 0.001);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chunks).toEqual([]);
    clock.advance(back + 0.001);
    await until(() => chunks.length > 0, 20_000, 'the echo');
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    client.destroy();
  });
});

describe('startRelay: a side that fails', () => {
  it('delivers what a reset client had sent, then ends the target, counting each byte once', async () => {
    const clock = manualClock();
    const { peer: target, received } = await exchangeServer(Buffer.alloc(0));
    const relay = await relayTo(target.port, { latencyMs: 30, clock });
    const client = await connectTo(relay.port);
    client.on('error', () => {});
    const payload = randomPayload(10_000);
    client.write(payload);
    await until(() => clock.pending() === 1, 20_000, 'the bytes to be queued');
    // Wait until the relay has read every byte (each read queues behind the first, under one timer).
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(relay.stats().bytesToTarget).toBe(0);
    clock.advance(1000);
    await until(() => received.length === 1, 20_000, 'the target connection');
    const atTarget = await received[0]!;
    expect(sha256(atTarget.bytes)).toBe(sha256(payload));
    expect(relay.stats()).toEqual({ connections: 1, bytesToTarget: 10_000, bytesFromTarget: 0 });
  });
});

describe('startRelay: the timing, on the real clock (lower bounds only)', () => {
  it('an echo round trip through latency L takes at least 2L − 1 ms', async () => {
    const echo = await peer(echoServer());
    const L = 20;
    const relay = await relayTo(echo.port, { latencyMs: L });
    const client = await connectTo(relay.port);
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const back = new Promise((resolve) => client.once('data', resolve));
      client.write('x');
      await back;
      expect(performance.now() - started).toBeGreaterThanOrEqual(2 * L - 1);
    }
    client.destroy();
  });

  it('1 MB at 80 Mbit/s with latency 10 ms takes at least 109 ms one way', async () => {
    const { peer: target, received } = await exchangeServer(Buffer.alloc(0));
    const relay = await relayTo(target.port, { latencyMs: 10, bandwidthMbps: 80 });
    const client = await connectTo(relay.port);
    const started = performance.now();
    await writeInPieces(client, randomPayload(1_000_000), [65_536]);
    await until(() => received.length === 1, 20_000, 'the target connection');
    const { lastAtMs, bytes } = await received[0]!;
    expect(bytes.length).toBe(1_000_000);
    // 8·10^6 bit at 8·10^4 bit/ms = 100 ms, after 10 ms of latency.
    expect(lastAtMs - started).toBeGreaterThanOrEqual(109);
    client.destroy();
  });
});

describe('startRelay: lifecycle', () => {
  it('close() stops listening and leaves no open handles, also with bytes still queued', async () => {
    const count = () => {
      const info = process.getActiveResourcesInfo();
      return ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].map((k) => info.filter((i) => i === k).length);
    };
    const before = count();
    const echo = await echoServer();
    const relay = await startRelay({
      listenPort: 0,
      targetHost: '127.0.0.1',
      targetPort: echo.port,
      latencyMs: 5000,
    });
    const clients = await Promise.all([connectTo(relay.port), connectTo(relay.port)]);
    const closed = clients.map((c) => new Promise((resolve) => c.once('close', resolve)));
    for (const c of clients) {
      c.on('error', () => {});
      // The clients allow half-open sockets: the relay's FIN ends their reading side only.
      c.on('end', () => c.destroy());
      c.write(randomPayload(1000));
    }
    await until(() => relay.stats().connections === 2, 20_000, 'two connections');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await relay.close();
    await relay.close();
    await Promise.all(closed);
    await echo.close();
    await expect(connectTo(relay.port)).rejects.toThrow();
    // No more sockets, servers or timers than before (a timer of the test runner's own may have ended meanwhile).
    await until(() => count().every((n, i) => n <= before[i]!), 20_000, 'the handles to close');
  });

  it('closes the client when the target refuses the connection', async () => {
    const unused = await echoServer();
    const port = unused.port;
    await unused.close();
    const relay = await relayTo(port);
    const client = await connectTo(relay.port);
    client.on('error', () => {});
    await new Promise((resolve) => client.once('end', resolve));
    client.destroy();
    expect(relay.stats()).toEqual({ connections: 1, bytesToTarget: 0, bytesFromTarget: 0 });
  });

  it('refuses bad options and a port in use with NetsimError codes', async () => {
    await expect(startRelay({ listenPort: 0, targetHost: '127.0.0.1', targetPort: 0 })).rejects.toMatchObject(
      {
        code: 'ERR_NETSIM_OPTION',
        option: 'targetPort',
      },
    );
    await expect(
      startRelay({ listenPort: 0, targetHost: '', targetPort: 1, latencyMs: 1 }),
    ).rejects.toMatchObject({ code: 'ERR_NETSIM_OPTION', option: 'targetHost' });
    await expect(
      startRelay({ listenPort: 0, targetHost: 'h', targetPort: 1, latencyMs: 1, jitterMs: 2 }),
    ).rejects.toMatchObject({ code: 'ERR_NETSIM_OPTION', option: 'jitterMs' });
    const relay = await relayTo(1);
    const error = await startRelay({ listenPort: relay.port, targetHost: 'h', targetPort: 1 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(NetsimError);
    expect(error.code).toBe('ERR_NETSIM_LISTEN');
  });
});

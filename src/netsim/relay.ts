import { connect, createServer, type Server, type Socket } from 'node:net';
import { NetsimError } from '../errors.js';
import { DelayedPipe } from './delayed-pipe.js';
import { directionSeed } from './direction-seed.js';
import { type ParsedRelayOptions, parseRelayOptions, type RelayOptions } from './relay-options.js';
import { ReleaseSchedule } from './release-schedule.js';

/** What a relay has forwarded since it started. */
export interface RelayStats {
  /** connections accepted since the relay started (open or closed) */
  readonly connections: number;
  /** bytes written to the target, over all connections */
  readonly bytesToTarget: number;
  /** bytes written back to the clients, over all connections */
  readonly bytesFromTarget: number;
}

/** A listening relay. */
export interface Relay {
  /** the address it listens on */
  readonly host: string;
  /** the port it listens on (the one the system chose when listenPort was 0) */
  readonly port: number;
  stats(): RelayStats;
  /** Stops listening and destroys the live connections (what is still queued is dropped); idempotent. */
  close(): Promise<void>;
}

interface Connection {
  readonly client: Socket;
  readonly target: Socket;
  readonly pipes: readonly DelayedPipe[];
  readonly closed: Promise<void>;
}

/**
 * Listens on `listenHost:listenPort` and forwards each accepted connection to `targetHost:targetPort` through a
 * simulated link: each direction has its own ReleaseSchedule, seeded with
 * `directionSeed(seed, connectionIndex, 'toTarget' | 'fromTarget')` (connections numbered from 0 in the order
 * accepted), so the same seed gives the same delays on every run. The bytes and their order are never changed.
 *
 * A half-close is passed on after what was already received (the other direction keeps flowing); when one side
 * closes or fails, what it sent is still delivered, then the other side is closed. Rejects with NetsimError
 * `ERR_NETSIM_OPTION` for a refused option, `ERR_NETSIM_LISTEN` when the port cannot be bound.
 *
 * @example
 * const relay = await startRelay({ listenPort: 0, targetHost: '127.0.0.1', targetPort: 29500, latencyMs: 5 });
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const parsed = parseRelayOptions(options);
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        new NetsimError(
          'ERR_NETSIM_LISTEN',
          `cannot listen on ${parsed.listenHost}:${parsed.listenPort} (${error.message}); choose another port or host`,
          { cause: error, option: 'listenPort' },
        ),
      );
    };
    server.once('error', onError);
    server.listen(parsed.listenPort, parsed.listenHost, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return new TcpRelay(server, parsed);
}

class TcpRelay implements Relay {
  readonly host: string;
  readonly port: number;
  readonly #live = new Set<Connection>();
  #connections = 0;
  #bytesToTarget = 0;
  #bytesFromTarget = 0;
  #closing: Promise<void> | null = null;

  constructor(
    private readonly server: Server,
    private readonly options: ParsedRelayOptions,
  ) {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('a TCP server has an address');
    this.host = address.address;
    this.port = address.port;
    // A listening error after start (rare) must not crash the process; connections fail on their own.
    server.on('error', () => {});
    server.on('connection', (client) => this.#accept(client));
  }

  stats(): RelayStats {
    return {
      connections: this.#connections,
      bytesToTarget: this.#bytesToTarget,
      bytesFromTarget: this.#bytesFromTarget,
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const live = [...this.#live];
      for (const connection of live) {
        for (const pipe of connection.pipes) pipe.stop();
        connection.client.destroy();
        connection.target.destroy();
      }
      await Promise.all([serverClosed, ...live.map((c) => c.closed)]);
    })();
    return this.#closing;
  }

  #accept(client: Socket): void {
    if (this.#closing !== null) {
      client.destroy();
      return;
    }
    const index = this.#connections;
    this.#connections += 1;
    const { link, clock, maxQueuedBytes, targetHost, targetPort } = this.options;
    const target = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    for (const socket of [client, target]) {
      socket.setNoDelay(true);
      // Errors end in 'close', handled below; without a listener they would crash the process.
      socket.on('error', () => {});
    }
    const schedule = (direction: 'toTarget' | 'fromTarget') =>
      new ReleaseSchedule({ ...link, seed: directionSeed(link.seed, index, direction) });
    const toTarget = new DelayedPipe(client, target, schedule('toTarget'), clock, maxQueuedBytes, (n) => {
      this.#bytesToTarget += n;
    });
    const fromTarget = new DelayedPipe(target, client, schedule('fromTarget'), clock, maxQueuedBytes, (n) => {
      this.#bytesFromTarget += n;
    });
    const closedOnce = (socket: Socket) =>
      new Promise<void>((resolve) => socket.once('close', () => resolve()));
    client.once('close', () => {
      toTarget.sourceClosed();
      fromTarget.destinationClosed();
    });
    target.once('close', () => {
      fromTarget.sourceClosed();
      toTarget.destinationClosed();
    });
    const connection: Connection = {
      client,
      target,
      pipes: [toTarget, fromTarget],
      closed: Promise.all([closedOnce(client), closedOnce(target)]).then(() => {
        for (const pipe of connection.pipes) pipe.stop();
        this.#live.delete(connection);
      }),
    };
    this.#live.add(connection);
  }
}

import { createServer, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { ConfigError, TransportError } from '../errors.js';
import { checkFrameBytes, DEFAULT_MAX_FRAME_BYTES } from '../protocol/index.js';
import { positiveMs } from './options.js';

/** Default interface: loopback only; pass `host: '0.0.0.0'` to accept workers on other machines. */
export const DEFAULT_HOST = '127.0.0.1';

export interface ListenOptions {
  /** interface to bind (default `127.0.0.1`) */
  readonly host?: string;
  /** port to bind; 0 (the default) picks a free one */
  readonly port?: number;
  /** `ws` refuses larger frames with close code 1009 before buffering them (default 4 MiB) */
  readonly maxFrameBytes?: number;
  /**
   * A TCP connection that has not completed the WebSocket upgrade this many ms after it was accepted is
   * destroyed (one that never sends its HTTP request, say); default 10 s. What a peer owes after the upgrade
   * (a `join`, for the coordinator) is the caller's rule.
   */
  readonly upgradeTimeoutMs?: number;
  /** Called with the peer's address when a connection is destroyed for the upgrade timeout. */
  readonly onUpgradeTimeout?: (address: string | null) => void;
}

/** Default bound on the time from accepting a TCP connection to its WebSocket upgrade. */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000;

export interface Listening {
  readonly server: WebSocketServer;
  /** the bound port (the chosen one when `port` was 0) */
  readonly port: number;
  /**
   * When the TCP connection under an upgrade request (`request.socket` of a `connection` event) was accepted,
   * in `performance.now()` ms, so a caller's deadline can count from there.
   */
  readonly acceptedAt: (socket: Socket) => number | undefined;
}

/**
 * Starts a WebSocket server for dptrain peers (per-message deflate off, `maxPayload` = `maxFrameBytes`);
 * wrap each accepted socket in a `Connection` with the same `maxFrameBytes`. Rejects with TransportError
 * `ERR_TRANSPORT_LISTEN` when the address cannot be bound.
 *
 * @example
 * const { server, port } = await listen(); server.on('connection', (socket) => new Connection(socket));
 */
export async function listen(options: ListenOptions = {}): Promise<Listening> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'port',
      `must be an integer from 0 to 65535, received ${String(port)}`,
    );
  }
  const maxPayload = checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  const upgradeTimeoutMs = positiveMs(
    'upgradeTimeoutMs',
    options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS,
  );
  // The HTTP server is ours (ws would make one without a deadline before the upgrade): a socket that never
  // sends its request would otherwise stay open for as long as the peer likes.
  const http = createServer((_request, response) => {
    const body = STATUS_CODES[426]!;
    response.writeHead(426, { 'Content-Length': body.length, 'Content-Type': 'text/plain' });
    response.end(body);
  });
  const accepted = new WeakMap<Socket, number>();
  const waiting = new Map<Socket, NodeJS.Timeout>();
  http.on('connection', (socket: Socket) => {
    accepted.set(socket, performance.now());
    const timer = setTimeout(() => {
      waiting.delete(socket);
      options.onUpgradeTimeout?.(socket.remoteAddress ?? null);
      socket.destroy();
    }, upgradeTimeoutMs);
    waiting.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(timer);
      waiting.delete(socket);
    });
  });
  http.on('upgrade', (_request, socket: Socket) => {
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
  });
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload });
    // Closing the WebSocket server closes the HTTP server too, and drops the connections still before their upgrade.
    server.once('close', () => {
      for (const [socket, timer] of waiting) {
        clearTimeout(timer);
        socket.destroy();
      }
      waiting.clear();
      http.close();
    });
    const onError = (error: Error) => {
      server.close();
      reject(
        new TransportError('ERR_TRANSPORT_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address !== null ? address.port : port,
        acceptedAt: (socket) => accepted.get(socket),
      });
    });
    http.listen(port, host);
  });
}

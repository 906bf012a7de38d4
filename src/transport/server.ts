import { unlinkSync } from 'node:fs';
import { createServer, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
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
  /**
   * Also accept peers on this Unix domain socket (`ws+unix://PATH:/`), for processes on this host: the same
   * server, the same rules, beside the TCP listener. The file is removed when the server closes. At most
   * `MAX_SOCKET_PATH_BYTES` bytes (the kernel's sun_path).
   */
  readonly socketPath?: string;
}

/** The longest Unix socket path Linux and macOS accept (sun_path holds 108 and 104 bytes, NUL included). */
export const MAX_SOCKET_PATH_BYTES = 103;

/** Default bound on the time from accepting a TCP connection to its WebSocket upgrade. */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000;

export interface Listening {
  readonly server: WebSocketServer;
  /** the bound port (the chosen one when `port` was 0) */
  readonly port: number;
  /** the Unix socket path it also listens on; null: TCP only */
  readonly socketPath: string | null;
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
  const socketPath = options.socketPath ?? null;
  if (socketPath !== null && (socketPath === '' || Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'socketPath',
      `must be a path of 1 to ${MAX_SOCKET_PATH_BYTES} bytes (the kernel's limit), received ${Buffer.byteLength(socketPath)} bytes (${socketPath}); use a shorter directory such as /tmp`,
    );
  }
  const upgradeTimeoutMs = positiveMs(
    'upgradeTimeoutMs',
    options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS,
  );
  // The HTTP server is ours (ws would make one without a deadline before the upgrade): a socket that never
  // sends its request would otherwise stay open for as long as the peer likes.
  const refuseHttp = (_request: unknown, response: ServerResponse) => {
    const body = STATUS_CODES[426]!;
    response.writeHead(426, { 'Content-Length': body.length, 'Content-Type': 'text/plain' });
    response.end(body);
  };
  const http = createServer(refuseHttp);
  const local: Server | null = socketPath === null ? null : createServer(refuseHttp);
  const accepted = new WeakMap<Socket, number>();
  const waiting = new Map<Socket, NodeJS.Timeout>();
  const onAccepted = (socket: Socket) => {
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
  };
  const onUpgrade = (socket: Socket) => {
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
  };
  http.on('connection', onAccepted);
  http.on('upgrade', (_request, socket: Socket) => onUpgrade(socket));
  local?.on('connection', onAccepted);
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload });
    // The Unix listener hands its upgrades to the same server, so its peers are `connection` events like any.
    local?.on('upgrade', (request, socket: Socket, head) => {
      onUpgrade(socket);
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    });
    // Closing the WebSocket server closes the HTTP server too, and drops the connections still before their upgrade.
    server.once('close', () => {
      for (const [socket, timer] of waiting) {
        clearTimeout(timer);
        socket.destroy();
      }
      waiting.clear();
      http.close();
      local?.close();
      if (socketPath !== null) removeSocket(socketPath);
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
      const address = server.address();
      const bound = {
        server,
        port: typeof address === 'object' && address !== null ? address.port : port,
        socketPath,
        acceptedAt: (socket: Socket) => accepted.get(socket),
      };
      if (local === null || socketPath === null) {
        server.off('error', onError);
        resolve(bound);
        return;
      }
      // A file left by a run that died would make the bind fail: the path is this run's to take.
      removeSocket(socketPath);
      local.once('error', onError);
      local.listen(socketPath, () => {
        server.off('error', onError);
        local.off('error', onError);
        resolve(bound);
      });
    });
    http.listen(port, host);
  });
}

function removeSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there (the usual case) or not ours to remove: the bind then says what is wrong.
  }
}

import { WebSocketServer } from 'ws';
import { ConfigError, TransportError } from '../errors.js';
import { checkFrameBytes, DEFAULT_MAX_FRAME_BYTES } from '../protocol/index.js';

/** Default interface: loopback only; pass `host: '0.0.0.0'` to accept workers on other machines. */
export const DEFAULT_HOST = '127.0.0.1';

export interface ListenOptions {
  /** interface to bind (default `127.0.0.1`) */
  readonly host?: string;
  /** port to bind; 0 (the default) picks a free one */
  readonly port?: number;
  /** `ws` refuses larger frames with close code 1009 before buffering them (default 16 MiB) */
  readonly maxFrameBytes?: number;
}

export interface Listening {
  readonly server: WebSocketServer;
  /** the bound port (the chosen one when `port` was 0) */
  readonly port: number;
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
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({
      host,
      port,
      perMessageDeflate: false,
      maxPayload,
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
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : port });
    });
  });
}

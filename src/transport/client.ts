import { WebSocket } from 'ws';
import { ConfigError, TransportError } from '../errors.js';
import { Connection } from './connection.js';
import { type ConnectionOptions, parseConnectionOptions } from './options.js';

/** Default time allowed for the WebSocket opening handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ConnectOptions extends ConnectionOptions {
  /**
   * Send every frame with an all-zero mask, which lets `ws` skip masking (2–4× the throughput here).
   * This gives up the protection masking offers against cache poisoning of proxies that misread WebSocket
   * traffic: fine on a private network or loopback, not through proxies you do not control. Default false.
   */
  readonly zeroMask?: boolean;
  /** Time allowed for the opening handshake, in ms (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

/**
 * Opens a WebSocket to a dptrain peer (per-message deflate off, `ws`'s `maxPayload` set to `maxFrameBytes`)
 * and resolves with its Connection once open; rejects with TransportError `ERR_TRANSPORT_CONNECT`.
 *
 * @example
 * const connection = await connect(`ws://127.0.0.1:${port}`, { zeroMask: true });
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
  const settings = parseConnectionOptions(options);
  const handshakeTimeout = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (!Number.isSafeInteger(handshakeTimeout) || handshakeTimeout <= 0) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'handshakeTimeoutMs',
      `must be a positive integer, received ${String(handshakeTimeout)}`,
    );
  }
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: settings.maxFrameBytes,
        handshakeTimeout,
        ...(options.zeroMask === true ? { generateMask: zeroMask } : {}),
      });
    } catch (error) {
      reject(
        new TransportError('ERR_TRANSPORT_CONNECT', `cannot connect to ${url}: ${String(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    let failure: Error | null = null;
    const connection = new Connection(socket, settings);
    const onError = (error: Error) => {
      failure ??= error;
    };
    const onClose = () => {
      socket.off('error', onError);
      const reason = failure?.message ?? 'the connection closed during the handshake';
      reject(
        new TransportError('ERR_TRANSPORT_CONNECT', `cannot connect to ${url}: ${reason}`, {
          cause: failure,
        }),
      );
    };
    socket.on('error', onError);
    connection.once('close', onClose);
    socket.once('open', () => {
      socket.off('error', onError);
      connection.off('close', onClose);
      resolve(connection);
    });
  });
}

/** Leaves `ws`'s mask buffer all zero, so `ws` sends the payload unmasked (RFC 6455 still satisfied). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

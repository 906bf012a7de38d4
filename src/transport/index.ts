/**
 * dptrain's transport: a `Connection` carries protocol messages over a `ws` WebSocket, `listen` starts a
 * server and `connect` opens a client.
 *
 * @example
 * const connection = await connect(`ws://127.0.0.1:${port}`); await connection.send({ type: 'heartbeat', sentAt: Date.now() });
 */
export { type ConnectOptions, connect, DEFAULT_HANDSHAKE_TIMEOUT_MS } from './client.js';
export {
  Connection,
  type ConnectionClose,
  type ConnectionEvents,
  type EncodedMessage,
} from './connection.js';
export { Heartbeat, type HeartbeatTiming } from './heartbeat.js';
export {
  type ConnectionOptions,
  type ConnectionSettings,
  DEFAULT_HIGH_WATER_MARK,
  parseConnectionOptions,
} from './options.js';
export { ReceivePool, type ReceivePoolSpec } from './receive-pool.js';
export {
  backoffDelay,
  connectWithRetry,
  DEFAULT_BACKOFF,
  DEFAULT_CONNECT_TIMEOUT_MS,
  isRetryable,
  type RetryOptions,
} from './retry.js';
export {
  DEFAULT_HOST,
  DEFAULT_UPGRADE_TIMEOUT_MS,
  type Listening,
  type ListenOptions,
  listen,
  MAX_SOCKET_PATH_BYTES,
} from './server.js';
export { SharedEncoder } from './shared-encoder.js';
export {
  LANE_FILES,
  LANE_PAYLOAD_OFFSET,
  LaneReader,
  LaneWriter,
  lanePath,
} from './tensor-lane.js';

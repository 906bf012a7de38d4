import { ConfigError } from '../errors.js';
import { discardLog, type Log } from '../log/index.js';
import {
  type CodecOptions,
  checkFrameBytes,
  checkMessageBytes,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  type TensorAllocator,
} from '../protocol/index.js';

/**
 * Default bound on the bytes `ws` may hold unsent before `send()` waits for earlier frames to be written:
 * 32 MiB, eight default frames (it was two when frames were 16 MiB; kept so a send waits as often as before),
 * so frames can be written while the next ones are queued.
 */
export const DEFAULT_HIGH_WATER_MARK = 32 * 1024 * 1024;

/** Options of a `Connection` (and of `connect` and `listen`, which pass them on). */
export interface ConnectionOptions extends CodecOptions {
  /** `send()` waits while the socket's `bufferedAmount` exceeds this many bytes (default 32 MiB). */
  readonly highWaterMark?: number;
  /** Receives structured log entries (protocol errors, socket errors, closes). Default: discard. */
  readonly log?: Log;
}

/** Parsed connection options: every field present, frozen. */
export interface ConnectionSettings {
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly highWaterMark: number;
  readonly log: Log;
  readonly allocateTensor?: TensorAllocator;
}

/**
 * Fills in defaults and checks every option; throws ConfigError naming the first bad one.
 *
 * @example
 * parseConnectionOptions({ highWaterMark: 8 << 20 }).maxFrameBytes; // 4194304
 */
export function parseConnectionOptions(options: ConnectionOptions = {}): ConnectionSettings {
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 0) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'highWaterMark',
      `must be a non-negative integer number of bytes, received ${String(highWaterMark)}`,
    );
  }
  return Object.freeze({
    maxFrameBytes: checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    maxMessageBytes: checkMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    highWaterMark,
    log: options.log ?? discardLog,
    ...(options.allocateTensor === undefined ? {} : { allocateTensor: options.allocateTensor }),
  });
}

/**
 * A duration option in milliseconds, checked: a finite number above 0, else ConfigError ERR_CONFIG_BAD_VALUE naming
 * the option.
 *
 * @example
 * positiveMs('timeoutMs', 60_000); // 60000
 */
export function positiveMs(option: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      option,
      `must be a positive number of milliseconds, received ${String(value)}`,
    );
  }
  return value;
}

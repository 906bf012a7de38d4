import { NetsimError } from '../errors.js';
import { type RelayClock, realClock } from './clock.js';
import { type LinkOptions, parseLinkOptions } from './link-model.js';

/**
 * What startRelay needs: the link (any LinkOptions field left out takes its default), where to listen and where to
 * forward.
 */
export type RelayOptions = Partial<LinkOptions> & {
  /** the address to listen on; default DEFAULT_LISTEN_HOST (127.0.0.1; 0.0.0.0 to accept other machines) */
  readonly listenHost?: string;
  /** the port to listen on, 0 for any free port */
  readonly listenPort: number;
  /** the host every accepted connection is forwarded to */
  readonly targetHost: string;
  /** the target's port, 1–65535 */
  readonly targetPort: number;
  /**
   * per direction, the bytes held (queued for release plus unsent in the socket) above which the relay stops
   * reading the sender until they drain; default DEFAULT_MAX_QUEUED_BYTES
   */
  readonly maxQueuedBytes?: number;
  /** the time and the timers; default realClock */
  readonly clock?: RelayClock;
};

/** The relay options after parseRelayOptions: every default filled in. */
export interface ParsedRelayOptions {
  readonly link: LinkOptions;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly maxQueuedBytes: number;
  readonly clock: RelayClock;
}

/** Only connections from this machine unless asked otherwise. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
/** 16 MiB per direction: the bytes in flight of 1 Gbit/s over 128 ms. */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

function fail(option: string, message: string): never {
  throw new NetsimError('ERR_NETSIM_OPTION', `${option} ${message}`, { option });
}

function port(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65535) {
    fail(option, `must be an integer between ${min} and 65535, received ${String(value)}`);
  }
  return value;
}

function host(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(option, `must be a host name or address such as 127.0.0.1, received ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The one parser of RelayOptions: the link through parseLinkOptions, the hosts, ports and limit checked, the
 * defaults filled in; returns a frozen object or throws NetsimError `ERR_NETSIM_OPTION` naming the option.
 *
 * @example
 * parseRelayOptions({ listenPort: 0, targetHost: '127.0.0.1', targetPort: 29500, latencyMs: 5 }).listenHost; // '127.0.0.1'
 */
export function parseRelayOptions(options: RelayOptions): ParsedRelayOptions {
  const { listenHost, listenPort, targetHost, targetPort, maxQueuedBytes, clock, ...link } = options;
  const limit = maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    fail('maxQueuedBytes', `must be a positive integer, received ${String(limit)}`);
  }
  return Object.freeze({
    link: parseLinkOptions(link),
    listenHost: host('listenHost', listenHost ?? DEFAULT_LISTEN_HOST),
    listenPort: port('listenPort', listenPort, 0),
    targetHost: host('targetHost', targetHost),
    targetPort: port('targetPort', targetPort, 1),
    maxQueuedBytes: limit,
    clock: clock ?? realClock,
  });
}

import { TransportError } from '../errors.js';
import { type ConnectOptions, connect, DEFAULT_HANDSHAKE_TIMEOUT_MS } from './client.js';
import type { Connection } from './connection.js';
import { positiveMs } from './options.js';

/** Default time a worker keeps trying to reach its coordinator (`--connect-timeout`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;

/** The backoff between connection attempts: `initialMs` doubling up to `maxMs`, with jitter. */
export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 100, maxMs: 2_000 });

/** How often a retrying connect logs that it is still trying (the first failure is always logged). */
const RETRY_LOG_INTERVAL_MS = 5_000;

/**
 * The wait before retry `attempt` (0 for the first retry): the cap `c = min(maxMs, initialMs · 2^attempt)`, and
 * "equal jitter" on it, `c/2 + random() · c/2`, so workers started together do not knock in step.
 *
 * @example
 * // random() = 0.5: 75, 150, 300, 600, 1200, 1500, 1500, … ms
 * backoffDelay(0, () => 0.5); // 75
 * backoffDelay(4, () => 0); // 800
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  backoff: { readonly initialMs: number; readonly maxMs: number } = DEFAULT_BACKOFF,
): number {
  const cap = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 52));
  return cap / 2 + random() * (cap / 2);
}

/**
 * Whether a failed `connect` is worth another try: the peer was not there (refused, unreachable, a name not
 * found yet, a reset, a handshake that timed out, an HTTP answer other than an auth refusal). An address that
 * does not parse, or a 401/403 answer, will not get better by waiting.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TransportError) || error.code !== 'ERR_TRANSPORT_CONNECT') return false;
  const cause = error.cause;
  if (cause instanceof SyntaxError) return false;
  const message = cause instanceof Error ? cause.message : '';
  return !/Unexpected server response: 40[13]\b/.test(message);
}

export interface RetryOptions extends ConnectOptions {
  /** keep trying for this long, in ms (default 60 s); the last attempt starts before it runs out */
  readonly timeoutMs?: number;
  /** the jitter's random source (default `Math.random`) */
  readonly random?: () => number;
  /** gives up at once when aborted (a worker leaving while it waits for its coordinator): rejects with its reason */
  readonly signal?: AbortSignal;
}

/**
 * `connect`, retried with backoff while the peer is not there yet (see `isRetryable`), for up to `timeoutMs`.
 * Logs the first failure and then one line every 5 s while it keeps trying. Rejects with TransportError
 * `ERR_TRANSPORT_CONNECT` naming the address, how long it tried and the last error; at once for an error that
 * waiting cannot mend.
 *
 * @example
 * const connection = await connectWithRetry('ws://127.0.0.1:29500', { timeoutMs: 60_000, log });
 */
export async function connectWithRetry(url: string, options: RetryOptions = {}): Promise<Connection> {
  const timeoutMs = positiveMs('timeoutMs', options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const { timeoutMs: _t, random = Math.random, signal, ...connectOptions } = options;
  const log = options.log;
  const started = performance.now();
  let lastLogged = Number.NEGATIVE_INFINITY;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    const remaining = timeoutMs - (performance.now() - started);
    const handshakeTimeoutMs = Math.max(
      1,
      Math.ceil(Math.min(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, remaining)),
    );
    try {
      return await connect(url, { ...connectOptions, handshakeTimeoutMs });
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const elapsed = performance.now() - started;
      const delay = backoffDelay(attempt, random);
      const reason = (error as TransportError).cause;
      const why = reason instanceof Error ? reason.message : String(reason);
      if (elapsed + delay >= timeoutMs) {
        throw new TransportError(
          'ERR_TRANSPORT_CONNECT',
          `cannot connect to ${url}: tried for ${(elapsed / 1000).toFixed(1)} s (${attempt + 1} attempts, --connect-timeout ${timeoutMs / 1000} s), last error: ${why}; start the coordinator there or raise --connect-timeout`,
          { cause: reason },
        );
      }
      if (elapsed - lastLogged >= RETRY_LOG_INTERVAL_MS) {
        lastLogged = elapsed;
        log?.({
          level: 'warn',
          msg: 'coordinator not reachable yet, retrying',
          url,
          attempts: attempt + 1,
          elapsedS: Math.round(elapsed / 100) / 10,
          connectTimeoutS: timeoutMs / 1000,
          error: why,
        });
      }
      await pause(delay, signal);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (the loop then throws its reason). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

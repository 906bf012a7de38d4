import { NetsimError } from '../errors.js';

/**
 * The simulated link, the same in both directions (each direction draws its own jitter):
 * - `latencyMs`: one-way delay L added to every chunk, in milliseconds (≥ 0);
 * - `jitterMs`: J, each chunk's delay is L + U(−J, J) with U uniform; 0 ≤ J ≤ L, so no chunk is released
 *   before it arrived;
 * - `bandwidthMbps`: B in megabits per second (10^6 bit/s, so B Mbit/s = 1000·B bit/ms), or `null` for no limit;
 * - `seed`: the jitter generator's seed, an integer in [0, 2^32).
 */
export interface LinkOptions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly bandwidthMbps: number | null;
  readonly seed: number;
}

/** No added delay unless asked for. */
export const DEFAULT_LATENCY_MS = 0;
/** No jitter unless asked for. */
export const DEFAULT_JITTER_MS = 0;
/** `null`: the bandwidth is not limited. */
export const DEFAULT_BANDWIDTH_MBPS = null;
/** The jitter seed when none is given. */
export const DEFAULT_SEED = 0;

/** The largest latency accepted (one minute): beyond it TCP peers time out and nothing is being simulated. */
export const MAX_LATENCY_MS = 60_000;
const MAX_SEED = 2 ** 32 - 1;

function fail(option: string, message: string): never {
  throw new NetsimError('ERR_NETSIM_OPTION', `${option} ${message}`, { option });
}

function number(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(option, `must be a finite number, received ${String(value)}`);
  }
  return value;
}

/**
 * The one parser of LinkOptions: fills the defaults, checks every rule and returns a frozen object. A refused
 * value throws NetsimError `ERR_NETSIM_OPTION` whose `option` names the field and whose message gives the rule,
 * the value received and the fix.
 *
 * Rules: 0 ≤ latencyMs ≤ 60000; 0 ≤ jitterMs ≤ latencyMs (so a + L + U(−J, J) ≥ a: a chunk never leaves before it
 * arrived); bandwidthMbps is `null` or a finite number > 0; seed is an integer in [0, 2^32).
 *
 * @example
 * parseLinkOptions({ latencyMs: 5, jitterMs: 1 }); // { latencyMs: 5, jitterMs: 1, bandwidthMbps: null, seed: 0 }
 */
export function parseLinkOptions(input: Partial<LinkOptions> = {}): LinkOptions {
  const latencyMs = number('latencyMs', input.latencyMs, DEFAULT_LATENCY_MS);
  if (latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
    fail('latencyMs', `must be between 0 and ${MAX_LATENCY_MS} ms, received ${latencyMs}`);
  }
  const jitterMs = number('jitterMs', input.jitterMs, DEFAULT_JITTER_MS);
  if (jitterMs < 0) fail('jitterMs', `must be ≥ 0, received ${jitterMs}`);
  if (jitterMs > latencyMs) {
    fail(
      'jitterMs',
      `must be ≤ latencyMs (${latencyMs}) so that no chunk is released before it arrived, received ${jitterMs}; ` +
        `raise the latency or lower the jitter`,
    );
  }
  let bandwidthMbps: number | null = DEFAULT_BANDWIDTH_MBPS;
  if (input.bandwidthMbps !== undefined && input.bandwidthMbps !== null) {
    bandwidthMbps = number('bandwidthMbps', input.bandwidthMbps, 0);
    if (bandwidthMbps <= 0) {
      fail('bandwidthMbps', `must be > 0 (null or left out: no limit), received ${bandwidthMbps}`);
    }
  }
  const seed = number('seed', input.seed, DEFAULT_SEED);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    fail('seed', `must be an integer between 0 and ${MAX_SEED}, received ${seed}`);
  }
  return Object.freeze({ latencyMs, jitterMs, bandwidthMbps, seed });
}

/**
 * The link in words, for a log line.
 *
 * @example
 * describeLink(parseLinkOptions({ latencyMs: 5, jitterMs: 1, bandwidthMbps: 1000 }));
 * // 'latency 5 ms ± 1 ms each way, bandwidth 1000 Mbit/s, seed 0'
 */
export function describeLink(link: LinkOptions): string {
  const jitter = link.jitterMs === 0 ? '' : ` ± ${link.jitterMs} ms`;
  const bandwidth = link.bandwidthMbps === null ? 'unlimited' : `${link.bandwidthMbps} Mbit/s`;
  return `latency ${link.latencyMs} ms${jitter} each way, bandwidth ${bandwidth}, seed ${link.seed}`;
}

/**
 * The network simulator: a TCP relay that delays the real bytes (latency per direction, jitter, bandwidth pacing)
 * without changing them or their order.
 */

/**
 * The time and timers the relay uses, injectable for tests.
 * @example await startRelay({ ...options, clock: realClock });
 */
export { type RelayClock, realClock } from './clock.js';
/**
 * The jitter seed of one direction of one connection.
 * @example directionSeed(relaySeed, 0, 'fromTarget');
 */
export { type Direction, directionSeed } from './direction-seed.js';
/**
 * The link's options, their defaults and their one parser.
 * @example parseLinkOptions({ latencyMs: 5, jitterMs: 1, bandwidthMbps: 1000, seed: 1 });
 */
export {
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_JITTER_MS,
  DEFAULT_LATENCY_MS,
  DEFAULT_SEED,
  describeLink,
  type LinkOptions,
  MAX_LATENCY_MS,
  parseLinkOptions,
} from './link-model.js';
/**
 * The seeded generator behind the jitter.
 * @example new Mulberry32(42).next();
 */
export { Mulberry32 } from './mulberry32.js';
/**
 * The delaying TCP relay.
 * @example const relay = await startRelay({ listenPort: 0, targetHost: '127.0.0.1', targetPort: 29500, latencyMs: 5 });
 */
export { type Relay, type RelayStats, startRelay } from './relay.js';
/**
 * The relay's options, their defaults and their one parser.
 * @example parseRelayOptions({ listenPort: 0, targetHost: '10.0.0.1', targetPort: 29500 });
 */
export {
  DEFAULT_LISTEN_HOST,
  DEFAULT_MAX_QUEUED_BYTES,
  type ParsedRelayOptions,
  parseRelayOptions,
  type RelayOptions,
} from './relay-options.js';
/**
 * The pure release-time rule of one direction.
 * @example new ReleaseSchedule({ latencyMs: 5, bandwidthMbps: 8 }).next(0, 1000); // 6
 */
export { ReleaseSchedule } from './release-schedule.js';

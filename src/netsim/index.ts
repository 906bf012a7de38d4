/**
 * The network simulator: a TCP relay that delays the real bytes (latency per direction, jitter, bandwidth pacing)
 * without changing them or their order.
 */

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
 * The pure release-time rule of one direction.
 * @example new ReleaseSchedule({ latencyMs: 5, bandwidthMbps: 8 }).next(0, 1000); // 6
 */
export { ReleaseSchedule } from './release-schedule.js';

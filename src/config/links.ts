/**
 * The link of each worker to the coordinator as `simulate:` describes it: the all-workers settings with a rank's
 * own `simulate.links` entry over them. A link with no latency, no jitter and no bandwidth limit is no link effect;
 * the launcher puts a relay only where there is one.
 */
import type { RunConfig } from './keys.js';

/** One worker's simulated link, per direction. */
export interface LinkConditions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** null: unlimited */
  readonly bandwidthMbps: number | null;
}

/**
 * The link of `rank` (its `simulate.links` entry over the all-workers settings).
 *
 * @example
 * linkOf({ ...simulate, latency_ms: 20, links: { 1: { latency_ms: 50 } } }, 1).latencyMs; // 50
 */
export function linkOf(simulate: RunConfig['simulate'], rank: number): LinkConditions {
  const own = simulate.links[String(rank)] ?? {};
  return Object.freeze({
    latencyMs: own.latency_ms ?? simulate.latency_ms,
    jitterMs: own.jitter_ms ?? simulate.jitter_ms,
    bandwidthMbps: own.bandwidth_mbps === undefined ? simulate.bandwidth_mbps : own.bandwidth_mbps,
  });
}

/** Whether a link changes anything (latency, jitter or a bandwidth limit). @example hasLinkEffect({ latencyMs: 0, jitterMs: 0, bandwidthMbps: null }); // false */
export function hasLinkEffect(link: LinkConditions): boolean {
  return link.latencyMs > 0 || link.jitterMs > 0 || link.bandwidthMbps !== null;
}

/**
 * Every worker's link, by rank, when at least one has an effect; null when none has (no relays).
 *
 * @example
 * simulatedLinks(parseRunConfig({ workers: 2, simulate: { latency_ms: 5 } }))?.length; // 2
 */
export function simulatedLinks(
  config: Pick<RunConfig, 'simulate' | 'workers'>,
): readonly LinkConditions[] | null {
  const links = Array.from({ length: config.workers }, (_, rank) => linkOf(config.simulate, rank));
  return links.some(hasLinkEffect) ? Object.freeze(links) : null;
}

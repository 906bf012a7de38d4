import { type Relay, startRelay } from '../netsim/index.js';

/** One worker's simulated link to the coordinator, per direction. */
export interface WorkerLink {
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** null: unlimited */
  readonly bandwidthMbps: number | null;
}

/** A worker's relay as the run directory records it: its link and the bytes it forwarded each way. */
export interface LinkRelayStats extends WorkerLink {
  readonly rank: number;
  readonly bytesToCoordinator: number;
  readonly bytesToWorker: number;
}

/** The relays of a launch: the address each worker connects to, their byte counts, and their end. */
export interface LinkRelays {
  /** worker i connects to urls[i] */
  readonly urls: readonly string[];
  stats(): readonly LinkRelayStats[];
  close(): Promise<void>;
}

/**
 * Starts one relay per worker between it and the coordinator at `url` (`ws://HOST:PORT`), each delaying the real
 * bytes as that worker's link says, on 127.0.0.1 at a free port. Each relay's jitter seed comes from the run's
 * seed and the rank, so a run with the same seed draws the same delays.
 *
 * @example
 * const relays = await startLinkRelays('ws://127.0.0.1:29500', [{ latencyMs: 20, jitterMs: 5, bandwidthMbps: 100 }], 1);
 */
export async function startLinkRelays(
  url: string,
  links: readonly WorkerLink[],
  seed: number,
): Promise<LinkRelays> {
  const target = new URL(url);
  const relays: Relay[] = [];
  try {
    for (const [rank, link] of links.entries()) {
      relays.push(
        await startRelay({
          listenPort: 0,
          targetHost: target.hostname,
          targetPort: Number(target.port),
          latencyMs: link.latencyMs,
          jitterMs: link.jitterMs,
          bandwidthMbps: link.bandwidthMbps,
          seed: relaySeed(seed, rank),
        }),
      );
    }
  } catch (error) {
    await Promise.all(relays.map((relay) => relay.close()));
    throw error;
  }
  return {
    urls: relays.map((relay) => `ws://${relay.host}:${relay.port}`),
    stats: () =>
      relays.map((relay, rank) => {
        const { bytesToTarget, bytesFromTarget } = relay.stats();
        return { rank, ...links[rank]!, bytesToCoordinator: bytesToTarget, bytesToWorker: bytesFromTarget };
      }),
    close: async () => {
      await Promise.all(relays.map((relay) => relay.close()));
    },
  };
}

/** A 32-bit seed per rank: the run's seed and the rank through a multiplicative hash (golden-ratio constant). */
function relaySeed(seed: number, rank: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(rank + 1, 0x85ebca6b)) >>> 0;
}

import { type Member, ProcessGroup } from '../../src/coordinator/index.js';
import type { Connection } from '../../src/transport/index.js';
import { openPair, type Pair } from '../transport/pair.js';

const TIMING = { intervalMs: 1_000, timeoutMs: 30_000 };
const pairs: Pair[] = [];
const groups: ProcessGroup[] = [];

/**
 * A ProcessGroup of `n` members over loopback pairs (frames cut at `maxFrameBytes` when given), and the workers'
 * ends of their connections; `closeGroups()` (in an afterEach) closes every one opened.
 *
 * @example
 * const { group, workers } = await groupOf(2); await workers[0]!.send(message);
 */
export async function groupOf(
  n: number,
  maxFrameBytes?: number,
): Promise<{ group: ProcessGroup; workers: Connection[] }> {
  const options = maxFrameBytes === undefined ? {} : { maxFrameBytes, maxMessageBytes: 64 * 1024 * 1024 };
  const mains = await Promise.all(Array.from({ length: n }, () => openPair(options, options)));
  pairs.push(...mains);
  const members: Member[] = mains.map((pair, rank) => ({
    rank,
    pid: 100 + rank,
    host: 'test',
    backend: 'none',
    lanes: null,
    connection: pair.near,
  }));
  const group = new ProcessGroup(members, {
    heartbeat: TIMING,
    log: () => {},
    ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
  });
  groups.push(group);
  return { group, workers: mains.map((pair) => pair.far) };
}

/** Closes every group and pair `groupOf` opened. */
export async function closeGroups(): Promise<void> {
  for (const group of groups.splice(0)) await group.close();
  for (const pair of pairs.splice(0)) await pair.close();
}

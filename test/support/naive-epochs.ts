/**
 * The epoch plan's documented rule, written a second way for tests: deal the padded pool round-robin like cards,
 * one batch per round, and at a change of world keep, in permutation order, whatever no counted batch has held.
 */
import type { World } from '../../src/sharding/index.js';

/** Every round's batch of every member (by round, then rank), and the round where the epoch ends. */
export function naiveEpoch(
  permutation: readonly number[],
  batchSize: number,
  worlds: readonly World[],
): { rounds: Map<number, Map<number, number[]>>; end: number } {
  const rounds = new Map<number, Map<number, number[]>>();
  const seen = new Set<number>();
  let pool = [...permutation];
  let round = worlds[0]!.round;
  for (let w = 0; w < worlds.length; w++) {
    const { members } = worlds[w]!;
    const padded = [...pool];
    while (padded.length % members.length !== 0) padded.push(padded[padded.length - pool.length]!);
    const hands = members.map(() => [] as number[]);
    for (const [i, index] of padded.entries()) hands[i % members.length]!.push(index);
    const next = worlds[w + 1];
    for (let k = 0; k * batchSize < hands[0]!.length; k++, round++) {
      if (next !== undefined && round === next.round) break;
      const byRank = new Map<number, number[]>();
      members.forEach((rank, i) => {
        const batch = hands[i]!.slice(k * batchSize, (k + 1) * batchSize);
        byRank.set(rank, batch);
        const unfinished = next?.unfinished ?? [];
        const lastBeforeChange = next !== undefined && round === next.round - 1;
        if (!(lastBeforeChange && unfinished.includes(rank))) for (const index of batch) seen.add(index);
      });
      rounds.set(round, byRank);
    }
    if (next !== undefined) round = next.round;
    pool = permutation.filter((index) => !seen.has(index));
  }
  return { rounds, end: round };
}

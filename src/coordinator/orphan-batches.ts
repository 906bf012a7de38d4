/** A batch of one rank's shard: batch `round` (epoch × batches per shard + position) of rank `shard`. */
export interface ShardBatch {
  readonly shard: number;
  readonly round: number;
}

/**
 * Async mode under `on_worker_failure: shrink`: the batches a lost rank had left in the epoch it had begun, handed
 * to the survivors one at a time per lost shard, in order. One at a time because the shard's batch position (the
 * run state's, which a checkpoint saves) then says exactly which of its batches were decided: a batch is handed out
 * again only if the survivor computing it is lost too.
 *
 * @example
 * const orphans = new OrphanBatches(); orphans.add(1, 13, 16); orphans.take(0, [0, 13]); // { shard: 1, round: 13 }
 */
export class OrphanBatches {
  /** lost shard → the round its epoch in progress ends at */
  private readonly ends = new Map<number, number>();
  /** lost shard → the rank computing its next batch */
  private readonly takers = new Map<number, number>();

  /** `shard` was lost with its batches `from` … `end − 1` unseen (nothing when from = end). */
  add(shard: number, from: number, end: number): void {
    if (end > from) this.ends.set(shard, end);
  }

  /**
   * The lost shard's batch `rank` computes next, given every shard's batch position (the next batch not decided),
   * or null: every lost shard is either done or being computed by another survivor.
   */
  take(rank: number, positions: readonly number[]): ShardBatch | null {
    for (const [shard, end] of this.ends) {
      if (positions[shard]! >= end) {
        this.ends.delete(shard);
        continue;
      }
      if (this.takers.has(shard)) continue;
      this.takers.set(shard, rank);
      return { shard, round: positions[shard]! };
    }
    return null;
  }

  /** The survivor computing `shard`'s next batch, if one is. */
  takerOf(shard: number): number | undefined {
    return this.takers.get(shard);
  }

  /** `rank`'s gradient of `shard`'s batch was decided (or `rank` was lost): the shard's next batch is free again. */
  release(rank: number): void {
    for (const [shard, taker] of this.takers) if (taker === rank) this.takers.delete(shard);
  }
}

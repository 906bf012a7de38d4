import { TrainingError } from '../errors.js';
import { type MessageOf, REFUSALS } from '../protocol/index.js';
import type { Refusal } from './group.js';
import { rankOrderAdd, rankOrderMean } from './rank-order-mean.js';

/** What a completed round produced. */
export interface Reduction {
  /** false when any averaged element is NaN or ±Infinity (or any loss is) */
  readonly finite: boolean;
  /** mean of the workers' mean losses */
  readonly loss: number;
  /** examples in the global batch */
  readonly samples: number;
  /** each rank's compute time, in rank order */
  readonly computeMs: readonly number[];
}

export interface SyncRoundOptions {
  /** the global step the gradients are for */
  readonly step: number;
  /** the batch index they were computed on (a skipped step consumes a batch, so it can run ahead of `step`) */
  readonly round: number;
  readonly worldSize: number;
  /** the ranks that take part (default: all of 0 … worldSize − 1); a lost rank may be excluded later */
  readonly members?: readonly number[];
  /** floats in every gradient: the model's parameter count */
  readonly size: number;
  /** examples each rank's batch holds in this round, when the coordinator knows it (it refuses another count) */
  readonly samples?: number;
  /**
   * where the members' gradients are summed as they arrive, in rank order: once ranks 0 … k − 1 are in, rank k's
   * is added at once, so `reduce` only sums the ranks after the last contiguous arrival (absent, or fewer than
   * SUM_AHEAD_MIN_MEMBERS members: all of them at `reduce`). It must not be in use by anything else until `reduce`; it may be `reduce`'s `into`.
   */
  readonly accumulator?: Float32Array;
}

/**
 * Rounds of fewer members sum nothing ahead: their one-pass mean (rank-order-mean.ts) reads each gradient once, and
 * summing ahead adds passes over memory (measured at 1e6 floats, 4 ranks: 9.7 → 5.3 ms after the last arrival, but
 * 9.7 → 12.9 ms of CPU in all, which on shared cores the workers pay). From five on the mean goes rank by rank
 * anyway, so summing ahead costs no more in all (20.0 against 19.7 ms) and leaves a third of it after the last arrival.
 */
export const SUM_AHEAD_MIN_MEMBERS = 5;

/** What a rank's gradient says besides its values (which the round lets go of at `reduce`). */
interface Taken {
  readonly loss: number;
  readonly samples: number;
  readonly computeMs: number;
}

/**
 * One synchronous all-reduce round: exactly one gradient per rank for global step `step` and batch `round`,
 * averaged in rank order so the result does not depend on arrival order. A wrong gradient is refused without
 * touching the round's state. With an accumulator the rank-order sum runs as the gradients come in (the same bits).
 * No gradient array is read or kept after `reduce`: a receive buffer may be reused then.
 *
 * @example
 * const round = new SyncRound({ step: 3, round: 3, worldSize: 2, size: 10 }); round.offer(0, gradient); round.complete;
 */
export class SyncRound {
  readonly step: number;
  readonly round: number;
  readonly worldSize: number;
  readonly size: number;
  /** resolves once every rank's gradient is in */
  readonly completed: Promise<void>;
  /** the option's: where the running sum is kept, and where SyncMode reduces into */
  readonly accumulator: Float32Array | undefined;
  private readonly samples: number | undefined;
  private readonly taken: (Taken | undefined)[];
  private readonly grads: (Float32Array | undefined)[];
  /** the float32 sum of the first `summedCount` members in rank order: rank 0's own gradient, or `accumulator` */
  private summed: Float32Array | undefined;
  private summedCount = 0;
  /** the last rank in `summed` (−1: none) */
  private lastSummed = -1;
  private reduced = false;
  /** ranks in the order their gradients arrived (the last one is the straggler) */
  private arrivals: number[] = [];
  /** whether each rank takes part in this round */
  private readonly taking: boolean[];
  /** how many take part: checked at every gradient, so kept rather than counted */
  private memberCount: number;
  private resolve!: () => void;

  constructor(options: SyncRoundOptions) {
    this.step = options.step;
    this.round = options.round;
    this.worldSize = options.worldSize;
    this.size = options.size;
    this.samples = options.samples;
    this.accumulator = options.accumulator;
    this.taken = new Array(options.worldSize).fill(undefined);
    this.grads = new Array(options.worldSize).fill(undefined);
    this.taking = new Array(options.worldSize).fill(options.members === undefined);
    for (const rank of options.members ?? []) this.taking[rank] = true;
    this.memberCount = this.taking.filter(Boolean).length;
    this.completed = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** True once every member's gradient is in (never for a round left without members). */
  get complete(): boolean {
    return this.memberCount > 0 && this.arrivals.length === this.memberCount;
  }

  /** The ranks that take part, in rank order. */
  members(): number[] {
    return this.taking.flatMap((taking, rank) => (taking ? [rank] : []));
  }

  /** Members whose gradient is still missing, in rank order. */
  missing(): number[] {
    return this.members().filter((rank) => this.taken[rank] === undefined);
  }

  /**
   * `rank` was lost: the gradient it sent for this round, if any, is taken out (the round is never half-applied:
   * a rank that rejoins computes it again), and with `exclude` the round no longer waits for it (`shrink`: the
   * average is over the others).
   */
  withdraw(rank: number, exclude: boolean): void {
    this.taken[rank] = undefined;
    this.grads[rank] = undefined;
    // The running sum holds the rank's gradient, or (excluded) stands for a member order that is gone: start over.
    if (rank <= this.lastSummed) this.restartSum();
    this.arrivals = this.arrivals.filter((r) => r !== rank);
    if (exclude && this.taking[rank]) {
      this.taking[rank] = false;
      this.memberCount -= 1;
    }
    if (this.complete) this.resolve();
  }

  /** Ranks in arrival order. */
  arrivalOrder(): readonly number[] {
    return this.arrivals;
  }

  /** Accepts the gradient `rank`'s connection sent, or says why not (nothing changes then). */
  offer(rank: number, gradient: MessageOf<'gradient'>): Refusal | null {
    const refusal = this.check(rank, gradient);
    if (refusal !== null) return refusal;
    this.taken[rank] = { loss: gradient.loss, samples: gradient.samples, computeMs: gradient.computeMs };
    this.grads[rank] = gradient.grad;
    this.arrivals.push(rank);
    if (this.complete) this.resolve();
    else this.sumAhead();
    return null;
  }

  /**
   * Averages the members' gradients into `into` (float32, summed in rank order, then divided by their count), and
   * lets go of them.
   */
  reduce(into: Float32Array): Reduction {
    const members = this.members();
    const n = members.length;
    const rest = members.slice(this.summedCount).map((rank) => this.grads[rank]);
    if (this.reduced || rest.includes(undefined)) {
      throw new TrainingError(
        'ERR_TRAINING_INTERNAL',
        `step ${this.step} (batch ${this.round}) was reduced ${this.reduced ? 'already' : `before ranks ${this.missing().join(', ')} sent their gradients`}: reduce a round once, when it is complete`,
      );
    }
    const terms = this.summed === undefined ? rest : [this.summed, ...rest];
    const finite = rankOrderMean(terms as Float32Array[], into, n);
    this.reduced = true;
    this.grads.fill(undefined);
    this.restartSum();
    const taken = members.map((rank) => this.taken[rank]!);
    let loss = 0;
    let samples = 0;
    for (const gradient of taken) {
      loss += gradient.loss;
      samples += gradient.samples;
    }
    return {
      finite: finite && Number.isFinite(loss),
      loss: loss / n,
      samples,
      computeMs: taken.map((g) => g.computeMs),
    };
  }

  /**
   * Extends the running sum over the members whose gradients are in, in rank order, while others are still awaited;
   * the last arrival's is left to `reduce`, which adds it in the same pass as the division.
   */
  private sumAhead(): void {
    const accumulator = this.accumulator;
    if (accumulator === undefined || this.memberCount < SUM_AHEAD_MIN_MEMBERS) return;
    const members = this.members();
    while (this.summedCount < members.length) {
      const rank = members[this.summedCount]!;
      const grad = this.grads[rank];
      if (grad === undefined) return;
      if (this.summed === undefined) {
        this.summed = grad;
      } else {
        rankOrderAdd(this.summed, grad, accumulator);
        this.summed = accumulator;
      }
      this.summedCount += 1;
      this.lastSummed = rank;
    }
  }

  private restartSum(): void {
    this.summed = undefined;
    this.summedCount = 0;
    this.lastSummed = -1;
  }

  private check(rank: number, gradient: MessageOf<'gradient'>): Refusal | null {
    if (gradient.rank !== rank) {
      return {
        code: REFUSALS.wrongRank,
        message: `gradient names rank ${gradient.rank} but this connection is rank ${rank}`,
      };
    }
    if (!this.taking[rank]) {
      return {
        code: REFUSALS.unexpected,
        message: `rank ${rank} does not take part in step ${this.step}: it was lost and the run went on without it`,
      };
    }
    if (gradient.step !== this.step || gradient.round !== this.round) {
      return {
        code: REFUSALS.wrongStep,
        message: `gradient for step ${gradient.step} (batch ${gradient.round}) from rank ${rank}, but the round in progress is step ${this.step} (batch ${this.round})`,
      };
    }
    if (this.taken[rank] !== undefined) {
      return {
        code: REFUSALS.duplicate,
        message: `rank ${rank} already sent its gradient for step ${this.step}`,
      };
    }
    if (gradient.grad.length !== this.size) {
      return {
        code: REFUSALS.tensorSize,
        message: `gradient from rank ${rank} for step ${this.step} has ${gradient.grad.length} values; the model has ${this.size}`,
      };
    }
    if (this.samples !== undefined && gradient.samples !== this.samples) {
      return {
        code: REFUSALS.samples,
        message: `gradient from rank ${rank} for step ${this.step} says it covers ${gradient.samples} examples, but batch ${this.round} of every rank holds ${this.samples}`,
      };
    }
    return null;
  }
}

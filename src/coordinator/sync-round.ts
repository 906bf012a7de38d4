import { type MessageOf, REFUSALS } from '../protocol/index.js';
import type { Refusal } from './group.js';
import { rankOrderMean } from './rank-order-mean.js';

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
}

/**
 * One synchronous all-reduce round: exactly one gradient per rank for global step `step` and batch `round`,
 * averaged in rank order so the result does not depend on arrival order. A wrong gradient is refused without
 * touching the round's state.
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
  private readonly samples: number | undefined;
  private readonly gradients: (MessageOf<'gradient'> | undefined)[];
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
    this.gradients = new Array(options.worldSize).fill(undefined);
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
    return this.members().filter((rank) => this.gradients[rank] === undefined);
  }

  /**
   * `rank` was lost: the gradient it sent for this round, if any, is taken out (the round is never half-applied:
   * a rank that rejoins computes it again), and with `exclude` the round no longer waits for it (`shrink`: the
   * average is over the others).
   */
  withdraw(rank: number, exclude: boolean): void {
    this.gradients[rank] = undefined;
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
    this.gradients[rank] = gradient;
    this.arrivals.push(rank);
    if (this.complete) this.resolve();
    return null;
  }

  /** Averages the members' gradients into `into` (float32, summed in rank order, then divided by their count). */
  reduce(into: Float32Array): Reduction {
    const gradients = this.members().map((rank) => this.gradients[rank]!);
    const n = gradients.length;
    const finite = rankOrderMean(
      gradients.map((g) => g.grad),
      into,
    );
    let loss = 0;
    let samples = 0;
    for (const gradient of gradients) {
      loss += gradient.loss;
      samples += gradient.samples;
    }
    return {
      finite: finite && Number.isFinite(loss),
      loss: loss / n,
      samples,
      computeMs: gradients.map((g) => g.computeMs),
    };
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
    if (this.gradients[rank] !== undefined) {
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

import { type MessageOf, REFUSALS, type RefusalCode } from '../protocol/index.js';

/** Why a gradient was refused: the code of the `error` reply and its message. */
export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

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

/**
 * One synchronous all-reduce round: exactly one gradient per rank for global step `step`, averaged in rank
 * order so the result does not depend on arrival order. A wrong gradient is refused without touching the
 * round's state.
 *
 * @example
 * const round = new SyncRound({ step: 3, worldSize: 2, size: 10 }); round.offer(0, gradient); round.complete;
 */
export class SyncRound {
  readonly step: number;
  readonly worldSize: number;
  readonly size: number;
  private readonly gradients: (MessageOf<'gradient'> | undefined)[];
  private received = 0;

  constructor(options: { step: number; worldSize: number; size: number }) {
    this.step = options.step;
    this.worldSize = options.worldSize;
    this.size = options.size;
    this.gradients = new Array(options.worldSize).fill(undefined);
  }

  /** True once every rank's gradient is in. */
  get complete(): boolean {
    return this.received === this.worldSize;
  }

  /** Ranks whose gradient is still missing. */
  missing(): number[] {
    return this.gradients.flatMap((g, rank) => (g === undefined ? [rank] : []));
  }

  /** Accepts the gradient `rank`'s connection sent, or says why not (nothing changes then). */
  offer(rank: number, gradient: MessageOf<'gradient'>): Refusal | null {
    if (gradient.rank !== rank) {
      return {
        code: REFUSALS.wrongRank,
        message: `gradient names rank ${gradient.rank} but this connection is rank ${rank}`,
      };
    }
    if (gradient.step !== this.step) {
      return {
        code: REFUSALS.wrongStep,
        message: `gradient for step ${gradient.step} from rank ${rank}, but the round in progress is step ${this.step}`,
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
    this.gradients[rank] = gradient;
    this.received += 1;
    return null;
  }

  /** Averages the gradients into `into` (float32, summed in rank order, then divided by the world size). */
  reduce(into: Float32Array): Reduction {
    const gradients = this.gradients as MessageOf<'gradient'>[];
    into.set(gradients[0]!.grad);
    for (let rank = 1; rank < gradients.length; rank++) {
      const grad = gradients[rank]!.grad;
      for (let i = 0; i < into.length; i++) into[i]! += grad[i]!;
    }
    const n = this.worldSize;
    let finite = true;
    for (let i = 0; i < into.length; i++) {
      const value = into[i]! / n;
      into[i] = value;
      if (value - value !== 0) finite = false;
    }
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
}

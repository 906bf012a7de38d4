import type { ScheduleClock } from '../lr/index.js';
import type { Optimizer } from '../optim/index.js';

/**
 * Everything a run is at a global step, in one object: the coordinator's parameters and optimizer state, the
 * schedule clock (the scheduler and its partial-epoch loss sums), the global step, the batches consumed and
 * each rank's batch position, the seed the shuffles derive from, and room for what later modes add. A mode
 * advances it; a checkpoint will save exactly this.
 *
 * @example
 * const state = new RunState({ params, optimizer, clock, seed: 1, worldSize: 2 }); state.completeStep(0.42, 128);
 */
export class RunState {
  /** the coordinator's own copy of the parameters, updated in place */
  readonly params: Float32Array;
  readonly optimizer: Optimizer;
  readonly clock: ScheduleClock;
  /** shuffles are pure functions of (seed, epoch): the only randomness a run has after the initial parameters */
  readonly seed: number;
  /** global steps completed */
  step = 0;
  /** batches consumed: completed and skipped steps */
  round = 0;
  /** each rank's next batch index (equal in sync mode; a parameter server lets them differ) */
  readonly positions: number[];
  skippedSteps = 0;
  /** examples in all completed steps */
  samples = 0;
  /** the mean loss of the last completed step */
  lastLoss: number | null = null;
  /** state later modes and features keep here under their own key (async policy, early stopping) */
  readonly extensions: Record<string, unknown> = {};

  constructor(options: {
    params: Float32Array;
    optimizer: Optimizer;
    clock: ScheduleClock;
    seed: number;
    worldSize: number;
  }) {
    this.params = options.params;
    this.optimizer = options.optimizer;
    this.clock = options.clock;
    this.seed = options.seed;
    this.positions = new Array(options.worldSize).fill(0);
  }

  /** The LR of the step in progress. */
  get lr(): number {
    return this.clock.lr;
  }

  /** One batch consumed by every rank without an update (a skipped step). */
  skipRound(): void {
    this.round += 1;
    this.skippedSteps += 1;
    this.positions.fill(this.round);
  }

  /** The step in progress is done: the batch consumed, the schedule advanced with its mean loss. */
  completeStep(loss: number, samples: number): void {
    this.step += 1;
    this.round += 1;
    this.positions.fill(this.round);
    this.samples += samples;
    this.lastLoss = loss;
    this.clock.completeStep(loss);
  }
}

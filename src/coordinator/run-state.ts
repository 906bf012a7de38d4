import { TrainingError } from '../errors.js';
import {
  decodeNumber,
  type EncodedNumber,
  encodeNumber,
  type LrGranularity,
  ScheduleClock,
  type ScheduleClockState,
  type Scheduler,
} from '../lr/index.js';
import type { Optimizer, OptimizerState } from '../optim/index.js';
import {
  DataPlan,
  type EpochHistory,
  fixedWorldHistory,
  ranksUpTo,
  stepsPerEpoch,
} from '../sharding/index.js';

/**
 * Bumped whenever the serialised form changes; a run state of another version is refused. Version 1 (without
 * `data`: its world never changed) is still read.
 */
export const RUN_STATE_VERSION = 2;

/**
 * The JSON half of a serialised run state. Tensors travel beside it as raw float32 (`SerializedRunState.tensors`),
 * so a checkpoint writes them as they are and a restart sends them in one message (parameters + optimizer state).
 */
export interface RunStateJson {
  readonly version: typeof RUN_STATE_VERSION | 1;
  readonly step: number;
  readonly round: number;
  readonly positions: readonly number[];
  readonly seed: number;
  readonly skippedSteps: number;
  readonly samples: number;
  readonly lastLoss: EncodedNumber | null;
  /** the schedule clock with the scheduler's full state (also what Paddle's state_dict leaves out) */
  readonly schedule: ScheduleClockState;
  /** the optimizer and the names of its accumulators, in `tensors.optimizer` */
  readonly optimizer: { readonly name: string; readonly accumulators: readonly string[] };
  /** what later modes and features keep (JSON-safe values only) */
  readonly extensions: Readonly<Record<string, unknown>>;
  /**
   * the data plan's history: the epoch in progress and the worlds it had, so that a resized run resumes with the
   * same batches; null for a state kept without a data plan (absent in version 1)
   */
  readonly data?: EpochHistory | null;
}

/** A run state as data: JSON plus the tensors. */
export interface SerializedRunState {
  readonly json: RunStateJson;
  readonly tensors: { readonly params: Float32Array; readonly optimizer: OptimizerState };
}

/** What a restore rebuilds around: objects built afresh from the run's own config. */
export interface RunStateParts {
  /** an optimizer of the run's config over the model's layout */
  readonly optimizer: Optimizer;
  /** a fresh scheduler of the run's `lr` config */
  readonly scheduler: Scheduler;
  readonly granularity: LrGranularity;
  readonly stepsPerEpoch: number;
  readonly worldSize: number;
  /**
   * the sharding constants: given, the state gets a data plan from the saved history (one derived from the step
   * count for version 1), and a world of another size than the saved one takes over at the saved round (sync)
   */
  readonly data?: { readonly datasetSize: number; readonly batchSize: number };
}

/**
 * Everything a run is at a global step, in one object: the coordinator's parameters and optimizer state, the
 * schedule clock (the scheduler's full state and its partial-epoch loss sums), the global step, the batches
 * consumed and each rank's batch position, the seed the shuffles derive from, and room for what later modes add.
 * A mode advances it; `serialize()` is what a checkpoint saves and `RunState.restore` continues bit-identically.
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
  /** batches consumed: completed and skipped steps (async: every decided gradient, applied or dropped) */
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
  /** sync: which examples every rank trains on in each round, and where epochs end; null: epochs by step count */
  readonly data: DataPlan | null;
  /** what `serialize()` asks for each extension whose owner keeps it elsewhere, as it is at that moment */
  private readonly extensionSources = new Map<string, () => unknown>();

  constructor(options: {
    params: Float32Array;
    optimizer: Optimizer;
    clock: ScheduleClock;
    seed: number;
    worldSize: number;
    data?: DataPlan;
  }) {
    this.params = options.params;
    this.optimizer = options.optimizer;
    this.clock = options.clock;
    this.seed = options.seed;
    this.positions = new Array(options.worldSize).fill(0);
    this.data = options.data ?? null;
  }

  /** The LR of the step in progress. */
  get lr(): number {
    return this.clock.lr;
  }

  /** One batch consumed by every rank without an update (a skipped step). */
  skipRound(): void {
    if (this.data?.endsEpoch(this.round)) this.clock.endEpochWithoutStep();
    this.round += 1;
    this.skippedSteps += 1;
    this.positions.fill(this.round);
    this.data?.advanceTo(this.round);
  }

  /** The step in progress is done: the batch consumed, the schedule advanced with its mean loss. */
  completeStep(loss: number, samples: number): void {
    const endsEpoch = this.data?.endsEpoch(this.round);
    this.step += 1;
    this.round += 1;
    this.positions.fill(this.round);
    this.samples += samples;
    this.lastLoss = loss;
    this.clock.completeStep(loss, endsEpoch);
    this.data?.advanceTo(this.round);
  }

  /**
   * Async mode: the gradient of the next batch of `shard`'s shard (the pushing rank's own, or a lost rank's it
   * took over) was applied as the global step in progress, with mean loss `loss` over `samples` examples; the step
   * and the schedule advance, and so does that shard's batch position.
   */
  applyPush(shard: number, loss: number, samples: number): void {
    this.step += 1;
    this.round += 1;
    this.positions[shard]! += 1;
    this.samples += samples;
    this.lastLoss = loss;
    this.clock.completeStep(loss);
  }

  /** Async mode: a gradient of `shard`'s next batch was dropped; the batch is used up, the step and the schedule stay. */
  dropPush(shard: number): void {
    this.round += 1;
    this.skippedSteps += 1;
    this.positions[shard]! += 1;
  }

  /**
   * Has `serialize()` save `source()` as `extensions[key]`: for a mode that keeps its counts in its own fields,
   * so that saving costs nothing until a checkpoint is taken. `source` returns JSON-safe values.
   *
   * @example
   * state.extend('async', () => ({ version: 1, arrivals: this.arrivals }));
   */
  extend(key: string, source: () => unknown): void {
    this.extensionSources.set(key, source);
  }

  /** The state as data: copies, so the run may go on while it is written. */
  serialize(): SerializedRunState {
    const accumulators = this.optimizer.stateDict();
    const sourced = Object.fromEntries([...this.extensionSources].map(([key, source]) => [key, source()]));
    return {
      json: {
        version: RUN_STATE_VERSION,
        step: this.step,
        round: this.round,
        positions: [...this.positions],
        seed: this.seed,
        skippedSteps: this.skippedSteps,
        samples: this.samples,
        lastLoss: this.lastLoss === null ? null : encodeNumber(this.lastLoss),
        schedule: this.clock.state(),
        optimizer: { name: this.optimizer.name, accumulators: Object.keys(accumulators) },
        extensions: structuredClone({ ...this.extensions, ...sourced }),
        data: this.data?.history ?? null,
      },
      tensors: { params: Float32Array.from(this.params), optimizer: accumulators },
    };
  }

  /**
   * Rebuilds a serialised run state around fresh parts built from the same run config; it then continues exactly
   * as the saved run would have. Refuses (TrainingError ERR_TRAINING_STATE, naming what does not fit) a state of
   * another version, optimizer or world size, or one whose fields are damaged.
   */
  static restore(saved: SerializedRunState, parts: RunStateParts): RunState {
    const { json, tensors } = saved;
    const refuse = (what: string): never => {
      throw new TrainingError('ERR_TRAINING_STATE', `the saved run state cannot be restored: ${what}`);
    };
    if (json?.version !== RUN_STATE_VERSION && json?.version !== 1) {
      refuse(`it is version ${String(json?.version)}, this dptrain reads versions 1 to ${RUN_STATE_VERSION}`);
    }
    for (const key of ['step', 'round', 'seed', 'skippedSteps', 'samples'] as const) {
      if (!Number.isSafeInteger(json[key]) || (key !== 'seed' && json[key] < 0)) {
        refuse(`${key} must be an integer${key === 'seed' ? '' : ' >= 0'}, found ${String(json[key])}`);
      }
    }
    if (json.round < json.step || json.skippedSteps !== json.round - json.step) {
      refuse(`round ${json.round}, step ${json.step} and skippedSteps ${json.skippedSteps} do not add up`);
    }
    if (!Array.isArray(json.positions) || !json.positions.every((p) => Number.isSafeInteger(p) && p >= 0)) {
      refuse('a rank position is not a batch index');
    }
    // Sync ranks are all at the round: another world takes over there. Async positions are each rank's own.
    const resized = json.positions.length !== parts.worldSize;
    if (resized && (parts.data === undefined || !json.positions.every((p) => p === json.round))) {
      refuse(`it has ${json.positions.length} rank positions, the run has ${parts.worldSize} workers`);
    }
    if (json.optimizer?.name !== parts.optimizer.name) {
      refuse(
        `it was saved with the ${String(json.optimizer?.name)} optimizer, the run uses ${parts.optimizer.name}`,
      );
    }
    if (!(tensors?.params instanceof Float32Array) || tensors.params.length !== parts.optimizer.size) {
      refuse(`its parameters are not ${parts.optimizer.size} float32 values`);
    }
    const lastLoss =
      json.lastLoss === null ? null : (decodeNumber(json.lastLoss) ?? refuse('lastLoss is not a number'));
    const data =
      parts.data === undefined ? undefined : restoreData(json, parts.data, parts.worldSize, refuse);
    parts.optimizer.setStateDict(tensors.optimizer);
    // The data plan tells the clock where epochs end, so after a resize its own epoch length is the saved one's.
    const clockEpoch = resized ? json.schedule?.stepsPerEpoch : parts.stepsPerEpoch;
    const clock = ScheduleClock.restore(
      parts.scheduler,
      { granularity: parts.granularity, stepsPerEpoch: clockEpoch },
      json.schedule,
    );
    const state = new RunState({
      params: Float32Array.from(tensors.params),
      optimizer: parts.optimizer,
      clock,
      seed: json.seed,
      worldSize: parts.worldSize,
      ...(data === undefined ? {} : { data }),
    });
    state.step = json.step;
    state.round = json.round;
    if (resized) state.positions.fill(json.round);
    else state.positions.splice(0, state.positions.length, ...json.positions);
    state.skippedSteps = json.skippedSteps;
    state.samples = json.samples;
    state.lastLoss = lastLoss;
    Object.assign(state.extensions, structuredClone(json.extensions ?? {}));
    return state;
  }
}

/**
 * The data plan of a saved state: its history (version 1 had none: its world of `positions.length` ranks never
 * changed, so the epoch follows from the round), with `workers` ranks taking over at the saved round when the saved
 * world is another.
 */
function restoreData(
  json: RunStateJson,
  constants: { readonly datasetSize: number; readonly batchSize: number },
  workers: number,
  refuse: (what: string) => never,
): DataPlan {
  const saved = json.positions.length;
  const history =
    json.data ??
    fixedWorldHistory(saved, json.round, stepsPerEpoch(constants.datasetSize, saved, constants.batchSize));
  let data: DataPlan;
  try {
    data = new DataPlan({ ...constants, seed: json.seed, history });
    data.advanceTo(json.round);
  } catch (error) {
    return refuse(`its data plan does not fit: ${error instanceof Error ? error.message : String(error)}`);
  }
  const members = ranksUpTo(workers);
  if (JSON.stringify(data.members(json.round)) !== JSON.stringify(members)) data.resize(json.round, members);
  return data;
}

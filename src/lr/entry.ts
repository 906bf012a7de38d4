import type { Scheduler } from './scheduler.js';

/** Arguments of one scheduler config after callables were compiled: snake_case keys, as users write them. */
export type SchedulerArgs = Readonly<Record<string, unknown>>;

/** What a registry entry may ask of the config builder while it creates a scheduler. */
export interface BuildContext {
  /**
   * Builds the nested scheduler config at `key` (e.g. `learning_rate`, or `schedulers.1`), so errors name
   * the whole key path. `inherited` fills arguments the child omits (PyTorch children inherit the
   * optimizer's `learning_rate`); keys in `inherited` that the child's class does not list are passed to
   * its `create` without being checked as user keys (e.g. a shared optimizer state).
   */
  build(config: unknown, key: string, inherited?: SchedulerArgs): Scheduler;
}

/**
 * One scheduler class as configs see it: its argument names (Paddle's or PyTorch's, snake_case) and a
 * factory. Argument values are passed as given; the scheduler's constructor checks them.
 */
export interface SchedulerEntry {
  /** Every argument the class accepts, in constructor order. */
  readonly args: readonly string[];
  /** Arguments that are callables; a config gives them as expression strings over `x` (alias `epoch`). */
  readonly callables?: readonly string[];
  /** Arguments whose values are strings (`mode`, `anneal_strategy`, …); every other string value is an expression. */
  readonly strings?: readonly string[];
  /**
   * Arguments whose Python default is `None`: a config may write `null` for them, which means the default (the
   * argument left out), as `None` does in Python.
   */
  readonly nones?: readonly string[];
  /** Argument names accepted as aliases: alias → argument (e.g. `scheduler` → `learning_rate`). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly create: (args: SchedulerArgs, context: BuildContext) => Scheduler;
}

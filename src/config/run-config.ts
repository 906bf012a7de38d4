/**
 * The run config of `dptrain launch` and `dptrain coordinator`: one YAML file, overridden by flags, over
 * built-in defaults; checked before anything starts, then resolved once the training set size is known.
 * Every key, its default, meaning and rule live in one table (keys.ts); this file reads it.
 */
import { Document } from 'yaml';
import { describe } from '../describe.js';
import { DIALECT_NAMES } from '../dialects/index.js';
import { ConfigError, SchedulerError } from '../errors.js';
import { isMapping } from '../key-path.js';
import { parseOptimizerConfig } from '../optim/index.js';
import { mustBe } from '../rules/index.js';
import { stepsPerEpoch as shardStepsPerEpoch } from '../sharding/index.js';
import { closestKey } from './closest.js';
import { dialectLr, dialectRunFile } from './dialect-file.js';
import { evalIntervalSteps } from './eval-every.js';
import {
  defaultIn,
  EPOCH_LR_DEFAULTS,
  isSection,
  type Key,
  type Row,
  type RunConfig,
  TABLE,
} from './keys.js';
import { linkOf, simulatedLinks } from './links.js';
import { checkScheduleCoversRun, checkScheduleShape, PLACEHOLDER_LR_VARIABLES } from './schedule-check.js';
import { type ScheduleMisfit, scheduleMisfits } from './schedule-fit.js';
import type { PlacedRefusal } from './section.js';

/** What the run becomes once the training set size is known: evaluated once when the run starts. */
export interface ResolvedRun {
  /**
   * Global steps in one epoch. Sync: `batchesPerRankEpoch` (every step takes one batch from each rank). Async:
   * `workers × batchesPerRankEpoch` (every step is one worker's batch), so that a sync and an async run of the same
   * `epochs` go through the same batches.
   */
  readonly stepsPerEpoch: number;
  /**
   * Batches in one rank's shard per epoch, `ceil(ceil(size / workers) / (accumulate_steps × batch_size))`, in both
   * modes: a round takes `accumulate_steps` micro-batches from each rank.
   */
  readonly batchesPerRankEpoch: number;
  readonly totalSteps: number;
  /** `totalSteps / stepsPerEpoch`: fractional when a run given in steps ends mid-epoch. */
  readonly epochs: number;
  /** Training examples the run uses: the data set's size, cut to `data_limit` when that is smaller. */
  readonly datasetSize: number;
  /** The variables `lr` expressions are evaluated over: `steps_per_epoch`, `total_steps`, `epochs`. */
  readonly lrVariables: Readonly<Record<string, number>>;
  /** The schedule the run follows: `lr`, or `lr_dialect` translated for this run (see {@link runSchedule}). */
  readonly lr: Readonly<Record<string, unknown>>;
  /**
   * How the schedule does not fit the run, short of a refusal: warnings to show before the run starts (and
   * refusals under `--strict-schedule`, see {@link refuseScheduleMisfits}).
   */
  readonly scheduleWarnings: readonly ScheduleMisfit[];
  /** `eval_every` in global steps; null: evaluate only at the end */
  readonly evalEverySteps: number | null;
}

const KEYS: readonly Key[] = TABLE.map((entry) => entry.key);
const ROWS: ReadonlyMap<string, Row> = new Map(TABLE.map((entry) => [entry.key, entry]));
const EPOCHS_DEFAULT = ROWS.get('epochs')!.default as number;

/**
 * Checks a run config and fills in the defaults. `file` is the parsed YAML (undefined or null without a file);
 * `overrides` come from flags (see `parseOverrideFlags`): nested by key path, snake_case, applied over the
 * file. A mapping in the file replaces the default `lr` / `optimizer` as a whole; an override applies inside
 * the mapping in effect, except that a `name` other than the one in effect starts a fresh mapping (another
 * class takes other arguments). A null override clears an optional key (`--epochs null`). `lr` is built once
 * with placeholder run variables, so a bad key is refused before the data set size is known. Every refusal is
 * a ConfigError whose `path` is the key path (SchedulerErrors from building `lr` name it in their message).
 *
 * @example
 * parseRunConfig({ workers: 4 }, { batch_size: 32 }).batchSize; // 32
 */
export function parseRunConfig(file: unknown, overrides: Readonly<Record<string, unknown>> = {}): RunConfig {
  const written = file ?? {};
  if (!isMapping(written)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      '',
      `a run config must be a mapping of keys (${KEYS.join(', ')}), received ${describe(file)}`,
    );
  }
  // A PaddleOCR or PaddleDetection file is read as its dialect; dptrain's own files keep refusing unknown keys.
  const fromFile = dialectRunFile(written, overrides, KEYS)?.file ?? withAliases(written);
  checkKeys(fromFile, 'file');
  checkKeys(overrides, 'flags');
  const parsed: Record<string, unknown> = {};
  // `mode` comes before every row with a mode's own default, so the mode is known when that row is read.
  const mode = () => (parsed.mode as 'sync' | 'async' | undefined) ?? 'sync';
  const fallback = (entry: Row): unknown =>
    entry.key === 'lr' && granularity === 'epoch' ? EPOCH_LR_DEFAULTS[mode()] : defaultIn(entry, mode());
  const given = (entry: Row): unknown => {
    const base = Object.hasOwn(fromFile, entry.key) ? fromFile[entry.key] : undefined;
    return Object.hasOwn(overrides, entry.key)
      ? overlay(base ?? fallback(entry), overrides[entry.key])
      : base;
  };
  // The default `lr` depends on `lr_granularity`, which the table lists after it: read that one first.
  const granularityRow = ROWS.get('lr_granularity')!;
  const givenGranularity = given(granularityRow);
  const granularity =
    givenGranularity === undefined
      ? granularityRow.default
      : valueAt(granularityRow, givenGranularity, overrides.lr_granularity);
  for (const entry of TABLE) {
    const raw = given(entry);
    parsed[entry.field] = raw === undefined ? fallback(entry) : valueAt(entry, raw, overrides[entry.key]);
  }
  const config = parsed as unknown as RunConfig;
  checkAcrossKeys(config, (key) => given(ROWS.get(key)!) !== undefined, overrides);
  parseOptimizerConfig(config.optimizer, 'optimizer');
  if (config.lrDialect === null) checkScheduleShape(config.lr);
  else checkDialectSchedule(config, (key) => given(ROWS.get(key)!) !== undefined, overrides);
  // A run given in steps has no epochs; one given in neither (epochs: null) runs the default epochs.
  const epochs = config.steps === null ? (config.epochs ?? EPOCHS_DEFAULT) : null;
  return Object.freeze({ ...config, epochs });
}

/**
 * The one warning line a PaddleOCR or PaddleDetection run config file gets (what was read, what was ignored), or
 * null for dptrain's own files. Refusals are parseRunConfig's.
 *
 * @example
 * dialectFileNote(ocrFile); // 'PaddleOCR file: read Optimizer (Adam, lr Cosine), Global.epoch_num as epochs (500); ignored …'
 */
export function dialectFileNote(
  file: unknown,
  overrides: Readonly<Record<string, unknown>> = {},
): string | null {
  return dialectRunFile(file, overrides, KEYS)?.note ?? null;
}

/**
 * A value checked with its key's rule; a refusal is a ConfigError ERR_CONFIG_BAD_VALUE at the key, or, inside a
 * section, at the key path of the sub-value at fault (`async.dc_lambda`, `simulate.slow.2`); a sub-key the section
 * does not have is ERR_CONFIG_UNKNOWN_KEY with the closest one, spelled as a flag when `override` gave it.
 */
function valueAt(entry: Row, value: unknown, override: unknown): unknown {
  const checked: { ok: true; value: unknown } | PlacedRefusal = entry.rule.check(value);
  if (checked.ok) return checked.value;
  if (checked.at === undefined) {
    // A value from the command line is named as the flag the user typed, as unknown keys are.
    const origin = override === undefined || isMapping(override) ? '' : ` (given as --${kebab(entry.key)})`;
    const message = `${mustBe(checked.allowed, value, checked.hint)}${origin}`;
    throw new ConfigError('ERR_CONFIG_BAD_VALUE', entry.key, message);
  }
  const path = [entry.key, ...checked.at].join('.');
  if (checked.unknown === true) {
    // The mapping the key is unknown in: the section itself, or one inside it (`simulate.links.1`).
    const within = [entry.key, ...checked.at.slice(0, -1)];
    const sub = checked.at.at(-1) ?? '';
    const given = checked.at
      .slice(0, -1)
      .reduce<unknown>((at, key) => (isMapping(at) ? at[key] : undefined), override);
    const fromFlags = isMapping(given) && Object.hasOwn(given, sub);
    const spelled = (name: string) => (fromFlags ? `--${kebab([...within, name].join('.'))}` : name);
    const origin = fromFlags ? ` (given as ${spelled(sub)})` : '';
    const hint = checked.closest === undefined ? '' : ` Did you mean ${spelled(checked.closest)}?`;
    const known = (
      checked.keys ?? (isSection(entry.rule) ? entry.rule.parts.map((item) => item.key) : [])
    ).join(', ');
    const name = within.join('.');
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_KEY',
      path,
      `is not a key of ${name}${origin}.${hint} Keys of ${name}: ${known}`,
    );
  }
  throw new ConfigError('ERR_CONFIG_BAD_VALUE', path, mustBe(checked.allowed, checked.value, checked.hint));
}

/**
 * The combinations the table's rules cannot see: steps with epochs, a heartbeat timeout within its interval, a
 * key of one mode given with another (`async:` in sync mode), a simulated slow rank the run does not have.
 */
function checkAcrossKeys(
  config: RunConfig,
  isGiven: (key: Key) => boolean,
  overrides: Readonly<Record<string, unknown>>,
): void {
  const { steps, epochs, heartbeatInterval, heartbeatTimeout } = config;
  // A section is given by flags of its sub-keys: --async.max-staleness and the like.
  const flag = (key: Key): string => `--${kebab(key)}${isSection(ROWS.get(key)!.rule) ? '.…' : ''}`;
  const source = (key: Key): string =>
    Object.hasOwn(overrides, key) ? `${flag(key)} on the command line` : 'the config file';
  for (const entry of TABLE) {
    const only = entry.onlyInMode;
    if (only === undefined || config.mode === only || !isGiven(entry.key)) continue;
    const mode = isGiven('mode')
      ? `mode: ${config.mode} from ${source('mode')}`
      : `mode: ${config.mode} by default`;
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      entry.key,
      `keys apply to mode: ${only} only (${entry.key}: from ${source(entry.key)}, ${mode}); ` +
        `set mode: ${only} or remove ${entry.key}:`,
    );
  }
  for (const key of ['slow', 'links'] as const) {
    const beyond = Object.keys(config.simulate[key])
      .map(Number)
      .sort((a, b) => a - b)
      .find((rank) => rank >= config.workers);
    if (beyond === undefined) continue;
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      `simulate.${key}.${beyond}`,
      `names rank ${beyond}, but the run has ${config.workers} worker${config.workers === 1 ? '' : 's'} ` +
        `(ranks 0 to ${config.workers - 1}); give a rank below workers or remove it`,
    );
  }
  // A release earlier than the arrival would need negative latency: jitter stays within the latency.
  for (let rank = 0; rank < config.workers; rank++) {
    const link = linkOf(config.simulate, rank);
    if (link.jitterMs <= link.latencyMs) continue;
    const own = config.simulate.links[String(rank)];
    const at = own?.jitter_ms !== undefined ? `simulate.links.${rank}.jitter_ms` : 'simulate.jitter_ms';
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      at,
      `must be at most the latency of rank ${rank}'s link (${link.latencyMs} ms), received ${link.jitterMs}; ` +
        'a chunk cannot leave before it arrived: raise latency_ms or lower jitter_ms',
    );
  }
  // The link relays forward TCP: workers behind them cannot use the coordinator's Unix socket.
  if ((config.transport === 'unix' || config.transport === 'shm') && simulatedLinks(config) !== null) {
    const why =
      config.transport === 'unix'
        ? 'their relays speak TCP'
        : 'their relays must carry every byte, and lanes would take the tensors past them';
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'transport',
      `${config.transport} (from ${source('transport')}) cannot carry simulated links (simulate latency_ms, jitter_ms, bandwidth_mbps or links from ${source('simulate')}): ` +
        `${why}; set transport: tcp or auto, or remove the link settings`,
    );
  }
  // The parameter server has no round to evaluate between, nor one gradient per rank and round to accumulate.
  for (const [key, given] of [
    ['eval_every', config.evalEvery !== null],
    ['accumulate_steps', config.accumulateSteps !== 1],
  ] as const) {
    if (config.mode !== 'async' || !given) continue;
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      key,
      `applies to mode: sync only for now (${key} from ${source(key)}, mode: async); remove ${key} or use mode: sync`,
    );
  }
  if (config.earlyStopping.metric !== null && config.evalEvery === null) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'early_stopping.metric',
      `needs evaluations during training (early_stopping.metric: ${config.earlyStopping.metric} from ` +
        `${source('early_stopping')}, eval_every: null); set eval_every (e.g. eval_every: 1 for every epoch)`,
    );
  }
  if (config.mode === 'async' && config.lrWorldScaling !== 'none') {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'lr_world_scaling',
      `applies to mode: sync only (lr_world_scaling: ${config.lrWorldScaling} from ${source('lr_world_scaling')}); ` +
        'an async step is one worker’s gradient: use async.lr_scale, or remove lr_world_scaling',
    );
  }
  if (steps !== null && epochs !== null && isGiven('epochs')) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'steps',
      `cannot be given together with epochs (steps: ${steps} from ${source('steps')}, epochs: ${epochs} ` +
        `from ${source('epochs')}); give one of them (on the command line, --epochs null clears the file's epochs)`,
    );
  }
  if (heartbeatTimeout <= heartbeatInterval) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'heartbeat_timeout',
      `must be more than heartbeat_interval (${heartbeatInterval} s), received ${heartbeatTimeout}; ` +
        'a peer must be able to miss a heartbeat before it counts as lost',
    );
  }
}

/**
 * A schedule in a dialect: not together with dptrain's own `lr` (one of them would be dropped), stepped per global
 * step (the dialects' schedulers count iterations), and translated with placeholder run numbers so that a bad key
 * or class is refused before the data set size is known; a value the real numbers may make fine is let through.
 */
function checkDialectSchedule(
  config: RunConfig,
  isGiven: (key: Key) => boolean,
  overrides: Readonly<Record<string, unknown>>,
): void {
  const dialect = config.lrDialect!;
  const from = (key: Key) =>
    Object.hasOwn(overrides, key) ? `--${kebab(key)} on the command line` : 'the config file';
  if (isGiven('lr')) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'lr',
      `cannot be mixed with lr_dialect (lr: from ${from('lr')}, the ${DIALECT_NAMES[dialect.dialect]} schedule from ${from('lr_dialect')}): ` +
        "give dptrain's own lr or the dialect's schedule, not both",
    );
  }
  if (config.lrGranularity !== 'step') {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'lr_granularity',
      `must be step with lr_dialect, received ${JSON.stringify(config.lrGranularity)}: the ${dialect.dialect} ` +
        'schedulers count iterations, not epochs; remove lr_granularity',
    );
  }
  const placeholder = dialectLr(dialect, {
    stepsPerEpoch: PLACEHOLDER_LR_VARIABLES.steps_per_epoch!,
    epochs: config.epochs ?? PLACEHOLDER_LR_VARIABLES.epochs!,
  });
  try {
    checkScheduleShape(placeholder);
  } catch (error) {
    if (!(error instanceof SchedulerError)) throw error;
  }
}

/**
 * The `lr` config a run follows over `variables` (its `steps_per_epoch` and `epochs`): `lr` as written, or the
 * `lr_dialect` schedule translated into dptrain's own terms for those numbers.
 *
 * @example
 * runSchedule(parseRunConfig(ocrFile), { steps_per_epoch: 2, total_steps: 1000, epochs: 500 }); // { name: 'LinearWarmup', … }
 */
export function runSchedule(
  config: Pick<RunConfig, 'lr' | 'lrDialect'>,
  variables: Readonly<Record<string, number>>,
): Readonly<Record<string, unknown>> {
  if (config.lrDialect === null) return config.lr;
  return dialectLr(config.lrDialect, {
    stepsPerEpoch: variables.steps_per_epoch!,
    epochs: variables.epochs!,
  });
}

/**
 * Paddle's spelling of a key, read as dptrain's: `lr_scheduler:` (the Paddle scheduler guide's blocks) is `lr:`.
 * Both at once is refused: one of them would be silently dropped.
 */
function withAliases(file: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!Object.hasOwn(file, 'lr_scheduler')) return file;
  if (Object.hasOwn(file, 'lr')) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'lr_scheduler',
      'is another name for lr:, and both are given; keep one of them',
    );
  }
  const { lr_scheduler: lr, ...rest } = file;
  return { ...rest, lr };
}

/** An override applied over the value in effect: mappings key by key, anything else replaces. */
function overlay(base: unknown, override: unknown): unknown {
  if (!isMapping(override) || !isMapping(base)) return override;
  if (Object.hasOwn(override, 'name') && override.name !== base.name) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, item] of Object.entries(override)) merged[key] = overlay(base[key], item);
  return merged;
}

function checkKeys(object: Readonly<Record<string, unknown>>, source: 'file' | 'flags'): void {
  for (const key of Object.keys(object)) {
    if (ROWS.has(key)) continue;
    const spelled = (name: string) => (source === 'flags' ? `--${kebab(name)}` : name);
    const close = closestKey(key, KEYS);
    const hint = close === undefined ? '' : ` Did you mean ${spelled(close)}?`;
    const origin = source === 'flags' ? ` (given as ${spelled(key)})` : '';
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_KEY',
      key,
      `is not a run config key${origin}.${hint} Known keys: ${KEYS.join(', ')}`,
    );
  }
}

/**
 * Whether a writer of the config as a file writes `key`: with a dialect's schedule in `lr_dialect`, `lr` (the
 * unused default) stays out, and without one `lr_dialect` does, so that the file reads back without a conflict.
 *
 * @example
 * isWritten(parseRunConfig(undefined), 'lr_dialect'); // false
 */
export function isWritten(config: Pick<RunConfig, 'lrDialect'>, key: Key): boolean {
  if (key === 'lr') return config.lrDialect === null;
  if (key === 'lr_dialect') return config.lrDialect !== null;
  return true;
}

function kebab(key: string): string {
  return key.replaceAll('_', '-');
}

/**
 * The run config as YAML, snake_case keys in table order: the `config.yaml` of a run directory, which
 * `parseRunConfig` loads again to an equal config. Keys of another mode are left out (`async:` in a sync run).
 * With `resolved`, the numbers the run resolved to are a header comment.
 *
 * @example
 * runConfigToYaml(config, resolveRun(config, 60000)); // "# dptrain run config…\ntask: mnist-mlp\nworkers: 2\n…"
 */
export function runConfigToYaml(config: RunConfig, resolved?: ResolvedRun): string {
  // Resolved, a dialect's schedule is written as the lr it became, so the file reads back as the run it was.
  const translated = resolved !== undefined && config.lrDialect !== null;
  const schedule = translated ? { lrDialect: null } : config;
  // A key of another mode stays out: parseRunConfig refuses it given (async: in a sync run).
  const written = TABLE.filter(
    (entry) =>
      (entry.onlyInMode === undefined || entry.onlyInMode === config.mode) && isWritten(schedule, entry.key),
  );
  const value = (entry: Row) => (translated && entry.key === 'lr' ? resolved.lr : config[entry.field]);
  const document = new Document(Object.fromEntries(written.map((entry) => [entry.key, value(entry)])));
  const header = [' dptrain run config: the file, the flags and the defaults combined.'];
  if (resolved !== undefined) {
    header.push(
      ' Resolved when the run started:',
      `   dataset_size: ${resolved.datasetSize}`,
      `   batches_per_rank_epoch: ${resolved.batchesPerRankEpoch}`,
      `   steps_per_epoch: ${resolved.stepsPerEpoch}`,
      `   total_steps: ${resolved.totalSteps}`,
      `   epochs: ${resolved.epochs}`,
      ...(resolved.evalEverySteps === null ? [] : [`   eval_every_steps: ${resolved.evalEverySteps}`]),
    );
    if (translated) {
      header.push(
        ` lr: the ${DIALECT_NAMES[config.lrDialect!.dialect]} schedule (lr_dialect) translated for ${resolved.lrVariables.steps_per_epoch} steps per epoch over ${Math.ceil(resolved.lrVariables.epochs!)} epochs`,
      );
    }
  }
  document.commentBefore = header.join('\n');
  return document.toString({ lineWidth: 0 });
}

/**
 * Resolves a run once the training set size is known: the batches of one rank per epoch
 * (`ceil(ceil(size / workers) / batch_size)`), the global steps per epoch (that figure in sync mode, `workers ×` it
 * in async mode, where one global step is one worker's batch), total steps and the `lr` variables, which follow
 * the steps per epoch of the mode; then dry-runs the schedule over the whole run and refuses one that cannot cover
 * it (ConfigError ERR_CONFIG_CONFLICT, path `lr`). `data_limit` is applied here, so passing the full or the
 * already-limited size gives the same result.
 *
 * @example
 * resolveRun(parseRunConfig(undefined), 60000); // { stepsPerEpoch: 469, batchesPerRankEpoch: 469, totalSteps: 1407, … }
 * resolveRun(parseRunConfig({ mode: 'async', workers: 3 }), 60000).stepsPerEpoch; // 3 × 313 = 939
 */
export function resolveRun(config: RunConfig, datasetSize: number): ResolvedRun {
  const size = config.dataLimit === null ? datasetSize : Math.min(datasetSize, config.dataLimit);
  // A round's batch is every micro-batch a rank accumulates: the data plan hands out that many examples.
  const batchesPerRankEpoch = shardStepsPerEpoch(
    size,
    config.workers,
    config.batchSize * config.accumulateSteps,
  );
  // An epoch is every rank's shard either way: sync takes one batch per rank per step, async one batch per step.
  const stepsPerEpoch = config.mode === 'async' ? config.workers * batchesPerRankEpoch : batchesPerRankEpoch;
  // parseRunConfig sets exactly one of steps and epochs.
  const totalSteps = config.steps ?? config.epochs! * stepsPerEpoch;
  const epochs = totalSteps / stepsPerEpoch;
  const lrVariables = Object.freeze({ steps_per_epoch: stepsPerEpoch, total_steps: totalSteps, epochs });
  const lr = runSchedule(config, lrVariables);
  const shape = { granularity: config.lrGranularity, stepsPerEpoch, totalSteps, variables: lrVariables };
  const dryRun = checkScheduleCoversRun(lr, shape);
  const misfits = scheduleMisfits(lr, { ...shape, ...dryRun });
  refuseScheduleMisfits(misfits.filter((misfit) => misfit.severity === 'refusal'));
  return Object.freeze({
    stepsPerEpoch,
    batchesPerRankEpoch,
    totalSteps,
    epochs,
    datasetSize: size,
    lrVariables,
    lr,
    scheduleWarnings: Object.freeze(misfits.filter((misfit) => misfit.severity === 'warning')),
    evalEverySteps: config.evalEvery === null ? null : evalIntervalSteps(config.evalEvery, stepsPerEpoch),
  });
}

/**
 * Refuses a run over the first of `misfits` (ConfigError ERR_CONFIG_SCHEDULE_MISFIT at its key); `strict` names
 * `--strict-schedule` as what turned a warning into the refusal. Does nothing when there are none.
 *
 * @example
 * refuseScheduleMisfits(resolveRun(config, 60000).scheduleWarnings, { strict: true }); // throws at lr.warmup_steps
 */
export function refuseScheduleMisfits(
  misfits: readonly ScheduleMisfit[],
  options: { readonly strict?: boolean } = {},
): void {
  const [first] = misfits;
  if (first === undefined) return;
  const more =
    misfits.length > 1
      ? ` (and ${misfits.length - 1} more: ${misfits
          .slice(1)
          .map((m) => m.key)
          .join(', ')})`
      : '';
  const strict =
    options.strict === true
      ? '; refused under --strict-schedule, which makes every schedule warning a refusal'
      : '';
  throw new ConfigError('ERR_CONFIG_SCHEDULE_MISFIT', first.key, `${first.message}${strict}${more}`);
}

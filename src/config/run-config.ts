/**
 * The run config of `dptrain launch` and `dptrain coordinator`: one YAML file, overridden by flags, over
 * built-in defaults; checked before anything starts, then resolved once the training set size is known.
 * Every key, its default, meaning and rule live in one table (keys.ts); this file reads it.
 */
import { Document } from 'yaml';
import { describe } from '../describe.js';
import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';
import { parseOptimizerConfig } from '../optim/index.js';
import { mustBe } from '../rules/index.js';
import { stepsPerEpoch as shardStepsPerEpoch } from '../sharding/index.js';
import { type Key, type Row, type RunConfig, TABLE } from './keys.js';
import { checkScheduleCoversRun, checkScheduleShape } from './schedule-check.js';

/** What the run becomes once the training set size is known: evaluated once when the run starts. */
export interface ResolvedRun {
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** `totalSteps / stepsPerEpoch`: fractional when a run given in steps ends mid-epoch. */
  readonly epochs: number;
  /** Training examples the run uses: the data set's size, cut to `data_limit` when that is smaller. */
  readonly datasetSize: number;
  /** The variables `lr` expressions are evaluated over: `steps_per_epoch`, `total_steps`, `epochs`. */
  readonly lrVariables: Readonly<Record<string, number>>;
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
  const fromFile = file ?? {};
  if (!isMapping(fromFile)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      '',
      `a run config must be a mapping of keys (${KEYS.join(', ')}), received ${describe(file)}`,
    );
  }
  checkKeys(fromFile, 'file');
  checkKeys(overrides, 'flags');
  const given = (entry: Row): unknown => {
    const base = Object.hasOwn(fromFile, entry.key) ? fromFile[entry.key] : undefined;
    return Object.hasOwn(overrides, entry.key) ? overlay(base ?? entry.default, overrides[entry.key]) : base;
  };
  const parsed: Record<string, unknown> = {};
  for (const entry of TABLE) {
    const raw = given(entry);
    parsed[entry.field] = raw === undefined ? entry.default : valueAt(entry, raw);
  }
  const config = parsed as unknown as RunConfig;
  checkAcrossKeys(config, (key) => given(ROWS.get(key)!) !== undefined, overrides);
  parseOptimizerConfig(config.optimizer, 'optimizer');
  checkScheduleShape(config.lr);
  // A run given in steps has no epochs; one given in neither (epochs: null) runs the default epochs.
  const epochs = config.steps === null ? (config.epochs ?? EPOCHS_DEFAULT) : null;
  return Object.freeze({ ...config, epochs });
}

/** A value checked with its key's rule; a refusal is a ConfigError ERR_CONFIG_BAD_VALUE at the key. */
function valueAt(entry: Row, value: unknown): unknown {
  const checked = entry.rule.check(value);
  if (checked.ok) return checked.value;
  throw new ConfigError('ERR_CONFIG_BAD_VALUE', entry.key, mustBe(checked.allowed, value, checked.hint));
}

/** The combinations the table's rules cannot see: steps with epochs, a heartbeat timeout within its interval. */
function checkAcrossKeys(
  config: RunConfig,
  isGiven: (key: Key) => boolean,
  overrides: Readonly<Record<string, unknown>>,
): void {
  const { steps, epochs, heartbeatInterval, heartbeatTimeout } = config;
  if (steps !== null && epochs !== null && isGiven('epochs')) {
    const source = (key: Key): string =>
      Object.hasOwn(overrides, key) ? `--${kebab(key)} on the command line` : 'the config file';
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
    const close = closestKey(key);
    const hint = close === undefined ? '' : ` Did you mean ${spelled(close)}?`;
    const origin = source === 'flags' ? ` (given as ${spelled(key)})` : '';
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_KEY',
      key,
      `is not a run config key${origin}.${hint} Known keys: ${KEYS.join(', ')}`,
    );
  }
}

/** The key a typo most likely meant: the same letters ignoring case and separators, else within a few edits. */
function closestKey(key: string): Key | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const target = squash(key);
  let best: Key | undefined;
  let bestDistance = Math.max(1, Math.floor(target.length / 3)) + 1;
  for (const known of KEYS) {
    const distance = editDistance(target, squash(known));
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function kebab(key: string): string {
  return key.replaceAll('_', '-');
}

/**
 * The run config as YAML, snake_case keys in table order: the `config.yaml` of a run directory, which
 * `parseRunConfig` loads again. With `resolved`, the numbers the run resolved to are a header comment.
 *
 * @example
 * runConfigToYaml(config, resolveRun(config, 60000)); // "# dptrain run config…\ntask: mnist-mlp\nworkers: 2\n…"
 */
export function runConfigToYaml(config: RunConfig, resolved?: ResolvedRun): string {
  const document = new Document(Object.fromEntries(TABLE.map((entry) => [entry.key, config[entry.field]])));
  const header = [' dptrain run config: the file, the flags and the defaults combined.'];
  if (resolved !== undefined) {
    header.push(
      ' Resolved when the run started:',
      `   dataset_size: ${resolved.datasetSize}`,
      `   steps_per_epoch: ${resolved.stepsPerEpoch}`,
      `   total_steps: ${resolved.totalSteps}`,
      `   epochs: ${resolved.epochs}`,
    );
  }
  document.commentBefore = header.join('\n');
  return document.toString({ lineWidth: 0 });
}

/**
 * Resolves a run once the training set size is known: steps per epoch (every rank runs
 * `ceil(ceil(size / workers) / batch_size)` batches), total steps and the `lr` variables; then dry-runs the
 * schedule over the whole run and refuses one that cannot cover it (ConfigError ERR_CONFIG_CONFLICT, path
 * `lr`). `data_limit` is applied here, so passing the full or the already-limited size gives the same result.
 *
 * @example
 * resolveRun(parseRunConfig(undefined), 60000); // { stepsPerEpoch: 469, totalSteps: 1407, epochs: 3, … }
 */
export function resolveRun(config: RunConfig, datasetSize: number): ResolvedRun {
  const size = config.dataLimit === null ? datasetSize : Math.min(datasetSize, config.dataLimit);
  const stepsPerEpoch = shardStepsPerEpoch(size, config.workers, config.batchSize);
  // parseRunConfig sets exactly one of steps and epochs.
  const totalSteps = config.steps ?? config.epochs! * stepsPerEpoch;
  const epochs = totalSteps / stepsPerEpoch;
  const lrVariables = Object.freeze({ steps_per_epoch: stepsPerEpoch, total_steps: totalSteps, epochs });
  checkScheduleCoversRun(config.lr, {
    granularity: config.lrGranularity,
    stepsPerEpoch,
    totalSteps,
    variables: lrVariables,
  });
  return Object.freeze({ stepsPerEpoch, totalSteps, epochs, datasetSize: size, lrVariables });
}

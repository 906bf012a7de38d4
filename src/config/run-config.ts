/**
 * The run config of `dptrain launch` and `dptrain coordinator`: one YAML file, overridden by flags, over
 * built-in defaults; checked before anything starts, then resolved once the training set size is known.
 * Every key, its default and its meaning live in {@link RUN_CONFIG_KEYS}, the one source for the README table
 * and for the messages of refused configs.
 */
import { Document, parseDocument } from 'yaml';
import { describe } from '../describe.js';
import { ConfigError, UsageError } from '../errors.js';
import { parseOptimizerConfig } from '../optim/index.js';
import { stepsPerEpoch as shardStepsPerEpoch } from '../sharding/index.js';
import {
  boolean,
  deepFreeze,
  integer,
  isMapping,
  mapping,
  nullable,
  oneOf,
  type Rule,
  seconds,
  text,
} from './rules.js';
import { checkScheduleCoversRun, checkScheduleShape } from './schedule-check.js';

/** A checked run config with every default filled in (deeply frozen). */
export interface RunConfig {
  readonly task: string;
  readonly workers: number;
  readonly mode: 'sync';
  /** Epochs to train; null when the run is given in `steps`. */
  readonly epochs: number | null;
  /** Global steps to train; null when the run is given in `epochs`. */
  readonly steps: number | null;
  readonly batchSize: number;
  readonly seed: number;
  /** The `optimizer:` mapping as written (checked with `parseOptimizerConfig`). */
  readonly optimizer: Readonly<Record<string, unknown>>;
  /** The `lr:` mapping as written: expressions over the run variables stay strings until `resolveRun`. */
  readonly lr: Readonly<Record<string, unknown>>;
  readonly lrGranularity: 'step' | 'epoch';
  readonly onNonfinite: 'skip' | 'abort';
  readonly out: string;
  readonly dataLimit: number | null;
  readonly evalLimit: number | null;
  readonly backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  readonly host: string;
  readonly port: number;
  readonly joinTimeout: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly roundTimeout: number;
  readonly logFormat: 'text' | 'json';
  readonly progress: boolean;
}

/** One documented run-config key: its snake_case name, default (null: none), meaning and allowed values. */
export interface RunConfigKey {
  readonly key: string;
  readonly default: unknown;
  readonly meaning: string;
  readonly allowed: string;
}

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

interface KeySpec<T> {
  readonly default: T;
  readonly meaning: string;
  readonly rule: Rule<T>;
}

function spec<T>(defaultValue: T, meaning: string, rule: Rule<T>): KeySpec<T> {
  return { default: deepFreeze(defaultValue), meaning, rule };
}

const modeRule: Rule<'sync'> = {
  allowed: 'sync',
  parse: (value, path) => {
    if (value === 'async') {
      throw new ConfigError('ERR_CONFIG_BAD_VALUE', path, 'async mode is not available yet; use mode: sync');
    }
    return oneOf('sync').parse(value, path);
  },
};

const count = integer(1);
const optionalCount = nullable(count);

const SPECS = {
  task: spec(
    'mnist-mlp',
    'a built-in task name (mnist-mlp, synthetic) or the path of a task module, resolved from the current directory',
    text('a built-in task name or the path of a task module'),
  ),
  workers: spec(2, 'worker processes', integer(1, 64)),
  mode: spec<'sync'>('sync', 'sync all-reduce (async, the parameter server, is not available yet)', modeRule),
  epochs: spec<number | null>(3, 'epochs to train; not together with steps', optionalCount),
  steps: spec<number | null>(null, 'global steps to train instead of epochs', optionalCount),
  batch_size: spec(64, 'examples per worker per step', count),
  seed: spec(1, 'seed of initialisation and shuffling', integer(0)),
  optimizer: spec<Readonly<Record<string, unknown>>>(
    { name: 'Momentum', momentum: 0.9 },
    'Paddle optimizer config; a mapping in the file replaces this default as a whole',
    mapping('an optimizer config with a name: SGD, Momentum, Adam or AdamW'),
  ),
  lr: spec<Readonly<Record<string, unknown>>>(
    {
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'max(1, total_steps - 100)' },
      warmup_steps: 100,
      start_lr: 0.0,
      end_lr: 0.1,
    },
    'scheduler config; numeric arguments may be expressions over steps_per_epoch, total_steps, epochs; ' +
      'a mapping in the file replaces this default as a whole',
    mapping('a scheduler config with a name, e.g. StepDecay'),
  ),
  lr_granularity: spec<'step' | 'epoch'>(
    'step',
    'step the scheduler after every global step, or after every epoch',
    oneOf('step', 'epoch'),
  ),
  on_nonfinite: spec<'skip' | 'abort'>(
    'skip',
    'what a non-finite gradient does: skip the step, or abort the run',
    oneOf('skip', 'abort'),
  ),
  out: spec('runs', 'parent folder of run directories', text('a folder')),
  data_limit: spec<number | null>(
    null,
    'keep only the first N training examples (quick runs)',
    optionalCount,
  ),
  eval_limit: spec<number | null>(null, 'evaluate on the first N test examples only', optionalCount),
  backend: spec<'auto' | 'tensorflow' | 'wasm' | 'cpu'>(
    'auto',
    'TensorFlow.js backend of the workers',
    oneOf('auto', 'tensorflow', 'wasm', 'cpu'),
  ),
  host: spec('127.0.0.1', 'coordinator address', text('a host name or IP address')),
  port: spec(0, 'coordinator port (0 = any free port)', integer(0, 65535)),
  join_timeout: spec(60, 'seconds to wait for all workers to join', seconds),
  heartbeat_interval: spec(2, 'seconds between heartbeats', seconds),
  heartbeat_timeout: spec(
    30,
    'seconds without any message before a peer counts as lost (more than heartbeat_interval)',
    seconds,
  ),
  round_timeout: spec(
    600,
    'seconds a synchronous round may wait for the gradients of every rank before the run fails, naming the ranks it waits for',
    seconds,
  ),
  log_format: spec<'text' | 'json'>('text', 'text (readable) or json (JSON lines)', oneOf('text', 'json')),
  progress: spec(true, "show the launcher's progress bar", boolean),
};

type Key = keyof typeof SPECS;
type ValueOf<K extends Key> = (typeof SPECS)[K]['default'];
const KEYS = Object.keys(SPECS) as Key[];

/**
 * Every run-config key with its default, meaning and allowed values, in the order of the README table.
 *
 * @example
 * RUN_CONFIG_KEYS.find((k) => k.key === 'workers')?.default; // 2
 */
export const RUN_CONFIG_KEYS: readonly RunConfigKey[] = Object.freeze(
  KEYS.map((key) =>
    Object.freeze({
      key,
      default: SPECS[key].default,
      meaning: SPECS[key].meaning,
      allowed: SPECS[key].rule.allowed,
    }),
  ),
);

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
  const given = (key: Key): unknown => {
    const base = Object.hasOwn(fromFile, key) ? fromFile[key] : undefined;
    return Object.hasOwn(overrides, key) ? overlay(base ?? SPECS[key].default, overrides[key]) : base;
  };
  const value = <K extends Key>(key: K): ValueOf<K> => {
    const raw = given(key);
    return (raw === undefined ? SPECS[key].default : SPECS[key].rule.parse(raw, key)) as ValueOf<K>;
  };
  const source = (key: Key): string =>
    Object.hasOwn(overrides, key) ? `--${kebab(key)} on the command line` : 'the config file';

  const steps = value('steps');
  const epochs = given('epochs') === null ? null : value('epochs');
  if (steps !== null && epochs !== null && given('epochs') !== undefined) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'steps',
      `cannot be given together with epochs (steps: ${steps} from ${source('steps')}, epochs: ${epochs} ` +
        `from ${source('epochs')}); give one of them (on the command line, --epochs null clears the file's epochs)`,
    );
  }
  const optimizer = value('optimizer');
  parseOptimizerConfig(optimizer, 'optimizer');
  const lr = value('lr');
  checkScheduleShape(lr);
  const heartbeatInterval = value('heartbeat_interval');
  const heartbeatTimeout = value('heartbeat_timeout');
  if (heartbeatTimeout <= heartbeatInterval) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'heartbeat_timeout',
      `must be more than heartbeat_interval (${heartbeatInterval} s), received ${heartbeatTimeout}; ` +
        'a peer must be able to miss a heartbeat before it counts as lost',
    );
  }
  return Object.freeze({
    task: value('task'),
    workers: value('workers'),
    mode: value('mode'),
    epochs: steps === null ? (epochs ?? SPECS.epochs.default) : null,
    steps,
    batchSize: value('batch_size'),
    seed: value('seed'),
    optimizer,
    lr,
    lrGranularity: value('lr_granularity'),
    onNonfinite: value('on_nonfinite'),
    out: value('out'),
    dataLimit: value('data_limit'),
    evalLimit: value('eval_limit'),
    backend: value('backend'),
    host: value('host'),
    port: value('port'),
    joinTimeout: value('join_timeout'),
    heartbeatInterval,
    heartbeatTimeout,
    roundTimeout: value('round_timeout'),
    logFormat: value('log_format'),
    progress: value('progress'),
  });
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
    if (Object.hasOwn(SPECS, key)) continue;
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
  const values: Record<Key, unknown> = {
    task: config.task,
    workers: config.workers,
    mode: config.mode,
    epochs: config.epochs,
    steps: config.steps,
    batch_size: config.batchSize,
    seed: config.seed,
    optimizer: config.optimizer,
    lr: config.lr,
    lr_granularity: config.lrGranularity,
    on_nonfinite: config.onNonfinite,
    out: config.out,
    data_limit: config.dataLimit,
    eval_limit: config.evalLimit,
    backend: config.backend,
    host: config.host,
    port: config.port,
    join_timeout: config.joinTimeout,
    heartbeat_interval: config.heartbeatInterval,
    heartbeat_timeout: config.heartbeatTimeout,
    round_timeout: config.roundTimeout,
    log_format: config.logFormat,
    progress: config.progress,
  };
  const document = new Document(values);
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

const BOOLEAN_KEYS: ReadonlySet<string> = new Set(
  KEYS.filter((key) => typeof SPECS[key].default === 'boolean'),
);

/**
 * Splits command-line arguments into run-config overrides and positionals. `--batch-size 32` gives
 * `{ batch_size: 32 }`, `--lr.warmup-steps 50` gives `{ lr: { warmup_steps: 50 } }`, and `--key=value` works
 * too. Values are YAML scalars (numbers, true/false, null, strings) or flow lists (`[1, 2]`); anything else
 * stays text. `--no-progress` gives `progress: false`; a boolean key alone (`--progress`) gives true. After
 * `--` everything is positional. Throws UsageError for a flag without a value, a malformed key path, a key
 * given twice or a short option.
 *
 * @example
 * parseOverrideFlags(['run.yaml', '--batch-size', '32']); // { overrides: { batch_size: 32 }, positionals: ['run.yaml'] }
 */
export function parseOverrideFlags(argv: readonly string[]): {
  overrides: Record<string, unknown>;
  positionals: string[];
} {
  const overrides: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token !== '-' && !isNumber(token)) {
        throw new UsageError(`unknown option ${token}: options are long, --key value or --key=value`);
      }
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals < 0 ? token : token.slice(0, equals);
    const path = keyPath(flag);
    let raw = equals < 0 ? undefined : token.slice(equals + 1);
    const next = argv[i + 1];
    if (path.length === 1 && path[0]!.startsWith('no_')) {
      // `--no-progress config.yaml`: a negation takes no value, so what follows is a positional.
      if (raw !== undefined) throw new UsageError(`${flag} takes no value; write ${flag} alone`);
      setOverride(overrides, [path[0]!.slice(3)], false, flag);
      continue;
    }
    if (raw === undefined && path.length === 1 && BOOLEAN_KEYS.has(path[0]!)) {
      raw = next === 'true' || next === 'false' ? next : 'true';
      if (raw === next) i += 1;
    }
    if (raw === undefined) {
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${flag} needs a value: ${flag} <value> or ${flag}=<value>`);
      }
      raw = next;
      i += 1;
    }
    setOverride(overrides, path, parseFlagValue(raw), flag);
  }
  return { overrides, positionals };
}

function isNumber(token: string): boolean {
  return Number.isFinite(Number(token));
}

/** `--lr.warmup-steps` → ['lr', 'warmup_steps']: kebab-case becomes snake_case, case is kept (`T_max`). */
function keyPath(flag: string): string[] {
  const segments = flag
    .slice(2)
    .split('.')
    .map((segment) => segment.replaceAll('-', '_'));
  if (segments.some((segment) => segment === '')) {
    throw new UsageError(
      `${flag} is not a key path: write --key or --key.subkey (e.g. --lr.warmup-steps 50)`,
    );
  }
  return segments;
}

/** A flag's text as a YAML scalar or flow list; anything else (a mapping, a comment, bad YAML) stays text. */
function parseFlagValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return raw;
  const document = parseDocument(raw);
  if (document.errors.length > 0) return raw;
  const value: unknown = document.toJS();
  if (isMapping(value) || (Array.isArray(value) && !trimmed.startsWith('['))) return raw;
  return value;
}

function setOverride(
  overrides: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  flag: string,
): void {
  let target = overrides;
  for (const [depth, segment] of path.entries()) {
    const existing = target[segment];
    const last = depth === path.length - 1;
    if (existing !== undefined && (last || !isMapping(existing))) {
      const earlier = path.slice(0, depth + 1).join('.');
      throw new UsageError(
        `${flag} sets ${earlier} again (or inside a value already given): give each key once`,
      );
    }
    if (last) {
      target[segment] = value;
      return;
    }
    const child = (existing as Record<string, unknown> | undefined) ?? {};
    target[segment] = child;
    target = child;
  }
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

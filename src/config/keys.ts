/**
 * Every run-config key, written once: its name in the file, its field in {@link RunConfig}, its default, its
 * meaning, its rule and whether a resumed run may change it. The RunConfig type, the parser, the YAML writer,
 * the README table and the messages of refused configs all read this table.
 */
import { boolean, integer, nullable, number, oneOf, type Rule } from '../rules/index.js';
import { evalEveryRule } from './eval-every.js';
import { deepFreeze, dialectSchedule, frozenMapping, quotedText } from './key-rules.js';
import { byRank, part, partial, type Section, section } from './section.js';

/** One row of the table. */
export interface KeyRow<K extends string = string, F extends string = string, T = unknown> {
  /** The snake_case key of the YAML file (`--kebab-case` on the command line). */
  readonly key: K;
  /** The camelCase field of RunConfig. */
  readonly field: F;
  /** The value when neither the file nor a flag gives one; null: none. */
  readonly default: T;
  /** The default in `mode: async` where it differs from `default` (the sync one); absent: the same. */
  readonly asyncDefault?: T;
  /** One line, as the README table says it (markdown: `code` in backticks). */
  readonly meaning: string;
  readonly rule: Rule<T>;
  /**
   * Whether a run resumed from a checkpoint may give another value: true for operational keys (addresses,
   * timeouts, logging), false for what defines the trajectory (task, data, schedule, optimizer, seed).
   */
  readonly resume: boolean;
  /**
   * The one mode the key applies to: given (in the file or by a flag) with another mode it is refused, and
   * `config.yaml` leaves it out then.
   */
  readonly onlyInMode?: 'async';
}

function row<const K extends string, const F extends string, T>(entry: {
  key: K;
  field: F;
  default: NoInfer<T>;
  asyncDefault?: NoInfer<T>;
  rule: Rule<T>;
  resume: boolean;
  meaning: string;
  onlyInMode?: 'async';
}): KeyRow<K, F, T> {
  const frozen = { ...entry, default: deepFreeze(entry.default) };
  if (entry.asyncDefault !== undefined) frozen.asyncDefault = deepFreeze(entry.asyncDefault);
  return Object.freeze(frozen);
}

/**
 * A row's default in a mode: `asyncDefault` in async where the row has one, else `default`.
 *
 * @example
 * defaultIn({ default: 1, asyncDefault: 2 }, 'async'); // 2
 */
export function defaultIn(entry: Pick<KeyRow, 'default' | 'asyncDefault'>, mode: string): unknown {
  return mode === 'async' && entry.asyncDefault !== undefined ? entry.asyncDefault : entry.default;
}

/** Whether a row's value is a section of sub-keys (see section.ts). @example isSection(ROWS.get('async').rule); // true */
export function isSection(rule: Rule<unknown>): rule is Section<unknown> {
  return Object.hasOwn(rule, 'parts');
}

const count = integer(1);
const optionalCount = nullable(count);
const seconds = number({ above: 0, unit: 'seconds' });
const optionalBound = nullable(integer(0));

/** `async:`, the parameter server's settings; one line per sub-key. */
const ASYNC = section([
  part({
    key: 'max_staleness',
    default: null,
    rule: optionalBound,
    meaning:
      'a gradient with staleness τ (global steps applied since its worker read the parameters) above this is ' +
      'dropped: not applied, the step and the schedule stay, the worker is told; null: no bound',
  }),
  part({
    key: 'ssp_bound',
    default: null,
    rule: optionalBound,
    meaning:
      'stale synchronous parallel: a worker that has pushed more than this many gradients beyond the slowest ' +
      'live worker gets its reply held until the slowest catches up (its gradient is applied on arrival); null: ' +
      'no bound',
  }),
  part({
    key: 'lr_scale',
    default: 'none',
    rule: oneOf('none', 'inverse'),
    meaning:
      '`none`, or `inverse`: a gradient of staleness τ ≥ 1 is applied with schedule(t) / τ (staleness-aware ASGD)',
  }),
  part({
    key: 'dc_lambda',
    default: 0,
    rule: number({ min: 0 }),
    meaning:
      'delay compensation (DC-ASGD): apply g + λ·g⊙g⊙(θ_now − θ_read); above 0 the server keeps one parameter ' +
      'snapshot per worker',
  }),
]);

/** One worker's link to the coordinator, as `simulate:` gives it for all workers and `simulate.links` per rank. */
const LINK_PARTS = [
  part({
    key: 'latency_ms',
    default: 0,
    rule: number({ min: 0, unit: 'ms' }),
    meaning:
      "one-way latency of each worker's link to the coordinator, per direction, in ms; any link effect puts a " +
      'relay between each worker and the coordinator',
  }),
  part({
    key: 'jitter_ms',
    default: 0,
    rule: number({ min: 0, unit: 'ms' }),
    meaning: 'seeded uniform jitter of ± this many ms on each chunk’s latency (at most `latency_ms`)',
  }),
  part({
    key: 'bandwidth_mbps',
    default: null,
    rule: nullable(number({ above: 0, unit: 'Mbit/s' })),
    meaning: 'bandwidth of the link per direction, Mbit/s (bytes are paced at it); null: unlimited',
  }),
] as const;
const LINK = section(LINK_PARTS);

/** `simulate:`, slow workers and slow links on one machine, in both modes; one line per sub-key. */
const SIMULATE = section([
  part({
    key: 'slow',
    default: {},
    rule: byRank(number({ min: 1 }), 'factors (finite numbers >= 1)'),
    meaning:
      'worker rank → factor: that worker sleeps after computing so that its compute takes `factor` times as long',
  }),
  part({
    key: 'jitter',
    default: 0,
    rule: number({ min: 0, below: 1 }),
    meaning:
      "seeded uniform jitter of ± this fraction of the compute time added to every worker's sleep (`jitter_ms` " +
      'is the link’s)',
  }),
  ...LINK_PARTS,
  part({
    key: 'links',
    default: {},
    rule: byRank(partial(LINK), 'link settings (latency_ms, jitter_ms, bandwidth_mbps)'),
    meaning:
      'worker rank → its own link settings, over the ones above (e.g. `{ 3: { latency_ms: 50 } }`); keys left ' +
      'out keep the values above',
  }),
]);

/** `checkpoint:`, when and where the coordinator saves the run state, and how many files it keeps; one line per sub-key. */
const CHECKPOINT = section([
  part({
    key: 'every_steps',
    default: 0,
    rule: integer(0),
    meaning:
      'save a checkpoint after every this many global steps; 0: only when the run is stopped and at its end',
  }),
  part({
    key: 'dir',
    default: null,
    rule: nullable(quotedText('a folder')),
    meaning:
      'folder of the `step-<n>.ckpt` files (a relative path is resolved from the current directory); null: ' +
      '`<run dir>/checkpoints`',
  }),
  part({
    key: 'keep',
    default: 3,
    rule: count,
    meaning:
      'checkpoint files kept: after each save only the newest this many stay (the one just written always)',
  }),
]);

/** `early_stopping:`, when the run stops because its evaluation stopped improving; one line per sub-key. */
const EARLY_STOPPING = section([
  part({
    key: 'metric',
    default: null,
    rule: nullable(oneOf('eval_loss', 'eval_accuracy')),
    meaning:
      'what must keep improving: `eval_loss` (lower is better) or `eval_accuracy` (higher is better), from the ' +
      'evaluations of `eval_every`; null: no early stopping',
  }),
  part({
    key: 'patience',
    default: 3,
    rule: count,
    meaning:
      'the run stops (exit 0, final checkpoint) after this many evaluations in a row without an improvement on ' +
      'the best one',
  }),
  part({
    key: 'min_delta',
    default: 0,
    rule: number({ min: 0 }),
    meaning: 'an evaluation improves on the best only when it is better by more than this',
  }),
]);

/** The table, in the order of the README and of `config.yaml`. */
export const TABLE = [
  row({
    key: 'task',
    field: 'task',
    default: 'mnist-mlp',
    rule: quotedText('a built-in task name or the path of a task module'),
    resume: false,
    meaning:
      'a built-in task name (`mnist-mlp`, `synthetic`) or the path of a task module, resolved from the current directory',
  }),
  row({
    key: 'workers',
    field: 'workers',
    default: 2,
    rule: integer(1, 64),
    resume: true,
    meaning: 'worker processes (1–64); a resumed sync run may have another number (see Resuming)',
  }),
  row({
    key: 'mode',
    field: 'mode',
    default: 'sync',
    rule: oneOf('sync', 'async'),
    resume: false,
    meaning: '`sync` all-reduce, or `async` parameter server (see Async mode)',
  }),
  row({
    key: 'async',
    field: 'async',
    default: ASYNC.defaults,
    rule: ASYNC,
    resume: false,
    onlyInMode: 'async',
    meaning: 'settings of the parameter server (`mode: async` only), one sub-key each:',
  }),
  row({
    key: 'epochs',
    field: 'epochs',
    default: 3,
    rule: optionalCount,
    resume: true,
    meaning: 'epochs to train; not together with `steps`',
  }),
  row({
    key: 'steps',
    field: 'steps',
    default: null,
    rule: optionalCount,
    resume: true,
    meaning: 'global steps to train instead of epochs',
  }),
  row({
    key: 'batch_size',
    field: 'batchSize',
    default: 64,
    rule: count,
    resume: false,
    meaning:
      'examples per worker per step; with `accumulate_steps: k`, per micro-batch (k of them make a step)',
  }),
  row({
    key: 'accumulate_steps',
    field: 'accumulateSteps',
    default: 1,
    rule: count,
    resume: false,
    meaning:
      'sync: gradient accumulation; each worker averages the gradients of this many micro-batches of ' +
      '`batch_size` into the one gradient of a round (as one batch of `accumulate_steps × batch_size`); the ' +
      'global step and the schedule advance once per round',
  }),
  row({
    key: 'seed',
    field: 'seed',
    default: 1,
    rule: integer(0),
    resume: false,
    meaning: 'seed of initialisation and shuffling',
  }),
  row({
    key: 'optimizer',
    field: 'optimizer',
    default: { name: 'Momentum', momentum: 0.9 },
    // Momentum on top of staleness overshoots (asynchrony acts as momentum itself); an adaptive step does not,
    // which is why parameter servers since Downpour SGD have paired with one. Measured in the README.
    asyncDefault: { name: 'Adam' },
    rule: frozenMapping('an optimizer config with a name: SGD, Momentum, Adam or AdamW'),
    resume: false,
    meaning: 'Paddle optimizer config (below); a mapping in the file replaces this default as a whole',
  }),
  row({
    key: 'lr',
    field: 'lr',
    default: {
      name: 'LinearWarmup',
      learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'max(1, total_steps - 100)' },
      warmup_steps: 100,
      start_lr: 0.0,
      end_lr: 0.1,
    },
    // The same shape with Adam's peak (the async default optimizer).
    asyncDefault: {
      name: 'LinearWarmup',
      learning_rate: {
        name: 'CosineAnnealingDecay',
        learning_rate: 0.003,
        T_max: 'max(1, total_steps - 100)',
      },
      warmup_steps: 100,
      start_lr: 0.0,
      end_lr: 0.003,
    },
    rule: frozenMapping('a scheduler config with a name, e.g. StepDecay'),
    resume: false,
    meaning:
      'scheduler config (see Scheduler configs); numeric arguments may be expressions over `steps_per_epoch`, ' +
      '`total_steps`, `epochs`; a mapping in the file replaces this default as a whole; with ' +
      '`lr_granularity: epoch` the default is `CosineAnnealingDecay` over the epochs, no warmup',
  }),
  row({
    key: 'lr_dialect',
    field: 'lrDialect',
    default: null,
    rule: nullable(dialectSchedule),
    resume: false,
    meaning:
      "a schedule in PaddleOCR's or PaddleDetection's terms, translated into `lr` once the run's steps per epoch " +
      'are known; a whole PaddleOCR or PaddleDetection file sets it (see Bringing a Paddle config); not together ' +
      'with `lr`',
  }),
  row({
    key: 'lr_granularity',
    field: 'lrGranularity',
    default: 'step',
    rule: oneOf('step', 'epoch'),
    resume: false,
    meaning:
      'step the scheduler after every global step, or after every epoch (ReduceOnPlateau then gets the ' +
      "epoch's mean training loss over all workers; with `step`, the step's mean loss)",
  }),
  row({
    key: 'lr_world_scaling',
    field: 'lrWorldScaling',
    default: 'none',
    rule: oneOf('none', 'linear'),
    resume: true,
    meaning:
      'sync: `none`, or `linear`: the LR applied at a step is the schedule’s × workers ÷ `lr_reference_workers` ' +
      '(Goyal et al. 2017), for the world that takes the step',
  }),
  row({
    key: 'lr_reference_workers',
    field: 'lrReferenceWorkers',
    default: null,
    rule: nullable(integer(1, 64)),
    resume: true,
    meaning:
      'the number of workers the schedule’s LRs are meant for (`lr_world_scaling: linear`); null: the first launch’s `workers`',
  }),
  row({
    key: 'on_nonfinite',
    field: 'onNonfinite',
    default: 'skip',
    rule: oneOf('skip', 'abort'),
    resume: true,
    meaning:
      'a non-finite averaged gradient: `skip` the step (no update, the global step and the schedule stay, ' +
      'every worker is told, the batch is consumed, the skip is counted) or `abort` the run',
  }),
  row({
    key: 'on_worker_failure',
    field: 'onWorkerFailure',
    default: 'abort',
    rule: oneOf('abort', 'restart', 'shrink'),
    resume: true,
    meaning:
      'a lost worker (its process died, it hung past `heartbeat_timeout`, it left): `abort` the run (final ' +
      'checkpoint, exit 1 naming the rank and step); `restart` that worker alone and let it rejoin with the ' +
      "coordinator's parameters, optimizer state and step; `shrink`: go on without it",
  }),
  row({
    key: 'worker_max_restarts',
    field: 'workerMaxRestarts',
    default: 3,
    rule: integer(0),
    resume: true,
    meaning: 'with `on_worker_failure: restart`, how often each rank may rejoin; one loss more fails the run',
  }),
  row({
    key: 'min_workers',
    field: 'minWorkers',
    default: 1,
    rule: count,
    resume: true,
    meaning: 'with `on_worker_failure: shrink`, the run fails once fewer workers than this remain',
  }),
  row({
    key: 'out',
    field: 'out',
    default: 'runs',
    rule: quotedText('a folder'),
    resume: true,
    meaning: 'parent folder of run directories',
  }),
  row({
    key: 'checkpoint',
    field: 'checkpoint',
    default: CHECKPOINT.defaults,
    rule: CHECKPOINT,
    resume: true,
    meaning: 'checkpoints of the run state (see Run directory), one sub-key each:',
  }),
  row({
    key: 'data_limit',
    field: 'dataLimit',
    default: null,
    rule: optionalCount,
    resume: false,
    meaning: 'keep only the first N training examples (quick runs)',
  }),
  row({
    key: 'eval_limit',
    field: 'evalLimit',
    default: null,
    rule: optionalCount,
    resume: true,
    meaning: 'evaluate on the first N test examples only',
  }),
  row({
    key: 'eval_every',
    field: 'evalEvery',
    default: null,
    rule: nullable(evalEveryRule),
    resume: true,
    meaning:
      'sync: also evaluate on the test split during training, every N epochs (`2`) or global steps ' +
      '(`"500 steps"`), on the parameters of the step that ends the interval; a line in metrics.jsonl and a ' +
      'point on the loss picture each; null: only at the end',
  }),
  row({
    key: 'early_stopping',
    field: 'earlyStopping',
    default: EARLY_STOPPING.defaults,
    rule: EARLY_STOPPING,
    resume: true,
    meaning: 'stop the run when the evaluation stops improving (needs `eval_every`), one sub-key each:',
  }),
  row({
    key: 'backend',
    field: 'backend',
    default: 'auto',
    rule: oneOf('auto', 'tensorflow', 'wasm', 'cpu'),
    resume: true,
    meaning: 'TensorFlow.js backend of the workers: `auto`, `tensorflow`, `wasm`, `cpu`',
  }),
  row({
    key: 'host',
    field: 'host',
    default: '127.0.0.1',
    rule: quotedText('a host name or IP address'),
    resume: true,
    meaning: 'coordinator address (`0.0.0.0` to accept workers from other machines)',
  }),
  row({
    key: 'port',
    field: 'port',
    default: 0,
    rule: integer(0, 65535),
    resume: true,
    meaning: 'coordinator port (0 = any free port)',
  }),
  row({
    key: 'transport',
    field: 'transport',
    default: 'auto',
    rule: oneOf('auto', 'tcp', 'unix', 'shm'),
    resume: true,
    meaning:
      "how `dptrain launch`'s workers reach the coordinator: `auto` (default: `shm` unless `simulate` links are set, `host` is not loopback or the host has no /dev/shm, then `tcp`), `shm` (control over TCP, a sync run's gradients and updates through tensor lanes, files in /dev/shm: a sync round 1.7–2.4× faster, see docs/performance.md), `tcp`, or `unix` (a Unix domain socket, measured no faster than TCP); the TCP port stays open either way",
  }),
  row({
    key: 'join_timeout',
    field: 'joinTimeout',
    default: 60,
    rule: seconds,
    resume: true,
    meaning: 'seconds to wait for all workers to join',
  }),
  row({
    key: 'auth_timeout',
    field: 'authTimeout',
    default: 5,
    rule: seconds,
    resume: true,
    meaning:
      'seconds a connection may take, from being accepted, to send a valid `join`; then it is closed (1008)',
  }),
  row({
    key: 'heartbeat_interval',
    field: 'heartbeatInterval',
    default: 1,
    rule: seconds,
    resume: true,
    meaning: 'seconds between heartbeats',
  }),
  row({
    key: 'heartbeat_timeout',
    field: 'heartbeatTimeout',
    default: 5,
    rule: seconds,
    resume: true,
    meaning:
      'seconds without any message before a peer counts as lost (more than `heartbeat_interval`); a worker ' +
      'sends its heartbeats from a thread of its own, so a step longer than this is not a loss',
  }),
  row({
    key: 'round_timeout',
    field: 'roundTimeout',
    default: 600,
    rule: seconds,
    resume: true,
    meaning:
      'seconds a synchronous round may wait for the gradients of every rank before the run fails, naming the ' +
      'ranks it waits for',
  }),
  row({
    key: 'coordinator_max_restarts',
    field: 'coordinatorMaxRestarts',
    // torchrun's --max-restarts is 0 too: a crash is reported, not retried, unless the user asks for restarts.
    default: 0,
    rule: integer(0),
    resume: true,
    meaning:
      '`dptrain launch`: how many times a coordinator process that dies before the run ended is started again, ' +
      'from the newest checkpoint in the same run directory (the workers rejoin it); 0: the launch fails',
  }),
  row({
    key: 'simulate',
    field: 'simulate',
    default: SIMULATE.defaults,
    rule: SIMULATE,
    resume: true,
    meaning: 'slow workers simulated on one machine (both modes), one sub-key each:',
  }),
  row({
    key: 'log_format',
    field: 'logFormat',
    default: 'text',
    rule: oneOf('text', 'json'),
    resume: true,
    meaning: '`text` (readable) or `json` (JSON lines)',
  }),
  row({
    key: 'progress',
    field: 'progress',
    default: true,
    rule: boolean,
    resume: true,
    meaning: "show the launcher's progress line",
  }),
] as const;

/**
 * The default `lr` under `lr_granularity: epoch`, by mode: the same peak, cosine over the run's epochs and no
 * warmup, since the step default's 100 steps of warmup would be 100 epochs there.
 */
export const EPOCH_LR_DEFAULTS = deepFreeze({
  sync: { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'max(1, ceil(epochs))' },
  async: { name: 'CosineAnnealingDecay', learning_rate: 0.003, T_max: 'max(1, ceil(epochs))' },
});

/** One row of the table, as a union over its rows. */
export type Row = (typeof TABLE)[number];
/** A run-config key as the file spells it. */
export type Key = Row['key'];

type ValueOf<R> = R extends KeyRow<string, string, infer T> ? T : never;

/**
 * A checked run config with every default filled in (deeply frozen): one readonly field per row of the table,
 * typed by the row's rule. `epochs` is null when the run is given in `steps`, and `steps` null when it is given
 * in `epochs`; `optimizer` and `lr` are the mappings as written (`lr` expressions stay strings until
 * `resolveRun`). The sections `async`, `checkpoint` and `simulate` hold every sub-key, defaults filled in, under its snake_case
 * key as written (so that `runConfigToYaml` writes them back unchanged); `async` is at its defaults in sync mode.
 */
export type RunConfig = { readonly [R in Row as R['field']]: ValueOf<R> };

/** One documented run-config key: what the README table, `--help` and refusal messages say about it. */
export interface RunConfigKey {
  /** The snake_case key of the file. */
  readonly key: Key;
  /** The field of RunConfig that holds it. */
  readonly field: keyof RunConfig;
  /** The default (null: none); in sync mode where `asyncDefault` is given. */
  readonly default: unknown;
  /** The default in `mode: async` where it differs. */
  readonly asyncDefault?: unknown;
  readonly meaning: string;
  /** What the key's rule allows ("an integer from 1 to 64"). */
  readonly allowed: string;
  /** Whether a run resumed from a checkpoint may change it. */
  readonly resume: boolean;
  /** A section's sub-keys (`async.max_staleness`, …), in the order of the file; absent for other keys. */
  readonly parts?: readonly RunConfigPart[];
}

/** One sub-key of a section, as the README table and refusal messages say it. */
export interface RunConfigPart {
  /** The whole key path, `async.max_staleness`. */
  readonly key: string;
  readonly default: unknown;
  readonly meaning: string;
  readonly allowed: string;
}

/**
 * Every run-config key with its field, default, meaning, allowed values and resume flag, in table order.
 *
 * @example
 * RUN_CONFIG_KEYS.find((k) => k.key === 'workers')?.default; // 2
 */
export const RUN_CONFIG_KEYS: readonly RunConfigKey[] = Object.freeze(
  TABLE.map((entry) =>
    Object.freeze({
      key: entry.key,
      field: entry.field,
      default: entry.default,
      ...(entry.asyncDefault === undefined ? {} : { asyncDefault: entry.asyncDefault }),
      meaning: entry.meaning,
      allowed: entry.rule.allowed,
      resume: entry.resume,
      ...(isSection(entry.rule) ? { parts: partsOf(entry.key, entry.rule) } : {}),
    }),
  ),
);

function partsOf(key: string, rule: Section<unknown>): readonly RunConfigPart[] {
  return Object.freeze(
    rule.parts.map((sub) =>
      Object.freeze({
        key: `${key}.${sub.key}`,
        default: sub.default,
        meaning: sub.meaning,
        allowed: sub.rule.allowed,
      }),
    ),
  );
}

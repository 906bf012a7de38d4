import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import {
  parseOverrideFlags,
  parseRunConfig,
  RUN_CONFIG_KEYS,
  type RunConfig,
  resolveRun,
  runConfigToYaml,
} from '../../src/config/index.js';
import { ConfigError, SchedulerError, UsageError } from '../../src/errors.js';
import { createScheduler, type LinearWarmup } from '../../src/lr/index.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function refusal(fn: () => unknown): ConfigError {
  const error = caught(fn);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const stepDecay = { name: 'StepDecay', learning_rate: 0.5, step_size: 10, gamma: 0.5 };

describe('parseRunConfig defaults', () => {
  it('fills every key from the built-in defaults when there is no file and no flag', () => {
    const config = parseRunConfig(undefined);
    expect(config).toEqual({
      task: 'mnist-mlp',
      workers: 2,
      mode: 'sync',
      async: { max_staleness: null, ssp_bound: null, lr_scale: 'none', dc_lambda: 0 },
      epochs: 3,
      steps: null,
      batchSize: 64,
      accumulateSteps: 1,
      seed: 1,
      optimizer: { name: 'Momentum', momentum: 0.9 },
      lr: {
        name: 'LinearWarmup',
        learning_rate: {
          name: 'CosineAnnealingDecay',
          learning_rate: 0.1,
          T_max: 'max(1, total_steps - 100)',
        },
        warmup_steps: 100,
        start_lr: 0,
        end_lr: 0.1,
      },
      lrDialect: null,
      lrGranularity: 'step',
      lrWorldScaling: 'none',
      lrReferenceWorkers: null,
      onNonfinite: 'skip',
      onWorkerFailure: 'abort',
      workerMaxRestarts: 3,
      minWorkers: 1,
      out: 'runs',
      checkpoint: { every_steps: 0, dir: null, keep: 3 },
      dataLimit: null,
      evalLimit: null,
      evalEvery: null,
      earlyStopping: { metric: null, patience: 3, min_delta: 0 },
      backend: 'auto',
      host: '127.0.0.1',
      port: 0,
      transport: 'auto',
      joinTimeout: 60,
      authTimeout: 5,
      heartbeatInterval: 1,
      heartbeatTimeout: 5,
      roundTimeout: 600,
      coordinatorMaxRestarts: 0,
      simulate: { slow: {}, jitter: 0, latency_ms: 0, jitter_ms: 0, bandwidth_mbps: null, links: {} },
      logFormat: 'text',
      progress: true,
    });
    expect(parseRunConfig(null)).toEqual(config);
    expect(parseRunConfig({})).toEqual(config);
  });

  it('returns a deeply frozen config whose mappings the caller cannot alter', () => {
    const file = { lr: { ...stepDecay } };
    const config = parseRunConfig(file);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.lr)).toBe(true);
    file.lr.step_size = 99;
    expect(config.lr.step_size).toBe(10);
  });

  it('documents every key once, in the order of the config, with the defaults parseRunConfig applies', () => {
    const keys = RUN_CONFIG_KEYS.map((entry) => entry.key);
    expect(keys).toEqual([
      'task',
      'workers',
      'mode',
      'async',
      'epochs',
      'steps',
      'batch_size',
      'accumulate_steps',
      'seed',
      'optimizer',
      'lr',
      'lr_dialect',
      'lr_granularity',
      'lr_world_scaling',
      'lr_reference_workers',
      'on_nonfinite',
      'on_worker_failure',
      'worker_max_restarts',
      'min_workers',
      'out',
      'checkpoint',
      'data_limit',
      'eval_limit',
      'eval_every',
      'early_stopping',
      'backend',
      'host',
      'port',
      'transport',
      'join_timeout',
      'auth_timeout',
      'heartbeat_interval',
      'heartbeat_timeout',
      'round_timeout',
      'coordinator_max_restarts',
      'simulate',
      'log_format',
      'progress',
    ]);
    // The default run is sync, whose config.yaml leaves out the async section; an async one writes it.
    const yamlDefaults = parse(runConfigToYaml(parseRunConfig(undefined))) as Record<string, unknown>;
    const yamlAsync = parse(runConfigToYaml(parseRunConfig({ mode: 'async' }))) as Record<string, unknown>;
    expect(yamlDefaults).not.toHaveProperty('async');
    // Without a dialect's schedule, lr_dialect (null) stays out: the schedule is lr's.
    expect(yamlDefaults).not.toHaveProperty('lr_dialect');
    for (const entry of RUN_CONFIG_KEYS.filter((key) => key.key !== 'lr_dialect')) {
      expect(entry.meaning.length, entry.key).toBeGreaterThan(0);
      expect(entry.allowed.length, entry.key).toBeGreaterThan(0);
      const asyncDefault = entry.asyncDefault ?? entry.default;
      if (entry.key !== 'mode') expect(yamlAsync[entry.key], entry.key).toEqual(asyncDefault);
      if (entry.key !== 'async') expect(yamlDefaults[entry.key], entry.key).toEqual(entry.default);
    }
  });
});

describe('the table of keys', () => {
  it('maps each snake_case key to its RunConfig field', () => {
    expect(Object.fromEntries(RUN_CONFIG_KEYS.map((entry) => [entry.key, entry.field]))).toEqual({
      task: 'task',
      workers: 'workers',
      mode: 'mode',
      async: 'async',
      epochs: 'epochs',
      steps: 'steps',
      batch_size: 'batchSize',
      accumulate_steps: 'accumulateSteps',
      seed: 'seed',
      optimizer: 'optimizer',
      lr: 'lr',
      lr_dialect: 'lrDialect',
      lr_granularity: 'lrGranularity',
      lr_world_scaling: 'lrWorldScaling',
      lr_reference_workers: 'lrReferenceWorkers',
      on_nonfinite: 'onNonfinite',
      on_worker_failure: 'onWorkerFailure',
      worker_max_restarts: 'workerMaxRestarts',
      min_workers: 'minWorkers',
      out: 'out',
      checkpoint: 'checkpoint',
      data_limit: 'dataLimit',
      eval_limit: 'evalLimit',
      eval_every: 'evalEvery',
      early_stopping: 'earlyStopping',
      backend: 'backend',
      host: 'host',
      port: 'port',
      transport: 'transport',
      join_timeout: 'joinTimeout',
      auth_timeout: 'authTimeout',
      heartbeat_interval: 'heartbeatInterval',
      heartbeat_timeout: 'heartbeatTimeout',
      round_timeout: 'roundTimeout',
      coordinator_max_restarts: 'coordinatorMaxRestarts',
      simulate: 'simulate',
      log_format: 'logFormat',
      progress: 'progress',
    });
  });

  it('types each field by its rule', () => {
    expectTypeOf<RunConfig['mode']>().toEqualTypeOf<'sync' | 'async'>();
    expectTypeOf<RunConfig['async']>().toEqualTypeOf<{
      readonly max_staleness: number | null;
      readonly ssp_bound: number | null;
      readonly lr_scale: 'none' | 'inverse';
      readonly dc_lambda: number;
    }>();
    expectTypeOf<RunConfig['simulate']>().toEqualTypeOf<{
      readonly slow: Readonly<Record<string, number>>;
      readonly jitter: number;
      readonly latency_ms: number;
      readonly jitter_ms: number;
      readonly bandwidth_mbps: number | null;
      readonly links: Readonly<
        Record<
          string,
          Partial<{
            readonly latency_ms: number;
            readonly jitter_ms: number;
            readonly bandwidth_mbps: number | null;
          }>
        >
      >;
    }>();
    expectTypeOf<RunConfig['epochs']>().toEqualTypeOf<number | null>();
    expectTypeOf<RunConfig['batchSize']>().toEqualTypeOf<number>();
    expectTypeOf<RunConfig['lrGranularity']>().toEqualTypeOf<'step' | 'epoch'>();
    expectTypeOf<RunConfig['backend']>().toEqualTypeOf<'auto' | 'tensorflow' | 'wasm' | 'cpu'>();
    expectTypeOf<RunConfig['optimizer']>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
    expectTypeOf<RunConfig['progress']>().toEqualTypeOf<boolean>();
    expectTypeOf<RunConfig['roundTimeout']>().toEqualTypeOf<number>();
    expectTypeOf<keyof RunConfig>().toEqualTypeOf<(typeof RUN_CONFIG_KEYS)[number]['field']>();
  });

  it('lets a resumed run change the run length and the operational keys only, never what defines the trajectory', () => {
    const resumable = RUN_CONFIG_KEYS.filter((entry) => entry.resume).map((entry) => entry.key);
    expect(resumable.sort()).toEqual(
      [
        'epochs',
        'steps',
        'workers',
        'lr_world_scaling',
        'lr_reference_workers',
        'out',
        'checkpoint',
        'host',
        'port',
        'transport',
        'join_timeout',
        'auth_timeout',
        'heartbeat_interval',
        'heartbeat_timeout',
        'round_timeout',
        'coordinator_max_restarts',
        'log_format',
        'progress',
        'backend',
        'eval_limit',
        'eval_every',
        'early_stopping',
        'on_nonfinite',
        'on_worker_failure',
        'worker_max_restarts',
        'min_workers',
        'simulate',
      ].sort(),
    );
  });

  it('says what each rule allows', () => {
    const allowed = (key: string) => RUN_CONFIG_KEYS.find((entry) => entry.key === key)?.allowed;
    expect(allowed('workers')).toBe('an integer from 1 to 64');
    expect(allowed('steps')).toBe('an integer >= 1, or null for none');
    expect(allowed('round_timeout')).toBe('a finite number of seconds > 0');
    expect(allowed('mode')).toBe('one of sync, async');
    expect(allowed('progress')).toBe('true or false');
  });

  it('takes round_timeout from the file and from --round-timeout, and writes it to config.yaml', () => {
    expect(parseRunConfig({ round_timeout: 90 }).roundTimeout).toBe(90);
    const { overrides } = parseOverrideFlags(['--round-timeout', '1.5']);
    const config = parseRunConfig(undefined, overrides);
    expect(config.roundTimeout).toBe(1.5);
    expect(runConfigToYaml(config)).toContain('round_timeout: 1.5\n');
  });
});

describe('parseRunConfig precedence', () => {
  it('takes the file over the defaults and the flags over the file', () => {
    const file = { workers: 4, batch_size: 128, seed: 7 };
    const config = parseRunConfig(file, { batch_size: 32 });
    expect(config.workers).toBe(4);
    expect(config.batchSize).toBe(32);
    expect(config.seed).toBe(7);
    expect(config.port).toBe(0);
  });

  it('lets an lr mapping in the file replace the default as a whole, inheriting none of its keys', () => {
    const config = parseRunConfig({ lr: stepDecay });
    expect(config.lr).toEqual(stepDecay);
  });

  it('lets an optimizer mapping in the file replace the default (no momentum inherited by Adam)', () => {
    const config = parseRunConfig({ optimizer: { name: 'Adam', beta1: 0.8 } });
    expect(config.optimizer).toEqual({ name: 'Adam', beta1: 0.8 });
  });

  it('applies nested flags inside the default lr mapping', () => {
    const { overrides } = parseOverrideFlags(['--lr.warmup-steps', '50', '--lr.learning-rate.T-max', '900']);
    const config = parseRunConfig(undefined, overrides);
    expect(config.lr.warmup_steps).toBe(50);
    expect(config.lr.learning_rate).toEqual({
      name: 'CosineAnnealingDecay',
      learning_rate: 0.1,
      T_max: 900,
    });
    expect(config.lr.end_lr).toBe(0.1);
  });

  it('gives async mode its own optimizer and lr defaults (Adam, peak 0.003), and flags apply inside them', () => {
    const config = parseRunConfig({ mode: 'async' });
    expect(config.optimizer).toEqual({ name: 'Adam' });
    expect(config.lr).toEqual({
      name: 'LinearWarmup',
      learning_rate: {
        name: 'CosineAnnealingDecay',
        learning_rate: 0.003,
        T_max: 'max(1, total_steps - 100)',
      },
      warmup_steps: 100,
      start_lr: 0,
      end_lr: 0.003,
    });
    const flagged = parseRunConfig(undefined, {
      mode: 'async',
      lr: { warmup_steps: 50 },
      optimizer: { beta1: 0.8 },
    });
    expect(flagged.lr.end_lr).toBe(0.003);
    expect(flagged.lr.warmup_steps).toBe(50);
    expect(flagged.optimizer).toEqual({ name: 'Adam', beta1: 0.8 });
    // The file's mode decides the default, also when a flag overlays it.
    expect(parseRunConfig({ mode: 'sync' }, { optimizer: { use_nesterov: true } }).optimizer).toEqual({
      name: 'Momentum',
      momentum: 0.9,
      use_nesterov: true,
    });
    expect(parseRunConfig({ mode: 'async', optimizer: { name: 'SGD' } }).optimizer).toEqual({ name: 'SGD' });
  });

  it('applies nested flags inside the lr mapping the file gave', () => {
    const config = parseRunConfig({ lr: stepDecay }, { lr: { gamma: 0.9 } });
    expect(config.lr).toEqual({ ...stepDecay, gamma: 0.9 });
  });

  it('starts a fresh mapping when a flag names another class than the one in effect', () => {
    const { overrides } = parseOverrideFlags(['--optimizer.name', 'Adam', '--optimizer.beta2', '0.99']);
    expect(parseRunConfig(undefined, overrides).optimizer).toEqual({ name: 'Adam', beta2: 0.99 });
    const same = parseRunConfig(undefined, { optimizer: { name: 'Momentum', use_nesterov: true } });
    expect(same.optimizer).toEqual({ name: 'Momentum', momentum: 0.9, use_nesterov: true });
  });

  it('runs for steps instead of the default epochs when steps is given', () => {
    const config = parseRunConfig({ steps: 200 });
    expect(config.steps).toBe(200);
    expect(config.epochs).toBeNull();
    expect(parseRunConfig(undefined, { steps: 5 }).epochs).toBeNull();
  });

  it("lets --epochs null clear the file's epochs so --steps can be given", () => {
    const { overrides } = parseOverrideFlags(['--epochs', 'null', '--steps', '20']);
    const config = parseRunConfig({ epochs: 5 }, overrides);
    expect(config.steps).toBe(20);
    expect(config.epochs).toBeNull();
  });

  it('treats epochs: null in the file as not given', () => {
    expect(parseRunConfig({ epochs: null }).epochs).toBe(3);
    expect(parseRunConfig({ epochs: null, steps: 9 }).steps).toBe(9);
  });

  it('accepts lr expressions that only the real run variables make valid', () => {
    // With the placeholder total_steps (10000) T_max would be negative; the check waits for resolveRun.
    const lr = { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'total_steps - 20000' };
    expect(parseRunConfig({ lr }).lr).toEqual(lr);
  });
});

describe('parseRunConfig refusals', () => {
  it('refuses a file that is not a mapping', () => {
    const error = refusal(() => parseRunConfig([1, 2]));
    expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(error.path).toBe('');
  });

  it('refuses an unknown key, lists the known ones and suggests the closest', () => {
    const error = refusal(() => parseRunConfig({ batchsize: 32 }));
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.path).toBe('batchsize');
    expect(error.message).toContain('Did you mean batch_size?');
    expect(error.message).toContain('heartbeat_timeout');
    expect(refusal(() => parseRunConfig({ wrokers: 2 })).message).toContain('Did you mean workers?');
    expect(refusal(() => parseRunConfig({ colour: 'red' })).message).not.toContain('Did you mean');
  });

  it('suggests the flag spelling for an unknown key given on the command line', () => {
    const { overrides } = parseOverrideFlags(['--batchsize', '32']);
    const error = refusal(() => parseRunConfig(undefined, overrides));
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.path).toBe('batchsize');
    expect(error.message).toContain('Did you mean --batch-size?');
  });

  it.each([
    ['workers', 0],
    ['workers', 65],
    ['workers', 2.5],
    ['workers', '2'],
    ['epochs', 0],
    ['steps', -1],
    ['batch_size', 0],
    ['seed', -1],
    ['seed', 1.5],
    ['port', 65536],
    ['data_limit', 0],
    ['eval_limit', 'all'],
    ['join_timeout', 0],
    ['auth_timeout', 0],
    ['heartbeat_interval', -2],
    ['heartbeat_timeout', Number.POSITIVE_INFINITY],
    ['round_timeout', 0],
    ['round_timeout', -0],
    ['round_timeout', '600'],
    ['round_timeout', Number.NaN],
    ['round_timeout', null],
    ['workers', 65],
    ['workers', 1.5],
    ['port', 65536],
    ['port', -1],
    ['seed', -1],
    ['epochs', 0],
    ['data_limit', 0],
    ['mode', 'parallel'],
    ['lr_granularity', 'batch'],
    ['on_nonfinite', 'ignore'],
    ['backend', 'webgl'],
    ['log_format', 'xml'],
    ['progress', 'yes'],
    ['task', ''],
    ['task', 42],
    ['out', 2024],
    ['host', null],
    ['lr', 0.1],
    ['optimizer', 'Adam'],
  ])('refuses %s: %j as a bad value naming the key', (key, value) => {
    const error = refusal(() => parseRunConfig({ [key]: value }));
    expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(error.path).toBe(key);
    expect(error.message).toMatch(/must be/);
  });

  it('says what the allowed values are', () => {
    expect(refusal(() => parseRunConfig({ workers: 0 })).message).toContain('an integer from 1 to 64');
    expect(refusal(() => parseRunConfig({ backend: 'webgl' })).message).toContain(
      'one of auto, tensorflow, wasm, cpu',
    );
    expect(refusal(() => parseRunConfig({ out: 2024 })).message).toContain('quote it');
  });

  it('accepts the ends of each range', () => {
    const config = parseRunConfig({ workers: 64, port: 65535, seed: 0, epochs: 1, round_timeout: 0.001 });
    expect([config.workers, config.port, config.seed, config.epochs, config.roundTimeout]).toEqual([
      64, 65535, 0, 1, 0.001,
    ]);
    expect(parseRunConfig({ workers: 1, port: 0 }).workers).toBe(1);
  });

  it('accepts mode: async, and the flag --mode async', () => {
    expect(parseRunConfig({ mode: 'async' }).mode).toBe('async');
    expect(parseRunConfig(undefined, parseOverrideFlags(['--mode', 'async']).overrides).mode).toBe('async');
  });

  it('refuses steps together with epochs, from the file or the flags, naming both keys', () => {
    for (const [file, flags] of [
      [{ steps: 10, epochs: 2 }, {}],
      [{ epochs: 2 }, { steps: 10 }],
      [{}, { steps: 10, epochs: 1 }],
    ] as const) {
      const error = refusal(() => parseRunConfig(file, flags));
      expect(error.code).toBe('ERR_CONFIG_CONFLICT');
      expect(error.path).toBe('steps');
      expect(error.message).toContain('epochs');
    }
  });

  it('refuses a heartbeat_timeout that is not longer than heartbeat_interval', () => {
    const error = refusal(() => parseRunConfig({ heartbeat_interval: 5, heartbeat_timeout: 5 }));
    expect(error.code).toBe('ERR_CONFIG_CONFLICT');
    expect(error.path).toBe('heartbeat_timeout');
  });

  it('checks optimizer with the optimizer parser, naming the nested key', () => {
    const unknown = refusal(() => parseRunConfig({ optimizer: { name: 'Momentum', learning_rate: 0.1 } }));
    expect(unknown.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(unknown.path).toBe('optimizer.learning_rate');
    const name = refusal(() => parseRunConfig({ optimizer: { name: 'Adagrad' } }));
    expect(name.code).toBe('ERR_CONFIG_UNKNOWN_NAME');
    expect(name.path).toBe('optimizer.name');
    const inherited = refusal(() => parseRunConfig(undefined, { optimizer: { momentum: -1 } }));
    expect(inherited.path).toBe('optimizer.momentum');
  });

  it('refuses a bad lr key before the data set size is known, naming its path', () => {
    const typo = refusal(() => parseRunConfig(undefined, { lr: { warmup_stpes: 10 } }));
    expect(typo.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(typo.path).toBe('lr.warmup_stpes');
    const name = refusal(() => parseRunConfig({ lr: { name: 'Cosine', learning_rate: 0.1 } }));
    expect(name.code).toBe('ERR_CONFIG_UNKNOWN_NAME');
    expect(name.path).toBe('lr.name');
    const expression = refusal(() => parseRunConfig({ lr: { ...stepDecay, step_size: 'total_stepz / 2' } }));
    expect(expression.code).toBe('ERR_CONFIG_BAD_VALUE');
    expect(expression.path).toBe('lr.step_size');
  });

  it('refuses an lr value no run could make valid when it holds no expression', () => {
    const error = caught(() => parseRunConfig({ lr: { ...stepDecay, step_size: 0 } }));
    expect(error).toBeInstanceOf(SchedulerError);
    expect((error as SchedulerError).code).toBe('ERR_LR_ARGUMENT_VALUE');
    expect((error as SchedulerError).message).toContain('lr.step_size');
  });
});

describe('runConfigToYaml', () => {
  it('writes snake_case keys that parseRunConfig reads back to the same config', () => {
    const config = parseRunConfig({ lr: stepDecay, steps: 300, workers: 3 }, { log_format: 'json' });
    const text = runConfigToYaml(config);
    expect(text).toContain('batch_size: 64');
    expect(text).toContain('log_format: json');
    expect(parseRunConfig(parse(text))).toEqual(config);
  });

  it('adds the resolved numbers as a comment that leaves the file loadable', () => {
    const config = parseRunConfig(undefined);
    const text = runConfigToYaml(config, resolveRun(config, 60000));
    expect(text).toMatch(/^# .*\n(# .*\n)*#\s+steps_per_epoch: 469\n#\s+total_steps: 1407\n/m);
    expect(text).toContain('dataset_size: 60000');
    expect(parseRunConfig(parse(text))).toEqual(config);
  });
});

function usageError(argv: string[]): UsageError {
  try {
    parseOverrideFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('ERR_USAGE');
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseOverrideFlags', () => {
  it('turns kebab-case flags into snake_case keys and keeps positionals in order', () => {
    expect(parseOverrideFlags(['run.yaml', '--batch-size', '32', 'extra', '--log-format', 'json'])).toEqual({
      overrides: { batch_size: 32, log_format: 'json' },
      positionals: ['run.yaml', 'extra'],
    });
  });

  it('nests dotted keys, keeping the case of each segment', () => {
    const { overrides } = parseOverrideFlags([
      '--async.max-staleness',
      '4',
      '--lr.learning-rate.T-max',
      'total_steps - 50',
      '--lr.warmup_steps',
      '10',
    ]);
    expect(overrides).toEqual({
      async: { max_staleness: 4 },
      lr: { learning_rate: { T_max: 'total_steps - 50' }, warmup_steps: 10 },
    });
  });

  it('reads --key=value, keeping any further = in the value', () => {
    expect(parseOverrideFlags(['--seed=7', '--task=./tasks/a=b.mjs']).overrides).toEqual({
      seed: 7,
      task: './tasks/a=b.mjs',
    });
  });

  it('parses values as YAML scalars and flow lists', () => {
    const { overrides } = parseOverrideFlags([
      '--a',
      '0.5',
      '--b',
      'true',
      '--c',
      'null',
      '--d',
      '[1, 2]',
      '--e',
      '-3',
      '--f',
      '127.0.0.1',
      '--g',
      '1e-4',
      '--h',
      '"42"',
    ]);
    expect(overrides).toEqual({
      a: 0.5,
      b: true,
      c: null,
      d: [1, 2],
      e: -3,
      f: '127.0.0.1',
      g: 1e-4,
      h: '42',
    });
  });

  it('keeps as text what YAML would read as a mapping, a block list, a comment or nothing', () => {
    const { overrides } = parseOverrideFlags([
      '--a',
      'x: y',
      '--b',
      '- item',
      '--c',
      '#tag',
      '--d=',
      '--e',
      '{a: 1}',
    ]);
    expect(overrides).toEqual({ a: 'x: y', b: '- item', c: '#tag', d: '', e: '{a: 1}' });
  });

  it('reads --no-progress as progress: false and leaves the next token positional', () => {
    expect(parseOverrideFlags(['--no-progress', 'run.yaml'])).toEqual({
      overrides: { progress: false },
      positionals: ['run.yaml'],
    });
  });

  it('reads a bare boolean key as true, and takes an explicit true/false after it', () => {
    expect(parseOverrideFlags(['--progress', 'run.yaml'])).toEqual({
      overrides: { progress: true },
      positionals: ['run.yaml'],
    });
    expect(parseOverrideFlags(['--progress', 'false']).overrides).toEqual({ progress: false });
  });

  it('treats everything after -- as positional', () => {
    expect(parseOverrideFlags(['--seed', '3', '--', '--not-a-flag', 'x'])).toEqual({
      overrides: { seed: 3 },
      positionals: ['--not-a-flag', 'x'],
    });
  });

  it('refuses a flag without a value, naming it', () => {
    expect(usageError(['--batch-size']).message).toContain('--batch-size needs a value');
    expect(usageError(['--steps', '--seed', '2']).message).toContain('--steps needs a value');
  });

  it('refuses a key given twice, or set both as a value and as a mapping', () => {
    expect(usageError(['--seed', '1', '--seed', '2']).message).toContain('--seed');
    usageError(['--lr', '0.1', '--lr.gamma', '0.5']);
    usageError(['--lr.gamma', '0.5', '--lr', '0.1']);
    usageError(['--lr.gamma', '0.5', '--lr.gamma=0.6']);
  });

  it('refuses malformed key paths, short options and a value after a negation', () => {
    usageError(['--lr..gamma', '1']);
    usageError(['--lr.', '1']);
    usageError(['--=3']);
    expect(usageError(['-n', '2']).message).toContain('-n');
    expect(usageError(['--no-progress=true']).message).toContain('--no-progress');
  });

  it('merges sibling nested keys given by separate flags', () => {
    const { overrides } = parseOverrideFlags(['--optimizer.name', 'Adam', '--optimizer.beta1', '0.8']);
    expect(overrides).toEqual({ optimizer: { name: 'Adam', beta1: 0.8 } });
  });
});

const MNIST = 60000;

function conflict(fn: () => unknown): ConfigError {
  const error = caught(fn);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).code).toBe('ERR_CONFIG_CONFLICT');
  expect((error as ConfigError).path).toBe('lr');
  return error as ConfigError;
}

describe('resolveRun', () => {
  it('resolves the default MNIST run: 469 steps per epoch, 1407 steps in 3 epochs', () => {
    const resolved = resolveRun(parseRunConfig(undefined), MNIST);
    expect(resolved).toEqual({
      stepsPerEpoch: 469,
      batchesPerRankEpoch: 469,
      totalSteps: 1407,
      epochs: 3,
      datasetSize: MNIST,
      lrVariables: { steps_per_epoch: 469, total_steps: 1407, epochs: 3 },
      // the default lr, as written: only a dialect's schedule is translated here
      lr: {
        name: 'LinearWarmup',
        learning_rate: {
          name: 'CosineAnnealingDecay',
          learning_rate: 0.1,
          T_max: 'max(1, total_steps - 100)',
        },
        warmup_steps: 100,
        start_lr: 0,
        end_lr: 0.1,
      },
      scheduleWarnings: [],
      evalEverySteps: null,
    });
  });

  it('evaluates the default lr with T_max = 1307 over the run variables', () => {
    const config = parseRunConfig(undefined);
    const { lrVariables } = resolveRun(config, MNIST);
    const scheduler = createScheduler(config.lr, { path: 'lr', variables: lrVariables }) as LinearWarmup;
    const inner = scheduler.learningRate as unknown as { tMax: number };
    expect(inner.tMax).toBe(1307);
  });

  it('gives fractional epochs to a run given in steps that ends mid-epoch', () => {
    const resolved = resolveRun(parseRunConfig({ steps: 700 }), MNIST);
    expect(resolved.totalSteps).toBe(700);
    expect(resolved.epochs).toBeCloseTo(700 / 469, 15);
    expect(resolved.lrVariables.epochs).toBe(resolved.epochs);
  });

  it('follows workers and batch_size: 4 workers of 100 give ceil(15000 / 100) = 150 steps per epoch', () => {
    const resolved = resolveRun(parseRunConfig({ workers: 4, batch_size: 100, epochs: 2 }), MNIST);
    expect(resolved.stepsPerEpoch).toBe(150);
    expect(resolved.totalSteps).toBe(300);
  });

  it('applies data_limit whether the caller passes the full or the limited size', () => {
    const config = parseRunConfig({ data_limit: 1000, steps: 40 });
    const full = resolveRun(config, MNIST);
    expect(full.datasetSize).toBe(1000);
    expect(full.stepsPerEpoch).toBe(8);
    expect(resolveRun(config, 1000)).toEqual(full);
    expect(resolveRun(config, 500).datasetSize).toBe(500);
  });

  it('runs the default lr through a short smoke run without refusing it', () => {
    expect(resolveRun(parseRunConfig({ steps: 20 }), MNIST).totalSteps).toBe(20);
  });

  it('refuses a OneCycleLR whose total_steps of 100 cannot cover a 1407-step run, naming lr', () => {
    const lr = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 100 };
    const error = conflict(() => resolveRun(parseRunConfig({ lr }), MNIST));
    expect(error.message).toContain('1407');
    expect(error.message).toContain('global step 100');
    expect(error.cause).toBeInstanceOf(SchedulerError);
  });

  it('accepts a OneCycleLR whose total_steps is the run length, step for step', () => {
    const lr = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 'total_steps' };
    expect(resolveRun(parseRunConfig({ lr }), MNIST).totalSteps).toBe(1407);
    const exact = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 1407 };
    expect(resolveRun(parseRunConfig({ lr: exact }), MNIST).totalSteps).toBe(1407);
    const short = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 1406 };
    conflict(() => resolveRun(parseRunConfig({ lr: short }), MNIST));
  });

  it('counts scheduler calls per epoch with lr_granularity epoch', () => {
    const perEpoch = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 'epochs' };
    expect(resolveRun(parseRunConfig({ lr: perEpoch, lr_granularity: 'epoch' }), MNIST).epochs).toBe(3);
    const tooShort = { name: 'OneCycleLR', max_learning_rate: 0.1, total_steps: 2 };
    const error = conflict(() =>
      resolveRun(parseRunConfig({ lr: tooShort, lr_granularity: 'epoch' }), MNIST),
    );
    expect(error.message).toContain('scheduler call 3');
  });

  it('refuses a schedule whose LR goes negative inside the run, naming the step', () => {
    const lr = { name: 'PolynomialDecay', learning_rate: 0.1, decay_steps: 1000, end_lr: -0.1 };
    const error = conflict(() => resolveRun(parseRunConfig({ lr }), MNIST));
    expect(error.message).toContain('global step 501');
    expect(error.message).toContain('>= 0');
  });

  it('accepts a schedule that only goes negative after the last step of the run', () => {
    const lr = { name: 'PolynomialDecay', learning_rate: 0.1, decay_steps: 1000, end_lr: -0.1 };
    expect(resolveRun(parseRunConfig({ lr, steps: 500 }), MNIST).totalSteps).toBe(500);
    // The LR after the last step (step 501's) is negative but never used.
    expect(resolveRun(parseRunConfig({ lr, steps: 501 }), MNIST).totalSteps).toBe(501);
    conflict(() => resolveRun(parseRunConfig({ lr, steps: 502 }), MNIST));
  });

  it('refuses a schedule whose LR becomes non-finite inside the run', () => {
    const lr = { name: 'LambdaDecay', learning_rate: 0.1, lr_lambda: '10.0 ** x' };
    const error = caught(() => resolveRun(parseRunConfig({ lr, steps: 400 }), MNIST));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_CONFIG_CONFLICT', path: 'lr' });
  });

  it('dry-runs ReduceOnPlateau with a constant metric without refusing it', () => {
    const lr = { name: 'ReduceOnPlateau', learning_rate: 0.1, patience: 2 };
    expect(resolveRun(parseRunConfig({ lr }), MNIST).totalSteps).toBe(1407);
  });

  it('passes through an error of building the scheduler with the real variables', () => {
    const lr = { name: 'CosineAnnealingDecay', learning_rate: 0.1, T_max: 'total_steps - 20000' };
    const error = caught(() => resolveRun(parseRunConfig({ lr }), MNIST));
    expect(error).toBeInstanceOf(SchedulerError);
    expect((error as SchedulerError).message).toContain('lr.T_max');
  });
});

describe('evaluation, early stopping and accumulation keys', () => {
  it('takes eval_every in epochs or with its unit, and resolves it to global steps', () => {
    // 60,000 examples over 2 workers in batches of 64: 469 steps per epoch.
    const steps = (evalEvery: unknown) =>
      resolveRun(parseRunConfig({ eval_every: evalEvery }), 60000).evalEverySteps;
    expect(steps(2)).toBe(938);
    expect(steps('500 steps')).toBe(500);
    expect(steps('1 step')).toBe(1);
    expect(steps(' 2 epochs ')).toBe(938);
    expect(steps(null)).toBeNull();
    const { overrides } = parseOverrideFlags(['--eval-every', '500 steps']);
    expect(parseRunConfig(undefined, overrides).evalEvery).toBe('500 steps');
  });

  it.each([0, 1.5, '500', '500 minutes', '0 steps', true])(
    'refuses eval_every: %s, saying what it takes',
    (bad) => {
      const error = refusal(() => parseRunConfig({ eval_every: bad }));
      expect(error.code).toBe('ERR_CONFIG_BAD_VALUE');
      expect(error.path).toBe('eval_every');
      expect(error.message).toContain('"N steps"');
    },
  );

  it('refuses early_stopping without eval_every, and both new keys in async mode', () => {
    const early = refusal(() => parseRunConfig({ early_stopping: { metric: 'eval_loss' } }));
    expect(early.code).toBe('ERR_CONFIG_CONFLICT');
    expect(early.path).toBe('early_stopping.metric');
    expect(early.message).toContain('set eval_every');
    for (const [key, value] of [
      ['eval_every', 1],
      ['accumulate_steps', 2],
    ] as const) {
      const error = refusal(() => parseRunConfig({ mode: 'async', [key]: value }));
      expect(error.code).toBe('ERR_CONFIG_CONFLICT');
      expect(error.path).toBe(key);
    }
    const unknown = refusal(() => parseRunConfig({ eval_every: 1, early_stopping: { metric: 'eval_los' } }));
    expect(unknown.path).toBe('early_stopping.metric');
  });

  it('counts a round of accumulate_steps micro-batches in the steps per epoch: ceil(ceil(N / W) / (k × b))', () => {
    // ceil(ceil(60000 / 2) / (4 × 64)) = ceil(30000 / 256) = 118; ceil(ceil(1000 / 3) / (2 × 50)) = ceil(334 / 100) = 4
    expect(resolveRun(parseRunConfig({ accumulate_steps: 4 }), 60000).stepsPerEpoch).toBe(118);
    const three = parseRunConfig({ workers: 3, batch_size: 50, accumulate_steps: 2, epochs: 2 });
    expect(resolveRun(three, 1000)).toMatchObject({ stepsPerEpoch: 4, totalSteps: 8 });
  });
});

/**
 * PaddleDetection's `LearningRate:` and `OptimizerBuilder:` blocks in dptrain's terms, as ppdet/optimizer/optimizer.py
 * builds them: the first scheduler decays, the second warms up; milestones and `max_epochs` count epochs (times the
 * steps per epoch), warmups count steps (or `epochs`); the result is the Paddle PiecewiseDecay (or
 * CosineAnnealingDecay) it returns, with every value computed as its Python computes it.
 */
import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';
import type { Translated } from './paddleocr.js';
import { type DialectRun, type MissingRunVariable, numberAt, numberList, runValue } from './run.js';

type Args = Readonly<Record<string, unknown>>;
type LrConfig = Record<string, unknown>;

/** PaddleDetection's scheduler classes with their Python defaults. */
const DEFAULTS: Readonly<Record<string, Args>> = {
  CosineDecay: { max_epochs: 1000, use_warmup: true, min_lr_ratio: 0.0, last_plateau_epochs: 0 },
  PiecewiseDecay: { gamma: [0.1, 0.01], milestones: [8, 11], values: null, use_warmup: true },
  LinearWarmup: { steps: 500, start_factor: 1.0 / 3, epochs: null, epochs_first: true },
  ExpWarmup: { steps: 1000, epochs: null, power: 2 },
};

interface Scheduler {
  readonly name: string;
  readonly path: string;
  readonly args: Args;
}

/**
 * PaddleDetection's `LearningRate:` block (`base_lr`, `schedulers:` as `name:` mappings or `!Tag` mappings, tags
 * already turned into `name` by the reader) as a dptrain `lr` config.
 *
 * @example
 * translatePaddleDetLr({ base_lr: 0.01, schedulers: [{ name: 'PiecewiseDecay', milestones: [2] }, { name: 'LinearWarmup', steps: 2 }] }, { stepsPerEpoch: 5 }, 'LearningRate', refuse).value;
 * // { name: 'PiecewiseDecay', boundaries: [1, 2, 10], values: [0.0033…, 0.0066…, 0.01, 0.001] }
 */
export function translatePaddleDetLr(
  block: unknown,
  run: DialectRun,
  path: string,
  missing: MissingRunVariable,
): Translated<LrConfig> {
  if (!isMapping(block)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping (PaddleDetection's LearningRate), received ${JSON.stringify(block)}`,
    );
  }
  const baseLr = block.base_lr === undefined ? 0.01 : numberAt(block.base_lr, `${path}.base_lr`);
  const given = block.schedulers ?? [{ name: 'PiecewiseDecay' }, { name: 'LinearWarmup' }];
  if (!Array.isArray(given) || given.length === 0) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      `${path}.schedulers`,
      'must be a list of one or two schedulers: a decay, then a warmup',
    );
  }
  const schedulers = given.map((item, i) => schedulerAt(item, `${path}.schedulers.${i}`));
  const k = runValue(run, 'stepsPerEpoch', `${path} (PaddleDetection)`, missing);
  const first = schedulers[0]!;
  if (first.name === 'LinearWarmup' || first.name === 'ExpWarmup') {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      `${first.path}.name`,
      `must be the decay (PiecewiseDecay or CosineDecay), then the warmup; received ${first.name} first`,
    );
  }
  const ignored = Object.keys(block)
    .filter((key) => key !== 'base_lr' && key !== 'schedulers')
    .map((key) => `${path}.${key}`);
  if (first.args.use_warmup !== true) return { value: decay(first, baseLr, null, k), ignored };
  const second = schedulers[1];
  if (second === undefined || (second.name !== 'LinearWarmup' && second.name !== 'ExpWarmup')) {
    throw new ConfigError(
      'ERR_CONFIG_MISSING_KEY',
      `${path}.schedulers.1`,
      `is required: with use_warmup (the default) ${first.name} takes a LinearWarmup or ExpWarmup after it; or set use_warmup: false`,
    );
  }
  return { value: decay(first, baseLr, warm(second, baseLr, k), k), ignored };
}

function schedulerAt(item: unknown, path: string): Scheduler {
  if (!isMapping(item))
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a scheduler mapping, received ${JSON.stringify(item)}`,
    );
  const { name, ...rest } = item;
  if (typeof name !== 'string' || !Object.hasOwn(DEFAULTS, name)) {
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_NAME',
      `${path}.name`,
      `unknown PaddleDetection scheduler ${JSON.stringify(name)}; PaddleDetection's are ${Object.keys(DEFAULTS).join(', ')}`,
    );
  }
  const defaults = DEFAULTS[name]!;
  for (const key of Object.keys(rest)) {
    if (!Object.hasOwn(defaults, key)) {
      throw new ConfigError(
        'ERR_CONFIG_UNKNOWN_KEY',
        `${path}.${key}`,
        `is not an argument of PaddleDetection's ${name}; it takes ${Object.keys(defaults).join(', ')}`,
      );
    }
  }
  return { name, path, args: { ...defaults, ...rest } };
}

/** LinearWarmup / ExpWarmup `__call__`: the boundaries 1 … W and the W + 1 values of the warmup. */
function warm(scheduler: Scheduler, baseLr: number, k: number): { boundary: number[]; value: number[] } {
  const a = scheduler.args;
  const byEpochs = a.epochs !== null && (scheduler.name === 'ExpWarmup' || a.epochs_first === true);
  const given = byEpochs
    ? numberAt(a.epochs, `${scheduler.path}.epochs`) * k
    : numberAt(a.steps, `${scheduler.path}.steps`);
  const steps = Math.max(given, 1);
  const boundary: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < steps + 1; i++) {
    if (scheduler.name === 'LinearWarmup') {
      const alpha = i / steps;
      const factor = numberAt(a.start_factor, `${scheduler.path}.start_factor`) * (1 - alpha) + alpha;
      value.push(baseLr * factor);
    } else {
      value.push(baseLr * (i / steps) ** numberAt(a.power, `${scheduler.path}.power`));
    }
    if (i > 0) boundary.push(i);
  }
  return { boundary, value };
}

/** PiecewiseDecay / CosineDecay `__call__`, after a warmup (`warmup` given) or alone. */
function decay(
  scheduler: Scheduler,
  baseLr: number,
  warmup: { boundary: number[]; value: number[] } | null,
  k: number,
): LrConfig {
  const a = scheduler.args;
  const at = (key: string) => `${scheduler.path}.${key}`;
  if (scheduler.name === 'PiecewiseDecay') {
    const milestones = numberList(a.milestones, at('milestones')).map((m) => Math.trunc(k) * m);
    const boundaries = warmup === null ? milestones : [...warmup.boundary, ...milestones];
    if (a.values !== null) {
      const values = numberList(a.values, at('values'));
      if (values.length !== milestones.length + 1) {
        throw new ConfigError(
          'ERR_CONFIG_BAD_VALUE',
          at('values'),
          `must have one value more than milestones (${milestones.length + 1}), received ${values.length}`,
        );
      }
      return { name: 'PiecewiseDecay', boundaries, values };
    }
    const gamma = Array.isArray(a.gamma)
      ? numberList(a.gamma, at('gamma'))
      : milestones.map((_, i) => numberAt(a.gamma, at('gamma')) / 10 ** i);
    const values = warmup === null ? [baseLr] : [...warmup.value];
    for (const g of gamma) values.push(baseLr * g);
    return { name: 'PiecewiseDecay', boundaries, values };
  }
  const maxIters = numberAt(a.max_epochs, at('max_epochs')) * Math.trunc(k);
  const plateauIters = numberAt(a.last_plateau_epochs, at('last_plateau_epochs')) * Math.trunc(k);
  const minLr = baseLr * numberAt(a.min_lr_ratio, at('min_lr_ratio'));
  if (warmup !== null) {
    const boundary = [...warmup.boundary];
    const value = [...warmup.value];
    const warmupIters = boundary.length;
    for (let i = Math.trunc(boundary.at(-1)!); i < maxIters; i++) {
      boundary.push(i);
      value.push(
        i < maxIters - plateauIters
          ? minLr +
              (baseLr - minLr) *
                0.5 *
                (Math.cos(((i - warmupIters) * Math.PI) / (maxIters - warmupIters - plateauIters)) + 1)
          : minLr,
      );
    }
    return { name: 'PiecewiseDecay', boundaries: boundary, values: value };
  }
  if (plateauIters > 0) {
    const boundary: number[] = [];
    const value: number[] = [];
    for (let i = 0; i < maxIters; i++) {
      value.push(
        i < maxIters - plateauIters
          ? minLr + (baseLr - minLr) * 0.5 * (Math.cos((i * Math.PI) / (maxIters - plateauIters)) + 1)
          : minLr,
      );
      if (i > 0) boundary.push(i);
    }
    return { name: 'PiecewiseDecay', boundaries: boundary, values: value };
  }
  return { name: 'CosineAnnealingDecay', learning_rate: baseLr, T_max: maxIters, eta_min: minLr };
}

/**
 * PaddleDetection's `OptimizerBuilder:` as a dptrain `optimizer` config: `optimizer.type` is the class, the
 * regularizer (default L2, 0.0001) its `weight_decay` except for AdamW, `clip_grad_by_norm` a ClipGradByGlobalNorm,
 * `clip_grad_by_value` a ClipGradByValue of ±|v|.
 *
 * @example
 * translatePaddleDetOptimizer({ optimizer: { type: 'Momentum', momentum: 0.9 }, regularizer: { type: 'L2', factor: 5e-4 } }, 'OptimizerBuilder').value;
 * // { name: 'Momentum', momentum: 0.9, weight_decay: { type: 'L2Decay', coeff: 0.0005 } }
 */
export function translatePaddleDetOptimizer(
  block: unknown,
  path: string,
): Translated<Record<string, unknown>> {
  if (!isMapping(block)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping (PaddleDetection's OptimizerBuilder), received ${JSON.stringify(block)}`,
    );
  }
  const given = block.optimizer ?? { type: 'Momentum', momentum: 0.9 };
  if (!isMapping(given))
    throw new ConfigError('ERR_CONFIG_BAD_VALUE', `${path}.optimizer`, 'must be a mapping with a type');
  const { type, ...args } = given;
  const optimizer: Record<string, unknown> = { name: type, ...args };
  const reg = block.regularizer === undefined ? { type: 'L2', factor: 0.0001 } : block.regularizer;
  if (type !== 'AdamW') {
    optimizer.weight_decay =
      isMapping(reg) && reg !== null ? { type: `${String(reg.type)}Decay`, coeff: reg.factor } : null;
  }
  if (block.clip_grad_by_norm !== undefined && block.clip_grad_by_norm !== null) {
    optimizer.grad_clip = { type: 'ClipGradByGlobalNorm', clip_norm: block.clip_grad_by_norm };
  } else if (block.clip_grad_by_value !== undefined && block.clip_grad_by_value !== null) {
    const v = Math.abs(numberAt(block.clip_grad_by_value, `${path}.clip_grad_by_value`));
    optimizer.grad_clip = { type: 'ClipGradByValue', max: v, min: -v };
  }
  const read = ['optimizer', 'regularizer', 'clip_grad_by_norm', 'clip_grad_by_value'];
  return {
    value: optimizer,
    ignored: Object.keys(block)
      .filter((key) => !read.includes(key))
      .map((key) => `${path}.${key}`),
  };
}

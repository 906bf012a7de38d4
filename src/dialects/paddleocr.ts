/**
 * PaddleOCR's `Optimizer:` block in dptrain's terms, as ppocr/optimizer/__init__.py, learning_rate.py and
 * optimizer.py build it: the `lr:` class becomes the Paddle schedulers it composes (epochs multiplied by the steps
 * per epoch, `warmup_epoch` a LinearWarmup from 0 over `round(warmup_epoch * step_each_epoch)` steps, Python's
 * arithmetic), the optimizer its Paddle class with the regularizer and clip PaddleOCR passes it.
 */
import { ConfigError } from '../errors.js';
import { isMapping } from '../key-path.js';
import {
  type DialectRun,
  type MissingRunVariable,
  numberAt,
  numberList,
  pyRound,
  required,
  runValue,
} from './run.js';

type Block = Readonly<Record<string, unknown>>;
type LrConfig = Record<string, unknown>;

/** PaddleOCR's learning-rate classes and the arguments each reads (the rest its `**kwargs` swallows). */
const LR_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  Linear: ['learning_rate', 'end_lr', 'power', 'warmup_epoch'],
  Cosine: ['learning_rate', 'warmup_epoch'],
  Step: ['learning_rate', 'step_size', 'gamma', 'warmup_epoch'],
  Piecewise: ['decay_epochs', 'values', 'warmup_epoch'],
  CyclicalCosine: ['learning_rate', 'cycle', 'warmup_epoch'],
  OneCycle: ['max_lr', 'anneal_strategy', 'three_phase', 'warmup_epoch'],
  Const: ['learning_rate', 'warmup_epoch'],
  DecayLearningRate: ['learning_rate', 'factor', 'end_lr'],
  MultiStepDecay: ['learning_rate', 'milestones', 'gamma', 'warmup_epoch'],
  TwoStepCosine: ['learning_rate', 'warmup_epoch'],
};

/** What a PaddleOCR block became, and the keys of it PaddleOCR itself would not have used. */
export interface Translated<T> {
  readonly value: T;
  readonly ignored: readonly string[];
}

/**
 * PaddleOCR's `Optimizer.lr` as a dptrain `lr` config (plain numbers: the run's values are applied here).
 *
 * @example
 * translatePaddleOcrLr({ name: 'Cosine', learning_rate: 0.001, warmup_epoch: 2 }, { stepsPerEpoch: 10, epochs: 5 }, 'Optimizer.lr', refuse).value;
 * // { name: 'LinearWarmup', learning_rate: { name: 'CosineAnnealingDecay', learning_rate: 0.001, T_max: 50 }, warmup_steps: 20, start_lr: 0, end_lr: 0.001 }
 */
export function translatePaddleOcrLr(
  block: unknown,
  run: DialectRun,
  path: string,
  missing: MissingRunVariable,
): Translated<LrConfig> {
  if (!isMapping(block)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping (PaddleOCR's lr block), received ${JSON.stringify(block)}`,
    );
  }
  const name = block.name;
  // build_lr_scheduler: without a name the LR is the constant learning_rate.
  if (name === undefined) {
    const lr = numberAt(
      required(block, 'learning_rate', path, 'a PaddleOCR lr block without a name'),
      `${path}.learning_rate`,
    );
    return { value: constant(lr), ignored: extraKeys(block, ['learning_rate'], path) };
  }
  if (typeof name !== 'string' || !Object.hasOwn(LR_ARGUMENTS, name)) {
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_NAME',
      `${path}.name`,
      `unknown PaddleOCR learning-rate class ${JSON.stringify(name)}; PaddleOCR's are ${Object.keys(LR_ARGUMENTS).join(', ')}`,
    );
  }
  const needer = `${path} (PaddleOCR ${name})`;
  const k = runValue(run, 'stepsPerEpoch', needer, missing);
  const epochs = () => runValue(run, 'epochs', needer, missing);
  const get = (key: string, what = `PaddleOCR's ${name}`) => required(block, key, path, what);
  const num = (key: string) => numberAt(get(key), `${path}.${key}`);
  const opt = (key: string, fallback: number) => (block[key] === undefined ? fallback : num(key));
  const warmupSteps = pyRound(opt('warmup_epoch', 0) * k);
  const warmup = (inner: LrConfig | number, endLr: number): LrConfig | number =>
    warmupSteps > 0
      ? {
          name: 'LinearWarmup',
          learning_rate: inner,
          warmup_steps: warmupSteps,
          start_lr: 0.0,
          end_lr: endLr,
        }
      : inner;
  let value: LrConfig | number;
  switch (name) {
    case 'Linear': {
      const lr = num('learning_rate');
      value = warmup(
        {
          name: 'PolynomialDecay',
          learning_rate: lr,
          decay_steps: epochs() * k,
          end_lr: opt('end_lr', 0.0),
          power: opt('power', 1.0),
        },
        lr,
      );
      break;
    }
    case 'Cosine': {
      const lr = num('learning_rate');
      value = warmup({ name: 'CosineAnnealingDecay', learning_rate: lr, T_max: k * epochs() }, lr);
      break;
    }
    case 'Step': {
      const lr = num('learning_rate');
      value = warmup(
        { name: 'StepDecay', learning_rate: lr, step_size: k * num('step_size'), gamma: num('gamma') },
        lr,
      );
      break;
    }
    case 'Piecewise': {
      const values = numberList(get('values'), `${path}.values`);
      const boundaries = numberList(get('decay_epochs'), `${path}.decay_epochs`).map((e) => k * e);
      value = warmup({ name: 'PiecewiseDecay', boundaries, values }, values[0]!);
      break;
    }
    case 'CyclicalCosine': {
      const lr = num('learning_rate');
      value = warmup(
        {
          name: 'ppocr.CyclicalCosineDecay',
          learning_rate: lr,
          T_max: k * epochs(),
          cycle: pyRound(num('cycle') * k),
        },
        lr,
      );
      break;
    }
    case 'OneCycle': {
      const maxLr = num('max_lr');
      // OneCycleDecay's fixed div_factor 25 and final_div_factor 1e4, as Paddle's OneCycleLR arguments.
      const inner: LrConfig = {
        name: 'OneCycleLR',
        max_learning_rate: maxLr,
        total_steps: epochs() * k,
        divide_factor: 25.0,
        end_learning_rate: maxLr / 25.0 / 1e4,
        phase_pct: 0.3,
        anneal_strategy: block.anneal_strategy ?? 'cos',
        three_phase: block.three_phase ?? false,
      };
      value = warmup(inner, maxLr);
      break;
    }
    case 'Const': {
      const lr = num('learning_rate');
      value = warmup(lr, lr);
      break;
    }
    case 'DecayLearningRate':
      // PaddleOCR sets end_lr to 0 whatever the block says.
      value = {
        name: 'PolynomialDecay',
        learning_rate: num('learning_rate'),
        decay_steps: k * epochs(),
        power: opt('factor', 0.9),
        end_lr: 0,
      };
      break;
    case 'MultiStepDecay': {
      const lr = num('learning_rate');
      const milestones = numberList(get('milestones'), `${path}.milestones`).map((e) => k * e);
      value = warmup({ name: 'MultiStepDecay', learning_rate: lr, milestones, gamma: num('gamma') }, lr);
      break;
    }
    default: {
      const lr = num('learning_rate');
      value = warmup(
        { name: 'ppocr.TwoStepCosineDecay', learning_rate: lr, T_max1: k * 200, T_max2: k * epochs() },
        lr,
      );
    }
  }
  return {
    value: typeof value === 'number' ? constant(value) : value,
    ignored: extraKeys(block, ['name', ...LR_ARGUMENTS[name]!], path),
  };
}

/** A constant LR as a Paddle scheduler: LambdaDecay multiplies it by 1, which leaves every bit as it is. */
function constant(lr: number): LrConfig {
  return { name: 'LambdaDecay', learning_rate: lr, lr_lambda: '1' };
}

// PaddleOCR's optimizer classes and the arguments each passes on to Paddle's; the rest (lazy_mode, AdamW's
// per-parameter no_weight_decay_name, …) has no meaning for one flat parameter vector and is reported as ignored.
const OPTIMIZERS: Readonly<Record<string, readonly string[]>> = {
  SGD: [],
  Momentum: ['momentum'],
  Adam: ['beta1', 'beta2', 'epsilon'],
  AdamW: ['beta1', 'beta2', 'epsilon'],
};

/**
 * PaddleOCR's `Optimizer:` block (without its `lr:`) as a dptrain `optimizer` config: `regularizer: {name: L2,
 * factor}` is the float PaddleOCR passes as `weight_decay` (L2Decay for SGD, Momentum and Adam, AdamW's decoupled
 * coefficient), L1 an L1Decay; `clip_norm` a ClipGradByNorm; AdamW without a regularizer decays by 0.01.
 *
 * @example
 * translatePaddleOcrOptimizer({ name: 'Adam', beta1: 0.9, lr: {}, regularizer: { name: 'L2', factor: 5e-5 } }, 'Optimizer').value;
 * // { name: 'Adam', beta1: 0.9, weight_decay: 5e-5 }
 */
export function translatePaddleOcrOptimizer(
  block: unknown,
  path: string,
): Translated<Record<string, unknown>> {
  if (!isMapping(block)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be a mapping (PaddleOCR's Optimizer block), received ${JSON.stringify(block)}`,
    );
  }
  const name = required(block, 'name', path, "PaddleOCR's build_optimizer (the optimizer class)");
  if (typeof name !== 'string' || !Object.hasOwn(OPTIMIZERS, name)) {
    throw new ConfigError(
      'ERR_CONFIG_UNKNOWN_NAME',
      `${path}.name`,
      `${JSON.stringify(name)} is not an optimizer dptrain has; it takes ${Object.keys(OPTIMIZERS).join(', ')}`,
    );
  }
  if (block.weight_decay !== undefined) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      `${path}.weight_decay`,
      'PaddleOCR passes the regularizer as weight_decay, so a weight_decay here fails there too ' +
        '("got multiple values for keyword argument"); give regularizer: {name: L2, factor: …} instead',
    );
  }
  const args = OPTIMIZERS[name]!;
  const optimizer: Record<string, unknown> = { name };
  for (const key of args) if (block[key] !== undefined) optimizer[key] = block[key];
  if (name === 'Momentum') optimizer.momentum = required(block, 'momentum', path, "PaddleOCR's Momentum");
  const decay = regularizer(block.regularizer, `${path}.regularizer`);
  if (decay !== null) optimizer.weight_decay = decay;
  else if (name === 'AdamW') optimizer.weight_decay = 0.01;
  if (block.clip_norm !== undefined) {
    optimizer.grad_clip = {
      type: 'ClipGradByNorm',
      clip_norm: numberAt(block.clip_norm, `${path}.clip_norm`),
    };
  }
  const read = ['name', 'lr', 'regularizer', 'clip_norm', ...args];
  return { value: optimizer, ignored: extraKeys(block, read, path) };
}

function regularizer(value: unknown, path: string): number | Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isMapping(value)) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      path,
      `must be {name: L1|L2, factor}, received ${JSON.stringify(value)}`,
    );
  }
  const factor = value.factor === undefined ? 0.0 : numberAt(value.factor, `${path}.factor`);
  if (value.name === 'L2') return factor;
  if (value.name === 'L1') return { type: 'L1Decay', coeff: factor };
  throw new ConfigError(
    'ERR_CONFIG_UNKNOWN_NAME',
    `${path}.name`,
    `must be L1 or L2 (PaddleOCR's L1Decay, L2Decay), received ${JSON.stringify(value.name)}`,
  );
}

function extraKeys(block: Block, read: readonly string[], path: string): string[] {
  return Object.keys(block)
    .filter((key) => !read.includes(key))
    .map((key) => `${path}.${key}`);
}

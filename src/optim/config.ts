import { ConfigError } from '../errors.js';
import { joinKeyPath } from '../key-path.js';
import { advise, boolean, closestKey, mapping, mustBe, number, oneOf, type Rule } from '../rules/index.js';
import type { OptimizerName } from './optimizer.js';

/** Every optimizer name a config may give, as Paddle spells the class. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze(['SGD', 'Momentum', 'Adam', 'AdamW']);

/** Momentum's `momentum` (Paddle's default). */
export const DEFAULT_MOMENTUM = 0.9;
/** Momentum's `use_nesterov`. */
export const DEFAULT_USE_NESTEROV = false;
/** Momentum's `rescale_grad` (honoured as on GPU; Paddle's CPU kernel ignores it). */
export const DEFAULT_RESCALE_GRAD = 1.0;
/** Adam/AdamW `beta1`. */
export const DEFAULT_BETA1 = 0.9;
/** Adam/AdamW `beta2`. */
export const DEFAULT_BETA2 = 0.999;
/** Adam/AdamW `epsilon`. */
export const DEFAULT_EPSILON = 1e-8;
/** Adam/AdamW `amsgrad`. */
export const DEFAULT_AMSGRAD = false;
/** AdamW's decoupled `weight_decay`; SGD, Momentum and Adam default to no decay. */
export const DEFAULT_ADAMW_WEIGHT_DECAY = 0.01;
/** AdamW's `lr_ratio` (the value Paddle's callable would return). */
export const DEFAULT_LR_RATIO = 1.0;
/** AdamW's `apply_decay` (what `apply_decay_param_fun` would return; none given means decay). */
export const DEFAULT_APPLY_DECAY = true;

/** `paddle.regularizer.L2Decay` / `L1Decay`: a coupled term added to the (clipped) gradient. */
export interface DecaySpec {
  readonly type: 'L2Decay' | 'L1Decay';
  readonly coeff: number;
}

/** `paddle.nn.ClipGradBy*`; `min` of ClipGradByValue is already resolved (`-max` when not given). */
export type ClipSpec =
  | { readonly type: 'ClipGradByGlobalNorm'; readonly clip_norm: number }
  | { readonly type: 'ClipGradByNorm'; readonly clip_norm: number }
  | { readonly type: 'ClipGradByValue'; readonly max: number; readonly min: number };

/** `paddle.optimizer.SGD` arguments. */
export interface SgdSpec {
  readonly name: 'SGD';
  readonly weight_decay: DecaySpec | null;
  readonly grad_clip: ClipSpec | null;
}

/** `paddle.optimizer.Momentum` arguments; an L2 `weight_decay` is fused into its kernel. */
export interface MomentumSpec {
  readonly name: 'Momentum';
  readonly momentum: number;
  readonly use_nesterov: boolean;
  readonly rescale_grad: number;
  readonly weight_decay: DecaySpec | null;
  readonly grad_clip: ClipSpec | null;
}

/** `paddle.optimizer.Adam` arguments; `weight_decay` is coupled (added to the gradient). */
export interface AdamSpec {
  readonly name: 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  readonly weight_decay: DecaySpec | null;
  readonly grad_clip: ClipSpec | null;
}

/** `paddle.optimizer.AdamW` arguments; `weight_decay` is decoupled (scales the params). */
export interface AdamWSpec {
  readonly name: 'AdamW';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  /** The decoupled coefficient (a number, never a regularizer). */
  readonly weight_decay: number;
  /** What Paddle's `lr_ratio(param)` callable would return. */
  readonly lr_ratio: number;
  /** What Paddle's `apply_decay_param_fun(param.name)` would return. */
  readonly apply_decay: boolean;
  readonly grad_clip: ClipSpec | null;
}

/** A checked optimizer config with every default filled in (frozen). */
export type OptimizerSpec = SgdSpec | MomentumSpec | AdamSpec | AdamWSpec;

const ARGUMENTS: Readonly<Record<OptimizerName, readonly string[]>> = {
  SGD: ['weight_decay', 'grad_clip'],
  Momentum: ['momentum', 'use_nesterov', 'rescale_grad', 'weight_decay', 'grad_clip'],
  Adam: ['beta1', 'beta2', 'epsilon', 'amsgrad', 'weight_decay', 'grad_clip'],
  AdamW: ['beta1', 'beta2', 'epsilon', 'weight_decay', 'lr_ratio', 'apply_decay', 'amsgrad', 'grad_clip'],
};

/** Paddle arguments a flat-vector optimizer does not take, with what to do instead. */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  learning_rate:
    'the learning rate comes from the `lr:` section (the coordinator schedules it); move it there',
  parameters: 'dptrain optimizes the whole model as one flat vector; remove it',
  apply_decay_param_fun: 'give `apply_decay: true|false`, the value the function would return',
  multi_precision: 'parameters are always float32; remove it',
  lazy_mode: 'gradients are always dense; remove it',
  use_multi_tensor: 'the vector is already one flat tensor; remove it',
};

const CLIP_ARGUMENTS = {
  ClipGradByGlobalNorm: ['type', 'clip_norm'],
  ClipGradByNorm: ['type', 'clip_norm'],
  ClipGradByValue: ['type', 'max', 'min'],
} as const;
type ClipType = keyof typeof CLIP_ARGUMENTS;

const DECAY_TYPES: readonly DecaySpec['type'][] = ['L2Decay', 'L1Decay'];

/**
 * Checks an `optimizer:` config and fills Paddle's defaults; every refusal is a ConfigError whose `path` is
 * the key path under `path`.
 *
 * @example
 * parseOptimizerConfig({ name: 'Momentum', weight_decay: 1e-4 }); // { name: 'Momentum', momentum: 0.9, … }
 */
export function parseOptimizerConfig(config: unknown, path = 'optimizer'): OptimizerSpec {
  const object = valueAt(config, path, mapping(`with a name: ${OPTIMIZER_NAMES.join(', ')}`));
  const name = parseName(object['name'], joinKeyPath(path, 'name'), optimizerName);
  for (const key of Object.keys(object)) {
    if (key !== 'name' && !ARGUMENTS[name].includes(key)) throw unknownKey(name, key, joinKeyPath(path, key));
  }
  const at = (key: string): string => joinKeyPath(path, key);
  const grad_clip = parseClip(object['grad_clip'], at('grad_clip'));
  switch (name) {
    case 'SGD':
      return Object.freeze({
        name,
        weight_decay: parseDecay(object['weight_decay'], at('weight_decay')),
        grad_clip,
      });
    case 'Momentum':
      return Object.freeze({
        name,
        momentum: optional(object['momentum'], at('momentum'), atLeastZero, DEFAULT_MOMENTUM),
        use_nesterov: optional(object['use_nesterov'], at('use_nesterov'), boolean, DEFAULT_USE_NESTEROV),
        rescale_grad: optional(object['rescale_grad'], at('rescale_grad'), positive, DEFAULT_RESCALE_GRAD),
        weight_decay: parseDecay(object['weight_decay'], at('weight_decay')),
        grad_clip,
      });
    case 'Adam':
      return Object.freeze({
        name,
        ...parseAdamCore(object, path),
        weight_decay: parseDecay(object['weight_decay'], at('weight_decay')),
        grad_clip,
      });
    case 'AdamW':
      return Object.freeze({
        name,
        ...parseAdamCore(object, path),
        weight_decay: optional(
          object['weight_decay'],
          at('weight_decay'),
          decoupledDecay,
          DEFAULT_ADAMW_WEIGHT_DECAY,
        ),
        lr_ratio: optional(object['lr_ratio'], at('lr_ratio'), positive, DEFAULT_LR_RATIO),
        apply_decay: optional(object['apply_decay'], at('apply_decay'), boolean, DEFAULT_APPLY_DECAY),
        grad_clip,
      });
  }
}

const atLeastZero = number({ min: 0 });
const positive = number({ above: 0 });
const unitInterval = number({ min: 0, below: 1 });
const anyFinite = number();
const optimizerName = oneOf(...OPTIMIZER_NAMES);
const decayType = oneOf(...DECAY_TYPES);
const clipType = oneOf(...(Object.keys(CLIP_ARGUMENTS) as ClipType[]));

function parseAdamCore(object: Readonly<Record<string, unknown>>, path: string) {
  const at = (key: string): string => joinKeyPath(path, key);
  return {
    beta1: optional(object['beta1'], at('beta1'), unitInterval, DEFAULT_BETA1),
    beta2: optional(object['beta2'], at('beta2'), unitInterval, DEFAULT_BETA2),
    epsilon: optional(object['epsilon'], at('epsilon'), positive, DEFAULT_EPSILON),
    amsgrad: optional(object['amsgrad'], at('amsgrad'), boolean, DEFAULT_AMSGRAD),
  };
}

/** A class name (`name`, a regularizer's `type`): missing when absent, an unknown name when not a choice. */
function parseName<T>(value: unknown, path: string, rule: Rule<T>): T {
  if (value === undefined) {
    throw new ConfigError('ERR_CONFIG_MISSING_KEY', path, `is required: ${rule.allowed}`);
  }
  return valueAt(value, path, rule, 'ERR_CONFIG_UNKNOWN_NAME');
}

function unknownKey(name: OptimizerName, key: string, path: string): ConfigError {
  const instead = NOT_TAKEN[key];
  const known = `${name} takes ${ARGUMENTS[name].join(', ')}`;
  const close = closestKey(key, ARGUMENTS[name]);
  const hint = close === undefined ? '' : ` (did you mean ${close}?)`;
  return new ConfigError(
    'ERR_CONFIG_UNKNOWN_KEY',
    path,
    instead === undefined
      ? `is not an argument of ${name}${hint}: ${known}`
      : `is not taken here: ${instead}`,
  );
}

/** `weight_decay` of SGD, Momentum and Adam: a number (L2Decay) or `{type: L2Decay|L1Decay, coeff}`. */
function parseDecay(value: unknown, path: string): DecaySpec | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    return Object.freeze({ type: 'L2Decay', coeff: valueAt(value, path, atLeastZero) });
  }
  const object = valueAt(
    value,
    path,
    mapping('{type: L2Decay|L1Decay, coeff}, or a number: the L2Decay coeff'),
  );
  checkKeys(object, ['type', 'coeff'], path, 'a regularizer');
  return Object.freeze({
    type: parseName(object['type'], joinKeyPath(path, 'type'), decayType),
    coeff: required(object, 'coeff', path, atLeastZero),
  });
}

/** AdamW's `weight_decay`: the decoupled coefficient, a number (Paddle refuses regularizer objects). */
const decoupledDecay = advise(atLeastZero, (value) =>
  typeof value === 'number'
    ? undefined
    : "AdamW's weight_decay is the decoupled coefficient (0 means no decay); L2Decay/L1Decay are refused as in Paddle",
);

/** `grad_clip`: `{clip_norm}` (global norm) or `{type: ClipGradByGlobalNorm|ClipGradByNorm|ClipGradByValue, …}`. */
function parseClip(value: unknown, path: string): ClipSpec | null {
  if (value === undefined || value === null) return null;
  const object = valueAt(
    value,
    path,
    mapping('such as {clip_norm: 1.0} or {type: ClipGradByValue, max: 1.0}'),
  );
  const given = object['type'] ?? 'ClipGradByGlobalNorm';
  const type = valueAt(given, joinKeyPath(path, 'type'), clipType, 'ERR_CONFIG_UNKNOWN_NAME');
  const without = object['type'] === undefined ? ' (without `type`, grad_clip is ClipGradByGlobalNorm)' : '';
  checkKeys(object, CLIP_ARGUMENTS[type], path, `${type}${without}`);
  if (type !== 'ClipGradByValue') {
    return Object.freeze({ type, clip_norm: required(object, 'clip_norm', path, positive) });
  }
  const max = required(object, 'max', path, anyFinite);
  const minValue = object['min'];
  if (minValue === undefined || minValue === null) {
    if (!(max > 0)) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        joinKeyPath(path, 'max'),
        `must be > 0 when min is not given (min defaults to -max), received ${max}`,
      );
    }
    return Object.freeze({ type, max, min: -max });
  }
  const min = valueAt(minValue, joinKeyPath(path, 'min'), anyFinite);
  if (min > max) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      joinKeyPath(path, 'min'),
      `must be <= max (${max}), received ${min}`,
    );
  }
  return Object.freeze({ type, max, min });
}

function checkKeys(
  object: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  path: string,
  what: string,
) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        'ERR_CONFIG_UNKNOWN_KEY',
        joinKeyPath(path, key),
        `is not an argument of ${what}: it takes ${allowed.join(', ')}`,
      );
    }
  }
}

type RefusalCode = 'ERR_CONFIG_BAD_VALUE' | 'ERR_CONFIG_UNKNOWN_NAME';

/** A value checked with a rule; a refusal is a ConfigError at `path` (a bad value unless `code` says else). */
function valueAt<T>(
  value: unknown,
  path: string,
  rule: Rule<T>,
  code: RefusalCode = 'ERR_CONFIG_BAD_VALUE',
): T {
  const checked = rule.check(value);
  if (checked.ok) return checked.value;
  throw new ConfigError(code, path, mustBe(checked.allowed, value, checked.hint));
}

/** A key Paddle gives a default: absent (undefined) means the default. */
function optional<T>(value: unknown, path: string, rule: Rule<T>, fallback: T): T {
  return value === undefined ? fallback : valueAt(value, path, rule);
}

/** A key without a default: absent or null is ERR_CONFIG_MISSING_KEY. */
function required<T>(object: Readonly<Record<string, unknown>>, key: string, path: string, rule: Rule<T>): T {
  const value = object[key];
  if (value === undefined || value === null) {
    throw new ConfigError('ERR_CONFIG_MISSING_KEY', joinKeyPath(path, key), `is required: ${rule.allowed}`);
  }
  return valueAt(value, joinKeyPath(path, key), rule);
}

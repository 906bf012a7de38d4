import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigErrorCode } from '../../src/errors.js';
import {
  DEFAULT_ADAMW_WEIGHT_DECAY,
  DEFAULT_BETA1,
  DEFAULT_BETA2,
  DEFAULT_EPSILON,
  DEFAULT_MOMENTUM,
  parseOptimizerConfig,
} from '../../src/optim/index.js';

function refusal(config: unknown, path?: string): ConfigError {
  try {
    parseOptimizerConfig(config, path);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

describe('parseOptimizerConfig', () => {
  it("fills Paddle's defaults for each optimizer", () => {
    expect(parseOptimizerConfig({ name: 'SGD' })).toEqual({
      name: 'SGD',
      weight_decay: null,
      grad_clip: null,
    });
    expect(parseOptimizerConfig({ name: 'Momentum' })).toEqual({
      name: 'Momentum',
      momentum: DEFAULT_MOMENTUM,
      use_nesterov: false,
      rescale_grad: 1,
      weight_decay: null,
      grad_clip: null,
    });
    expect(parseOptimizerConfig({ name: 'Adam' })).toEqual({
      name: 'Adam',
      beta1: DEFAULT_BETA1,
      beta2: DEFAULT_BETA2,
      epsilon: DEFAULT_EPSILON,
      amsgrad: false,
      weight_decay: null,
      grad_clip: null,
    });
    expect(parseOptimizerConfig({ name: 'AdamW' })).toEqual({
      name: 'AdamW',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      amsgrad: false,
      weight_decay: DEFAULT_ADAMW_WEIGHT_DECAY,
      lr_ratio: 1,
      apply_decay: true,
      grad_clip: null,
    });
    expect(DEFAULT_ADAMW_WEIGHT_DECAY).toBe(0.01);
  });

  it('reads a number weight_decay as L2Decay and keeps an L1Decay/L2Decay object', () => {
    expect(parseOptimizerConfig({ name: 'SGD', weight_decay: 1e-4 }).weight_decay).toEqual({
      type: 'L2Decay',
      coeff: 1e-4,
    });
    expect(
      parseOptimizerConfig({ name: 'Adam', weight_decay: { type: 'L1Decay', coeff: 0.2 } }).weight_decay,
    ).toEqual({
      type: 'L1Decay',
      coeff: 0.2,
    });
    expect(parseOptimizerConfig({ name: 'Momentum', weight_decay: null }).weight_decay).toBeNull();
  });

  it('reads {clip_norm} as a global-norm clip and resolves the default min of ClipGradByValue', () => {
    expect(parseOptimizerConfig({ name: 'SGD', grad_clip: { clip_norm: 1 } }).grad_clip).toEqual({
      type: 'ClipGradByGlobalNorm',
      clip_norm: 1,
    });
    expect(
      parseOptimizerConfig({ name: 'SGD', grad_clip: { type: 'ClipGradByNorm', clip_norm: 2 } }).grad_clip,
    ).toEqual({ type: 'ClipGradByNorm', clip_norm: 2 });
    expect(
      parseOptimizerConfig({ name: 'SGD', grad_clip: { type: 'ClipGradByValue', max: 0.5, min: null } })
        .grad_clip,
    ).toEqual({ type: 'ClipGradByValue', max: 0.5, min: -0.5 });
    expect(
      parseOptimizerConfig({ name: 'SGD', grad_clip: { type: 'ClipGradByValue', max: 2, min: 1 } }).grad_clip,
    ).toEqual({ type: 'ClipGradByValue', max: 2, min: 1 });
  });

  it('returns a frozen object, nested parts included', () => {
    const spec = parseOptimizerConfig({ name: 'SGD', weight_decay: 0.1, grad_clip: { clip_norm: 1 } });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.weight_decay)).toBe(true);
    expect(Object.isFrozen(spec.grad_clip)).toBe(true);
  });

  it('refuses learning_rate and says the LR comes from the lr: section', () => {
    const error = refusal({ name: 'Adam', learning_rate: 0.001 });
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.path).toBe('optimizer.learning_rate');
    expect(error.message).toContain('`lr:`');
  });

  it('refuses an unknown name and lists the known ones', () => {
    const error = refusal({ name: 'RMSProp' });
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_NAME');
    expect(error.path).toBe('optimizer.name');
    for (const name of ['SGD', 'Momentum', 'Adam', 'AdamW']) expect(error.message).toContain(name);
  });

  it('suggests the name or argument a typo meant', () => {
    const name = refusal({ name: 'Adamm' });
    expect(name.code).toBe('ERR_CONFIG_UNKNOWN_NAME');
    expect(name.message).toBe(
      'optimizer.name: must be one of SGD, Momentum, Adam, AdamW, received "Adamm"; did you mean Adam?',
    );
    const argument = refusal({ name: 'Momentum', momentun: 0.8 });
    expect(argument.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(argument.message).toContain('is not an argument of Momentum (did you mean momentum?)');
  });

  const cases: readonly (readonly [string, unknown, ConfigErrorCode, string])[] = [
    ['a config that is not an object', ['Adam'], 'ERR_CONFIG_BAD_VALUE', 'optimizer'],
    ['a missing name', { momentum: 0.9 }, 'ERR_CONFIG_MISSING_KEY', 'optimizer.name'],
    ['a name in the wrong case', { name: 'adam' }, 'ERR_CONFIG_UNKNOWN_NAME', 'optimizer.name'],
    [
      'an argument of another optimizer',
      { name: 'SGD', momentum: 0.9 },
      'ERR_CONFIG_UNKNOWN_KEY',
      'optimizer.momentum',
    ],
    ['lr_ratio on Adam', { name: 'Adam', lr_ratio: 0.5 }, 'ERR_CONFIG_UNKNOWN_KEY', 'optimizer.lr_ratio'],
    [
      'multi_precision',
      { name: 'Adam', multi_precision: true },
      'ERR_CONFIG_UNKNOWN_KEY',
      'optimizer.multi_precision',
    ],
    [
      'a negative momentum',
      { name: 'Momentum', momentum: -0.1 },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.momentum',
    ],
    [
      'a momentum given as a string',
      { name: 'Momentum', momentum: '0.9' },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.momentum',
    ],
    [
      'use_nesterov as a string',
      { name: 'Momentum', use_nesterov: 'yes' },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.use_nesterov',
    ],
    [
      'rescale_grad of 0',
      { name: 'Momentum', rescale_grad: 0 },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.rescale_grad',
    ],
    ['beta1 of 1', { name: 'Adam', beta1: 1 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.beta1'],
    ['a negative beta2', { name: 'AdamW', beta2: -0.5 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.beta2'],
    ['epsilon of 0', { name: 'Adam', epsilon: 0 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.epsilon'],
    ['a NaN epsilon', { name: 'Adam', epsilon: Number.NaN }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.epsilon'],
    ['amsgrad as a number', { name: 'Adam', amsgrad: 1 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.amsgrad'],
    [
      'a negative weight_decay',
      { name: 'SGD', weight_decay: -1e-4 },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    [
      'weight_decay as a string',
      { name: 'SGD', weight_decay: 'l2' },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    [
      'an unknown regularizer',
      { name: 'Adam', weight_decay: { type: 'L3Decay', coeff: 1 } },
      'ERR_CONFIG_UNKNOWN_NAME',
      'optimizer.weight_decay.type',
    ],
    [
      'a regularizer without coeff',
      { name: 'Adam', weight_decay: { type: 'L1Decay' } },
      'ERR_CONFIG_MISSING_KEY',
      'optimizer.weight_decay.coeff',
    ],
    [
      'a regularizer without type',
      { name: 'SGD', weight_decay: { coeff: 0.1 } },
      'ERR_CONFIG_MISSING_KEY',
      'optimizer.weight_decay.type',
    ],
    [
      'an unknown key in a regularizer',
      { name: 'SGD', weight_decay: { type: 'L2Decay', coeff: 0.1, rate: 1 } },
      'ERR_CONFIG_UNKNOWN_KEY',
      'optimizer.weight_decay.rate',
    ],
    [
      'a regularizer object for AdamW',
      { name: 'AdamW', weight_decay: { type: 'L2Decay', coeff: 0.01 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    [
      'a null AdamW weight_decay',
      { name: 'AdamW', weight_decay: null },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    ['lr_ratio of 0', { name: 'AdamW', lr_ratio: 0 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.lr_ratio'],
    [
      'apply_decay as a number',
      { name: 'AdamW', apply_decay: 0 },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.apply_decay',
    ],
    [
      'clip_norm of 0',
      { name: 'SGD', grad_clip: { clip_norm: 0 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.grad_clip.clip_norm',
    ],
    [
      'a negative ClipGradByNorm clip_norm',
      { name: 'SGD', grad_clip: { type: 'ClipGradByNorm', clip_norm: -1 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.grad_clip.clip_norm',
    ],
    [
      'a clip without clip_norm',
      { name: 'SGD', grad_clip: { type: 'ClipGradByGlobalNorm' } },
      'ERR_CONFIG_MISSING_KEY',
      'optimizer.grad_clip.clip_norm',
    ],
    [
      'an unknown clip type',
      { name: 'SGD', grad_clip: { type: 'ClipGradByMagic', clip_norm: 1 } },
      'ERR_CONFIG_UNKNOWN_NAME',
      'optimizer.grad_clip.type',
    ],
    [
      'max without type (a global-norm clip)',
      { name: 'SGD', grad_clip: { max: 1 } },
      'ERR_CONFIG_UNKNOWN_KEY',
      'optimizer.grad_clip.max',
    ],
    [
      'ClipGradByValue without max',
      { name: 'SGD', grad_clip: { type: 'ClipGradByValue', min: -1 } },
      'ERR_CONFIG_MISSING_KEY',
      'optimizer.grad_clip.max',
    ],
    [
      'ClipGradByValue with max <= 0 and no min',
      { name: 'SGD', grad_clip: { type: 'ClipGradByValue', max: -1 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.grad_clip.max',
    ],
    [
      'ClipGradByValue with min > max',
      { name: 'SGD', grad_clip: { type: 'ClipGradByValue', max: 1, min: 2 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.grad_clip.min',
    ],
    ['grad_clip as a number', { name: 'SGD', grad_clip: 1 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.grad_clip'],
  ];

  it.each(cases)('refuses %s', (_, config, code, path) => {
    const error = refusal(config);
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
  });

  it('names the value received in the message', () => {
    expect(refusal({ name: 'Adam', beta1: 1.5 }).message).toContain('received 1.5');
    expect(refusal({ name: 'Momentum', momentum: '0.9' }).message).toContain('received "0.9"');
  });

  it('uses the path it is given, and bare keys for an empty path', () => {
    expect(refusal({ name: 'SGD', grad_clip: { clip_norm: -1 } }, 'run.opt').path).toBe(
      'run.opt.grad_clip.clip_norm',
    );
    expect(refusal({ name: 'Adam', epsilon: -1 }, '').path).toBe('epsilon');
  });
});

describe('parseOptimizerConfig range boundaries', () => {
  it.each([
    ['beta1 0 (included)', { name: 'Adam', beta1: 0 }],
    ['beta2 0.999999 (below 1)', { name: 'Adam', beta2: 0.999999 }],
    ['momentum 0 (included)', { name: 'Momentum', momentum: 0 }],
    ['momentum -0 (is 0)', { name: 'Momentum', momentum: -0 }],
    ['weight_decay 0', { name: 'SGD', weight_decay: 0 }],
    ['the smallest epsilon > 0', { name: 'Adam', epsilon: 5e-324 }],
  ])('accepts %s', (_, config) => {
    expect(() => parseOptimizerConfig(config)).not.toThrow();
  });

  it.each([
    ['beta1 1 (excluded)', { name: 'Adam', beta1: 1 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.beta1'],
    ['beta2 -0.1', { name: 'AdamW', beta2: -0.1 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.beta2'],
    ['epsilon 0 (excluded)', { name: 'Adam', epsilon: 0 }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.epsilon'],
    [
      'momentum NaN',
      { name: 'Momentum', momentum: Number.NaN },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.momentum',
    ],
    [
      'rescale_grad Infinity',
      { name: 'Momentum', rescale_grad: Number.POSITIVE_INFINITY },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.rescale_grad',
    ],
    [
      'use_nesterov "true"',
      { name: 'Momentum', use_nesterov: 'true' },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.use_nesterov',
    ],
    ['amsgrad null', { name: 'Adam', amsgrad: null }, 'ERR_CONFIG_BAD_VALUE', 'optimizer.amsgrad'],
    [
      'weight_decay -1e-9',
      { name: 'SGD', weight_decay: -1e-9 },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    [
      'a regularizer type of null',
      { name: 'SGD', weight_decay: { type: null, coeff: 1 } },
      'ERR_CONFIG_UNKNOWN_NAME',
      'optimizer.weight_decay.type',
    ],
    [
      "AdamW's weight_decay as a regularizer",
      { name: 'AdamW', weight_decay: { type: 'L2Decay', coeff: 0.1 } },
      'ERR_CONFIG_BAD_VALUE',
      'optimizer.weight_decay',
    ],
    ['a name of null', { name: null }, 'ERR_CONFIG_UNKNOWN_NAME', 'optimizer.name'],
    ['a lower-case name', { name: 'adam' }, 'ERR_CONFIG_UNKNOWN_NAME', 'optimizer.name'],
    ['a config of null', null, 'ERR_CONFIG_BAD_VALUE', 'optimizer'],
  ] as const)('refuses %s', (_, config, code, path) => {
    const error = refusal(config);
    expect({ code: error.code, path: error.path }).toEqual({ code, path });
  });
});

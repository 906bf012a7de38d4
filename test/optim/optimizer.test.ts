import { describe, expect, it } from 'vitest';
import { OptimizerError } from '../../src/errors.js';
import {
  createOptimizer,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
} from '../../src/optim/index.js';
import { CONFIGS } from './arbitraries.js';
import { bits, stateBits } from './golden.js';

const ramp = (n: number, scale: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => (i - 2) * scale);

function trained(config: OptimizerConfig, steps = 3): Optimizer {
  const optimizer = createOptimizer(config, { sizes: [5] });
  const params = ramp(5, 0.5);
  for (let t = 0; t < steps; t++) optimizer.step(params, ramp(5, 0.1 + t), 0.01);
  return optimizer;
}

function expectStateFault(optimizer: Optimizer, state: OptimizerState): void {
  const call = () => optimizer.setStateDict(state);
  expect(call).toThrow(OptimizerError);
  expect(call).toThrow(expect.objectContaining({ code: 'ERR_OPTIM_STATE' }));
}

describe('Optimizer.step', () => {
  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))(
    'refuses params or grad of another length and leaves both untouched: %s',
    (_, config) => {
      const optimizer = createOptimizer(config, { sizes: [2, 3] });
      for (const [params, grad] of [
        [ramp(4, 1), ramp(5, 1)],
        [ramp(5, 1), ramp(6, 1)],
      ] as const) {
        const before = [bits(params), bits(grad)];
        const call = () => optimizer.step(params, grad, 0.1);
        expect(call).toThrow(OptimizerError);
        expect(call).toThrow(expect.objectContaining({ code: 'ERR_OPTIM_SIZE' }));
        expect([bits(params), bits(grad)]).toEqual(before);
      }
    },
  );

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -0.1])(
    'refuses the learning rate %s (ERR_OPTIM_ARGUMENT)',
    (lr) => {
      const optimizer = createOptimizer({ name: 'SGD' }, { sizes: [5] });
      expect(() => optimizer.step(ramp(5, 1), ramp(5, 1), lr)).toThrow(
        expect.objectContaining({ code: 'ERR_OPTIM_ARGUMENT' }),
      );
    },
  );
});

describe('Optimizer.stateDict', () => {
  it('lists exactly the Paddle accumulators of each optimizer', () => {
    expect(Object.keys(trained({ name: 'SGD' }).stateDict())).toEqual([]);
    expect(Object.keys(trained({ name: 'Momentum' }).stateDict())).toEqual(['velocity']);
    expect(Object.keys(trained({ name: 'Adam' }).stateDict())).toEqual([
      'moment1',
      'moment2',
      'beta1_pow_acc',
      'beta2_pow_acc',
    ]);
    expect(Object.keys(trained({ name: 'AdamW', amsgrad: true }).stateDict())).toEqual([
      'moment1',
      'moment2',
      'moment2_max',
      'beta1_pow_acc',
      'beta2_pow_acc',
    ]);
  });

  it('returns copies that later steps and edits do not reach', () => {
    const optimizer = trained({ name: 'Adam' });
    const snapshot = optimizer.stateDict();
    const saved = stateBits(snapshot);
    optimizer.step(ramp(5, 1), ramp(5, 1), 0.1);
    expect(stateBits(snapshot)).toEqual(saved);
    const current = stateBits(optimizer.stateDict());
    snapshot['moment1']!.fill(7);
    expect(stateBits(optimizer.stateDict())).toEqual(current);
  });
});

describe('Optimizer.setStateDict', () => {
  it('copies the state in, so later edits of the given arrays do not reach the optimizer', () => {
    const state = trained({ name: 'Momentum' }).stateDict();
    const optimizer = createOptimizer({ name: 'Momentum' }, { sizes: [5] });
    optimizer.setStateDict(state);
    const loaded = stateBits(optimizer.stateDict());
    state['velocity']!.fill(3);
    expect(stateBits(optimizer.stateDict())).toEqual(loaded);
  });

  it('refuses a state that lacks an accumulator', () => {
    const { moment2: _, ...partial } = trained({ name: 'Adam' }).stateDict();
    expectStateFault(createOptimizer({ name: 'Adam' }, { sizes: [5] }), partial);
  });

  it('refuses an accumulator this config does not keep (moment2_max without amsgrad, any key for SGD)', () => {
    expectStateFault(
      createOptimizer({ name: 'AdamW' }, { sizes: [5] }),
      trained({ name: 'AdamW', amsgrad: true }).stateDict(),
    );
    expectStateFault(createOptimizer({ name: 'SGD' }, { sizes: [5] }), { velocity: new Float32Array(5) });
  });

  it('refuses accumulators of the wrong length or element type', () => {
    const momentum = createOptimizer({ name: 'Momentum' }, { sizes: [5] });
    expectStateFault(momentum, { velocity: new Float32Array(4) });
    expectStateFault(momentum, { velocity: new Float64Array(5) as unknown as Float32Array });
    const adam = trained({ name: 'Adam' }).stateDict();
    expectStateFault(createOptimizer({ name: 'Adam' }, { sizes: [5] }), {
      ...adam,
      beta1_pow_acc: new Float32Array(2),
    });
  });

  it.each([1, 1.5, -0.1, Number.NaN])('refuses a beta power of %s', (pow) => {
    const adam = trained({ name: 'Adam' }).stateDict();
    expectStateFault(createOptimizer({ name: 'Adam' }, { sizes: [5] }), {
      ...adam,
      beta2_pow_acc: Float32Array.of(pow),
    });
  });

  it('leaves the optimizer unchanged when it refuses a state', () => {
    const optimizer = trained({ name: 'Adam' });
    const before = stateBits(optimizer.stateDict());
    expectStateFault(optimizer, {
      ...trained({ name: 'Adam' }, 1).stateDict(),
      beta1_pow_acc: Float32Array.of(2),
    });
    expect(stateBits(optimizer.stateDict())).toEqual(before);
  });

  it('accepts the empty state of SGD', () => {
    const optimizer = createOptimizer({ name: 'SGD' }, { sizes: [5] });
    expect(() => optimizer.setStateDict({})).not.toThrow();
  });
});

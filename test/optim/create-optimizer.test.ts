import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, OptimizerError } from '../../src/errors.js';
import { createOptimizer, OPTIMIZER_NAMES } from '../../src/optim/index.js';
import { CONFIGS, runArbitrary } from './arbitraries.js';
import { bits, GOLDEN, stateBits } from './golden.js';

const configName = (config: object): string => JSON.stringify(config);

describe('createOptimizer', () => {
  it.each(CONFIGS.map((c) => [configName(c), c] as const))(
    'never writes the gradient it is given: %s',
    (_, config) => {
      fc.assert(
        fc.property(runArbitrary(), (run) => {
          const optimizer = createOptimizer(config, { sizes: run.sizes });
          const params = run.params.slice();
          for (const { grad, lr } of run.steps) {
            const before = bits(grad);
            optimizer.step(params, grad, lr);
            expect(bits(grad)).toEqual(before);
          }
        }),
        { numRuns: 40 },
      );
    },
  );

  it.each(CONFIGS.map((c) => [configName(c), c] as const))(
    'save, restore into a fresh optimizer and continue gives the uninterrupted run bit for bit: %s',
    (_, config) => {
      fc.assert(
        fc.property(runArbitrary(8), fc.nat(), (run, cut) => {
          const split = cut % (run.steps.length + 1);
          const layout = { sizes: run.sizes };
          const straight = createOptimizer(config, layout);
          const straightParams = run.params.slice();
          for (const { grad, lr } of run.steps) straight.step(straightParams, grad, lr);

          const first = createOptimizer(config, layout);
          const params = run.params.slice();
          for (const { grad, lr } of run.steps.slice(0, split)) first.step(params, grad, lr);
          const resumed = createOptimizer(config, layout);
          resumed.setStateDict(first.stateDict());
          for (const { grad, lr } of run.steps.slice(split)) resumed.step(params, grad, lr);

          expect(bits(params)).toEqual(bits(straightParams));
          expect(stateBits(resumed.stateDict())).toEqual(stateBits(straight.stateDict()));
        }),
        { numRuns: 30 },
      );
    },
  );

  it('has every golden case run by one of the per-optimizer suites (20 cases, four known types)', () => {
    expect(GOLDEN).toHaveLength(20);
    for (const c of GOLDEN) expect(OPTIMIZER_NAMES).toContain(c.optimizer.type);
  });

  it('reports the name it was given and the size of the whole layout', () => {
    const optimizer = createOptimizer({ name: 'AdamW' }, { sizes: [3, 0, 4], names: ['w', 'empty', 'b'] });
    expect(optimizer.name).toBe('AdamW');
    expect(optimizer.size).toBe(7);
    expect(createOptimizer({ name: 'Momentum' }, { sizes: [5] }).name).toBe('Momentum');
  });

  it('prefixes config error paths with the path it is given', () => {
    const call = () => createOptimizer({ name: 'Adam', beta1: 1 }, { sizes: [3] }, 'run.optimizer');
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_BAD_VALUE', path: 'run.optimizer.beta1' }),
    );
  });

  it.each([
    ['sizes that are not integers', { sizes: [2.5] }],
    ['negative sizes', { sizes: [3, -1] }],
    ['sizes that are not a list', { sizes: 7 as unknown as number[] }],
    ['names that do not match sizes', { sizes: [3, 4], names: ['w'] }],
  ])('refuses a layout with %s (ERR_OPTIM_ARGUMENT)', (_, layout) => {
    const call = () => createOptimizer({ name: 'SGD' }, layout);
    expect(call).toThrow(OptimizerError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_OPTIM_ARGUMENT' }));
  });
});

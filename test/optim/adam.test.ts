import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/optim/index.js';
import { runArbitrary } from './arbitraries.js';
import { bits, stateBits } from './golden.js';
import { itMatchesGolden } from './golden-cases.js';

const { fround } = Math;

describe('Adam', () => {
  itMatchesGolden('Adam');

  it('keeps the beta pows as a float32 multiply chain that starts at beta', () => {
    const optimizer = createOptimizer({ name: 'Adam', beta1: 0.8, beta2: 0.95 }, { sizes: [2] });
    const b1 = fround(0.8);
    const b2 = fround(0.95);
    expect(optimizer.stateDict()['beta1_pow_acc']![0]).toBe(b1);
    const params = Float32Array.of(1, 2);
    for (let t = 0; t < 3; t++) optimizer.step(params, Float32Array.of(0.1, -0.2), 0.01);
    const state = optimizer.stateDict();
    expect(state['beta1_pow_acc']![0]).toBe(fround(b1 * fround(b1 * fround(b1 * b1))));
    expect(state['beta2_pow_acc']![0]).toBe(fround(b2 * fround(b2 * fround(b2 * b2))));
  });

  it('with amsgrad, stores the raw second moment and keeps its running maximum apart', () => {
    const optimizer = createOptimizer({ name: 'Adam', amsgrad: true }, { sizes: [1] });
    const params = Float32Array.of(1);
    optimizer.step(params, Float32Array.of(2), 0.01);
    const peak = optimizer.stateDict()['moment2']![0]!;
    optimizer.step(params, Float32Array.of(0), 0.01);
    const state = optimizer.stateDict();
    expect(state['moment2']![0]).toBe(fround(fround(0.999) * peak));
    expect(state['moment2_max']![0]).toBe(peak);
  });
});

describe('AdamW', () => {
  itMatchesGolden('AdamW');

  it.each([[{ apply_decay: false, weight_decay: 0.3 }], [{ weight_decay: 0 }]])(
    'steps exactly as Adam without decay when no decay applies (%j)',
    (args) => {
      fc.assert(
        fc.property(runArbitrary(), fc.boolean(), (run, amsgrad) => {
          const layout = { sizes: run.sizes };
          const adamw = createOptimizer({ name: 'AdamW', amsgrad, ...args }, layout);
          const adam = createOptimizer({ name: 'Adam', amsgrad }, layout);
          const a = run.params.slice();
          const b = run.params.slice();
          for (const { grad, lr } of run.steps) {
            adamw.step(a, grad, lr);
            adam.step(b, grad, lr);
          }
          expect(bits(a)).toEqual(bits(b));
          expect(stateBits(adamw.stateDict())).toEqual(stateBits(adam.stateDict()));
        }),
        { numRuns: 30 },
      );
    },
  );

  it('decays params by 1 - lr * lr_ratio * coeff, without bias correction, before the Adam step', () => {
    const optimizer = createOptimizer({ name: 'AdamW', weight_decay: 0.1, lr_ratio: 0.3 }, { sizes: [2] });
    const params = Float32Array.of(2, -3);
    const expected = Float32Array.of(2, -3);
    for (const lr of [0.5, 0.25]) {
      // A zero gradient keeps both moments at 0, so only the decoupled decay moves the params.
      optimizer.step(params, new Float32Array(2), lr);
      const factor = fround(1 - fround(fround(lr * fround(0.3)) * fround(0.1)));
      for (let i = 0; i < 2; i++) expected[i] = fround(expected[i]! * factor);
    }
    expect(bits(params)).toEqual(bits(expected));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/optim/index.js';
import { runArbitrary } from './arbitraries.js';
import { bits } from './golden.js';
import { itMatchesGolden } from './golden-cases.js';

const { fround } = Math;

/** One Momentum step on one element, returned as [p, v]. */
function oneStep(config: object, p: number, g: number, lr: number): [number, number] {
  const optimizer = createOptimizer({ name: 'Momentum', ...config }, { sizes: [1] });
  const params = Float32Array.of(p);
  optimizer.step(params, Float32Array.of(g), lr);
  return [params[0]!, optimizer.stateDict()['velocity']![0]!];
}

describe('Momentum', () => {
  itMatchesGolden('Momentum');

  it('adds a fused L2 term after rescale_grad, but an L1 term before it', () => {
    const c = fround(0.1);
    const l2 = oneStep({ rescale_grad: 0.5, weight_decay: 0.1 }, 2, 1, 0.5);
    expect(l2[1]).toBe(fround(0.5 + fround(c * 2)));
    const l1 = oneStep({ rescale_grad: 0.5, weight_decay: { type: 'L1Decay', coeff: 0.1 } }, 2, 1, 0.5);
    expect(l1[1]).toBe(fround(fround(1 + c) * 0.5));
  });

  it('with use_nesterov, steps along g + mu * v using the new velocity', () => {
    const optimizer = createOptimizer(
      { name: 'Momentum', momentum: 0.5, use_nesterov: true },
      { sizes: [1] },
    );
    const params = Float32Array.of(1);
    optimizer.step(params, Float32Array.of(1), 0.25);
    optimizer.step(params, Float32Array.of(1), 0.25);
    // step 1: v = 1, p = 1 - (1 + 0.5) * 0.25 = 0.625; step 2: v = 1.5, p = 0.625 - (1 + 0.75) * 0.25
    expect(params[0]).toBe(0.1875);
    expect(optimizer.stateDict()['velocity']![0]).toBe(1.5);
  });

  it.each([
    [{}, {}],
    [{ weight_decay: 0.05 }, { weight_decay: 0.05 }],
    [{ weight_decay: { type: 'L1Decay', coeff: 0.03 } }, { weight_decay: { type: 'L1Decay', coeff: 0.03 } }],
    [
      { grad_clip: { type: 'ClipGradByNorm', clip_norm: 0.5 } },
      { grad_clip: { type: 'ClipGradByNorm', clip_norm: 0.5 } },
    ],
  ])('with momentum 0 it steps exactly as SGD (%j)', (momentumArgs, sgdArgs) => {
    fc.assert(
      fc.property(runArbitrary(), (run) => {
        const layout = { sizes: run.sizes };
        const momentum = createOptimizer({ name: 'Momentum', momentum: 0, ...momentumArgs }, layout);
        const sgd = createOptimizer({ name: 'SGD', ...sgdArgs }, layout);
        const a = run.params.slice();
        const b = run.params.slice();
        for (const { grad, lr } of run.steps) {
          momentum.step(a, grad, lr);
          sgd.step(b, grad, lr);
        }
        expect(bits(a)).toEqual(bits(b));
      }),
      { numRuns: 40 },
    );
  });
});

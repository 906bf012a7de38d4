import { describe, expect, it } from 'vitest';
import { createGradClip } from '../../src/optim/clip.js';
import { EffectiveGradient } from '../../src/optim/gradient.js';
import { createRegularizer } from '../../src/optim/regularizer.js';
import { bits } from './golden.js';

const { fround } = Math;

describe('EffectiveGradient', () => {
  it('hands back the caller gradient itself when there is no clip and no decay', () => {
    const grad = Float32Array.of(1, 2);
    expect(new EffectiveGradient(2, null, null).compute(Float32Array.of(0, 0), grad)).toBe(grad);
  });

  it('clips the raw gradient first and adds the decay term after, so clipping never sees the decay', () => {
    const params = Float32Array.of(100, 0);
    const grad = Float32Array.of(3, 4);
    const effective = new EffectiveGradient(
      2,
      createGradClip({ type: 'ClipGradByGlobalNorm', clip_norm: 1 }, [2]),
      createRegularizer({ type: 'L2Decay', coeff: 0.5 }),
    ).compute(params, grad);
    const scale = fround(1 / 5);
    expect(bits(effective)).toEqual(bits(Float32Array.of(fround(fround(3 * scale) + 50), fround(4 * scale))));
    expect(Array.from(grad)).toEqual([3, 4]);
  });

  it('reuses one scratch vector across calls instead of allocating', () => {
    const effective = new EffectiveGradient(2, null, createRegularizer({ type: 'L1Decay', coeff: 1 }));
    const params = Float32Array.of(1, -1);
    const first = effective.compute(params, Float32Array.of(0, 0));
    const second = effective.compute(params, Float32Array.of(5, 5));
    expect(second).toBe(first);
    expect(Array.from(second)).toEqual([6, 4]);
  });
});

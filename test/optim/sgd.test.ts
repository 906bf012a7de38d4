import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/optim/index.js';
import { bits } from './golden.js';
import { itMatchesGolden } from './golden-cases.js';

const { fround } = Math;

describe('SGD', () => {
  itMatchesGolden('SGD');

  it('computes p - f32(lr) * g in float32, rounding the double lr first', () => {
    const params = Float32Array.of(1, -2);
    const grad = Float32Array.of(0.3, 0.7);
    createOptimizer({ name: 'SGD' }, { sizes: [2] }).step(params, grad, 0.1);
    const lr = fround(0.1);
    expect(bits(params)).toEqual(
      bits(Float32Array.of(fround(1 - fround(lr * grad[0]!)), fround(-2 - fround(lr * grad[1]!)))),
    );
  });

  it('leaves params bit for bit unchanged at lr 0', () => {
    const params = Float32Array.of(1.5, -0.25, 3);
    createOptimizer({ name: 'SGD', weight_decay: 0.1 }, { sizes: [3] }).step(
      params,
      Float32Array.of(9, 9, 9),
      0,
    );
    expect(Array.from(params)).toEqual([1.5, -0.25, 3]);
  });
});

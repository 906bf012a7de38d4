import { describe, expect, it } from 'vitest';
import { createRegularizer } from '../../src/optim/regularizer.js';
import { bits } from './golden.js';

const { fround } = Math;
const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

describe('createRegularizer', () => {
  it('L2Decay adds f32(p * f32(coeff)) to the gradient', () => {
    const params = f32(0.5, -3, 0);
    const grad = f32(0.1, 0.2, 0.3);
    const out = new Float32Array(3);
    createRegularizer({ type: 'L2Decay', coeff: 0.01 })(params, grad, out);
    const c = fround(0.01);
    expect(bits(out)).toEqual(
      bits(f32(fround(grad[0]! + fround(0.5 * c)), fround(grad[1]! + fround(-3 * c)), grad[2]!)),
    );
  });

  it('L1Decay adds sign(p) * coeff, with sign(0) = 0', () => {
    const params = f32(0.5, -3, 0, -0);
    const grad = f32(0.1, 0.2, 0.3, 0.4);
    const out = new Float32Array(4);
    createRegularizer({ type: 'L1Decay', coeff: 0.02 })(params, grad, out);
    const c = fround(0.02);
    expect(bits(out)).toEqual(bits(f32(fround(grad[0]! + c), fround(grad[1]! - c), grad[2]!, grad[3]!)));
  });

  it('works in place when out is the gradient vector', () => {
    const params = f32(1, 2);
    const grad = f32(0.5, 0.25);
    createRegularizer({ type: 'L2Decay', coeff: 0.5 })(params, grad, grad);
    expect(Array.from(grad)).toEqual([1, 1.25]);
  });
});

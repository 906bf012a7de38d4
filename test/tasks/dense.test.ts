import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DenseForm, dense, prefersFastDense, Random, type Tf } from '../../src/tasks/index.js';
import { selectBackend } from '../../src/worker/index.js';
import { relativeDifference } from '../support/vectors.js';

function randomTensor(tf: Tf, random: Random, shape: number[]): tfjs.Tensor {
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform(-1, 1));
  return tf.tensor(values, shape);
}

describe.each(['wasm', 'cpu'] as const)('dense on the %s backend', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    ({ tf } = await selectBackend(backend));
  });

  /** Gradients of sum(dense(x, w, b) ⊙ r) with respect to x, w and b in one form. */
  function gradients(form: DenseForm, seed: number): Float32Array[] {
    return tf.tidy(() => {
      const random = new Random(seed);
      const x = randomTensor(tf, random, [33, 47]);
      const w = randomTensor(tf, random, [47, 29]);
      const b = randomTensor(tf, random, [29]);
      const r = randomTensor(tf, random, [33, 29]);
      const f = (xi: tfjs.Tensor, wi: tfjs.Tensor, bi: tfjs.Tensor) =>
        tf.sum(tf.mul(dense(tf, xi as tfjs.Tensor2D, wi as tfjs.Tensor2D, bi as tfjs.Tensor1D, { form }), r));
      const { value, grads } = tf.valueAndGrads(f)([x, w, b]);
      return [value, ...grads].map((t) => t.dataSync() as Float32Array);
    });
  }

  it('the fast custom gradient equals the built-in gradient within 1e-6 relative', () => {
    for (const seed of [1, 2, 3]) {
      const fast = gradients('fast', seed);
      const plain = gradients('plain', seed);
      for (const [i, name] of ['value', 'dx', 'dw', 'db'].entries()) {
        expect(relativeDifference(fast[i]!, plain[i]!), name).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('constantInput gives the same weight and bias gradients, and a chain of layers the same gradients', () => {
    const random = new Random(9);
    const [x, w0, b0, w1, b1] = [[16, 20], [20, 12], [12], [12, 5], [5]].map((s) =>
      randomTensor(tf, random, s),
    ) as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor1D, tfjs.Tensor2D, tfjs.Tensor1D];
    const chained = (form: DenseForm, constantInput: boolean) =>
      tf.tidy(() => {
        const f = (...p: tfjs.Tensor[]) => {
          const h = tf.relu(
            dense(tf, x, p[0] as tfjs.Tensor2D, p[1] as tfjs.Tensor1D, { form, constantInput }),
          );
          return tf.sum(tf.square(dense(tf, h, p[2] as tfjs.Tensor2D, p[3] as tfjs.Tensor1D, { form })));
        };
        return tf
          .grads(f)([w0, b0, w1, b1])
          .map((g) => g.dataSync() as Float32Array);
      });
    const plain = chained('plain', false);
    for (const fast of [chained('fast', true), chained('fast', false)]) {
      for (const [i, g] of fast.entries()) expect(relativeDifference(g, plain[i]!)).toBeLessThanOrEqual(1e-6);
    }
    tf.dispose([x, w0, b0, w1, b1]);
  });

  it(`'auto' ${backend === 'wasm' ? 'uses' : 'does not use'} the explicit-transpose form here`, async () => {
    const random = new Random(4);
    const [x, w, b] = [[8, 6], [6, 3], [3]].map((s) => randomTensor(tf, random, s));
    const info = await tf.profile(() => {
      const f = (wi: tfjs.Tensor) =>
        tf.sum(dense(tf, x as tfjs.Tensor2D, wi as tfjs.Tensor2D, b as tfjs.Tensor1D));
      return tf.grad(f)(w!);
    });
    expect(info.kernelNames.includes('Transpose')).toBe(backend === 'wasm');
    expect(prefersFastDense(backend)).toBe(backend === 'wasm');
    tf.dispose([x!, w!, b!, info.result]);
  });
});

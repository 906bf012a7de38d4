import fc from 'fast-check';
import type { OptimizerConfig } from '../../src/optim/index.js';

/** One config per branch of the code: every optimizer, clip type, decay type and flag. */
export const CONFIGS: readonly OptimizerConfig[] = [
  { name: 'SGD' },
  {
    name: 'SGD',
    weight_decay: { type: 'L1Decay', coeff: 0.02 },
    grad_clip: { type: 'ClipGradByValue', max: 0.5 },
  },
  { name: 'SGD', weight_decay: 0.05, grad_clip: { clip_norm: 1.0 } },
  { name: 'Momentum' },
  {
    name: 'Momentum',
    momentum: 0.8,
    use_nesterov: true,
    rescale_grad: 0.5,
    weight_decay: { type: 'L2Decay', coeff: 0.005 },
    grad_clip: { type: 'ClipGradByNorm', clip_norm: 0.7 },
  },
  { name: 'Momentum', weight_decay: { type: 'L1Decay', coeff: 0.01 }, grad_clip: { clip_norm: 0.3 } },
  { name: 'Adam' },
  {
    name: 'Adam',
    amsgrad: true,
    weight_decay: { type: 'L1Decay', coeff: 0.01 },
    grad_clip: { type: 'ClipGradByNorm', clip_norm: 1 },
  },
  {
    name: 'Adam',
    beta1: 0.8,
    beta2: 0.95,
    weight_decay: 0.01,
    grad_clip: { type: 'ClipGradByValue', max: 1, min: -0.2 },
  },
  { name: 'AdamW' },
  { name: 'AdamW', amsgrad: true, lr_ratio: 0.3, weight_decay: 0.1, grad_clip: { clip_norm: 0.5 } },
  { name: 'AdamW', apply_decay: false },
];

/** A short training run: tensor sizes, starting params, and per step a gradient and an LR. */
export interface Run {
  readonly sizes: readonly number[];
  readonly params: Float32Array;
  readonly steps: readonly { readonly grad: Float32Array; readonly lr: number }[];
}

const value = fc.float({ min: -4, max: 4, noNaN: true });

/** Runs of 1–4 tensors (some empty) and 1–`maxSteps` steps with finite values. */
export function runArbitrary(maxSteps = 6): fc.Arbitrary<Run> {
  return fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }).chain((sizes) => {
    const size = sizes.reduce((a, b) => a + b, 0);
    const vector = fc.array(value, { minLength: size, maxLength: size }).map((v) => Float32Array.from(v));
    const step = fc.record({ grad: vector, lr: fc.double({ min: 0, max: 0.5, noNaN: true }) });
    return fc.record({
      sizes: fc.constant(sizes),
      params: vector,
      steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
    });
  });
}

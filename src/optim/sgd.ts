import { createGradClip } from './clip.js';
import type { SgdSpec } from './config.js';
import { EffectiveGradient } from './gradient.js';
import { checkState, checkStep, type Optimizer, type OptimizerState } from './optimizer.js';
import { createRegularizer } from './regularizer.js';

const { fround } = Math;

/**
 * `paddle.optimizer.SGD`: `p = p - lr * g`, with `g` clipped and then regularized (L2 or L1). No state.
 *
 * @example
 * new Sgd(parseOptimizerConfig({ name: 'SGD', weight_decay: 1e-4 }) as SgdSpec, [7]).step(params, grad, 0.1);
 */
export class Sgd implements Optimizer {
  readonly name = 'SGD';
  readonly size: number;
  readonly #gradient: EffectiveGradient;

  constructor(spec: SgdSpec, sizes: readonly number[]) {
    this.size = sizes.reduce((a, b) => a + b, 0);
    this.#gradient = new EffectiveGradient(
      this.size,
      spec.grad_clip === null ? null : createGradClip(spec.grad_clip, sizes),
      spec.weight_decay === null ? null : createRegularizer(spec.weight_decay),
    );
  }

  step(params: Float32Array, grad: Float32Array, lr: number): void {
    checkStep(this.name, this.size, params, grad, lr);
    const g = this.#gradient.compute(params, grad);
    const rate = fround(lr);
    for (let i = 0; i < params.length; i++) params[i] = fround(params[i]! - fround(rate * g[i]!));
  }

  stateDict(): OptimizerState {
    return Object.freeze({});
  }

  setStateDict(state: OptimizerState): void {
    checkState(this.name, state, {});
  }
}

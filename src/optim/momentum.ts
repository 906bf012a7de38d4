import { createGradClip } from './clip.js';
import type { MomentumSpec } from './config.js';
import { EffectiveGradient } from './gradient.js';
import { checkState, checkStep, type Optimizer, type OptimizerState } from './optimizer.js';
import { createRegularizer } from './regularizer.js';

const { fround } = Math;

/**
 * `paddle.optimizer.Momentum`, as its GPU kernel computes it (the CPU kernel ignores `rescale_grad`):
 * ```
 * g = g * rescale_grad;  if L2: g = g + coeff * p     // L2 is fused here, after the rescale
 * v = v * mu + g
 * p = nesterov ? p - (g + v * mu) * lr : p - lr * v
 * ```
 * An L1Decay is added to the clipped gradient before the kernel, so it is rescaled too.
 *
 * @example
 * new Momentum(parseOptimizerConfig({ name: 'Momentum' }) as MomentumSpec, [7]).step(params, grad, 0.1);
 */
export class Momentum implements Optimizer {
  readonly name = 'Momentum';
  readonly size: number;
  readonly #gradient: EffectiveGradient;
  readonly #mu: number;
  readonly #rescale: number;
  readonly #nesterov: boolean;
  readonly #fusedL2: boolean;
  readonly #l2Coeff: number;
  readonly #velocity: Float32Array;

  constructor(spec: MomentumSpec, sizes: readonly number[]) {
    this.size = sizes.reduce((a, b) => a + b, 0);
    const decay = spec.weight_decay;
    this.#fusedL2 = decay?.type === 'L2Decay';
    this.#l2Coeff = this.#fusedL2 ? fround(decay!.coeff) : 0;
    this.#gradient = new EffectiveGradient(
      this.size,
      spec.grad_clip === null ? null : createGradClip(spec.grad_clip, sizes),
      decay === null || this.#fusedL2 ? null : createRegularizer(decay),
    );
    this.#mu = fround(spec.momentum);
    this.#rescale = fround(spec.rescale_grad);
    this.#nesterov = spec.use_nesterov;
    this.#velocity = new Float32Array(this.size);
  }

  step(params: Float32Array, grad: Float32Array, lr: number): void {
    checkStep(this.name, this.size, params, grad, lr);
    const g = this.#gradient.compute(params, grad);
    const rate = fround(lr);
    const mu = this.#mu;
    const rescale = this.#rescale;
    const fusedL2 = this.#fusedL2;
    const coeff = this.#l2Coeff;
    const nesterov = this.#nesterov;
    const velocity = this.#velocity;
    if (!nesterov && !fusedL2 && rescale === 1) {
      plainMomentum(params, g, velocity, rate, mu);
      return;
    }
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      let gi = fround(g[i]! * rescale);
      if (fusedL2) gi = fround(gi + fround(coeff * p));
      const v = fround(fround(velocity[i]! * mu) + gi);
      velocity[i] = v;
      params[i] = nesterov
        ? fround(p - fround(fround(gi + fround(v * mu)) * rate))
        : fround(p - fround(rate * v));
    }
  }

  stateDict(): OptimizerState {
    return Object.freeze({ velocity: this.#velocity.slice() });
  }

  setStateDict(state: OptimizerState): void {
    checkState(this.name, state, { velocity: this.size });
    this.#velocity.set(state['velocity']!);
  }
}

/**
 * The kernel for the default configuration (no Nesterov, no fused L2, rescale_grad 1), about 1.5× faster than the
 * general loop: no per-element tests, and no multiply by 1. It computes the same float32 values: `g * 1` is `g`
 * for every float32, and a Float32Array store rounds `p - lr·v` once, as `fround` would.
 */
function plainMomentum(
  params: Float32Array,
  g: Float32Array,
  velocity: Float32Array,
  rate: number,
  mu: number,
): void {
  const n = params.length;
  for (let i = 0; i < n; i++) {
    const v = fround(fround(velocity[i]! * mu) + g[i]!);
    velocity[i] = v;
    params[i] = params[i]! - fround(rate * v);
  }
}

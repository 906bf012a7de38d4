import { createGradClip } from './clip.js';
import type { AdamSpec, AdamWSpec } from './config.js';
import { EffectiveGradient } from './gradient.js';
import { checkState, checkStep, type Optimizer, type OptimizerState, stateFault } from './optimizer.js';
import { createRegularizer } from './regularizer.js';

const { fround } = Math;

/**
 * `paddle.optimizer.Adam` and `AdamW`, as the GPU kernel orders the float32 operations. Per step, with
 * `b1p`, `b2p` the beta pows read before the update (beta^t at step t):
 * ```
 * AdamW only: lr = lr * lr_ratio;  p = p * (1 - lr * coeff)      // decoupled, not bias-corrected
 * m = b1 * m + (1 - b1) * g
 * v = b2 * v + ((1 - b2) * g) * g
 * vv = amsgrad ? (vmax = max(v, vmax)) : v
 * p = p + (m / (sqrt(vv) / sqrt(1 - b2p) + eps)) * -(lr / (1 - b1p))
 * b1p = b1 * b1p;  b2p = b2 * b2p
 * ```
 * Adam adds its coupled L2/L1 term to the clipped gradient first; AdamW never does. The beta pows start
 * at beta (not 1) and follow a float32 multiply chain, as Paddle's `beta1_pow_acc` / `beta2_pow_acc`.
 *
 * @example
 * new Adam(parseOptimizerConfig({ name: 'AdamW', weight_decay: 0.01 }) as AdamWSpec, [7]).step(params, grad, 1e-3);
 */
export class Adam implements Optimizer {
  readonly name: 'Adam' | 'AdamW';
  readonly size: number;
  readonly #gradient: EffectiveGradient;
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  /** AdamW: `f(lr_ratio)`; null for Adam, whose lr is only rounded. */
  readonly #lrRatio: number | null;
  /** AdamW: `f(coeff)`, or 0 when `apply_decay` is false. */
  readonly #decoupledCoeff: number;
  readonly #moment1: Float32Array;
  readonly #moment2: Float32Array;
  readonly #moment2Max: Float32Array | null;
  #beta1Pow: number;
  #beta2Pow: number;

  constructor(spec: AdamSpec | AdamWSpec, sizes: readonly number[]) {
    this.name = spec.name;
    this.size = sizes.reduce((a, b) => a + b, 0);
    const clip = spec.grad_clip === null ? null : createGradClip(spec.grad_clip, sizes);
    if (spec.name === 'AdamW') {
      this.#gradient = new EffectiveGradient(this.size, clip, null);
      this.#lrRatio = fround(spec.lr_ratio);
      this.#decoupledCoeff = spec.apply_decay ? fround(spec.weight_decay) : 0;
    } else {
      const decay = spec.weight_decay === null ? null : createRegularizer(spec.weight_decay);
      this.#gradient = new EffectiveGradient(this.size, clip, decay);
      this.#lrRatio = null;
      this.#decoupledCoeff = 0;
    }
    this.#beta1 = fround(spec.beta1);
    this.#beta2 = fround(spec.beta2);
    this.#epsilon = fround(spec.epsilon);
    this.#moment1 = new Float32Array(this.size);
    this.#moment2 = new Float32Array(this.size);
    this.#moment2Max = spec.amsgrad ? new Float32Array(this.size) : null;
    this.#beta1Pow = this.#beta1;
    this.#beta2Pow = this.#beta2;
  }

  step(params: Float32Array, grad: Float32Array, lr: number): void {
    checkStep(this.name, this.size, params, grad, lr);
    const g = this.#gradient.compute(params, grad);
    // Paddle 3.x keeps the LR as a double and multiplies by the float32 ratio before rounding.
    const rate = this.#lrRatio === null ? fround(lr) : fround(lr * this.#lrRatio);
    // For Adam this is exactly 1, and f(p * 1) = p, so one loop serves both.
    const decay = fround(1 - fround(rate * this.#decoupledCoeff));
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    const eps = this.#epsilon;
    const oneMinusB1 = fround(1 - b1);
    const oneMinusB2 = fround(1 - b2);
    const sqrtCorrection2 = fround(Math.sqrt(fround(1 - this.#beta2Pow)));
    const stepSize = fround(-fround(rate / fround(1 - this.#beta1Pow)));
    const m1 = this.#moment1;
    const m2 = this.#moment2;
    const m2Max = this.#moment2Max;
    for (let i = 0; i < params.length; i++) {
      const gi = g[i]!;
      const p = fround(params[i]! * decay);
      const m = fround(fround(b1 * m1[i]!) + fround(oneMinusB1 * gi));
      const v = fround(fround(b2 * m2[i]!) + fround(fround(oneMinusB2 * gi) * gi));
      m1[i] = m;
      m2[i] = v;
      let vv = v;
      if (m2Max !== null) {
        const max = m2Max[i]!;
        // biome-ignore lint/complexity/useMathMinMax: std::max(v, vmax) as the kernel writes it
        vv = v < max ? max : v;
        m2Max[i] = vv;
      }
      const denom = fround(fround(fround(Math.sqrt(vv)) / sqrtCorrection2) + eps);
      params[i] = fround(p + fround(fround(m / denom) * stepSize));
    }
    this.#beta1Pow = fround(b1 * this.#beta1Pow);
    this.#beta2Pow = fround(b2 * this.#beta2Pow);
  }

  stateDict(): OptimizerState {
    const state: Record<string, Float32Array> = {
      moment1: this.#moment1.slice(),
      moment2: this.#moment2.slice(),
    };
    if (this.#moment2Max !== null) state['moment2_max'] = this.#moment2Max.slice();
    state['beta1_pow_acc'] = Float32Array.of(this.#beta1Pow);
    state['beta2_pow_acc'] = Float32Array.of(this.#beta2Pow);
    return Object.freeze(state);
  }

  setStateDict(state: OptimizerState): void {
    const lengths: Record<string, number> = { moment1: this.size, moment2: this.size };
    if (this.#moment2Max !== null) lengths['moment2_max'] = this.size;
    lengths['beta1_pow_acc'] = 1;
    lengths['beta2_pow_acc'] = 1;
    checkState(this.name, state, lengths);
    const beta1Pow = state['beta1_pow_acc']![0]!;
    const beta2Pow = state['beta2_pow_acc']![0]!;
    for (const [key, pow] of [
      ['beta1_pow_acc', beta1Pow],
      ['beta2_pow_acc', beta2Pow],
    ] as const) {
      if (!(pow >= 0 && pow < 1)) {
        throw stateFault(this.name, `"${key}" must hold a beta power in [0, 1), received ${pow}`);
      }
    }
    this.#moment1.set(state['moment1']!);
    this.#moment2.set(state['moment2']!);
    if (this.#moment2Max !== null) this.#moment2Max.set(state['moment2_max']!);
    this.#beta1Pow = beta1Pow;
    this.#beta2Pow = beta2Pow;
  }
}

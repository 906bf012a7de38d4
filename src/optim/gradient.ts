import type { GradClip } from './clip.js';
import type { Regularizer } from './regularizer.js';

/**
 * The gradient a kernel consumes: the caller's gradient, clipped, then with the coupled decay term added.
 * It works in a scratch vector allocated once, so the caller's gradient (which the coordinator also
 * broadcasts) is never written and a step allocates nothing.
 *
 * @example
 * const g = new EffectiveGradient(size, clip, null).compute(params, grad);
 */
export class EffectiveGradient {
  readonly #clip: GradClip | null;
  readonly #decay: Regularizer | null;
  readonly #scratch: Float32Array | null;

  constructor(size: number, clip: GradClip | null, decay: Regularizer | null) {
    this.#clip = clip;
    this.#decay = decay;
    this.#scratch = clip === null && decay === null ? null : new Float32Array(size);
  }

  /** Returns `grad` itself when there is nothing to do, else the scratch vector (valid until the next call). */
  compute(params: Float32Array, grad: Float32Array): Float32Array {
    const scratch = this.#scratch;
    if (scratch === null) return grad;
    let g = grad;
    if (this.#clip !== null) {
      this.#clip(g, scratch);
      g = scratch;
    }
    if (this.#decay !== null) {
      this.#decay(params, g, scratch);
      g = scratch;
    }
    return g;
  }
}

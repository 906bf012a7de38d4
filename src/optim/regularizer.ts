import type { DecaySpec } from './config.js';

const { fround } = Math;

/** Writes `grad + term(params)` into `out` (which may be `grad`), in float32. */
export type Regularizer = (params: Float32Array, grad: Float32Array, out: Float32Array) => void;

/**
 * Paddle's coupled regularizers: `L2Decay` adds `p * c`, `L1Decay` adds `sign(p) * c` (sign(0) = 0).
 *
 * @example
 * createRegularizer({ type: 'L2Decay', coeff: 1e-4 })(params, grad, out);
 */
export function createRegularizer(spec: DecaySpec): Regularizer {
  const coeff = fround(spec.coeff);
  if (spec.type === 'L2Decay') {
    return (params, grad, out) => {
      for (let i = 0; i < grad.length; i++) out[i] = fround(grad[i]! + fround(params[i]! * coeff));
    };
  }
  return (params, grad, out) => {
    for (let i = 0; i < grad.length; i++) {
      const p = params[i]!;
      const sign = p > 0 ? 1 : p < 0 ? -1 : 0;
      out[i] = fround(grad[i]! + fround(sign * coeff));
    }
  };
}

import type { ClipSpec } from './config.js';

const { fround } = Math;

/** Writes the clipped `grad` into `out` (which may not be `grad`); `grad` is only read. */
export type GradClip = (grad: Float32Array, out: Float32Array) => void;

/**
 * Elements summed strictly left to right before a partial sum is added to the total. A whole-vector
 * float32 running sum loses about 1% of the squared norm at 1e7 elements; per-block partials (what GPU
 * reductions do too) keep it near 1e-6, and for tensors up to this size the sum is the plain sequential one.
 */
export const SQUARED_SUM_BLOCK = 4096;

/**
 * Builds Paddle's `ClipGradByGlobalNorm`, `ClipGradByNorm` (per tensor of `sizes`) or `ClipGradByValue`, all
 * in float32.
 *
 * @example
 * createGradClip({ type: 'ClipGradByGlobalNorm', clip_norm: 1 }, [784 * 256, 256])(grad, out);
 */
export function createGradClip(spec: ClipSpec, sizes: readonly number[]): GradClip {
  switch (spec.type) {
    case 'ClipGradByGlobalNorm':
      return globalNormClip(fround(spec.clip_norm), sizes);
    case 'ClipGradByNorm':
      return perTensorNormClip(fround(spec.clip_norm), sizes);
    case 'ClipGradByValue':
      return valueClip(fround(spec.min), fround(spec.max));
  }
}

/**
 * `sum(g*g)` over `[start, end)` in float32 (Paddle's `squared_l2_norm`), sequential within blocks of
 * SQUARED_SUM_BLOCK.
 *
 * @example
 * squaredSum(Float32Array.of(3, 4), 0, 2); // 25
 */
export function squaredSum(g: Float32Array, start: number, end: number): number {
  let total = 0;
  for (let block = start; block < end; block += SQUARED_SUM_BLOCK) {
    const stop = Math.min(end, block + SQUARED_SUM_BLOCK);
    let partial = 0;
    for (let i = block; i < stop; i++) {
      const x = g[i]!;
      partial = fround(partial + fround(x * x));
    }
    total = fround(total + partial);
  }
  return total;
}

/** `norm = sqrt(sum over tensors)`, `g *= c / max(norm, c)` for every element, every step (the scale is 1 when norm <= c). */
function globalNormClip(clipNorm: number, sizes: readonly number[]): GradClip {
  return (grad, out) => {
    let total = 0;
    let start = 0;
    for (let t = 0; t < sizes.length; t++) {
      const end = start + sizes[t]!;
      total = fround(total + squaredSum(grad, start, end));
      start = end;
    }
    const norm = fround(Math.sqrt(total));
    // biome-ignore lint/complexity/useMathMinMax: paddle.maximum's `a > b ? a : b`, which differs from Math.max on NaN
    const scale = fround(clipNorm / (norm > clipNorm ? norm : clipNorm));
    for (let i = 0; i < grad.length; i++) out[i] = fround(grad[i]! * scale);
  };
}

/** Per tensor: if `norm > c` (strict), `g *= c / norm`; otherwise the tensor is copied unchanged. */
function perTensorNormClip(clipNorm: number, sizes: readonly number[]): GradClip {
  return (grad, out) => {
    let start = 0;
    for (let t = 0; t < sizes.length; t++) {
      const end = start + sizes[t]!;
      const norm = fround(Math.sqrt(squaredSum(grad, start, end)));
      if (norm > clipNorm) {
        const scale = fround(clipNorm / norm);
        for (let i = start; i < end; i++) out[i] = fround(grad[i]! * scale);
      } else {
        // A plain loop: `out.set(grad.subarray(…))` would allocate a view per tensor per step.
        for (let i = start; i < end; i++) out[i] = grad[i]!;
      }
      start = end;
    }
  };
}

/** `g = clamp(g, min, max)` as Paddle's clip kernel writes it (a NaN passes through). */
function valueClip(min: number, max: number): GradClip {
  return (grad, out) => {
    for (let i = 0; i < grad.length; i++) {
      const x = grad[i]!;
      // biome-ignore lint/complexity/useMathMinMax: Paddle's clip kernel order, which keeps the sign of a zero
      out[i] = x < min ? min : x > max ? max : x;
    }
  };
}

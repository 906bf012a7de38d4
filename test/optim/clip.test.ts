import { describe, expect, it } from 'vitest';
import { createGradClip, SQUARED_SUM_BLOCK, squaredSum } from '../../src/optim/clip.js';
import { bits } from './golden.js';

const { fround } = Math;
const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

function clipped(
  spec: Parameters<typeof createGradClip>[0],
  sizes: number[],
  grad: Float32Array,
): Float32Array {
  const out = new Float32Array(grad.length).fill(Number.NaN);
  createGradClip(spec, sizes)(grad, out);
  return out;
}

describe('squaredSum', () => {
  it('adds float32 squares left to right within a block', () => {
    const g = f32(0.1, 0.2, 0.3);
    let expected = 0;
    for (const x of g) expected = fround(expected + fround(x * x));
    expect(squaredSum(g, 0, 3)).toBe(expected);
    expect(squaredSum(f32(3, 4, 12), 1, 3)).toBe(160);
  });

  it('stays within 1e-5 of the exact sum over a million elements, where one running float32 sum drifts', () => {
    const n = 1_000_000;
    const g = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.01);
    let exact = 0;
    let running = 0;
    for (const x of g) {
      exact += x * x;
      running = fround(running + fround(x * x));
    }
    expect(n).toBeGreaterThan(SQUARED_SUM_BLOCK);
    expect(Math.abs(squaredSum(g, 0, n) - exact) / exact).toBeLessThan(1e-5);
    expect(Math.abs(running - exact) / exact).toBeGreaterThan(1e-4);
  });
});

describe('ClipGradByGlobalNorm', () => {
  it('scales every tensor by c / norm of all tensors together', () => {
    const out = clipped({ type: 'ClipGradByGlobalNorm', clip_norm: 1 }, [2, 1], f32(3, 4, 12));
    const scale = fround(1 / 13);
    expect(bits(out)).toEqual(bits(f32(fround(3 * scale), fround(4 * scale), fround(12 * scale))));
  });

  it('leaves a gradient whose norm is at most clip_norm bit for bit unchanged', () => {
    const grad = f32(0.3, -0.4, 0.1);
    expect(bits(clipped({ type: 'ClipGradByGlobalNorm', clip_norm: 1 }, [3], grad))).toEqual(bits(grad));
    expect(bits(clipped({ type: 'ClipGradByGlobalNorm', clip_norm: 5 }, [2], f32(3, 4)))).toEqual(
      bits(f32(3, 4)),
    );
  });

  it('keeps the scale at 1 when the norm is NaN, as paddle.maximum (a > b ? a : b) gives clip_norm then', () => {
    // norm = sqrt(NaN) = NaN; NaN > 1 is false, so the divisor is clip_norm and the scale 1 / 1 = 1: the
    // NaN element stays NaN and the others pass unchanged (a Math.max would make every element NaN).
    const out = clipped({ type: 'ClipGradByGlobalNorm', clip_norm: 1 }, [1, 2], f32(Number.NaN, 3, 4));
    expect(out[0]).toBeNaN();
    expect(bits(out.subarray(1))).toEqual(bits(f32(3, 4)));
  });
});

describe('ClipGradByNorm', () => {
  it('clips each tensor of the layout by its own norm, and only when that norm exceeds clip_norm', () => {
    const out = clipped({ type: 'ClipGradByNorm', clip_norm: 1 }, [2, 2, 0, 1], f32(3, 4, 0.3, 0.4, -2));
    const scale = fround(1 / 5);
    expect(bits(out)).toEqual(bits(f32(fround(3 * scale), fround(4 * scale), 0.3, 0.4, -1)));
  });

  it('uses a strict comparison: a tensor whose norm equals clip_norm is copied as is', () => {
    expect(bits(clipped({ type: 'ClipGradByNorm', clip_norm: 5 }, [2], f32(3, 4)))).toEqual(bits(f32(3, 4)));
  });
});

describe('ClipGradByValue', () => {
  it('clamps to [min, max] in float32 and lets a NaN through as Paddle does', () => {
    const out = clipped(
      { type: 'ClipGradByValue', max: 0.1, min: -0.1 },
      [4],
      f32(0.5, -0.5, 0.05, Number.NaN),
    );
    expect(bits(out.subarray(0, 3))).toEqual(bits(f32(0.1, -0.1, 0.05)));
    expect(out[3]).toBeNaN();
  });

  it('keeps the sign of a zero at either bound, as the kernel x < min ? min : x > max ? max : x does', () => {
    // -0 < 0 and -0 > 1 are both false, so -0 passes as -0 (Math.max(-0, 0) would give +0); with max = -0,
    // +0 > -0 is false too, so +0 stays +0 (Math.min(+0, -0) would give -0).
    const atMin = clipped({ type: 'ClipGradByValue', max: 1, min: 0 }, [2], f32(-0, 0.5));
    expect(bits(atMin)).toEqual([0x8000_0000, bits(f32(0.5))[0]]);
    const atMax = clipped({ type: 'ClipGradByValue', max: -0, min: -1 }, [1], f32(0));
    expect(bits(atMax)).toEqual([0]);
  });
});

describe('createGradClip', () => {
  it.each([
    { type: 'ClipGradByGlobalNorm', clip_norm: 0.1 },
    { type: 'ClipGradByNorm', clip_norm: 0.1 },
    { type: 'ClipGradByValue', max: 0.1, min: -0.1 },
  ] as const)('only reads the gradient ($type)', (spec) => {
    const grad = f32(1, -2, 3, -4);
    clipped(spec, [1, 3], grad);
    expect(bits(grad)).toEqual(bits(f32(1, -2, 3, -4)));
  });
});

import { describe, expect, it } from 'vitest';
import { averageGradients } from '../../src/bench/average.js';
import { BenchError } from '../../src/errors.js';
import type { GradientMessage } from '../../src/protocol/index.js';

function gradient(rank: number, step: number, values: readonly number[]): GradientMessage {
  return {
    type: 'gradient',
    rank,
    step,
    round: step,
    loss: 0,
    samples: 0,
    computeMs: 0,
    grad: Float32Array.from(values),
  };
}

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(BenchError);
    return (error as BenchError).code;
  }
  return undefined;
}

describe('averageGradients', () => {
  it('returns an update for the step whose tensor is the mean of the workers’ gradients', () => {
    const gradients = [
      gradient(0, 3, [1, 2, 3, 4]),
      gradient(1, 3, [3, -2, 0.5, 8]),
      gradient(2, 3, [2, 3, 1, 0]),
    ];
    const into = new Float32Array(4);
    const update = averageGradients(3, gradients, into);
    expect(update).toMatchObject({ type: 'update', step: 3, round: 3, skipped: false });
    expect(update.grad).toBe(into);
    expect([...into]).toEqual([2, 1, 1.5, 4]);
  });

  it('sums in rank order in float32, then divides, like the coordinator', () => {
    const a = [1e8, 1, -1e8];
    const b = [1, 1e8, 1];
    const into = new Float32Array(3);
    averageGradients(0, [gradient(0, 0, a), gradient(1, 0, b)], into);
    const expected = a.map((x, i) => Math.fround(Math.fround(Math.fround(x) + Math.fround(b[i]!)) / 2));
    expect([...into]).toEqual(expected);
  });

  it('refuses a missing rank, a gradient for another step and a gradient of the wrong size', () => {
    const into = new Float32Array(2);
    expect(codeOf(() => averageGradients(0, [gradient(0, 0, [1, 2]), undefined], into))).toBe(
      'ERR_BENCH_PROTOCOL',
    );
    expect(codeOf(() => averageGradients(0, [gradient(0, 0, [1, 2]), gradient(1, 1, [1, 2])], into))).toBe(
      'ERR_BENCH_PROTOCOL',
    );
    expect(codeOf(() => averageGradients(0, [gradient(0, 0, [1, 2]), gradient(1, 0, [1])], into))).toBe(
      'ERR_BENCH_PROTOCOL',
    );
  });
});

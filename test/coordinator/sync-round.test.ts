import { describe, expect, it } from 'vitest';
import { SyncRound } from '../../src/coordinator/index.js';

const gradient = (
  rank: number,
  step: number,
  values: number[],
  extra: { round?: number; samples?: number; loss?: number } = {},
) => ({
  type: 'gradient' as const,
  rank,
  step,
  round: extra.round ?? step,
  loss: extra.loss ?? 1,
  samples: extra.samples ?? 2,
  computeMs: 1,
  grad: Float32Array.from(values),
});

const PERMUTATIONS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

describe('SyncRound', () => {
  it('sums in rank order whatever the arrival order, where float32 addition order changes the result', () => {
    // Per element, ranks 0, 1, 2 send (1, 1e8, -1e8) and (1e8, -1e8, 1). In float32, 1 + 1e8 rounds to 1e8, so
    // rank order gives (1 + 1e8) - 1e8 = 0 and (1e8 - 1e8) + 1 = 1; other orders give 1 and 0 instead.
    const values = [
      [1, 1e8],
      [1e8, -1e8],
      [-1e8, 1],
    ];
    for (const order of PERMUTATIONS) {
      const round = new SyncRound({ step: 0, round: 0, worldSize: 3, size: 2 });
      for (const rank of order) expect(round.offer(rank, gradient(rank, 0, values[rank]!))).toBeNull();
      expect(round.arrivalOrder()).toEqual(order);
      const out = new Float32Array(2);
      expect(round.reduce(out)).toMatchObject({ finite: true, samples: 6, loss: 1 });
      expect(Array.from(out)).toEqual([0, Math.fround(1 / 3)]);
    }
  });

  it('sums first and divides once: (0.1 + 0.1 + 0.7) / 3 in float32, not a sum of thirds', () => {
    const f = Math.fround;
    const sumFirst = f(f(f(f(0.1) + f(0.1)) + f(0.7)) / 3);
    const thirdsFirst = f(f(f(f(0.1) / 3) + f(f(0.1) / 3)) + f(f(0.7) / 3));
    expect(sumFirst).not.toBe(thirdsFirst);
    const round = new SyncRound({ step: 0, round: 0, worldSize: 3, size: 1 });
    for (const [rank, value] of [0.1, 0.1, 0.7].entries()) round.offer(rank, gradient(rank, 0, [value]));
    const out = new Float32Array(1);
    round.reduce(out);
    expect(out[0]).toBe(sumFirst);
  });

  it('averages the losses and sums the samples, keeping compute times in rank order', () => {
    const round = new SyncRound({ step: 0, round: 0, worldSize: 2, size: 1 });
    round.offer(1, { ...gradient(1, 0, [2], { loss: 3, samples: 5 }), computeMs: 7 });
    round.offer(0, { ...gradient(0, 0, [4], { loss: 1, samples: 5 }), computeMs: 9 });
    const out = new Float32Array(1);
    expect(round.reduce(out)).toEqual({ finite: true, loss: 2, samples: 10, computeMs: [9, 7] });
    expect(out[0]).toBe(3);
  });

  it('flags a NaN or infinite average, and a non-finite loss, as not finite', () => {
    const cases: [number[], number[], number][] = [
      [[1, 2], [1, Number.NaN], 1],
      [[3e38, 0], [3e38, 0], 1], // float32 overflow: the sum is +Infinity
      [[1, 2], [1, 2], Number.NaN],
    ];
    for (const [a, b, loss] of cases) {
      const round = new SyncRound({ step: 0, round: 0, worldSize: 2, size: 2 });
      round.offer(0, gradient(0, 0, a));
      round.offer(1, gradient(1, 0, b, { loss }));
      expect(round.reduce(new Float32Array(2)).finite).toBe(false);
    }
  });

  it('refuses a wrong step, batch, rank, length, sample count or a second gradient, and its state does not change', async () => {
    const round = new SyncRound({ step: 4, round: 5, worldSize: 2, size: 2, samples: 2 });
    expect(round.offer(0, gradient(0, 3, [1, 1], { round: 5 }))?.code).toBe('ERR_ROUND_WRONG_STEP');
    expect(round.offer(0, gradient(0, 4, [1, 1], { round: 4 }))?.code).toBe('ERR_ROUND_WRONG_STEP');
    expect(round.offer(1, gradient(1, 4, [1], { round: 5 }))?.code).toBe('ERR_ROUND_TENSOR_SIZE');
    expect(round.offer(1, gradient(0, 4, [1, 1], { round: 5 }))?.code).toBe('ERR_ROUND_WRONG_RANK');
    expect(round.offer(1, gradient(1, 4, [1, 1], { round: 5, samples: 3 }))?.code).toBe('ERR_ROUND_SAMPLES');
    expect(round.missing()).toEqual([0, 1]);
    expect(round.offer(0, gradient(0, 4, [1, 1], { round: 5 }))).toBeNull();
    expect(round.offer(0, gradient(0, 4, [1, 1], { round: 5 }))?.code).toBe('ERR_ROUND_DUPLICATE');
    expect(round.missing()).toEqual([1]);
    expect(round.complete).toBe(false);
    expect(round.offer(1, gradient(1, 4, [3, 3], { round: 5 }))).toBeNull();
    await round.completed;
    const out = new Float32Array(2);
    round.reduce(out);
    expect(Array.from(out)).toEqual([2, 2]);
  });
});

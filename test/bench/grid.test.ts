import { describe, expect, it } from 'vitest';
import { benchCases, caseName, defaultWarmup, formatCount } from '../../src/bench/grid.js';
import { pytorchGlooMedianMs } from '../../src/bench/pytorch-gloo.js';

describe('bench grid', () => {
  it('runs N ∈ {2, 4, 8} × P ∈ {1e3, 1e5, 1e6, 1e7} when no axis is pinned, fewer rounds for larger P', () => {
    const cases = benchCases({});
    expect(cases.map((c) => caseName(c.workers, c.params))).toEqual([
      'N=2 P=1e3',
      'N=2 P=1e5',
      'N=2 P=1e6',
      'N=2 P=1e7',
      'N=4 P=1e3',
      'N=4 P=1e5',
      'N=4 P=1e6',
      'N=4 P=1e7',
      'N=8 P=1e3',
      'N=8 P=1e5',
      'N=8 P=1e6',
      'N=8 P=1e7',
    ]);
    const rounds = cases.slice(0, 4).map((c) => c.rounds);
    expect([...rounds].sort((a, b) => b - a)).toEqual(rounds);
    expect(rounds[3]).toBeLessThan(rounds[0]!);
  });

  it('pins an axis to the given value and applies explicit rounds and warm-up to every case', () => {
    expect(benchCases({ workers: [4], rounds: 7, warmup: 0 })).toEqual(
      [1e3, 1e5, 1e6, 1e7].map((params) => ({ workers: 4, params, rounds: 7, warmup: 0 })),
    );
  });

  it('keeps warm-up to at most a tenth of the measured rounds, at least one', () => {
    expect(defaultWarmup(1e3, 5)).toBe(1);
    expect(defaultWarmup(1e3, 100)).toBe(10);
  });

  it('writes one-digit multiples of powers of ten from 1e3 in exponent form, other counts in digits', () => {
    expect([1e3, 5e6, 1e7, 999, 1, 235_146, 12_000].map(formatCount)).toEqual([
      '1e3',
      '5e6',
      '1e7',
      '999',
      '1',
      '235146',
      '12000',
    ]);
  });

  it('knows the PyTorch gloo medians of FACTS.md and has none for 1e3 floats', () => {
    expect(pytorchGlooMedianMs(4, 1e6)).toBe(20);
    expect(pytorchGlooMedianMs(8, 1e7)).toBe(314);
    expect(pytorchGlooMedianMs(2, 1e3)).toBeNull();
  });
});

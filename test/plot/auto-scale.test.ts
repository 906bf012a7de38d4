import { describe, expect, it } from 'vitest';
import { autoYScale, LOG_AXIS_RATIO } from '../../src/plot/index.js';

describe('autoYScale', () => {
  it('switches to a log axis above two decades: max/min 99 and 100 stay linear, 101 is log', () => {
    expect(LOG_AXIS_RATIO).toBe(100);
    expect(autoYScale([0.99, 0.01])).toEqual({ scale: 'linear', omitted: 0 });
    expect(autoYScale([1, 0.01])).toEqual({ scale: 'linear', omitted: 0 });
    expect(autoYScale([1.01, 0.5, 0.01])).toEqual({ scale: 'log', omitted: 0 });
  });

  it('judges the span on the positive values and counts the values ≤ 0 a log axis leaves out', () => {
    // a warmup from 0 to 0.007, then two decays by 0.1: 0.007 / 7e-6 = 1000
    expect(autoYScale([0, 0.0035, 0.007, 7e-4, 7e-6])).toEqual({ scale: 'log', omitted: 1 });
    // zero does not count as the minimum: 1 / 0.5 is no span at all
    expect(autoYScale([0, 1, 0.5])).toEqual({ scale: 'linear', omitted: 0 });
    expect(autoYScale([0, -1, Number.NaN])).toEqual({ scale: 'linear', omitted: 0 });
    expect(autoYScale([1e-3, Number.POSITIVE_INFINITY, 1])).toEqual({ scale: 'log', omitted: 0 });
  });

  it('keeps a linear axis when only the few LRs of a warmup start or a cosine end are tiny (under a tenth of the run)', () => {
    // By hand: a 100-step warmup from 0 to 1, then a cosine to 0 over 900 steps. LR < 0.01 where
    // (1 + cos(πt/900)) / 2 < 0.01, i.e. t > 900 · acos(−0.98) / π ≈ 841.8: 58 steps, plus warmup steps 0 (the 0 does
    // not count) and 1 (0.01): 59 of 999 positive LRs, under a tenth.
    const lrs = [
      ...Array.from({ length: 100 }, (_, t) => t / 100),
      ...Array.from({ length: 901 }, (_, t) => (1 + Math.cos((Math.PI * t) / 900)) / 2),
    ];
    expect(autoYScale(lrs).scale).toBe('linear');
    // A step decay whose last LR (1e-4 of the peak) holds for 15 % of the run: log.
    const decayed = Array.from({ length: 1000 }, (_, t) => (t < 850 ? 0.1 : 1e-5));
    expect(autoYScale(decayed)).toEqual({ scale: 'log', omitted: 0 });
    // … and for 5 % of it: the linear axis shows 95 % of the run well, so it stays.
    const brief = Array.from({ length: 1000 }, (_, t) => (t < 950 ? 0.1 : 1e-5));
    expect(autoYScale(brief).scale).toBe('linear');
  });
});

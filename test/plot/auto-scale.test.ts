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
});

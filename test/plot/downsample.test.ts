import { describe, expect, it } from 'vitest';
import { downsample } from '../../src/plot/downsample.js';

const identity = (v: number): number => v;

describe('downsample', () => {
  it('keeps the first, lowest, highest and last point of each column, in their original order', () => {
    const x = [0, 0.2, 0.4, 0.6, 0.8, 1.5];
    const y = [5, 9, 1, 7, 6, 3];
    expect(downsample(x, y, identity, identity, Math.floor)).toEqual([
      [0, 5, 0.2, 9, 0.4, 1, 0.8, 6, 1.5, 3],
    ]);
  });

  it('keeps a lone spike among a million points while returning at most four points per column', () => {
    const n = 1_000_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    y[654_321] = 50;
    y[123_456] = -50;
    const toX = (v: number): number => (v / n) * 700;
    const [line] = downsample(x, y, toX, identity, Math.floor);
    const ys = line!.filter((_, i) => i % 2 === 1);
    expect(Math.max(...ys)).toBe(50);
    expect(Math.min(...ys)).toBe(-50);
    expect(line!.length / 2).toBeLessThanOrEqual(4 * 700);
  });

  it('breaks the line at non-finite points and at points the scale cannot place', () => {
    const x = [0, 1, 2, 3, 4, 5, 6];
    const y = [1, 2, Number.NaN, 3, 4, -1, 5];
    const log = (v: number): number => (v > 0 ? Math.log10(v) : Number.NaN);
    const lines = downsample(x, y, identity, log, Math.floor);
    expect(lines.map((line) => line.filter((_, i) => i % 2 === 0))).toEqual([[0, 1], [3, 4], [6]]);
  });

  it('returns nothing for a series with no drawable point', () => {
    expect(
      downsample([0, 1], [Number.NaN, Number.POSITIVE_INFINITY], identity, identity, Math.floor),
    ).toEqual([]);
    expect(downsample([], [], identity, identity, Math.floor)).toEqual([]);
  });
});

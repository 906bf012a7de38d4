import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlotError } from '../../src/errors.js';
import { boundedTicks, logTicks, niceTicks, padRange } from '../../src/plot/ticks.js';

/** The 1-2-5 mantissa of a positive step, or NaN when it is not one of 1, 2, 5. */
function mantissaOf(step: number): number {
  const exponent = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = step / 10 ** exponent;
  return [1, 2, 5, 10].find((m) => Math.abs(mantissa - m) < 1e-6 * m) ?? Number.NaN;
}

const bound = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const count = fc.integer({ min: 2, max: 20 });

describe('niceTicks', () => {
  it('covers [min, max]: the first tick is at or below min, the last at or above max', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, n);
        expect(ticks[0]!).toBeLessThanOrEqual(min);
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
      }),
    );
  });

  it('returns a few finite covering ticks for any bounds within ±1e300, even subnormal spans', () => {
    const any = fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(any, any, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, n);
        expect(ticks.every(Number.isFinite)).toBe(true);
        expect(ticks.length).toBeLessThanOrEqual(2.5 * n);
        expect(ticks[0]!).toBeLessThanOrEqual(min);
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
      }),
    );
    expect(niceTicks(0, 5e-324, 5)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });

  it('steps by one 1-2-5 value (1, 2 or 5 times a power of ten), every tick a multiple of it', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, n);
        const step = ticks[1]! - ticks[0]!;
        expect(mantissaOf(step)).not.toBeNaN();
        for (let i = 1; i < ticks.length; i++) {
          expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
          const multiple = ticks[i]! / step;
          expect(Math.abs(multiple - Math.round(multiple))).toBeLessThan(1e-6);
        }
      }),
    );
  });

  it('returns a count between half and two and a half times the one requested', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, n);
        expect(ticks.length).toBeGreaterThanOrEqual(Math.max(2, n / 2));
        expect(ticks.length).toBeLessThanOrEqual(2.5 * n);
      }),
    );
  });

  it('wastes no tick: the second tick is above min and the second-to-last below max', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        fc.pre(max - min > 1e-9 * Math.max(Math.abs(min), Math.abs(max), 1));
        const ticks = niceTicks(min, max, n);
        expect(ticks[1]!).toBeGreaterThan(min);
        expect(ticks[ticks.length - 2]!).toBeLessThan(max);
      }),
    );
  });

  it('gives ticks that are the doubles nearest short decimals (0.3, never 0.30000000000000004)', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        for (const tick of niceTicks(min, max, n)) expect(Number(tick.toPrecision(15))).toBe(tick);
      }),
    );
    expect(niceTicks(0, 0.95, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.1, 0.7, 7)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it('picks familiar ticks for a learning-rate range and a step range', () => {
    expect(niceTicks(0, 1e-3, 6)).toEqual([0, 2e-4, 4e-4, 6e-4, 8e-4, 1e-3]);
    expect(niceTicks(-3e9, 4e9, 4)).toEqual([-4e9, -2e9, 0, 2e9, 4e9]);
    expect(niceTicks(0, 1000, 6)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('widens a range of one value around it instead of failing', () => {
    expect(padRange(5, 5)).toEqual([4.5, 5.5]);
    expect(padRange(0, 0)).toEqual([-1, 1]);
    const ticks = niceTicks(5, 5, 5);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks[0]!).toBeLessThan(5);
    expect(ticks[ticks.length - 1]!).toBeGreaterThan(5);
    expect(niceTicks(0, 0, 3)).toContain(0);
  });

  it('refuses non-finite bounds, min above max and a count that is not an integer from 2', () => {
    for (const [min, max, n] of [
      [Number.NaN, 1, 5],
      [0, Number.POSITIVE_INFINITY, 5],
      [2, 1, 5],
      [0, 1, 1],
      [0, 1, 2.5],
      [-1e308, 1e308, 5],
    ] as const) {
      expect(() => niceTicks(min, max, n)).toThrow(PlotError);
      try {
        niceTicks(min, max, n);
      } catch (error) {
        expect((error as PlotError).code).toBe('ERR_PLOT_ARGUMENT');
      }
    }
  });
});

describe('logTicks', () => {
  const positive = fc.double({ min: 1e-300, max: 1e300, noNaN: true });

  it('covers [min, max] with increasing positive ticks, at most three more than requested', () => {
    fc.assert(
      fc.property(positive, positive, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = logTicks(min, max, n);
        expect(ticks[0]!).toBeGreaterThan(0);
        expect(ticks[0]!).toBeLessThanOrEqual(min);
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
        expect(ticks.length).toBeLessThanOrEqual(n + 3);
      }),
    );
  });

  it('uses 1-2-5 values over a few decades and powers of ten over many', () => {
    expect(logTicks(0.3, 2.5, 6)).toEqual([0.2, 0.5, 1, 2, 5]);
    expect(logTicks(1e-6, 1, 6)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]);
    expect(logTicks(1e-12, 1, 4)).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1]);
  });

  it('uses linear 1-2-5 ticks within one decade', () => {
    expect(logTicks(2, 3.5, 4)).toEqual([2, 2.5, 3, 3.5]);
  });

  it('refuses a min that is not positive or below 1e-300', () => {
    expect(() => logTicks(0, 1, 5)).toThrow(PlotError);
    expect(() => logTicks(1e-310, 1, 5)).toThrow(PlotError);
  });
});

describe('boundedTicks', () => {
  it('ends the axis at the data: 0 … 1407 has round ticks by 200 inside and 1407 as its last tick', () => {
    // niceTicks would go on to 1600; 1400 is 7 short of the end, under half a 200 step, so its label goes
    expect(boundedTicks(0, 1407, 8)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1407]);
    expect(boundedTicks(1, 1000, 6)).toEqual([1, 200, 400, 600, 800, 1000]);
  });

  it('starts at min and ends at max, with round ticks at least half a step from both ends', () => {
    fc.assert(
      fc.property(bound, bound, count, (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        fc.pre(max - min > 1e-9 * Math.max(Math.abs(min), Math.abs(max), 1));
        const ticks = boundedTicks(min, max, n);
        expect(ticks[0]).toBe(min);
        expect(ticks[ticks.length - 1]).toBe(max);
        const inside = ticks.slice(1, -1);
        if (inside.length >= 2) {
          const step = inside[1]! - inside[0]!;
          expect(mantissaOf(step)).not.toBeNaN();
          for (const tick of inside) {
            expect(tick - min).toBeGreaterThanOrEqual(step / 2 - 1e-9 * step);
            expect(max - tick).toBeGreaterThanOrEqual(step / 2 - 1e-9 * step);
          }
        }
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
      }),
    );
  });

  it('falls back to covering ticks for a range of one value', () => {
    const ticks = boundedTicks(5, 5, 4);
    expect(ticks[0]!).toBeLessThan(5);
    expect(ticks[ticks.length - 1]!).toBeGreaterThan(5);
  });
});

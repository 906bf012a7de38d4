import { describe, expect, it } from 'vitest';
import { formatTick, formatValue } from '../../src/plot/format.js';

describe('formatTick', () => {
  it('drops floating-point noise', () => {
    expect(formatTick(0.1 + 0.2)).toBe('0.3');
    expect(formatTick(0.1)).toBe('0.1');
    expect(formatTick(-0)).toBe('0');
  });

  it('writes an axis of small values in exponent form, the style chosen by the largest tick', () => {
    expect(formatTick(1e-4)).toBe('1e-4');
    expect(formatTick(2.5e-5)).toBe('2.5e-5');
    expect(formatTick(2e-4, 1e-3)).toBe('2e-4');
    expect(formatTick(0.005, 0.01)).toBe('0.005');
  });

  it('writes thousands with k and millions with M on axes that reach 1e4 and 1e6, small values plainly', () => {
    expect(formatTick(2000)).toBe('2000');
    expect(formatTick(20000)).toBe('20k');
    expect(formatTick(2000, 20000)).toBe('2k');
    expect(formatTick(500, 20000)).toBe('500');
    expect(formatTick(1_500_000)).toBe('1.5M');
    expect(formatTick(500_000, 2_000_000)).toBe('500k');
    expect(formatTick(4e9)).toBe('4e9');
    expect(formatTick(-3e9, 4e9)).toBe('-3e9');
  });

  it('rounds data values to significant digits', () => {
    expect(formatValue(9.87654e-4)).toBe('9.88e-4');
    expect(formatValue(1499, 1499, 6)).toBe('1499');
    expect(formatValue(0.035612)).toBe('0.0356');
  });
});

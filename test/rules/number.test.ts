import { describe, expect, it } from 'vitest';
import { number } from '../../src/rules/index.js';

describe('number(bounds)', () => {
  it('says what it allows, with "finite" where a side is open to Infinity', () => {
    expect(number().allowed).toBe('a finite number');
    expect(number({ min: 0 }).allowed).toBe('a finite number >= 0');
    expect(number({ above: 0 }).allowed).toBe('a finite number > 0');
    expect(number({ max: 1 }).allowed).toBe('a finite number <= 1');
    expect(number({ below: 1 }).allowed).toBe('a finite number < 1');
    expect(number({ min: 0, below: 1 }).allowed).toBe('a number in [0, 1)');
    expect(number({ above: 0, max: 1 }).allowed).toBe('a number in (0, 1]');
    expect(number({ min: -1, max: 1 }).allowed).toBe('a number in [-1, 1]');
    expect(number({ above: 0, unit: 'seconds' }).allowed).toBe('a finite number of seconds > 0');
  });

  it('includes min and max, excludes above and below', () => {
    expect(number({ min: 0 }).check(0)).toEqual({ ok: true, value: 0 });
    expect(number({ above: 0 }).check(0)).toEqual({
      ok: false,
      kind: 'value',
      allowed: 'a finite number > 0',
    });
    expect(number({ max: 1 }).check(1)).toEqual({ ok: true, value: 1 });
    expect(number({ below: 1 }).check(1)).toMatchObject({ ok: false, kind: 'value' });
    expect(number({ min: 0, below: 1 }).check(0.999)).toEqual({ ok: true, value: 0.999 });
    expect(number({ above: 0 }).check(5e-324)).toEqual({ ok: true, value: 5e-324 });
    expect(number({ min: 0 }).check(-1e-9)).toMatchObject({ ok: false, kind: 'value' });
  });

  it('takes -0 as 0: allowed by min 0, refused by above 0', () => {
    expect(number({ min: 0 }).check(-0).ok).toBe(true);
    expect(number({ above: 0 }).check(-0)).toMatchObject({ ok: false, kind: 'value' });
  });

  it('refuses NaN and ±Infinity as wrong values, bounded or not', () => {
    for (const rule of [number(), number({ min: 0 }), number({ max: 0 })]) {
      for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        expect(rule.check(value), `${rule.allowed} ${value}`).toMatchObject({ ok: false, kind: 'value' });
      }
    }
  });

  it('refuses non-numbers as wrong types: numeric strings, booleans, null, nothing, bigints, lists', () => {
    for (const value of ['0.1', '', true, null, undefined, 1n, [1], {}]) {
      expect(number().check(value), String(value)).toEqual({
        ok: false,
        kind: 'type',
        allowed: 'a finite number',
      });
    }
  });

  it('refuses two lower or two upper bounds when the rule is made', () => {
    expect(() => number({ min: 0, above: 0 })).toThrow(TypeError);
    expect(() => number({ max: 1, below: 1 })).toThrow(TypeError);
  });
});

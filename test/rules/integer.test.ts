import { describe, expect, it } from 'vitest';
import { integer } from '../../src/rules/index.js';

const MAX = 9007199254740991; // 2^53 - 1, written out rather than read from Number

describe('integer(min, max)', () => {
  it('says what it allows: no bound, a lower bound, an upper bound, both', () => {
    expect(integer().allowed).toBe('an integer');
    expect(integer(1).allowed).toBe('an integer >= 1');
    expect(integer(0).allowed).toBe('an integer >= 0');
    expect(integer(undefined, 10).allowed).toBe('an integer <= 10');
    expect(integer(1, 64).allowed).toBe('an integer from 1 to 64');
  });

  it('accepts both ends of [min, max]', () => {
    expect(integer(1, 64).check(1)).toEqual({ ok: true, value: 1 });
    expect(integer(1, 64).check(64)).toEqual({ ok: true, value: 64 });
    expect(integer(0, 65535).check(0)).toEqual({ ok: true, value: 0 });
  });

  it('refuses one below min and one above max as wrong values', () => {
    expect(integer(1, 64).check(0)).toEqual({ ok: false, kind: 'value', allowed: 'an integer from 1 to 64' });
    expect(integer(1, 64).check(65)).toEqual({
      ok: false,
      kind: 'value',
      allowed: 'an integer from 1 to 64',
    });
    expect(integer(1).check(-1)).toEqual({ ok: false, kind: 'value', allowed: 'an integer >= 1' });
  });

  it('takes -0 as 0', () => {
    expect(integer(0).check(-0).ok).toBe(true);
    expect(integer(1).check(-0)).toMatchObject({ ok: false, kind: 'value' });
  });

  it('refuses fractions, NaN and ±Infinity as wrong types (Python int is a type)', () => {
    for (const value of [2.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(integer(1).check(value), String(value)).toEqual({
        ok: false,
        kind: 'type',
        allowed: 'an integer >= 1',
      });
    }
  });

  it('refuses non-numbers as wrong types: strings, booleans, null, nothing, bigints, lists', () => {
    for (const value of ['2', true, null, undefined, 2n, [2], { value: 2 }]) {
      expect(integer(0).check(value), String(value)).toMatchObject({ ok: false, kind: 'type' });
    }
  });

  it('accepts ±(2^53 - 1) and refuses integers beyond, where doubles stop counting exactly', () => {
    expect(integer().check(MAX).ok).toBe(true);
    expect(integer().check(-MAX).ok).toBe(true);
    expect(integer().check(MAX + 1)).toMatchObject({ ok: false, kind: 'value' });
    expect(integer(0).check(1e300)).toMatchObject({ ok: false, kind: 'value' });
  });

  it('stays within ±(2^53 - 1) even when a bound is given beyond', () => {
    const unbounded = integer(0, Number.POSITIVE_INFINITY);
    expect(unbounded.allowed).toBe('an integer >= 0');
    expect(unbounded.check(MAX).ok).toBe(true);
    expect(unbounded.check(MAX + 1)).toMatchObject({ ok: false, kind: 'value' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  advise,
  boolean,
  callable,
  integer,
  listOf,
  mapping,
  mustBe,
  nullable,
  number,
  oneOf,
} from '../../src/rules/index.js';

describe('boolean', () => {
  it('accepts true and false only; 1, "true" and null are wrong types', () => {
    expect(boolean.check(false)).toEqual({ ok: true, value: false });
    expect(boolean.check(true)).toEqual({ ok: true, value: true });
    for (const value of [1, 0, 'true', null, undefined]) {
      expect(boolean.check(value)).toEqual({ ok: false, kind: 'type', allowed: 'true or false' });
    }
  });
});

describe('nullable(inner)', () => {
  const rule = nullable(integer(1));

  it('accepts null and the inner values, and names null in what it allows', () => {
    expect(rule.allowed).toBe('an integer >= 1, or null for none');
    expect(rule.check(null)).toEqual({ ok: true, value: null });
    expect(rule.check(1)).toEqual({ ok: true, value: 1 });
  });

  it('keeps the kind of the inner refusal; nothing (undefined) is not null', () => {
    expect(rule.check(0)).toEqual({ ok: false, kind: 'value', allowed: 'an integer >= 1, or null for none' });
    expect(rule.check('1')).toMatchObject({ ok: false, kind: 'type' });
    expect(rule.check(undefined)).toMatchObject({ ok: false, kind: 'type' });
  });
});

describe('mapping(what)', () => {
  it('accepts a plain object as given and refuses null, lists and scalars as wrong types', () => {
    const object = { name: 'SGD' };
    const checked = mapping().check(object);
    expect(checked.ok && checked.value).toBe(object);
    expect(mapping('a scheduler config').allowed).toBe('a mapping (a scheduler config)');
    for (const value of [null, [], ['a'], 'name: SGD', 1, undefined]) {
      expect(mapping().check(value)).toEqual({ ok: false, kind: 'type', allowed: 'a mapping' });
    }
  });
});

describe('listOf(item, allowed)', () => {
  const rule = listOf(number(), 'a list of numbers');

  it('accepts a list whose every item passes, the empty list too', () => {
    expect(rule.check([])).toEqual({ ok: true, value: [] });
    expect(rule.check([1, -2.5])).toEqual({ ok: true, value: [1, -2.5] });
  });

  it('refuses a non-list and a list with one bad item, both as wrong types', () => {
    for (const value of [1, '1,2', null, { 0: 1 }, [1, '2'], [1, Number.NaN], [null]]) {
      expect(rule.check(value)).toEqual({ ok: false, kind: 'type', allowed: 'a list of numbers' });
    }
  });
});

describe('callable(of)', () => {
  it('accepts a function and refuses anything else as a wrong type', () => {
    const f = (x: number) => x;
    const checked = callable('the epoch').check(f);
    expect(checked.ok && checked.value).toBe(f);
    expect(callable().allowed).toBe('a function');
    expect(callable('the epoch').check('x => x')).toEqual({
      ok: false,
      kind: 'type',
      allowed: 'a function of the epoch',
    });
  });
});

describe('advise(rule, advice)', () => {
  const rule = advise(oneOf('sync'), (value) => (value === 'async' ? 'not built yet' : undefined));

  it('adds the hint to refusals advice speaks to, and changes nothing else', () => {
    expect(rule.allowed).toBe('sync');
    expect(rule.check('sync')).toEqual({ ok: true, value: 'sync' });
    expect(rule.check('async')).toEqual({ ok: false, kind: 'value', allowed: 'sync', hint: 'not built yet' });
    expect(rule.check('other')).toEqual({ ok: false, kind: 'value', allowed: 'sync' });
  });
});

describe('mustBe(allowed, value, hint)', () => {
  it('words a refusal with the value as received, strings quoted, and the hint last', () => {
    expect(mustBe('an integer >= 1', 0)).toBe('must be an integer >= 1, received 0');
    expect(mustBe('a finite number', '0.1')).toBe('must be a finite number, received "0.1"');
    expect(mustBe('a mapping', undefined)).toBe('must be a mapping, received nothing');
    expect(mustBe('sync', 'async', 'use mode: sync')).toBe('must be sync, received "async"; use mode: sync');
  });
});

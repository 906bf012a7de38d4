import { describe, expect, it } from 'vitest';
import { anyString, oneOf, text } from '../../src/rules/index.js';

describe('anyString', () => {
  it('accepts every string, the empty one too, and refuses anything else as a wrong type', () => {
    expect(anyString.check('')).toEqual({ ok: true, value: '' });
    expect(anyString.check('min')).toEqual({ ok: true, value: 'min' });
    for (const value of [1, null, undefined, ['a'], true]) {
      expect(anyString.check(value)).toEqual({ ok: false, kind: 'type', allowed: 'a string' });
    }
  });
});

describe('text(what)', () => {
  it('says what it names', () => {
    expect(text().allowed).toBe('a non-empty string');
    expect(text('a folder').allowed).toBe('a non-empty string (a folder)');
  });

  it('accepts a string with something besides spaces, as given', () => {
    expect(text().check(' runs ')).toEqual({ ok: true, value: ' runs ' });
  });

  it('refuses an empty or blank string as a wrong value and a non-string as a wrong type', () => {
    expect(text().check('')).toEqual({ ok: false, kind: 'value', allowed: 'a non-empty string' });
    expect(text().check(' \t\n')).toMatchObject({ ok: false, kind: 'value' });
    expect(text().check(2024)).toMatchObject({ ok: false, kind: 'type' });
    expect(text().check(null)).toMatchObject({ ok: false, kind: 'type' });
  });
});

describe('oneOf(...choices)', () => {
  it('names one choice alone and several as a list', () => {
    expect(oneOf('sync').allowed).toBe('sync');
    expect(oneOf('step', 'epoch').allowed).toBe('one of step, epoch');
  });

  it('accepts each choice exactly: case matters, and the choice meant is suggested', () => {
    expect(oneOf('step', 'epoch').check('epoch')).toEqual({ ok: true, value: 'epoch' });
    expect(oneOf('step', 'epoch').check('Epoch')).toEqual({
      ok: false,
      kind: 'value',
      allowed: 'one of step, epoch',
      hint: 'did you mean epoch?',
    });
  });

  it('suggests the choice a typo most likely meant, and none for a word far from every choice', () => {
    const names = oneOf('SGD', 'Momentum', 'Adam', 'AdamW');
    expect(names.check('Adamm')).toMatchObject({ ok: false, kind: 'value', hint: 'did you mean Adam?' });
    expect(names.check('momentun')).toMatchObject({ hint: 'did you mean Momentum?' });
    expect(names.check('Lamb')).not.toHaveProperty('hint');
  });

  it('refuses a non-string as a wrong type', () => {
    expect(oneOf('1', '2').check(1)).toMatchObject({ ok: false, kind: 'type' });
    expect(oneOf('a').check(null)).toMatchObject({ ok: false, kind: 'type' });
  });
});

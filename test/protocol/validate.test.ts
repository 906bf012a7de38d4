import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RECORD_DEPTH,
  MESSAGE_TYPES,
  type MessageType,
  STRING_LIMITS,
  validateMessage,
} from '../../src/protocol/index.js';
import { SAMPLES, sampleWith } from './samples.js';

function issuesOf(value: unknown) {
  const result = validateMessage(value);
  if (result.ok) throw new Error(`expected issues for ${JSON.stringify(value)}`);
  return result.issues;
}

describe('validateMessage', () => {
  it.each(MESSAGE_TYPES)('accepts a valid %s message and returns the same object', (type) => {
    const message = SAMPLES[type];
    const result = validateMessage(message);
    expect(result).toEqual({ ok: true, value: message });
    expect(result.ok && result.value).toBe(message);
  });

  it('never throws on arbitrary input', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(anything, (value) => {
        const result = validateMessage(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on objects with a known type and arbitrary fields', () => {
    const fields = fc.dictionary(
      fc.constantFrom('rank', 'step', 'grad', 'config', 'token', 'lr', 'x'),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_TYPES), fields, (type, extra) => {
        const result = validateMessage({ ...SAMPLES[type], ...extra });
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports a value whose reading throws as an issue instead of throwing', () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf: () => Object.prototype,
        get: () => {
          throw new Error('trap');
        },
      },
    );
    expect(issuesOf(hostile)).toEqual([expect.objectContaining({ code: 'invalid_type', path: [] })]);
  });

  it('refuses values that are not plain objects', () => {
    for (const value of [null, 3, 'heartbeat', [SAMPLES.heartbeat], new Map([['type', 'heartbeat']])]) {
      expect(issuesOf(value)).toEqual([expect.objectContaining({ code: 'invalid_type', path: [] })]);
    }
  });

  it('lists every allowed type for an unknown type', () => {
    const [issue] = issuesOf({ type: 'gradients', rank: 0 });
    expect(issue?.code).toBe('unknown_type');
    expect(issue?.path).toEqual(['type']);
    for (const type of MESSAGE_TYPES) expect(issue?.message).toContain(type);
  });

  it('requires a type and refuses a type that is not a string', () => {
    expect(issuesOf({ rank: 0 })).toEqual([expect.objectContaining({ code: 'required', path: ['type'] })]);
    expect(issuesOf({ type: 7 })).toEqual([
      expect.objectContaining({ code: 'invalid_type', path: ['type'] }),
    ]);
    expect(issuesOf({ type: 'toString' })).toEqual([expect.objectContaining({ code: 'unknown_type' })]);
  });

  const cases: readonly [
    string,
    MessageType,
    Record<string, unknown>,
    string,
    readonly (string | number)[],
  ][] = [
    ['a negative rank', 'leave', { rank: -1 }, 'too_small', ['rank']],
    ['a fractional step', 'stop', { step: 1.5 }, 'not_integer', ['step']],
    ['an unsafe integer step', 'stop', { step: 2 ** 53 }, 'not_integer', ['step']],
    ['a worldSize of 0', 'assign', { worldSize: 0 }, 'too_small', ['worldSize']],
    ['a rank given as a string', 'applied', { rank: '1' }, 'invalid_type', ['rank']],
    ['a BigInt rank', 'applied', { rank: 1n }, 'invalid_type', ['rank']],
    ['a NaN lr', 'update', { lr: Number.NaN }, 'not_finite', ['lr']],
    ['an infinite lr', 'welcome', { lr: Number.POSITIVE_INFINITY }, 'not_finite', ['lr']],
    ['a negative computeMs', 'gradient', { computeMs: -1 }, 'too_small', ['computeMs']],
    ['an infinite sentAt', 'heartbeat', { sentAt: Number.NEGATIVE_INFINITY }, 'not_finite', ['sentAt']],
    ['a protocol of 0', 'join', { protocol: 0 }, 'too_small', ['protocol']],
    ['a token over 4 KiB', 'join', { token: 'x'.repeat(STRING_LIMITS.token + 1) }, 'too_big', ['token']],
    ['a message over 4 KiB of UTF-8', 'error', { message: 'é'.repeat(2049) }, 'too_big', ['message']],
    ['a boolean given as 1', 'update', { skipped: 1 }, 'invalid_type', ['skipped']],
    ['a gradient given as an array', 'gradient', { grad: [1, 2] }, 'invalid_type', ['grad']],
    [
      'a gradient given as a Float64Array',
      'gradient',
      { grad: new Float64Array(2) },
      'invalid_type',
      ['grad'],
    ],
    ['a null gradient in a gradient message', 'gradient', { grad: null }, 'invalid_type', ['grad']],
    ['an extra key', 'heartbeat', { extra: 1 }, 'unrecognized_key', ['extra']],
    ['a $tensors key', 'params', { $tensors: [['params', 3]] }, 'unrecognized_key', ['$tensors']],
    ['an undefined round', 'gradient', { round: undefined }, 'invalid_type', ['round']],
    ['a negative round', 'gradient', { round: -1 }, 'too_small', ['round']],
    ['a failed given as 0', 'stop', { failed: 0 }, 'invalid_type', ['failed']],
    [
      'an optimizer state that is null',
      'welcome',
      { optimizerState: null },
      'invalid_type',
      ['optimizerState'],
    ],
    [
      'an optimizer state that is a Map',
      'welcome',
      { optimizerState: new Map([['velocity', new Float32Array(1)]]) },
      'invalid_type',
      ['optimizerState'],
    ],
    [
      'an optimizer state given as one Float32Array',
      'welcome',
      { optimizerState: new Float32Array(3) },
      'invalid_type',
      ['optimizerState'],
    ],
    [
      'an accumulator given as an array',
      'welcome',
      { optimizerState: { velocity: [1, 2] } },
      'invalid_type',
      ['optimizerState', 'velocity'],
    ],
    [
      'an accumulator given as a Float64Array',
      'welcome',
      { optimizerState: { moment1: new Float64Array(1) } },
      'invalid_type',
      ['optimizerState', 'moment1'],
    ],
    [
      'an accumulator key with a dot',
      'welcome',
      { optimizerState: { 'm.1': new Float32Array(1) } },
      'invalid_key',
      ['optimizerState', 'm.1'],
    ],
    [
      'an integer-like accumulator key',
      'welcome',
      { optimizerState: { '0': new Float32Array(1) } },
      'invalid_key',
      ['optimizerState', '0'],
    ],
    [
      'an accumulator key of 65 characters',
      'welcome',
      { optimizerState: { ['k'.repeat(65)]: new Float32Array(1) } },
      'invalid_key',
      ['optimizerState', 'k'.repeat(65)],
    ],
    [
      'an optimizer state of 17 tensors',
      'welcome',
      {
        optimizerState: Object.fromEntries(
          Array.from({ length: 17 }, (_, i) => [`k${i}`, new Float32Array(1)]),
        ),
      },
      'too_big',
      ['optimizerState'],
    ],
    ['params that are null', 'welcome', { params: null }, 'invalid_type', ['params']],
    ['a config that is an array', 'assign', { config: [1] }, 'invalid_type', ['config']],
    [
      'a typed array inside config',
      'assign',
      { config: { init: { w: new Float32Array(2) } } },
      'invalid_type',
      ['config', 'init', 'w'],
    ],
    [
      'a Date inside config',
      'assign',
      { config: { at: [new Date(0)] } },
      'invalid_type',
      ['config', 'at', 0],
    ],
    [
      'undefined inside config',
      'assign',
      { config: { seed: undefined } },
      'invalid_type',
      ['config', 'seed'],
    ],
  ];

  it.each(cases)('refuses %s', (_, type, changes, code, path) => {
    expect(issuesOf(sampleWith(type, changes))).toEqual([expect.objectContaining({ code, path })]);
  });

  it('names the rule and the value received in each issue', () => {
    const [issue] = issuesOf(sampleWith('leave', { rank: -1 }));
    expect(issue?.message).toBe('rank must be an integer ≥ 0, received -1');
  });

  it('accepts strings exactly at their bound, counted in UTF-8 bytes', () => {
    expect(validateMessage(sampleWith('join', { token: 'x'.repeat(STRING_LIMITS.token) })).ok).toBe(true);
    expect(validateMessage(sampleWith('error', { message: 'é'.repeat(2048) })).ok).toBe(true);
  });

  it('accepts a NaN or infinite loss and does not scan gradient elements', () => {
    const grad = Float32Array.from([Number.NaN, Number.POSITIVE_INFINITY]);
    expect(validateMessage(sampleWith('gradient', { loss: Number.NaN, grad })).ok).toBe(true);
    expect(validateMessage(sampleWith('gradient', { loss: Number.NEGATIVE_INFINITY })).ok).toBe(true);
  });

  it('accepts null for nullable fields only', () => {
    expect(validateMessage(sampleWith('update', { grad: null, skipped: true })).ok).toBe(true);
    expect(validateMessage(sampleWith('error', { rank: null, step: null })).ok).toBe(true);
    expect(issuesOf(sampleWith('applied', { rank: null }))).toEqual([
      expect.objectContaining({ path: ['rank'] }),
    ]);
  });

  it('reports every missing field', () => {
    const issues = issuesOf({ type: 'gradient' });
    expect(issues.map((issue) => issue.path[0]).sort()).toEqual([
      'computeMs',
      'grad',
      'loss',
      'rank',
      'round',
      'samples',
      'step',
    ]);
    expect(issuesOf({ type: 'welcome' }).map((issue) => issue.path[0])).toContain('optimizerState');
    expect(issues.every((issue) => issue.code === 'required')).toBe(true);
  });

  it('refuses a config key that cannot travel and a config nested too deep', () => {
    const proto = JSON.parse('{"__proto__": 1}') as unknown;
    expect(issuesOf(sampleWith('assign', { config: proto }))).toEqual([
      expect.objectContaining({ code: 'unrecognized_key', path: ['config', '__proto__'] }),
    ]);
    let deep: unknown = 1;
    for (let i = 0; i < MAX_RECORD_DEPTH + 1; i++) deep = { next: deep };
    expect(issuesOf(sampleWith('assign', { config: deep }))).toEqual([
      expect.objectContaining({ code: 'too_big' }),
    ]);
  });

  it('accepts an empty optimizer state, Paddle accumulator names and keys at their 64-character bound', () => {
    expect(validateMessage(sampleWith('welcome', { optimizerState: {} })).ok).toBe(true);
    const adam = {
      moment1: new Float32Array(3),
      moment2: new Float32Array(3),
      beta1_pow_acc: Float32Array.of(0.9),
      beta2_pow_acc: Float32Array.of(0.999),
      moment2_max: new Float32Array(3),
      [`_${'k'.repeat(63)}`]: new Float32Array(0),
    };
    expect(validateMessage(sampleWith('welcome', { optimizerState: adam })).ok).toBe(true);
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, new Float32Array(0)]));
    expect(validateMessage(sampleWith('welcome', { optimizerState: sixteen })).ok).toBe(true);
  });

  it('refuses __proto__ as an accumulator name, which a plain object cannot hold as an entry', () => {
    const state = JSON.parse('{"__proto__": 1}') as Record<string, unknown>;
    expect(issuesOf(sampleWith('welcome', { optimizerState: state }))).toEqual([
      expect.objectContaining({ code: 'invalid_key', path: ['optimizerState', '__proto__'] }),
    ]);
  });

  it('reports an over-full tensor map once, not once per entry', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'x']));
    expect(issuesOf(sampleWith('welcome', { optimizerState: many }))).toHaveLength(1);
  });

  it('accepts objects without a prototype, as some decoders produce', () => {
    const bare = Object.assign(Object.create(null) as object, SAMPLES.heartbeat);
    expect(validateMessage(bare).ok).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES, MESSAGES, type MessageSpec, PROTOCOL_VERSION } from '../../src/protocol/index.js';

const rows = Object.entries(MESSAGES) as [string, MessageSpec][];

describe('the message table', () => {
  it('defines protocol version 6 and the seventeen messages in table order', () => {
    expect(PROTOCOL_VERSION).toBe(6);
    expect(MESSAGE_TYPES).toEqual([
      'join',
      'liveness',
      'assign',
      'params',
      'welcome',
      'gradient',
      'update',
      'push',
      'pushed',
      'applied',
      'evaluate',
      'evaluation',
      'trace',
      'heartbeat',
      'error',
      'leave',
      'stop',
    ]);
  });

  it('says who sends each message', () => {
    const from = (party: string) => rows.filter(([, spec]) => spec.from === party).map(([type]) => type);
    expect(from('worker')).toEqual([
      'join',
      'liveness',
      'params',
      'gradient',
      'push',
      'applied',
      'evaluation',
      'trace',
      'leave',
    ]);
    expect(from('coordinator')).toEqual([
      'assign',
      'welcome',
      'update',
      'pushed',
      'evaluate',
      'error',
      'stop',
    ]);
    expect(from('both')).toEqual(['heartbeat']);
  });

  it('gives tensors only to params, welcome, gradient, update, push, pushed and evaluate, in sending order', () => {
    const withTensors = rows.filter(([, spec]) => spec.tensors !== undefined);
    expect(withTensors.map(([type, spec]) => [type, spec.tensors])).toEqual([
      ['params', { params: { kind: 'tensor', nullable: false } }],
      [
        'welcome',
        {
          params: { kind: 'tensor', nullable: false },
          optimizerState: { kind: 'tensorMap', maxEntries: 16, maxKeyLength: 64 },
        },
      ],
      ['gradient', { grad: { kind: 'tensor', nullable: false } }],
      ['update', { grad: { kind: 'tensor', nullable: true } }],
      ['push', { grad: { kind: 'tensor', nullable: false } }],
      ['pushed', { params: { kind: 'tensor', nullable: false } }],
      ['evaluate', { params: { kind: 'tensor', nullable: true } }],
    ]);
  });

  it('names tensor fields with plain identifiers that are never also control fields', () => {
    for (const [, spec] of rows) {
      expect(Object.keys(spec.fields)).not.toContain('type');
      for (const name of Object.keys(spec.tensors ?? {})) {
        // a dot would make descriptor paths (`field.key`) ambiguous
        expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(Object.keys(spec.fields)).not.toContain(name);
        expect(name).not.toBe('type');
      }
    }
  });

  it('carries the batch index in gradient and the failure status in stop', () => {
    expect(MESSAGES.gradient.fields.round).toEqual({ kind: 'integer', min: 0 });
    expect(MESSAGES.stop.fields.failed).toEqual({ kind: 'boolean' });
    expect(Object.keys(MESSAGES.gradient.fields)).toEqual([
      'rank',
      'step',
      'round',
      'loss',
      'samples',
      'computeMs',
    ]);
    expect(Object.keys(MESSAGES.welcome.fields)).toEqual([
      'step',
      'epoch',
      'lr',
      'round',
      'stepsPerEpoch',
      'totalSteps',
      'plan',
    ]);
    expect(Object.keys(MESSAGES.stop.fields)).toEqual(['reason', 'step', 'failed']);
  });
});

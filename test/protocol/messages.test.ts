import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES, MESSAGES, type MessageSpec, PROTOCOL_VERSION } from '../../src/protocol/index.js';

const rows = Object.entries(MESSAGES) as [string, MessageSpec][];

describe('the message table', () => {
  it('defines protocol version 1 and the fourteen messages in table order', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(MESSAGE_TYPES).toEqual([
      'join',
      'assign',
      'params',
      'welcome',
      'gradient',
      'update',
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
    expect(from('worker')).toEqual(['join', 'params', 'gradient', 'applied', 'evaluation', 'trace', 'leave']);
    expect(from('coordinator')).toEqual(['assign', 'welcome', 'update', 'evaluate', 'error', 'stop']);
    expect(from('both')).toEqual(['heartbeat']);
  });

  it('gives tensors only to params, welcome, gradient and update, never also as a control field', () => {
    const withTensor = rows.filter(([, spec]) => spec.tensor !== undefined);
    expect(withTensor.map(([type, spec]) => [type, spec.tensor?.field, spec.tensor?.nullable])).toEqual([
      ['params', 'params', false],
      ['welcome', 'params', false],
      ['gradient', 'grad', false],
      ['update', 'grad', true],
    ]);
    for (const [, spec] of withTensor) expect(Object.keys(spec.fields)).not.toContain(spec.tensor?.field);
    for (const [, spec] of rows) expect(Object.keys(spec.fields)).not.toContain('type');
  });
});

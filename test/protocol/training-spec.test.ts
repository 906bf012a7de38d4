import { describe, expect, it } from 'vitest';
import { TrainingError } from '../../src/errors.js';
import { parseTrainingSpec } from '../../src/protocol/index.js';

const spec = {
  task: 'mnist-mlp',
  seed: 0,
  batchSize: 1,
  accumulateSteps: 1,
  optimizer: { name: 'SGD' },
  dataLimit: null,
  evalLimit: 10,
  heartbeatIntervalMs: 2000,
  heartbeatTimeoutMs: 30000,
  mode: 'async',
  slowdown: 1,
  jitter: 0,
};

function refusal(value: Record<string, unknown>): TrainingError {
  try {
    parseTrainingSpec(value);
  } catch (error) {
    expect(error).toBeInstanceOf(TrainingError);
    return error as TrainingError;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('parseTrainingSpec', () => {
  it('reads a spec as sent, the smallest allowed values included, and freezes it', () => {
    const parsed = parseTrainingSpec(spec);
    expect(parsed).toEqual(spec);
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  it('reads a spec without accumulateSteps (a peer from before it) as no accumulation', () => {
    const { accumulateSteps: _, ...older } = spec;
    expect(parseTrainingSpec(older).accumulateSteps).toBe(1);
  });

  it.each([
    ['task', ''],
    ['task', 3],
    ['seed', -1],
    ['seed', 1.5],
    ['batchSize', 0],
    ['batchSize', '64'],
    ['accumulateSteps', 0],
    ['optimizer', null],
    ['optimizer', []],
    ['dataLimit', 0],
    ['evalLimit', Number.NaN],
    ['heartbeatIntervalMs', Number.POSITIVE_INFINITY],
    ['heartbeatTimeoutMs', undefined],
    ['mode', 'geo'],
    ['slowdown', 0.5],
    ['jitter', 1],
  ])('refuses %s = %s as ERR_TRAINING_PROTOCOL naming the field', (key, bad) => {
    const error = refusal({ ...spec, [key]: bad });
    expect(error.code).toBe('ERR_TRAINING_PROTOCOL');
    expect(error.message).toContain(`assign.config.${key}`);
  });
});

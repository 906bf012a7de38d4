import { expect } from 'vitest';
import { parseOverrideFlags } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

/** The ConfigError `fn` throws (the test fails if it throws nothing or something else). */
export function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** The run-config overrides of command-line flags: `flags('--simulate.latency-ms', '20')`. */
export const flags = (...argv: string[]) => parseOverrideFlags(argv).overrides;

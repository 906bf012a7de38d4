import { describe, expect, it } from 'vitest';
import { NetsimError } from '../../src/errors.js';
import {
  DEFAULT_BANDWIDTH_MBPS,
  DEFAULT_JITTER_MS,
  DEFAULT_LATENCY_MS,
  DEFAULT_SEED,
  describeLink,
  type LinkOptions,
  parseLinkOptions,
} from '../../src/netsim/index.js';

function refusal(input: Partial<LinkOptions>): NetsimError {
  try {
    parseLinkOptions(input);
  } catch (error) {
    expect(error).toBeInstanceOf(NetsimError);
    return error as NetsimError;
  }
  throw new Error(`parseLinkOptions accepted ${JSON.stringify(input)}`);
}

describe('parseLinkOptions', () => {
  it('fills the documented defaults and returns a frozen object', () => {
    const link = parseLinkOptions({});
    expect(link).toEqual({ latencyMs: 0, jitterMs: 0, bandwidthMbps: null, seed: 0 });
    expect([DEFAULT_LATENCY_MS, DEFAULT_JITTER_MS, DEFAULT_BANDWIDTH_MBPS, DEFAULT_SEED]).toEqual([
      0,
      0,
      null,
      0,
    ]);
    expect(Object.isFrozen(link)).toBe(true);
    expect(parseLinkOptions()).toEqual(link);
  });

  it('keeps the values it is given', () => {
    expect(parseLinkOptions({ latencyMs: 5, jitterMs: 1, bandwidthMbps: 1000, seed: 7 })).toEqual({
      latencyMs: 5,
      jitterMs: 1,
      bandwidthMbps: 1000,
      seed: 7,
    });
    expect(parseLinkOptions({ bandwidthMbps: null }).bandwidthMbps).toBeNull();
    expect(parseLinkOptions({ latencyMs: 2, jitterMs: 2 }).jitterMs).toBe(2);
  });

  it.each([
    [{ latencyMs: -1 }, 'latencyMs'],
    [{ latencyMs: 60_001 }, 'latencyMs'],
    [{ latencyMs: Number.NaN }, 'latencyMs'],
    [{ latencyMs: '5' as unknown as number }, 'latencyMs'],
    [{ latencyMs: 1, jitterMs: -0.5 }, 'jitterMs'],
    [{ latencyMs: 1, jitterMs: 1.5 }, 'jitterMs'],
    [{ bandwidthMbps: 0 }, 'bandwidthMbps'],
    [{ bandwidthMbps: -3 }, 'bandwidthMbps'],
    [{ bandwidthMbps: Number.POSITIVE_INFINITY }, 'bandwidthMbps'],
    [{ seed: 1.5 }, 'seed'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 32 }, 'seed'],
  ])('refuses %j naming %s', (input, option) => {
    const error = refusal(input);
    expect(error.code).toBe('ERR_NETSIM_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it('says why jitter may not exceed latency and what to do', () => {
    const error = refusal({ latencyMs: 1, jitterMs: 2 });
    expect(error.message).toMatch(/jitterMs must be ≤ latencyMs \(1\).*received 2/);
  });
});

describe('describeLink', () => {
  it('puts the link in words', () => {
    expect(describeLink(parseLinkOptions({ latencyMs: 5, jitterMs: 1, bandwidthMbps: 1000 }))).toBe(
      'latency 5 ms ± 1 ms each way, bandwidth 1000 Mbit/s, seed 0',
    );
    expect(describeLink(parseLinkOptions({ seed: 3 }))).toBe(
      'latency 0 ms each way, bandwidth unlimited, seed 3',
    );
  });
});

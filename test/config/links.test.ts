import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { linkOf, parseRunConfig, runConfigToYaml, simulatedLinks } from '../../src/config/index.js';
import { flags, refusal } from '../support/config.js';

describe('simulate: link keys', () => {
  it('gives every rank the all-workers link, and a rank its own entry over it key by key', () => {
    const config = parseRunConfig({
      workers: 4,
      simulate: {
        latency_ms: 20,
        jitter_ms: 5,
        bandwidth_mbps: 100,
        links: { 1: { latency_ms: 50 }, 3: { bandwidth_mbps: null, jitter_ms: 0 } },
      },
    });
    expect(simulatedLinks(config)).toEqual([
      { latencyMs: 20, jitterMs: 5, bandwidthMbps: 100 },
      { latencyMs: 50, jitterMs: 5, bandwidthMbps: 100 },
      { latencyMs: 20, jitterMs: 5, bandwidthMbps: 100 },
      { latencyMs: 20, jitterMs: 0, bandwidthMbps: null },
    ]);
    expect(config.simulate.links).toEqual({
      1: { latency_ms: 50 },
      3: { bandwidth_mbps: null, jitter_ms: 0 },
    });
  });

  it('has no links (no relays) by default, nor when every link is without effect', () => {
    expect(simulatedLinks(parseRunConfig(undefined))).toBeNull();
    expect(simulatedLinks(parseRunConfig({ simulate: { slow: { 1: 2 } } }))).toBeNull();
    expect(simulatedLinks(parseRunConfig({ simulate: { links: { 0: { latency_ms: 0 } } } }))).toBeNull();
    // One rank with an effect gives every rank a link (the others at no effect), so all go through relays.
    expect(simulatedLinks(parseRunConfig({ simulate: { links: { 1: { bandwidth_mbps: 10 } } } }))).toEqual([
      { latencyMs: 0, jitterMs: 0, bandwidthMbps: null },
      { latencyMs: 0, jitterMs: 0, bandwidthMbps: 10 },
    ]);
  });

  it('takes the keys as flags (npm start -- --simulate.latency-ms 20) and writes them back in config.yaml', () => {
    const config = parseRunConfig(
      undefined,
      flags('--simulate.latency-ms', '20', '--simulate.links.1.jitter-ms', '3'),
    );
    expect(linkOf(config.simulate, 0)).toEqual({ latencyMs: 20, jitterMs: 0, bandwidthMbps: null });
    expect(linkOf(config.simulate, 1)).toEqual({ latencyMs: 20, jitterMs: 3, bandwidthMbps: null });
    const written = parse(runConfigToYaml(config)) as { simulate: unknown };
    expect(written.simulate).toMatchObject({ latency_ms: 20, links: { 1: { jitter_ms: 3 } } });
    expect(parseRunConfig(written).simulate).toEqual(config.simulate);
  });

  it.each([
    [{ latency_ms: -1 }, 'simulate.latency_ms'],
    [{ latency_ms: '20ms' }, 'simulate.latency_ms'],
    [{ jitter_ms: Number.NaN }, 'simulate.jitter_ms'],
    [{ bandwidth_mbps: 0 }, 'simulate.bandwidth_mbps'],
    [{ links: { 1: { latency: 5 } } }, 'simulate.links.1.latency'],
    [{ links: { 1: 5 } }, 'simulate.links.1'],
    [{ links: { x: {} } }, 'simulate.links.x'],
  ])('refuses simulate: %j at %s', (simulate, path) => {
    const error = refusal(() => parseRunConfig({ simulate }));
    expect(error.path).toBe(path);
  });

  it("names the link keys, and the closest one, for an unknown key inside a rank's link", () => {
    const error = refusal(() => parseRunConfig({ simulate: { links: { 1: { latency: 5 } } } }));
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_KEY');
    expect(error.message).toBe(
      'simulate.links.1.latency: is not a key of simulate.links.1. Did you mean latency_ms? ' +
        'Keys of simulate.links.1: latency_ms, jitter_ms, bandwidth_mbps',
    );
    const flagged = refusal(() => parseRunConfig(undefined, flags('--simulate.links.1.latency', '5')));
    expect(flagged.message).toContain(
      '(given as --simulate.links.1.latency). Did you mean --simulate.links.1.latency-ms?',
    );
  });

  it('refuses jitter above the latency of a link, naming where the jitter was given', () => {
    const all = refusal(() => parseRunConfig({ simulate: { latency_ms: 2, jitter_ms: 3 } }));
    expect(all.code).toBe('ERR_CONFIG_CONFLICT');
    expect(all.path).toBe('simulate.jitter_ms');
    expect(all.message).toContain("rank 0's link (2 ms), received 3");
    const own = refusal(() =>
      parseRunConfig({ simulate: { latency_ms: 2, links: { 1: { jitter_ms: 4 } } } }),
    );
    expect(own.path).toBe('simulate.links.1.jitter_ms');
    // A rank's own lower latency makes the all-workers jitter too large for it.
    const lowered = refusal(() =>
      parseRunConfig({ simulate: { latency_ms: 10, jitter_ms: 5, links: { 1: { latency_ms: 4 } } } }),
    );
    expect(lowered.path).toBe('simulate.jitter_ms');
    expect(lowered.message).toContain("rank 1's link (4 ms)");
    expect(parseRunConfig({ simulate: { latency_ms: 5, jitter_ms: 5 } }).simulate.jitter_ms).toBe(5);
  });

  it('refuses a link for a rank the run does not have', () => {
    const error = refusal(() =>
      parseRunConfig({ workers: 2, simulate: { links: { 2: { latency_ms: 1 } } } }),
    );
    expect(error.code).toBe('ERR_CONFIG_CONFLICT');
    expect(error.path).toBe('simulate.links.2');
  });
});

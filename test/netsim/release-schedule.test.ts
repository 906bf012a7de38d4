import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetsimError } from '../../src/errors.js';
import { directionSeed, Mulberry32, ReleaseSchedule } from '../../src/netsim/index.js';
import { mulberry32Draws, referenceDirectionSeed } from './reference-random.js';

describe('Mulberry32', () => {
  it('draws what an independent BigInt mulberry32 draws', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 32 - 1]) {
      const r = new Mulberry32(seed);
      const ours = Array.from({ length: 50 }, () => r.next());
      expect(ours).toEqual(mulberry32Draws(seed, 50));
    }
  });

  it('stays in [0, 1)', () => {
    const r = new Mulberry32(9);
    const draws = Array.from({ length: 10_000 }, () => r.next());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });
});

describe('directionSeed', () => {
  it('follows the documented derivation', () => {
    for (const seed of [0, 1, 12345, 2 ** 32 - 1]) {
      for (const connection of [0, 1, 2, 1000]) {
        expect(directionSeed(seed, connection, 'toTarget')).toBe(referenceDirectionSeed(seed, connection, 0));
        expect(directionSeed(seed, connection, 'fromTarget')).toBe(
          referenceDirectionSeed(seed, connection, 1),
        );
      }
    }
  });

  it('gives each direction of each connection its own seed', () => {
    const seeds = new Set<number>();
    for (let connection = 0; connection < 100; connection++) {
      seeds.add(directionSeed(0, connection, 'toTarget'));
      seeds.add(directionSeed(0, connection, 'fromTarget'));
    }
    expect(seeds.size).toBe(200);
  });
});

describe('ReleaseSchedule', () => {
  it('reproduces the worked example of its doc comment (L = 5, J = 0, B = 8 Mbit/s)', () => {
    const s = new ReleaseSchedule({ latencyMs: 5, jitterMs: 0, bandwidthMbps: 8, seed: 0 });
    expect(s.next(0, 1000)).toBe(6);
    expect(s.next(0, 500)).toBe(6.5);
    expect(s.next(10, 2000)).toBe(17);
    expect(s.lastRelease).toBe(17);
  });

  it('paces back-to-back chunks at the bandwidth: 10 × 125 kB at 100 Mbit/s take 100 ms', () => {
    // 125 000 bytes = 10^6 bit; 100 Mbit/s = 10^5 bit/ms, so 10 ms per chunk.
    const s = new ReleaseSchedule({ latencyMs: 2, bandwidthMbps: 100 });
    const releases = Array.from({ length: 10 }, () => s.next(0, 125_000));
    expect(releases).toEqual([12, 22, 32, 42, 52, 62, 72, 82, 92, 102]);
  });

  it('releases at a + L exactly with no jitter and no bandwidth limit', () => {
    const s = new ReleaseSchedule({ latencyMs: 3 });
    expect([s.next(0, 10), s.next(1, 10), s.next(1, 1_000_000), s.next(50, 0)]).toEqual([3, 4, 4, 53]);
  });

  it('draws the jitter from mulberry32(seed): exact release times for seed 42', () => {
    const L = 5;
    const J = 2;
    const arrivals = [0, 0.5, 1, 1.2, 8, 8, 20, 20.1];
    const u = mulberry32Draws(42, arrivals.length);
    // By hand from the formula: t_i = max(t_{i-1}, a_i + L + J(2u_i - 1)).
    const expected: number[] = [];
    let previous = Number.NEGATIVE_INFINITY;
    for (const [i, a] of arrivals.entries()) {
      previous = Math.max(previous, a + L + J * (2 * u[i]! - 1));
      expected.push(previous);
    }
    const s = new ReleaseSchedule({ latencyMs: L, jitterMs: J, seed: 42 });
    expect(arrivals.map((a) => s.next(a, 100))).toEqual(expected);
    // The draws are not all equal, and at least one chunk was held back behind an earlier, slower one.
    expect(expected.some((r, i) => i > 0 && r === expected[i - 1])).toBe(true);
  });

  it('adds the transmission time after the jittered delay', () => {
    const u = mulberry32Draws(7, 2);
    const s = new ReleaseSchedule({ latencyMs: 10, jitterMs: 1, bandwidthMbps: 8, seed: 7 });
    const first = 0 + 10 + (2 * u[0]! - 1) + 2; // 2000 bytes at 1000 bytes/ms
    expect(s.next(0, 2000)).toBe(first);
    const second = Math.max(first, 0 + 10 + (2 * u[1]! - 1)) + 0.001; // 1 byte
    expect(s.next(0, 1)).toBe(second);
  });

  it('the same seed gives the same delays, another seed others', () => {
    const run = (seed: number) => {
      const s = new ReleaseSchedule({ latencyMs: 5, jitterMs: 5, seed });
      return Array.from({ length: 20 }, (_, i) => s.next(i * 20, 1));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('never inverts the order and never releases before arrival + L − J', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 0.01, max: 10_000, noNaN: true }), { nil: null }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 0, max: 1 << 20 })),
          {
            maxLength: 60,
          },
        ),
        (latencyMs, jitterShare, bandwidthMbps, seed, steps) => {
          const jitterMs = latencyMs * jitterShare;
          const s = new ReleaseSchedule({ latencyMs, jitterMs, bandwidthMbps, seed });
          let arrival = 0;
          let previous = Number.NEGATIVE_INFINITY;
          for (const [gap, bytes] of steps) {
            arrival += gap;
            const release = s.next(arrival, bytes);
            expect(release).toBeGreaterThanOrEqual(previous);
            expect(release).toBeGreaterThanOrEqual(arrival + latencyMs - jitterMs - 1e-9);
            expect(release).toBeGreaterThanOrEqual(arrival);
            previous = release;
          }
        },
      ),
    );
  });

  it('refuses a non-finite arrival or a byte count that is not a count', () => {
    const s = new ReleaseSchedule();
    for (const [a, b] of [
      [Number.NaN, 1],
      [Number.POSITIVE_INFINITY, 1],
      [0, -1],
      [0, 1.5],
    ] as const) {
      expect(() => s.next(a, b)).toThrow(NetsimError);
      try {
        s.next(a, b);
      } catch (error) {
        expect((error as NetsimError).code).toBe('ERR_NETSIM_ARGUMENT');
      }
    }
  });

  it('validates its link through parseLinkOptions', () => {
    expect(() => new ReleaseSchedule({ latencyMs: 1, jitterMs: 2 })).toThrow(NetsimError);
  });
});

import { NetsimError } from '../errors.js';
import { type LinkOptions, parseLinkOptions } from './link-model.js';
import { Mulberry32 } from './mulberry32.js';

/**
 * When each chunk of one direction of a link is released to the far side. Pure: no timers, the caller passes the
 * arrival times. For the i-th call `next(a_i, b_i)` (L = latencyMs, J = jitterMs, B = bandwidthMbps):
 *
 *   u_i = the i-th draw of mulberry32(seed), in [0, 1)    (one draw per call, also when J = 0)
 *   d_i = L + J·(2·u_i − 1)                               (the one-way delay, in [L − J, L + J))
 *   t_i = max(r_{i−1}, a_i + d_i)                         (never before the previous release: order is kept)
 *   r_i = t_i + 8·b_i / (1000·B)                          (pacing; r_i = t_i when B is null)
 *
 * with r_0 = −∞. The pacing is a token bucket with no burst allowance: the link sends one chunk at a time at B
 * Mbit/s (= 1000·B bit/ms) and a chunk is released when its last bit is through, so back-to-back chunks leave
 * at the bandwidth and a lone chunk pays its own transmission time. Since t_i ≥ r_{i−1}, the link is always free
 * when a chunk's turn comes, and release times never decrease.
 *
 * Worked example, L = 5, J = 0, B = 8 (8000 bit/ms, 1000 bytes/ms):
 *
 *   next(0, 1000)  → max(−∞, 0 + 5) + 1    = 6
 *   next(0, 500)   → max(6, 0 + 5) + 0.5   = 6.5   (waits for the first chunk)
 *   next(10, 2000) → max(6.5, 10 + 5) + 2  = 17    (the link was idle)
 *
 * Defaults: those of LinkOptions (no latency, no jitter, no bandwidth limit, seed 0).
 *
 * @example
 * const s = new ReleaseSchedule({ latencyMs: 5, jitterMs: 0, bandwidthMbps: 8, seed: 0 }); s.next(0, 1000); // 6
 */
export class ReleaseSchedule {
  readonly link: LinkOptions;
  readonly #random: Mulberry32;
  /** bits per millisecond, or null for no limit */
  readonly #bitsPerMs: number | null;
  #previousRelease = Number.NEGATIVE_INFINITY;

  /** `link.seed` seeds this direction's generator (the relay derives one per direction with directionSeed). */
  constructor(link: Partial<LinkOptions> = {}) {
    this.link = parseLinkOptions(link);
    this.#random = new Mulberry32(this.link.seed);
    this.#bitsPerMs = this.link.bandwidthMbps === null ? null : this.link.bandwidthMbps * 1000;
  }

  /** The release time of the last chunk, −Infinity before the first. */
  get lastRelease(): number {
    return this.#previousRelease;
  }

  /**
   * The release time, in the same unit and origin as `arrivalMs`, of a chunk of `bytes` bytes that arrived at
   * `arrivalMs`. Throws NetsimError `ERR_NETSIM_ARGUMENT` for a non-finite arrival or a byte count that is not a
   * non-negative integer.
   */
  next(arrivalMs: number, bytes: number): number {
    if (!Number.isFinite(arrivalMs)) {
      throw new NetsimError(
        'ERR_NETSIM_ARGUMENT',
        `arrivalMs must be a finite number, received ${arrivalMs}`,
      );
    }
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new NetsimError('ERR_NETSIM_ARGUMENT', `bytes must be an integer ≥ 0, received ${bytes}`);
    }
    const delay = this.link.latencyMs + this.link.jitterMs * (2 * this.#random.next() - 1);
    const start = Math.max(this.#previousRelease, arrivalMs + delay);
    const release = this.#bitsPerMs === null ? start : start + (8 * bytes) / this.#bitsPerMs;
    this.#previousRelease = release;
    return release;
  }
}

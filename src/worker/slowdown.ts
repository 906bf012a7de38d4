import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A simulated slow worker (`simulate: { slow: { RANK: factor }, jitter }`): after each gradient computed in c ms
 * it sleeps c × (factor − 1) ms, plus a seeded uniform jitter of ± jitter × c ms, so its compute takes about
 * `factor` times as long. The bytes and the arithmetic are untouched: only time passes.
 *
 * @example
 * const slow = new Slowdown({ factor: 3, jitter: 0.1, seed: 7 }); await slow.after(2.5); // sleeps ~5 ms
 */
export class Slowdown {
  private state: number;

  constructor(private readonly options: { factor: number; jitter: number; seed: number }) {
    // mulberry32's state: any 32-bit value, derived from the seed so two ranks do not jitter alike.
    this.state = (options.seed * 0x9e3779b1) >>> 0;
  }

  /** The sleep after a computation of `computeMs` (0 for a worker that is not slowed). */
  sleepMs(computeMs: number): number {
    const { factor, jitter } = this.options;
    if (factor === 1 && jitter === 0) return 0;
    const noise = jitter === 0 ? 0 : (this.uniform() * 2 - 1) * jitter;
    return Math.max(0, computeMs * (factor - 1 + noise));
  }

  async after(computeMs: number): Promise<void> {
    const ms = this.sleepMs(computeMs);
    if (ms > 0) await sleep(ms);
  }

  /** mulberry32: a uniform number in [0, 1). */
  private uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

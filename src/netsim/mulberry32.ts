const TWO_POW_32 = 2 ** 32;

/**
 * The mulberry32 generator (Tommy Ettinger's, as widely published): 32 bits of state, integer arithmetic only, so
 * a seed gives the same draws on every engine. State update: s ← s + 0x6D2B79F5 (mod 2^32); output:
 * t = (s ^ s >>> 15) · (s | 1); t ^= t + (t ^ t >>> 7) · (t | 61); (t ^ t >>> 14) / 2^32, products mod 2^32.
 *
 * @example
 * const r = new Mulberry32(1); r.next(); // a float in [0, 1)
 */
export class Mulberry32 {
  #state: number;

  /** `seed`: an integer; only its low 32 bits are used. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    const s = this.#state;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }
}

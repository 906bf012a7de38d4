/** One direction of a relayed connection: client → target, or target → client. */
export type Direction = 'toTarget' | 'fromTarget';

/** Each direction's number in the seed derivation. */
export const DIRECTION_INDEX: Readonly<Record<Direction, number>> = { toTarget: 0, fromTarget: 1 };

const GOLDEN_GAMMA = 0x9e3779b9;

/** The 32-bit finalizer of MurmurHash3: a bijection on uint32 that spreads every input bit. */
function fmix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The jitter seed of one direction of one connection, from the relay's seed, the connection's index (0 for the
 * first connection accepted, 1 for the next, …) and the direction (toTarget 0, fromTarget 1):
 * h = fmix32(seed + γ); h = fmix32((h ^ connection) + γ); h = fmix32((h ^ direction) + γ), all mod 2^32 with
 * γ = 0x9E3779B9 and fmix32 MurmurHash3's finalizer. Neighbouring inputs give unrelated seeds, and the same relay
 * seed gives every connection the same delays on every run.
 *
 * @example
 * new ReleaseSchedule({ ...link, seed: directionSeed(link.seed, 0, 'toTarget') });
 */
export function directionSeed(seed: number, connection: number, direction: Direction): number {
  let h = fmix32(seed + GOLDEN_GAMMA);
  h = fmix32(((h ^ connection) >>> 0) + GOLDEN_GAMMA);
  return fmix32(((h ^ DIRECTION_INDEX[direction]) >>> 0) + GOLDEN_GAMMA);
}

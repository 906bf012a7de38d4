/**
 * Second implementations, in BigInt arithmetic, of the generator and the seed derivation src/netsim uses, so the
 * tests' expected values do not come from the code under test.
 */
const M = 2n ** 32n;

const mul = (a: bigint, b: bigint): bigint => (a * b) % M;

/** mulberry32 as published, in unsigned BigInt arithmetic mod 2^32: the first `count` draws in [0, 1). */
export function mulberry32Draws(seed: number, count: number): number[] {
  let state = BigInt(seed) % M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5n) % M;
    let t = mul(state ^ (state >> 15n), state | 1n);
    t = ((t + mul(t ^ (t >> 7n), t | 61n)) % M) ^ t;
    out.push(Number(t ^ (t >> 14n)) / 2 ** 32);
  }
  return out;
}

function fmix32(value: bigint): bigint {
  let z = value % M;
  z = mul(z ^ (z >> 16n), 0x85ebca6bn);
  z = mul(z ^ (z >> 13n), 0xc2b2ae35n);
  return z ^ (z >> 16n);
}

/** The documented derivation: h = fmix32(seed + γ); h = fmix32((h ^ connection) + γ); h = fmix32((h ^ direction) + γ). */
export function referenceDirectionSeed(seed: number, connection: number, direction: 0 | 1): number {
  const gamma = 0x9e3779b9n;
  let h = fmix32(BigInt(seed) + gamma);
  h = fmix32((h ^ BigInt(connection)) + gamma);
  h = fmix32((h ^ BigInt(direction)) + gamma);
  return Number(h);
}

/**
 * A second implementation of dptrain's data sharding, written from its documentation (the doc comments of
 * `mixSeed` and `Random`, and PyTorch's DistributedSampler) rather than from src/sharding. It imports nothing
 * from src/, so a test that builds its expected batches here does not inherit a bug of the code it checks.
 *
 * What it reproduces:
 * - the seed hash: start from 0x243f6a88; for each part, split the part as a 64-bit two's-complement word
 *   into its low and high 32 bits and fold each in with `h = fmix32(((h + 0x9e3779b9) mod 2^32) xor half)`,
 *   where fmix32 is MurmurHash3's 32-bit finalizer;
 * - the splitmix32 stream: its state starts at the hash of the seed and advances by 0x9e3779b9 mod 2^32; each
 *   draw is fmix32 of the new state; `int(n)` is the draw scaled to [0, n) and rounded down;
 * - the epoch's order: Fisher–Yates from the end of 0 … size-1, the stream seeded with hash(seed, epoch);
 * - DistributedSampler: pad the order to a multiple of the world size by repeating it from its start
 *   (cyclically when the data set is smaller than the padding), rank r takes positions r, r+W, r+2W, …;
 *   consecutive batches of batchSize, the last partial one kept; ceil(ceil(size / W) / batchSize) batches
 *   per epoch, the same on every rank.
 *
 * The 32-bit arithmetic is done in BigInt with explicit masks, not with `Math.imul` and `>>> 0`, so the
 * two implementations share no formulation either.
 */

const MASK_32 = 0xffff_ffffn;
/** 2^32 / φ, splitmix32's increment and the step of the seed hash. */
const GOLDEN_GAMMA = 0x9e37_79b9n;
/** The seed hash's starting value (the first fractional hex digits of π). */
const HASH_START = 0x243f_6a88n;
/**
 * Largest n for which `int(n)` is checked to agree with a double-precision `floor(u / 2^32 * n)`: below
 * 2^21 the product u·n (u < 2^32) fits the 53 bits of a double, so that form is exact too.
 */
const MAX_INT_RANGE = 2 ** 21;

/** MurmurHash3's fmix32: xor-shift 16, multiply, xor-shift 13, multiply, xor-shift 16, all mod 2^32. */
function fmix32(value: bigint): bigint {
  let z = value & MASK_32;
  z ^= z >> 16n;
  z = (z * 0x85eb_ca6bn) & MASK_32;
  z ^= z >> 13n;
  z = (z * 0xc2b2_ae35n) & MASK_32;
  return z ^ (z >> 16n);
}

/**
 * Hashes safe integers into one uint32, as `mixSeed` is documented to.
 *
 * @example
 * referenceMixSeed(42, 3); // 1848535725
 */
export function referenceMixSeed(...parts: readonly number[]): number {
  let h = HASH_START;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new Error(`a seed part must be a safe integer, received ${part}`);
    const word = BigInt.asUintN(64, BigInt(part));
    for (const half of [word & MASK_32, word >> 32n]) h = fmix32(((h + GOLDEN_GAMMA) & MASK_32) ^ half);
  }
  return Number(h);
}

/**
 * The splitmix32 stream of a seed (the seed is hashed first, as `Random`'s constructor documents).
 *
 * @example
 * const s = new ReferenceStream(42); s.nextUint32(); // 946162892
 */
export class ReferenceStream {
  #state: bigint;

  constructor(seed: number) {
    this.#state = BigInt(referenceMixSeed(seed));
  }

  /** The next uint32. */
  nextUint32(): number {
    this.#state = (this.#state + GOLDEN_GAMMA) & MASK_32;
    return Number(fmix32(this.#state));
  }

  /** floor(u · n / 2^32) for the next draw u, in exact integer arithmetic; n from 1 to 2^21. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > MAX_INT_RANGE) {
      throw new Error(`int(n) needs an integer n from 1 to ${MAX_INT_RANGE}, received ${n}`);
    }
    return Number((BigInt(this.nextUint32()) * BigInt(n)) >> 32n);
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, received ${value}`);
  }
}

/** ceil(a / b) for positive integers, without floating-point division. */
function ceilDiv(a: number, b: number): number {
  const remainder = a % b;
  return (a - remainder) / b + (remainder === 0 ? 0 : 1);
}

/**
 * The order of the examples in one epoch: 0 … size-1 shuffled by Fisher–Yates from the last position down,
 * each position i swapped with a uniform j in [0, i].
 *
 * @example
 * referenceShuffle(5, 7, 2); // [2, 0, 4, 1, 3]
 */
export function referenceShuffle(size: number, seed: number, epoch: number): number[] {
  checkCount('size', size);
  if (size > MAX_INT_RANGE) throw new Error(`size must be at most ${MAX_INT_RANGE}, received ${size}`);
  const stream = new ReferenceStream(referenceMixSeed(seed, epoch));
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i >= 1; i--) {
    const j = stream.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * DistributedSampler's share of `rank`: the order padded with copies of itself up to a multiple of the world
 * size, then every worldSize-th position starting at `rank`.
 *
 * @example
 * referenceShard([5, 1, 4, 0, 2], 1, 2); // [1, 0, 5]  (padded: 5 1 4 0 2 5)
 */
export function referenceShard(order: readonly number[], rank: number, worldSize: number): number[] {
  checkCount('worldSize', worldSize);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new Error(`rank must be an integer in [0, ${worldSize}), received ${rank}`);
  }
  if (order.length === 0) throw new Error('order must not be empty');
  const total = ceilDiv(order.length, worldSize) * worldSize;
  let padded: number[] = [];
  while (padded.length < total) padded = padded.concat(order);
  return padded.slice(0, total).filter((_, position) => position % worldSize === rank);
}

/** Consecutive batches of `batchSize`, the last partial one kept. */
export function referenceBatches(shard: readonly number[], batchSize: number): number[][] {
  checkCount('batchSize', batchSize);
  const out: number[][] = [];
  for (let start = 0; start < shard.length; start += batchSize)
    out.push(shard.slice(start, start + batchSize));
  return out;
}

/**
 * Batches per epoch on every rank: ceil(ceil(size / worldSize) / batchSize).
 *
 * @example
 * referenceStepsPerEpoch(60000, 2, 64); // 469
 */
export function referenceStepsPerEpoch(size: number, worldSize: number, batchSize: number): number {
  checkCount('size', size);
  checkCount('worldSize', worldSize);
  checkCount('batchSize', batchSize);
  return ceilDiv(ceilDiv(size, worldSize), batchSize);
}

export interface ReferenceSamplerOptions {
  /** Examples in the data set. */
  readonly size: number;
  /** The run's seed (the `seed` of the run config). */
  readonly seed: number;
  readonly worldSize: number;
  /** Per-rank batch size. */
  readonly batchSize: number;
  /** Global steps to produce, from step 0; may run over several epochs. */
  readonly steps: number;
}

/**
 * For each global step from 0, each rank's example indices in rank order: step t is batch
 * t mod stepsPerEpoch of epoch floor(t / stepsPerEpoch). The global batch of a step is the concatenation of
 * its ranks' lists.
 *
 * @example
 * referenceGlobalBatches({ size: 256, seed: 3, worldSize: 2, batchSize: 32, steps: 12 })[5]; // [[…32], […32]]
 */
export function referenceGlobalBatches(options: ReferenceSamplerOptions): number[][][] {
  const { size, seed, worldSize, batchSize, steps } = options;
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new Error(`steps must be a non-negative integer, received ${steps}`);
  }
  const perEpoch = referenceStepsPerEpoch(size, worldSize, batchSize);
  const epochs = new Map<number, number[][][]>();
  const out: number[][][] = [];
  for (let step = 0; step < steps; step++) {
    const epoch = Math.floor(step / perEpoch);
    let ranks = epochs.get(epoch);
    if (ranks === undefined) {
      const order = referenceShuffle(size, seed, epoch);
      ranks = Array.from({ length: worldSize }, (_, rank) =>
        referenceBatches(referenceShard(order, rank, worldSize), batchSize),
      );
      epochs.set(epoch, ranks);
    }
    out.push(ranks.map((rankBatches) => rankBatches[step % perEpoch]!));
  }
  return out;
}

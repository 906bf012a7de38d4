import { TaskError } from '../errors.js';

const TWO_POW_32 = 2 ** 32;
const GOLDEN_GAMMA = 0x9e3779b9;

/** The 32-bit finalizer of MurmurHash3 / splitmix32: a bijection on uint32 that spreads every input bit. */
function fmix32(value: number): number {
  let z = value;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeedPart(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new TaskError('ERR_TASK_ARGUMENT', `${name} must be a safe integer, received ${String(value)}`);
  }
}

/**
 * Hashes any number of safe integers (a seed, an epoch, a stream tag) into one uint32 seed. Equal inputs
 * give equal seeds on every JavaScript engine (only integer arithmetic); neighbouring inputs give
 * unrelated seeds, so `mixSeed(seed, epoch)` and `mixSeed(seed, epoch + 1)` start unrelated streams.
 *
 * @example
 * new Random(mixSeed(42, 3)); // the stream for seed 42, epoch 3
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x243f6a88;
  for (const [i, part] of parts.entries()) {
    checkSeedPart(`seed part ${i}`, part);
    const low = part >>> 0;
    const high = Math.floor(part / TWO_POW_32) >>> 0;
    h = fmix32((h + GOLDEN_GAMMA) ^ low);
    h = fmix32((h + GOLDEN_GAMMA) ^ high);
  }
  return h;
}

/**
 * A seeded splitmix32 generator. Integer arithmetic only, so a seed gives the same numbers on every
 * engine and platform (workers on different machines build the same data and initial parameters);
 * only `normal()` uses `Math.log`/`Math.cos`, whose last bit the language does not pin down.
 *
 * @example
 * const r = new Random(7); r.next(); r.int(10); r.uniform(-1, 1); r.normal();
 */
export class Random {
  #state: number;
  #spareNormal: number | undefined;

  /** `seed`: any safe integer; it is hashed, so 0, 1, 2 … give unrelated streams. */
  constructor(seed: number) {
    checkSeedPart('seed', seed);
    this.#state = mixSeed(seed);
  }

  /** A uniform uint32 in [0, 2^32). */
  nextUint32(): number {
    this.#state = (this.#state + GOLDEN_GAMMA) >>> 0;
    return fmix32(this.#state);
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n), for n ≤ 2^32 (bias below n / 2^32, negligible for data-set sizes). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/**
 * Fills `out` with Glorot (Xavier) uniform values: U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)),
 * as Keras' `glorot_uniform` and `tf.initializers.glorotUniform` for a dense kernel of shape [fanIn, fanOut].
 *
 * @example
 * glorotUniform(784, 256, new Random(1), new Float32Array(784 * 256));
 */
export function glorotUniform(
  fanIn: number,
  fanOut: number,
  random: Random,
  out: Float32Array,
): Float32Array {
  if (!Number.isInteger(fanIn) || !Number.isInteger(fanOut) || fanIn < 1 || fanOut < 1) {
    throw new TaskError(
      'ERR_TASK_ARGUMENT',
      `glorotUniform: fanIn and fanOut must be positive integers, received ${fanIn} and ${fanOut}`,
    );
  }
  if (out.length !== fanIn * fanOut) {
    throw new TaskError(
      'ERR_TASK_SHAPE',
      `glorotUniform: out must hold fanIn * fanOut = ${fanIn * fanOut} values, received ${out.length}`,
    );
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
  return out;
}

/** Worker counts of the full grid (`dptrain bench allreduce` without `--workers`). */
export const GRID_WORKERS: readonly number[] = [2, 4, 8];
/** Gradient sizes (floats) of the full grid (`dptrain bench allreduce` without `--params`). */
export const GRID_PARAMS: readonly number[] = [1e3, 1e5, 1e6, 1e7];

/** Default seed of the workers' random gradients. */
export const DEFAULT_SEED = 20261125;

/**
 * Measured and warm-up rounds by gradient size, chosen so medians are stable and the full grid stays within
 * about three minutes on this 2-core machine (about 75 s when it is quiet): a round of 8 × 1e7 floats moves
 * 640 MB and takes about a second.
 */
const ROUNDS_BY_SIZE: readonly { upTo: number; rounds: number; warmup: number }[] = [
  { upTo: 1e5, rounds: 200, warmup: 20 },
  { upTo: 1e6, rounds: 50, warmup: 5 },
  { upTo: Number.POSITIVE_INFINITY, rounds: 15, warmup: 2 },
];

/** One case of the benchmark. */
export interface BenchCase {
  readonly workers: number;
  readonly params: number;
  /** measured rounds */
  readonly rounds: number;
  /** rounds run before measuring */
  readonly warmup: number;
}

/**
 * Default measured rounds for a gradient of `params` floats.
 *
 * @example
 * defaultRounds(1e6); // 50
 */
export function defaultRounds(params: number): number {
  return sizeClass(params).rounds;
}

/**
 * Default warm-up rounds: the size's default, but never more than a tenth of the measured rounds (at least 1).
 *
 * @example
 * defaultWarmup(1e3, 5); // 1
 */
export function defaultWarmup(params: number, rounds: number): number {
  return Math.max(1, Math.min(sizeClass(params).warmup, Math.ceil(rounds / 10)));
}

/**
 * The cases to run: every `workers` × `params` pair, workers-major, each with `rounds` (or its size's
 * default) and `warmup` (or the default for those rounds).
 *
 * @example
 * benchCases({ workers: [2], params: [1e3] })[0]; // { workers: 2, params: 1000, rounds: 200, warmup: 20 }
 */
export function benchCases(options: {
  workers?: readonly number[];
  params?: readonly number[];
  rounds?: number;
  warmup?: number;
}): BenchCase[] {
  return (options.workers ?? GRID_WORKERS).flatMap((workers) =>
    (options.params ?? GRID_PARAMS).map((params) => {
      const rounds = options.rounds ?? defaultRounds(params);
      return { workers, params, rounds, warmup: options.warmup ?? defaultWarmup(params, rounds) };
    }),
  );
}

/**
 * A case's name, sizes written the short way: `N=4 P=1e6`.
 *
 * @example
 * caseName(8, 10_000_000); // 'N=8 P=1e7'
 */
export function caseName(workers: number, params: number): string {
  return `N=${workers} P=${formatCount(params)}`;
}

/**
 * An integer as `me<k>` when it is a one-digit multiple of a power of ten ≥ 1000 (1e3, 5e6), else in digits.
 *
 * @example
 * formatCount(1e7); // '1e7'
 */
export function formatCount(value: number): string {
  for (let power = 3; power <= 15; power++) {
    const mantissa = value / 10 ** power;
    if (Number.isInteger(mantissa) && mantissa >= 1 && mantissa <= 9) return `${mantissa}e${power}`;
  }
  return String(value);
}

function sizeClass(params: number): { rounds: number; warmup: number } {
  return ROUNDS_BY_SIZE.find((row) => params <= row.upTo)!;
}

/**
 * The peer to beat: PyTorch 1.13 (Debian `python3-torch`), gloo backend, all-reduce (average) of `params`
 * float32 over `workers` processes, median ms per call. Measured on this machine on 2026-11-25; copied from
 * /work/shared/FACTS.md ("The peer to beat"). FACTS.md has no row for 1e3 floats (its smallest is 1 float).
 */
export const PYTORCH_GLOO_MEDIAN_MS: readonly { workers: number; params: number; ms: number }[] = [
  { workers: 2, params: 1, ms: 0.14 },
  { workers: 4, params: 1, ms: 0.78 },
  { workers: 8, params: 1, ms: 4.1 },
  { workers: 2, params: 1e5, ms: 0.74 },
  { workers: 4, params: 1e5, ms: 7.7 },
  { workers: 8, params: 1e5, ms: 31 },
  { workers: 2, params: 1e6, ms: 6.8 },
  { workers: 4, params: 1e6, ms: 20 },
  { workers: 8, params: 1e6, ms: 31 },
  { workers: 2, params: 1e7, ms: 64 },
  { workers: 4, params: 1e7, ms: 167 },
  { workers: 8, params: 1e7, ms: 314 },
];

/**
 * PyTorch gloo's median all-reduce time for this size, or null when FACTS.md has no figure for it.
 *
 * @example
 * pytorchGlooMedianMs(4, 1e6); // 20
 */
export function pytorchGlooMedianMs(workers: number, params: number): number | null {
  return PYTORCH_GLOO_MEDIAN_MS.find((row) => row.workers === workers && row.params === params)?.ms ?? null;
}

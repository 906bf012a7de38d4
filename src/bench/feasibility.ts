import { formatBytes } from './units.js';

/** Memory of an idle Node process running the benchmark worker, with `ws`'s receive buffers (2 × 16 MiB). */
const PROCESS_OVERHEAD_BYTES = 100 * 1024 * 1024;
/**
 * Copies of the gradient a case holds per worker: the worker's gradient, its encoder's frames and its
 * received update; on the reducer, the received gradient and its own encoder's frames; plus slack for
 * `ws`'s per-frame buffers.
 */
const GRADIENT_COPIES_PER_WORKER = 7;

/**
 * Bytes a case needs across the reducer and its `workers` processes (an upper estimate).
 *
 * @example
 * caseMemoryBytes(8, 1e7); // about 3.1 GB
 */
export function caseMemoryBytes(workers: number, params: number): number {
  const gradientBytes = params * 4;
  return workers * (PROCESS_OVERHEAD_BYTES + GRADIENT_COPIES_PER_WORKER * gradientBytes) + gradientBytes;
}

/**
 * Why a case cannot run with `availableBytes` of memory free, or null when it fits (with a quarter spare).
 *
 * @example
 * infeasibility(8, 1e7, 1e9); // 'needs about 3.1 GB of memory, 1.0 GB is available'
 */
export function infeasibility(workers: number, params: number, availableBytes: number): string | null {
  const needed = caseMemoryBytes(workers, params);
  if (needed * 1.25 <= availableBytes) return null;
  return `needs about ${formatBytes(needed)} of memory, ${formatBytes(availableBytes)} is available`;
}

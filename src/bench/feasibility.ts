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
 * The training path holds more: each worker its parameters, gradient, encoded frames and received update (and
 * tfjs's own memory, in PROCESS_OVERHEAD_BYTES); the coordinator per rank a received gradient and its frames, and
 * its parameters, averaged gradient and encoded update once.
 */
const TRAINING_COPIES_PER_WORKER = 10;
const TRAINING_COORDINATOR_COPIES = 4;

/**
 * Bytes a case needs across the reducer (or coordinator) and its `workers` processes (an upper estimate), on the
 * protocol path (default) or the training path.
 *
 * @example
 * caseMemoryBytes(8, 1e7); // about 3.1 GB
 */
export function caseMemoryBytes(
  workers: number,
  params: number,
  path: 'training' | 'protocol' = 'protocol',
): number {
  const gradientBytes = params * 4;
  if (path === 'training') {
    const perWorker = PROCESS_OVERHEAD_BYTES + TRAINING_COPIES_PER_WORKER * gradientBytes;
    return workers * perWorker + PROCESS_OVERHEAD_BYTES + TRAINING_COORDINATOR_COPIES * gradientBytes;
  }
  return workers * (PROCESS_OVERHEAD_BYTES + GRADIENT_COPIES_PER_WORKER * gradientBytes) + gradientBytes;
}

/**
 * Why a case cannot run on `path` with `availableBytes` of memory free, or null when it fits (with a quarter spare).
 *
 * @example
 * infeasibility(8, 1e7, 1e9); // 'needs about 3.1 GB of memory, 1.0 GB is available'
 */
export function infeasibility(
  workers: number,
  params: number,
  availableBytes: number,
  path: 'training' | 'protocol' = 'protocol',
): string | null {
  const needed = caseMemoryBytes(workers, params, path);
  if (needed * 1.25 <= availableBytes) return null;
  return `needs about ${formatBytes(needed)} of memory, ${formatBytes(availableBytes)} is available`;
}

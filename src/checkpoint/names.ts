/**
 * The names of checkpoint files: `step-<n>.ckpt`, the step zero-padded to 8 digits so that a plain listing shows
 * them in step order (a step beyond 99,999,999 simply gets more digits). Readers go by the number, never by the
 * listing order, and accept the step unpadded too.
 */

/** The folder of a run directory that holds its checkpoints by default. */
export const CHECKPOINTS_DIR = 'checkpoints';

const PATTERN = /^step-([0-9]+)\.ckpt$/;

/** The file name of the checkpoint at `step`. @example checkpointFileName(40); // 'step-00000040.ckpt' */
export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.ckpt`;
}

/**
 * The step a checkpoint file name stands for, or null for any other name (a temporary file, a stray file).
 *
 * @example
 * stepOfFileName('step-00000040.ckpt'); // 40
 */
export function stepOfFileName(name: string): number | null {
  const match = PATTERN.exec(name);
  if (match === null) return null;
  const step = Number(match[1]);
  return Number.isSafeInteger(step) ? step : null;
}

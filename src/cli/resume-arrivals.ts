import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ArrivalLog, readArrivalPrefix } from '../arrivals/index.js';
import type { FoundCheckpoint } from '../checkpoint/index.js';
import { ASYNC_EXTENSION, parseAsyncProgress, type SerializedRunState } from '../coordinator/index.js';
import { CheckpointError, ReplayError } from '../errors.js';
import { ARRIVALS_FILE } from '../run-directory/index.js';

/**
 * The arrival log an async checkpoint continues, read up to the checkpoint's position (the decisions made by its
 * step; what came after is cut). The log is where the checkpoint's metadata says (`arrivals`), or else in the run
 * directory its checkpoints folder is in. Throws CheckpointError ERR_CHECKPOINT_ARRIVALS when neither holds it or
 * it is shorter than the checkpoint's position or changed, since a resumed log without it could not be replayed.
 *
 * @example
 * const prefix = await arrivalsUpTo(found, state, 2); prefix.entries.length; // decisions up to the checkpoint
 */
export async function arrivalsUpTo(
  found: FoundCheckpoint,
  state: SerializedRunState,
  workers: number,
): Promise<ArrivalLog> {
  const entries = parseAsyncProgress(state.json?.extensions?.[ASYNC_EXTENSION], workers).arrivals;
  const named = found.content.metadata['arrivals'];
  const beside = join(dirname(dirname(found.path)), ARRIVALS_FILE);
  const candidates = [...(typeof named === 'string' ? [named] : []), beside];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    const problem = `has no arrival log at ${[...new Set(candidates)].join(' or ')}`;
    throw new CheckpointError(
      'ERR_CHECKPOINT_ARRIVALS',
      `${found.path} ${problem}: an async run resumes its log up to the checkpoint, so that a replay covers the whole run; ` +
        `put the run's ${ARRIVALS_FILE} back in its run directory`,
      { path: found.path, problem },
    );
  }
  try {
    return await readArrivalPrefix(path, entries);
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    throw new CheckpointError(
      'ERR_CHECKPOINT_ARRIVALS',
      `${found.path} continues the first ${entries} entries of ${path}, which cannot be used: ${error.message}`,
      { cause: error, path, problem: error.message },
    );
  }
}

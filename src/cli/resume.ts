import type { ArrivalLog } from '../arrivals/index.js';
import { type FoundCheckpoint, newestValidCheckpoint } from '../checkpoint/index.js';
import { type RunConfig, resumeRunConfig } from '../config/index.js';
import type { SerializedRunState } from '../coordinator/index.js';
import { arrivalsUpTo } from './resume-arrivals.js';

/** What `--resume` found: the config to run, the state to continue from, and where it came from. */
export interface Resumed {
  readonly config: RunConfig;
  readonly state: SerializedRunState;
  /** the `lr` variables of the first launch: `lr:` expressions are not evaluated again */
  readonly lrVariables: Readonly<Record<string, number>> | null;
  readonly from: { readonly path: string; readonly step: number };
  /** async mode: the arrival log of the resumed run up to the checkpoint, which the new log starts as */
  readonly arrivals: ArrivalLog | null;
}

/**
 * `--resume PATH` (a run directory, a checkpoints folder or a checkpoint file): the newest valid checkpoint (a torn
 * or corrupt newer one is skipped, and `warn` says so), its config with `file` and the flags over it (only
 * resumable keys may change), and its run state; for an async run also its arrival log up to the checkpoint.
 *
 * @example
 * const resumed = await loadResume('runs/20261202-sync', undefined, { steps: 400 }, console.warn);
 */
export async function loadResume(
  path: string,
  file: unknown,
  overrides: Readonly<Record<string, unknown>>,
  warn: (message: string) => void,
): Promise<Resumed> {
  const found: FoundCheckpoint = await newestValidCheckpoint(path, { onSkip: warn });
  const config = resumeRunConfig(found.content.config, file, overrides);
  const saved = found.content.metadata.lrVariables;
  // The checkpoint part keeps its own description of this shape; RunState.restore checks every field.
  const state = found.content.state as unknown as SerializedRunState;
  return {
    config,
    state,
    lrVariables: isNumberRecord(saved) ? saved : null,
    from: { path: found.path, step: found.step },
    arrivals: config.mode === 'async' ? await arrivalsUpTo(found, state, config.workers) : null,
  };
}

function isNumberRecord(value: unknown): value is Readonly<Record<string, number>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'number' && Number.isFinite(item))
  );
}

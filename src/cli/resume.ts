import { type FoundCheckpoint, newestValidCheckpoint } from '../checkpoint/index.js';
import { type RunConfig, resumeRunConfig } from '../config/index.js';
import type { SerializedRunState } from '../coordinator/index.js';

/** What `--resume` found: the config to run, the state to continue from, and where it came from. */
export interface Resumed {
  readonly config: RunConfig;
  readonly state: SerializedRunState;
  /** the `lr` variables of the first launch: `lr:` expressions are not evaluated again */
  readonly lrVariables: Readonly<Record<string, number>> | null;
  readonly from: { readonly path: string; readonly step: number };
}

/**
 * `--resume PATH` (a run directory, a checkpoints folder or a checkpoint file): the newest valid checkpoint (a torn
 * or corrupt newer one is skipped, and `warn` says so), its config with `file` and the flags over it (only
 * resumable keys may change), and its run state.
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
  return {
    config,
    // The checkpoint part keeps its own description of this shape; RunState.restore checks every field.
    state: found.content.state as unknown as SerializedRunState,
    lrVariables: isNumberRecord(saved) ? saved : null,
    from: { path: found.path, step: found.step },
  };
}

function isNumberRecord(value: unknown): value is Readonly<Record<string, number>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'number' && Number.isFinite(item))
  );
}

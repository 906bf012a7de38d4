/**
 * Writing a checkpoint so that a crash at any moment leaves either the old set of files or the new one: the bytes
 * go to a temporary file in the same folder, which is flushed to disk, renamed over `step-<n>.ckpt` and the folder
 * flushed too; only then are the oldest files beyond `keep` removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { type CheckpointContent, encodeCheckpoint } from './format.js';
import { checkpointFileName } from './names.js';
import { listCheckpoints } from './read.js';

/** Checkpoint files kept when `keep` is not given: the default of `checkpoint.keep`. */
export const DEFAULT_CHECKPOINT_KEEP = 3;

export interface WriteCheckpointOptions {
  /**
   * Files to keep after this one is written, this one included: it and the newest `keep − 1` others (by step)
   * stay, the rest are removed. An integer >= 1; null keeps every file. Default DEFAULT_CHECKPOINT_KEEP (3).
   */
  readonly keep?: number | null;
}

/** What writeCheckpoint did: the file it wrote, its size, and the files it removed. */
export interface WrittenCheckpoint {
  readonly path: string;
  readonly bytes: number;
  readonly removed: readonly string[];
}

/**
 * Writes the checkpoint of global step `step` as `<dir>/step-<n>.ckpt` (the folder is created if need be), atomically:
 * a temporary file `.step-<n>.ckpt.<random>.tmp` in `dir`, fsync, rename, fsync of `dir`. A file of the same step is
 * replaced. Then prunes `dir` to `keep` checkpoint files, never the one just written; temporary files left by a
 * write that crashed are not checkpoints and count for nothing. Throws CheckpointError ERR_CHECKPOINT_ARGUMENT for
 * a bad step, keep or content (nothing is written then), ERR_CHECKPOINT_WRITE when the file system fails (the
 * temporary file is removed; `cause` holds the error).
 *
 * @example
 * await writeCheckpoint('runs/x/checkpoints', 40, { config, metadata: {}, state: runState.serialize() }, { keep: 3 });
 */
export async function writeCheckpoint(
  dir: string,
  step: number,
  content: CheckpointContent,
  options: WriteCheckpointOptions = {},
): Promise<WrittenCheckpoint> {
  const keep = options.keep === undefined ? DEFAULT_CHECKPOINT_KEEP : options.keep;
  if (keep !== null && !(Number.isSafeInteger(keep) && keep >= 1)) {
    throw new CheckpointError(
      'ERR_CHECKPOINT_ARGUMENT',
      `cannot write the checkpoint: keep must be an integer >= 1, or null to keep every file, received ${String(keep)}`,
    );
  }
  const bytes = encodeCheckpoint(step, content);
  const name = checkpointFileName(step);
  const path = join(dir, name);
  const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const file = await open(temporary, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(dir);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw failure(`${path} could not be written`, path, error);
  }
  const removed: string[] = [];
  if (keep !== null) {
    const others = (await listCheckpoints(dir)).filter((entry) => basename(entry.path) !== name);
    for (const entry of others.slice(keep - 1)) {
      try {
        await rm(entry.path, { force: true });
      } catch (error) {
        throw failure(
          `${path} was written, but ${entry.path} could not be removed (keep ${keep})`,
          entry.path,
          error,
        );
      }
      removed.push(entry.path);
    }
  }
  return { path, bytes: bytes.length, removed };
}

/** Makes the rename itself durable. Some platforms cannot open a folder for fsync; there the rename has to do. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

function failure(what: string, path: string, error: unknown): CheckpointError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CheckpointError(
    'ERR_CHECKPOINT_WRITE',
    `${what} (${reason}); check the folder's space and permissions`,
    {
      cause: error,
      path,
      problem: `could not be written (${reason})`,
    },
  );
}

/**
 * Finding and reading checkpoints: the files of a folder by step, one file decoded and checked, and the newest one
 * that is valid, skipping (and saying so) any that is torn or damaged.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { type CheckpointContent, decodeCheckpoint } from './format.js';
import { CHECKPOINTS_DIR, stepOfFileName } from './names.js';

/** One checkpoint file of a folder, by the step its name stands for. */
export interface CheckpointEntry {
  readonly step: number;
  readonly path: string;
}

/** A checkpoint read and checked: its file, the step it was saved at, and its content. */
export interface FoundCheckpoint {
  readonly path: string;
  readonly step: number;
  readonly content: CheckpointContent;
}

export interface NewestValidCheckpointOptions {
  /**
   * Told about each file that was skipped, once a valid one is found ("…/step-00000040.ckpt is torn (expected 1234
   * bytes, found 512); using step-00000030.ckpt"), newest first; `error` says why, with its code.
   */
  readonly onSkip?: (message: string, error: CheckpointError) => void;
}

/**
 * The checkpoint files of `dir` (names `step-<n>.ckpt`), newest step first; anything else there (a temporary
 * file of a write that did not finish, a stray file, a folder) is ignored. Throws CheckpointError
 * ERR_CHECKPOINT_NOT_FOUND when `dir` is not a folder, ERR_CHECKPOINT_READ when it cannot be listed.
 *
 * @example
 * (await listCheckpoints('runs/x/checkpoints')).map((c) => c.step); // [40, 30, 20]
 */
export async function listCheckpoints(dir: string): Promise<CheckpointEntry[]> {
  let names: { name: string; isFile(): boolean }[];
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw readFailure(dir, error, 'folder');
  }
  const entries: CheckpointEntry[] = [];
  for (const entry of names) {
    const step = stepOfFileName(entry.name);
    if (step !== null && entry.isFile()) entries.push({ step, path: join(dir, entry.name) });
  }
  // Newest step first; two spellings of one step (step-40, step-00000040) in a fixed order.
  return entries.sort((a, b) => b.step - a.step || (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
}

/**
 * Reads and checks one checkpoint file (see decodeCheckpoint for the errors), and that it holds the step its name
 * says when the name is `step-<n>.ckpt` (ERR_CHECKPOINT_CORRUPT otherwise). Throws ERR_CHECKPOINT_NOT_FOUND when
 * there is no such file, ERR_CHECKPOINT_READ when it cannot be read.
 *
 * @example
 * const { step, content } = await readCheckpoint('runs/x/checkpoints/step-00000040.ckpt');
 */
export async function readCheckpoint(path: string): Promise<FoundCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw readFailure(path, error, 'file');
  }
  const { step, content } = decodeCheckpoint(bytes, path);
  const named = stepOfFileName(basename(path));
  if (named !== null && named !== step) {
    const problem = `is corrupt (it holds step ${step}, its name says step ${named})`;
    throw new CheckpointError(
      'ERR_CHECKPOINT_CORRUPT',
      `${path} ${problem}; rename it or use another checkpoint`,
      {
        path,
        problem,
      },
    );
  }
  return { path, step, content };
}

/**
 * The newest valid checkpoint at `pathOrDir`: a checkpoint file (read as it is, its errors thrown), a folder of
 * checkpoints, or a run directory (its `checkpoints/` folder, when the directory itself holds no checkpoint).
 * Files are tried newest step first; one that is torn, damaged, of another version or unreadable is skipped, and
 * once a valid one is found `onSkip` is told about each skipped file. Throws CheckpointError
 * ERR_CHECKPOINT_NOT_FOUND naming the path when there is nothing there or no file is valid (the message then lists
 * every file's fault).
 *
 * @example
 * const found = await newestValidCheckpoint('runs/20260101-120000-sync', { onSkip: (m) => log.warn(m) });
 */
export async function newestValidCheckpoint(
  pathOrDir: string,
  options: NewestValidCheckpointOptions = {},
): Promise<FoundCheckpoint> {
  let isFile: boolean;
  try {
    isFile = (await stat(pathOrDir)).isFile();
  } catch (error) {
    throw readFailure(pathOrDir, error, 'file or folder');
  }
  if (isFile) return readCheckpoint(pathOrDir);
  let where = pathOrDir;
  let entries = await listCheckpoints(where);
  const inner = join(pathOrDir, CHECKPOINTS_DIR);
  if (entries.length === 0 && (await isDirectory(inner))) {
    where = inner;
    entries = await listCheckpoints(where);
  }
  if (entries.length === 0) {
    throw new CheckpointError(
      'ERR_CHECKPOINT_NOT_FOUND',
      `no checkpoint in ${where}: it holds no step-<n>.ckpt file; pass a checkpoint file, a checkpoints folder or a run directory`,
      { path: where, problem: 'holds no checkpoint' },
    );
  }
  const skipped: CheckpointError[] = [];
  for (const entry of entries) {
    try {
      const found = await readCheckpoint(entry.path);
      for (const error of skipped) {
        options.onSkip?.(`${error.path} ${error.problem}; using ${basename(found.path)}`, error);
      }
      return found;
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push(error);
    }
  }
  const faults = skipped.map((error) => `${basename(error.path ?? '')} ${error.problem}`).join('; ');
  throw new CheckpointError(
    'ERR_CHECKPOINT_NOT_FOUND',
    `no valid checkpoint in ${where}: ${faults}; pass a checkpoint from elsewhere`,
    { path: where, problem: `holds no valid checkpoint (${faults})` },
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function readFailure(path: string, error: unknown, what: string): CheckpointError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CheckpointError(
      'ERR_CHECKPOINT_NOT_FOUND',
      `no checkpoint at ${path}: there is no such ${what}; check the path`,
      { cause: error, path, problem: `does not exist` },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new CheckpointError(
    'ERR_CHECKPOINT_READ',
    `${path} could not be read (${reason}); check its permissions`,
    {
      cause: error,
      path,
      problem: `could not be read (${reason})`,
    },
  );
}

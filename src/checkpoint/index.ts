/**
 * Checkpoint files of a run: `step-<n>.ckpt`, each holding a serialised run state (`RunState.serialize()`), the run
 * config as written and the caller's metadata, behind a magic string, a format version and a SHA-256 checksum.
 * Files are written atomically (temporary file, fsync, rename, fsync of the folder) and pruned to the newest few;
 * a reader finds the newest one that is valid, skipping torn or damaged files with a message. Errors are
 * CheckpointError with a stable code (ERR_CHECKPOINT_TORN, _CORRUPT, _FORMAT, _VERSION, _NOT_FOUND, _READ, _WRITE,
 * _ARGUMENT).
 *
 * @example
 * await writeCheckpoint(dir, state.step, { config, metadata: {}, state: state.serialize() }, { keep: 3 });
 * const { content } = await newestValidCheckpoint(runDir, { onSkip: (message) => log.warn(message) });
 */
export {
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_MAGIC,
  type CheckpointContent,
  type CheckpointState,
  type DecodedCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
} from './format.js';
export { CHECKPOINTS_DIR, checkpointFileName, stepOfFileName } from './names.js';
export {
  type CheckpointEntry,
  type FoundCheckpoint,
  listCheckpoints,
  type NewestValidCheckpointOptions,
  newestValidCheckpoint,
  readCheckpoint,
} from './read.js';
export {
  DEFAULT_CHECKPOINT_KEEP,
  type WriteCheckpointOptions,
  type WrittenCheckpoint,
  writeCheckpoint,
} from './write.js';

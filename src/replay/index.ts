/**
 * Replay of an async run: its arrival log re-executed in one process, gradient by gradient, to the same final
 * parameters bit for bit (or the first entry that differs).
 *
 * @example
 * const { matches, paramsDigest } = await replayRun('runs/20261202-101500-async');
 */
export { type Divergence, type ReplayResult, replayRun } from './replay.js';

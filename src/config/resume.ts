/**
 * The config of a resumed run: the checkpoint's own, with a new file's keys and the flags over it. What defines the
 * trajectory (task, data, schedule, optimizer, seed, mode, …) must stay as it was; only the keys the table marks
 * resumable may change (run length, workers in sync mode, out, simulate, checkpoint, timeouts, logging, network).
 */
import { ConfigError } from '../errors.js';
import { dialectRunFile } from './dialect-file.js';
import { type RunConfig, TABLE } from './keys.js';
import { isWritten, parseRunConfig } from './run-config.js';

/**
 * The run config as a file would say it: snake_case keys in table order, every default filled in (keys of another
 * mode left out, as `config.yaml` does). `parseRunConfig` of it gives the same config back.
 *
 * @example
 * parseRunConfig(runConfigAsFile(config)); // equal to config
 */
export function runConfigAsFile(config: RunConfig): Record<string, unknown> {
  const written = TABLE.filter(
    (entry) =>
      (entry.onlyInMode === undefined || entry.onlyInMode === config.mode) && isWritten(config, entry.key),
  );
  return Object.fromEntries(written.map((entry) => [entry.key, config[entry.field]]));
}

/**
 * Parses the config a resumed run gets: `saved` (the checkpoint's, as `runConfigAsFile` wrote it), then the keys of
 * the new `file` replacing the saved ones, then `overrides` (flags). A key that may not change on resume and does
 * is refused: ConfigError ERR_CONFIG_CONFLICT at that key, naming both values.
 *
 * @example
 * resumeRunConfig(runConfigAsFile(config), undefined, { steps: 400 }).steps; // 400
 */
export function resumeRunConfig(
  saved: unknown,
  file: unknown,
  overrides: Readonly<Record<string, unknown>> = {},
): RunConfig {
  const before = parseRunConfig(saved);
  const given = file === undefined || file === null ? {} : (file as Record<string, unknown>);
  // A dialect file is read as its run-config keys; its schedule then has to be the checkpoint's (lr_dialect).
  const keys = TABLE.map((entry) => entry.key);
  const fromFile = dialectRunFile(given, overrides, keys)?.file ?? given;
  // The reference world of lr_world_scaling is the first launch's unless given: pinned before workers may change.
  const pinned = {
    ...(saved as Record<string, unknown>),
    lr_reference_workers: before.lrReferenceWorkers ?? before.workers,
  };
  const config = parseRunConfig({ ...pinned, ...fromFile }, overrides);
  if (config.mode === 'async' && config.workers !== before.workers) {
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      'workers',
      `differs from the checkpoint's (${before.workers} there, ${config.workers} now): an async run resumes with ` +
        'the same workers (each rank keeps its own place in its shard); give workers: ' +
        `${before.workers}, or resume a sync run with another number`,
    );
  }
  const resumable = TABLE.filter((entry) => entry.resume).map((entry) => entry.key);
  for (const entry of TABLE) {
    if (entry.resume) continue;
    const was = before[entry.field];
    const now = config[entry.field];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    throw new ConfigError(
      'ERR_CONFIG_CONFLICT',
      entry.key,
      `differs from the checkpoint's (${JSON.stringify(was)} there, ${JSON.stringify(now)} now): a resumed run continues the same ` +
        `trajectory, so only ${resumable.join(', ')} may change; remove it from the file or the flags`,
    );
  }
  return config;
}

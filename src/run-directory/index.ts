/**
 * The record a run leaves on disk: metrics.jsonl as it goes, then summary.json, consistency.json, params.f32,
 * trace.json and the loss and LR pictures; in async mode also arrivals.jsonl, the log a replay re-executes.
 *
 * @example
 * const dir = await RunDirectory.create(runDirectoryName('runs', 'sync', new Date()));
 */
export { type LrMarker, lrPicture } from './pictures.js';
export {
  ARRIVALS_FILE,
  METRICS_FILE,
  RunDirectory,
  type RunSummary,
  type RunTransport,
  runDirectoryName,
  type SimulatedConditions,
  type SimulatedLink,
} from './run-directory.js';

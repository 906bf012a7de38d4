/**
 * The run config: keys and defaults, the YAML file plus flag overrides, and what the run resolves to once the
 * data set size is known.
 *
 * @example
 * const { overrides, positionals } = parseOverrideFlags(argv); const config = parseRunConfig(fileValue, overrides);
 */
export { parseOverrideFlags } from './flags.js';
export { RUN_CONFIG_KEYS, type RunConfig, type RunConfigKey, type RunConfigPart } from './keys.js';
export { hasLinkEffect, type LinkConditions, linkOf, simulatedLinks } from './links.js';
export { renderRunConfigTable } from './readme-table.js';
export { resumeRunConfig, runConfigAsFile } from './resume.js';
export {
  dialectFileNote,
  parseRunConfig,
  type ResolvedRun,
  refuseScheduleMisfits,
  resolveRun,
  runConfigToYaml,
  runSchedule,
} from './run-config.js';
export type { ScheduleMisfit } from './schedule-fit.js';

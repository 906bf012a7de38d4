/**
 * The run config: keys and defaults, the YAML file plus flag overrides, and what the run resolves to once the
 * data set size is known.
 *
 * @example
 * const { overrides, positionals } = parseOverrideFlags(argv); const config = parseRunConfig(fileValue, overrides);
 */
export {
  parseOverrideFlags,
  parseRunConfig,
  type ResolvedRun,
  RUN_CONFIG_KEYS,
  type RunConfig,
  type RunConfigKey,
  resolveRun,
  runConfigToYaml,
} from './run-config.js';

/**
 * The command line: `runCli` runs one, and the command table gives what `--help` and the README say of each.
 *
 * @example
 * process.exitCode = await runCli(['lr', 'values', 'lr.yaml', '--steps', '10']);
 */
export { COMMAND_TABLE, type CommandSpec, type FlagGroup } from './command-table.js';
export { readmeFlagTables, renderFlagTable } from './readme-flags.js';
export { runCli } from './run-cli.js';

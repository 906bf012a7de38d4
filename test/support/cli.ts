import type { CommandIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run-cli.js';

/** What a `dptrain` command run in process printed, line by line, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/**
 * Runs `dptrain ARGS` in this process (no child), capturing its output.
 *
 * @example
 * const { code, stdout } = await cli(['lr', 'values', '--name', 'StepDecay']);
 */
export async function cli(args: readonly string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CommandIo = { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) };
  const code = await runCli([...args], io);
  return { code, stdout, stderr };
}

/** Where a command writes: one call per line, so tests can capture output without a child process. */
export interface CommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

/** The process's own streams. */
export const processIo: CommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

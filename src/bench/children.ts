import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The dptrain CLI the benchmark's child processes run. This module sits two levels below the package root
 * both as source (`src/bench`, under vitest) and as built code (`dist/bench`), so one relative path finds
 * the built CLI from either.
 */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** How much of a child's stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 2000;

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A `dptrain bench worker` child process. */
export interface BenchChild {
  readonly process: ChildProcess;
  /** resolves once the process has exited (or could not start) */
  readonly exited: Promise<ChildExit>;
  /** the last lines it wrote to stderr */
  stderrTail(): string;
  /** waits up to `graceMs` for the process to exit by itself, then kills it */
  stop(graceMs: number): Promise<ChildExit>;
}

/**
 * Starts `node dist/cli/main.js bench worker ...args` with this process's Node binary. The child's stdout is
 * discarded and the tail of its stderr kept for error messages.
 *
 * @example
 * const child = spawnBenchWorker(['--connect', 'ws://127.0.0.1:4000', '--rank', '0', '--params', '1000']);
 */
export function spawnBenchWorker(args: readonly string[]): BenchChild {
  const child = spawn(process.execPath, [CLI_PATH, 'bench', 'worker', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      stderr += `\ncould not start ${CLI_PATH}: ${error.message}`;
      resolve({ code: null, signal: null });
    });
  });
  return {
    process: child,
    exited,
    stderrTail: () => stderr.trim(),
    stop: async (graceMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), graceMs);
      });
      const exit = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (exit !== null) return exit;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * A one-line description of how a child ended, with the last line of its stderr.
 *
 * @example
 * describeExit({ code: 1, signal: null }, 'error: boom'); // 'exit code 1: error: boom'
 */
export function describeExit(exit: ChildExit, stderrTail: string): string {
  const how = exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
  const last = stderrTail.split('\n').at(-1) ?? '';
  return last === '' ? how : `${how}: ${last}`;
}

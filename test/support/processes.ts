import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

/** A finished child process: exit code, signal and everything it wrote. */
export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `dptrain` child process and the promise of its exit. */
export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<Exited>;
  /** everything written to stdout so far */
  stdout(): string;
  /** everything written to stderr so far */
  stderr(): string;
}

/** Starts `node dist/cli/main.js ...args` with `env` added to this process's environment. */
export function dptrain(args: readonly string[], env: Readonly<Record<string, string>> = {}): Child {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<Exited>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { process: child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Resolves with the coordinator's `ws://…` address once it printed `listening ws://HOST:PORT`. */
export async function listeningUrl(coordinator: Child, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void coordinator.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const match = /listening (ws:\/\/\S+)/.exec(coordinator.stdout());
    if (match !== null) return match[1]!;
    if (exited || Date.now() > deadline) {
      const result = await Promise.race([coordinator.exited, Promise.resolve(undefined)]);
      throw new Error(`the coordinator did not start listening: ${result?.stderr ?? 'timed out'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A fresh temporary directory holding `files`. */
export async function scratch(files: Readonly<Record<string, string>> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dptrain-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** The run directory a launch or coordinator named on its last stdout line (`run directory: <path>`). */
export function runDirectoryOf(stdout: string): string {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('run directory: '))
    throw new Error(`the last stdout line names no run directory: ${last}`);
  return last.slice('run directory: '.length);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TOKEN_ENV } from './token-env.js';

/** How a worker process ended. */
export interface WorkerExit {
  readonly rank: number;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WorkerProcessesOptions {
  readonly count: number;
  /** `ws://HOST:PORT` of the coordinator */
  readonly url: string;
  readonly token: string;
  /** `auto` lets each worker choose (tensorflow, then wasm, then cpu) */
  readonly backend: string;
  readonly logFormat: 'text' | 'json';
  /** the dptrain CLI script the workers run */
  readonly cli: string;
  /** receives every line a worker writes, already marked with its rank */
  readonly onLine: (line: string) => void;
  readonly onExit: (exit: WorkerExit) => void;
}

/** "worker rank 1 (pid 4242) exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: WorkerExit): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `worker rank ${exit.rank} (pid ${exit.pid}) ${how}`;
}

/** Marks a worker's log line with its rank: a `[rank N]` prefix, or a `rank` field in JSON lines. */
export function markLine(line: string, rank: number, format: 'text' | 'json'): string {
  if (format === 'json') {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry))
        return JSON.stringify({ ...entry, rank });
    } catch {
      // Not a JSON line (a crash trace, say): fall through to the plain prefix.
    }
  }
  return `[rank ${rank}] ${line}`;
}

/**
 * The launcher's worker processes, like torchrun's: rank i runs `dptrain worker --rank i`, in its own process
 * group so a terminal's Ctrl-C reaches only the launcher (which then stops the run cleanly); the token goes
 * through the environment, never the command line.
 *
 * @example
 * const workers = new WorkerProcesses({ count: 2, url, token, backend: 'auto', logFormat: 'text', cli, onLine, onExit }); workers.start();
 */
export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];
  private readonly exits: Promise<WorkerExit>[] = [];

  constructor(private readonly options: WorkerProcessesOptions) {}

  start(): void {
    const { count, url, token, backend, logFormat, cli } = this.options;
    for (let rank = 0; rank < count; rank++) {
      const args = [
        cli,
        'worker',
        '--connect',
        url,
        '--rank',
        String(rank),
        '--log-format',
        logFormat,
        '--zero-mask',
      ];
      if (backend !== 'auto') args.push('--backend', backend);
      const child = spawn(process.execPath, args, {
        env: { ...process.env, [TOKEN_ENV]: token },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      this.children.push(child);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) =>
          this.options.onLine(markLine(line, rank, logFormat)),
        );
      }
      this.exits.push(
        new Promise((resolve) => {
          child.once('exit', (code, signal) => {
            const exit = { rank, pid: child.pid ?? -1, code, signal };
            this.options.onExit(exit);
            resolve(exit);
          });
        }),
      );
    }
  }

  /** Resolves once every worker process has exited. */
  exited(): Promise<WorkerExit[]> {
    return Promise.all(this.exits);
  }

  /** Sends `signal` to every worker still running. */
  kill(signal: NodeJS.Signals): void {
    for (const child of this.children)
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

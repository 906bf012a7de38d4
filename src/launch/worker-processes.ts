import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TOKEN_ENV } from './token-env.js';

/** How a worker process ended. */
export interface WorkerExit {
  /** The worker's rank; with ranks given by the coordinator, its index among this launcher's workers. */
  readonly rank: number;
  /** Whether `rank` is the run's rank (false: the index among this launcher's workers). */
  readonly ranked?: boolean;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WorkerProcessesOptions {
  readonly count: number;
  /**
   * `ws://HOST:PORT` of the coordinator, or one address per worker (a relay of its own in between, say); worker
   * i connects to the i-th.
   */
  readonly url: string | readonly string[];
  /**
   * The rank of the first worker (the others follow): 0 for the launcher's own run, node rank × workers for
   * workers of a coordinator elsewhere; null lets the coordinator give the ranks as the workers join.
   */
  readonly firstRank?: number | null;
  /** Unmasked client frames (loopback only; default true): a coordinator elsewhere gets masked ones. */
  readonly zeroMask?: boolean;
  /** the coordinator's tensor-lane directory on this host (`transport: shm`), offered by every worker */
  readonly lanes?: string | null;
  readonly token: string;
  /** `auto` lets each worker choose (tensorflow, then wasm, then cpu) */
  readonly backend: string;
  readonly logFormat: 'text' | 'json';
  /** the dptrain CLI script the workers run */
  readonly cli: string;
  /** receives every line a worker writes, already marked with its rank */
  readonly onLine: (line: string) => void;
  readonly onExit: (exit: WorkerExit) => void;
  /** `--connect-timeout` of each worker, in seconds (default: the worker's, a minute) */
  readonly connectTimeout?: number;
}

/** "worker rank 1 (pid 4242) exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: WorkerExit): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const which = exit.ranked === false ? `local worker ${exit.rank}` : `worker rank ${exit.rank}`;
  return `${which} (pid ${exit.pid}) ${how}`;
}

/** Marks a worker's log line with its rank: a `[rank N]` prefix, or a `rank` field in JSON lines. */
export function markLine(line: string, rank: number, format: 'text' | 'json', ranked = true): string {
  if (format === 'json') {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry))
        return JSON.stringify(ranked ? { ...entry, rank } : { ...entry, local: rank });
    } catch {
      // Not a JSON line (a crash trace, say): fall through to the plain prefix.
    }
  }
  return ranked ? `[rank ${rank}] ${line}` : `[local ${rank}] ${line}`;
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
    for (let index = 0; index < this.options.count; index++) this.spawn(index);
  }

  /**
   * Starts local worker `index` again (its process ended: `on_worker_failure: restart`), with the same rank and
   * arguments; `exited()` then waits for the new process.
   */
  restart(index: number): void {
    this.spawn(index);
  }

  /** Sends `signal` to local worker `index` if it still runs (a hung worker the coordinator gave up on). */
  killOne(index: number, signal: NodeJS.Signals): void {
    const child = this.children[index];
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  private spawn(index: number): void {
    const { url, token, backend, logFormat, cli } = this.options;
    const firstRank = this.options.firstRank === undefined ? 0 : this.options.firstRank;
    const ranked = firstRank !== null;
    const rank = ranked ? firstRank + index : index;
    const address = typeof url === 'string' ? url : url[index]!;
    const args = [cli, 'worker', '--connect', address, '--log-format', logFormat];
    if (this.options.zeroMask !== false) args.push('--zero-mask');
    if (this.options.lanes != null) args.push('--lanes', this.options.lanes);
    if (ranked) args.push('--rank', String(rank));
    if (backend !== 'auto') args.push('--backend', backend);
    if (this.options.connectTimeout !== undefined)
      args.push('--connect-timeout', String(this.options.connectTimeout));
    const child = spawn(process.execPath, args, {
      env: { ...process.env, [TOKEN_ENV]: token },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.children[index] = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) =>
        this.options.onLine(markLine(line, rank, logFormat, ranked)),
      );
    }
    this.exits[index] = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = { rank, ranked, pid: child.pid ?? -1, code, signal };
        this.options.onExit(exit);
        resolve(exit);
      });
    });
  }

  /** Resolves once every worker process has exited (the newest process of each, after a restart). */
  async exited(): Promise<WorkerExit[]> {
    for (;;) {
      const current = [...this.exits];
      const exits = await Promise.all(current);
      if (current.every((pending, index) => pending === this.exits[index])) return exits;
    }
  }

  /** Sends `signal` to every worker still running. */
  kill(signal: NodeJS.Signals): void {
    for (const child of this.children)
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

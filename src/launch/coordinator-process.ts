import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LinkRelayStats } from './link-relays.js';
import { TOKEN_ENV } from './token-env.js';

/** The flag that makes `dptrain coordinator` the launcher's child: its run comes over IPC, its outcome goes back. */
export const FROM_LAUNCHER_FLAG = '--from-launcher';

/** What the launcher tells its coordinator child. */
export type ToCoordinator =
  | {
      readonly type: 'start';
      /** the resolved run config as a file would say it (`runConfigAsFile`) */
      readonly config: Readonly<Record<string, unknown>>;
      readonly runDir: string;
      /** a checkpoint to continue from; null: from the start */
      readonly resume: string | null;
      /** a restart: the run directory is the dead coordinator's, cut back to the checkpoint's step */
      readonly restart: boolean;
    }
  /** fail the run (a worker process died, the relays could not start) */
  | {
      readonly type: 'abort';
      readonly code: string;
      readonly message: string;
      readonly rank: number | null;
    }
  /** the answer to `links?` */
  | { readonly type: 'links'; readonly links: readonly LinkRelayStats[] | null };

/** How a run the coordinator child started ended, as the launcher reports it. */
export interface CoordinatorEnded {
  readonly type: 'ended';
  readonly outcome: string;
  readonly failure: {
    readonly code: string;
    readonly message: string;
    readonly rank: number | null;
    readonly step: number | null;
  } | null;
  readonly exitCode: number;
  readonly directory: string;
  /** what the launcher's `run over` line says */
  readonly summary: {
    readonly steps: number;
    readonly evalAccuracy: number | null;
    readonly samplesPerSec: number;
    readonly consistent: boolean;
    readonly replicasIdentical: boolean | null;
  };
}

/** A run that could not start: the line `error:` gives, the exit code, and whether summary.json was written. */
export interface CoordinatorUnstarted {
  readonly type: 'unstarted';
  readonly message: string;
  readonly code: string | null;
  readonly exitCode: number;
  readonly summaryWritten: boolean;
}

/** What the coordinator child tells the launcher. */
export type FromCoordinator =
  /** `lanes`: the tensor-lane directory the workers on this host offer (`transport: shm`), or null */
  | { readonly type: 'listening'; readonly url: string; readonly lanes: string | null }
  | { readonly type: 'started'; readonly totalSteps: number; readonly stepsPerEpoch: number }
  | {
      readonly type: 'step';
      readonly step: number;
      readonly epoch: number;
      readonly lr: number;
      readonly loss: number;
      readonly samples: number;
    }
  /** the run is over: it asks for the relays' byte counts for summary.json */
  | { readonly type: 'links?' }
  /** a worker was lost and the run goes on (restart, shrink): a hung process of it is to be ended */
  | { readonly type: 'lost'; readonly rank: number; readonly pid: number }
  /** a lost rank's new process joined the run */
  | { readonly type: 'rejoined'; readonly rank: number; readonly pid: number }
  /** the world shrank and the run, given in epochs, now has `totalSteps` steps */
  | { readonly type: 'resized'; readonly totalSteps: number }
  | CoordinatorEnded
  | CoordinatorUnstarted;

/** How the coordinator child's process ended, and what it said about its run before (null: nothing, it died). */
export interface CoordinatorExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ended: CoordinatorEnded | CoordinatorUnstarted | null;
}

export interface CoordinatorProcessOptions {
  /** the dptrain CLI script */
  readonly cli: string;
  readonly token: string;
  readonly start: Extract<ToCoordinator, { type: 'start' }>;
  /** every line the child writes (its log lines, already marked `coordinator`) */
  readonly onLine: (line: string) => void;
  readonly onMessage: (message: FromCoordinator) => void;
}

/**
 * "the coordinator (pid 4242) was killed by SIGKILL" / "exited with code 1 before it ended the run".
 *
 * @example
 * describeCoordinatorExit({ pid: 7, code: null, signal: 'SIGKILL', ended: null }); // 'the coordinator (pid 7) was killed by SIGKILL'
 */
export function describeCoordinatorExit(exit: Omit<CoordinatorExit, 'ended'>): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `the coordinator (pid ${exit.pid}) ${how}`;
}

/**
 * The launcher's coordinator, in a child process of its own (`dptrain coordinator --from-launcher`), so that the
 * launcher outlives it and can start another: the run comes in a `start` message over an IPC channel, the token
 * through the environment; its address, progress and outcome come back as messages, its log lines on its
 * stderr. It runs in its own process group, so a terminal's Ctrl-C reaches the launcher only, which forwards it.
 *
 * @example
 * const coordinator = new CoordinatorProcess({ cli, token, start, onLine, onMessage }); const exit = await coordinator.exited;
 */
export class CoordinatorProcess {
  readonly pid: number;
  /** resolves once the child process has exited */
  readonly exited: Promise<CoordinatorExit>;
  private readonly child: ChildProcess;

  constructor(options: CoordinatorProcessOptions) {
    const child = spawn(process.execPath, [options.cli, 'coordinator', FROM_LAUNCHER_FLAG], {
      env: { ...process.env, [TOKEN_ENV]: options.token },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // structured clone: a NaN loss and the config's values arrive as they were sent
      serialization: 'advanced',
      detached: true,
    });
    this.child = child;
    this.pid = child.pid ?? -1;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on('line', options.onLine);
    }
    let ended: CoordinatorExit['ended'] = null;
    child.on('message', (message: FromCoordinator) => {
      if (message.type === 'ended' || message.type === 'unstarted') ended = message;
      options.onMessage(message);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ pid: this.pid, code, signal, ended }));
    });
    this.send(options.start);
  }

  /** Sends a message to the child; one that can no longer arrive (the child is gone) is dropped. */
  send(message: ToCoordinator): void {
    if (!this.child.connected) return;
    // A child that died meanwhile fails the send; its exit says what happened, so the error is not news.
    this.child.send(message, () => {});
  }

  /** Sends `signal` to the child if it still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

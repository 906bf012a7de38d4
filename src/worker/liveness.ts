import { Worker as Thread } from 'node:worker_threads';
import { CLOSE_CODES } from '../errors.js';
import type { Log } from '../log/index.js';
import { type Connection, Heartbeat, type HeartbeatTiming } from '../transport/index.js';
import type { LivenessCommand, LivenessReport, LivenessThreadData } from './liveness-thread.js';

/** How long `stop()` waits for the thread to close its connection before it is terminated. */
const STOP_GRACE_MS = 1_000;

export interface LivenessOptions {
  /** the coordinator's URL, as the main connection used it (a link relay's is fine) */
  readonly url: string;
  readonly token: string;
  /** this worker's rank, from its `assign` */
  readonly rank: number;
  readonly timing: HeartbeatTiming;
  /** the main connection: heartbeats go there from this thread while the liveness thread has none */
  readonly connection: Connection;
  readonly zeroMask?: boolean;
  readonly log: Log;
  /**
   * what to do when the coordinator went silent (default: close the main connection with 1008); a worker that
   * rejoins drops the socket instead, since a hung coordinator may never answer a close handshake
   */
  readonly onSilent?: () => void;
  /** the thread's entry module (default: liveness-thread.js beside this file) */
  readonly entry?: URL;
}

/**
 * A worker process's liveness, kept by a thread of its own: once the worker has its rank, the thread opens a
 * second connection to the coordinator and exchanges heartbeats there on its own event loop, so a gradient that
 * holds the main thread for longer than `heartbeat_timeout` is not taken for a hang (a hung process, SIGSTOP
 * included, is silent on both connections). The watch on the coordinator moves to the thread as well: the main
 * thread's own timer runs late after a long computation while the coordinator's messages wait unread, so only
 * the thread can tell a silent coordinator from a busy main loop. Until the thread's connection is attached, and
 * whenever it has none (it could not connect, was refused, or its connection closed), the main thread sends and
 * watches heartbeats on the main connection as before, and a warning says so: nothing breaks, a long step is
 * then just not safe under a short timeout.
 *
 * @example
 * const liveness = new Liveness({ url, token, rank, timing, connection, log }); liveness.start(); … await liveness.stop();
 */
export class Liveness {
  private readonly fallback: Heartbeat;
  private thread: Thread | undefined;
  /** whether the thread's connection is attached; 'down' once it is known to have none */
  private link: 'pending' | 'up' | 'down' = 'pending';
  private stopped = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: LivenessOptions) {
    const { connection } = options;
    this.fallback = new Heartbeat(connection, options.timing, () => this.coordinatorSilent());
  }

  start(): void {
    this.fallback.start();
    this.spawn();
  }

  /** Stops the heartbeats and the thread (its connection closes normally, or the thread is terminated). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.fallback.stop();
    const thread = this.thread;
    if (thread === undefined) return;
    thread.postMessage({ kind: 'stop' } satisfies LivenessCommand);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    });
    await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    await thread.terminate();
  }

  private spawn(): void {
    const { url, token, rank, timing, zeroMask, log } = this.options;
    const data: LivenessThreadData = {
      kind: 'dptrain-liveness',
      url,
      token,
      rank,
      pid: process.pid,
      timing,
      zeroMask: zeroMask === true,
    };
    let thread: Thread;
    try {
      thread = new Thread(this.options.entry ?? new URL('./liveness-thread.js', import.meta.url), {
        workerData: data,
      });
    } catch (error) {
      this.down(`the liveness thread did not start: ${String(error)}`);
      return;
    }
    // The thread never keeps the process alive: the main connection decides when the worker is done.
    thread.unref();
    this.thread = thread;
    this.exited = new Promise((resolve) => thread.once('exit', () => resolve()));
    thread.on('message', (report: LivenessReport) => this.onReport(report));
    thread.on('error', (error) => this.down(`the liveness thread failed: ${error.message}`));
    thread.once('exit', (code) => this.down(`the liveness thread exited with code ${code}`));
    log({ level: 'debug', msg: 'liveness thread started', rank });
  }

  private onReport(report: LivenessReport): void {
    const { log } = this.options;
    switch (report.kind) {
      case 'up':
        if (this.stopped) return;
        this.link = 'up';
        this.fallback.stop();
        log({ level: 'debug', msg: 'liveness connection attached', rank: this.options.rank });
        return;
      case 'down':
        this.down(report.reason);
        return;
      case 'lost':
        // The coordinator is gone, not just the liveness connection: no fallback, and no warning about one.
        this.link = 'down';
        log({ level: 'warn', msg: 'coordinator silent', silentMs: Math.round(report.silentMs) });
        this.coordinatorSilent();
        return;
      case 'log':
        log(report.entry);
    }
  }

  /** The thread has no connection (any more): heartbeats go from this thread again. */
  private down(reason: string): void {
    if (this.stopped || this.link === 'down') return;
    this.link = 'down';
    this.options.log({
      level: 'warn',
      msg: 'no liveness connection: heartbeats go from the main thread, so a step longer than heartbeat_timeout looks like a hang',
      reason,
    });
    this.fallback.start();
  }

  private coordinatorSilent(): void {
    if (this.options.onSilent !== undefined) this.options.onSilent();
    else void this.options.connection.close(CLOSE_CODES.policyViolation, 'coordinator silent');
  }
}

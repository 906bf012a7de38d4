import type { Connection } from './connection.js';

/** Liveness timing: how often to send, and how long a silent peer is tolerated. */
export interface HeartbeatTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/**
 * Keeps a connection's liveness: sends a `heartbeat` every `intervalMs` and calls `onLost` once when nothing at
 * all (any message counts) arrived for `timeoutMs`. A dead process closes its socket, which `close` reports; this
 * catches the peer that hangs or the network that drops packets silently.
 *
 * @example
 * const beat = new Heartbeat(connection, { intervalMs: 2000, timeoutMs: 30000 }, () => connection.close(1001, 'silent'));
 */
export class Heartbeat {
  private lastSeen = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = () => {
    this.lastSeen = Date.now();
  };

  constructor(
    private readonly connection: Connection,
    private readonly timing: HeartbeatTiming,
    private readonly onLost: (silentMs: number) => void,
  ) {}

  start(): void {
    this.lastSeen = Date.now();
    this.connection.on('message', this.seen);
    this.timer = setInterval(() => this.tick(), this.timing.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.connection.off('message', this.seen);
  }

  private tick(): void {
    const silent = Date.now() - this.lastSeen;
    if (silent > this.timing.timeoutMs) {
      this.stop();
      this.onLost(silent);
      return;
    }
    this.connection.send({ type: 'heartbeat', sentAt: Date.now() }).catch(() => {});
  }
}

import type { Connection } from './connection.js';

/** Liveness timing: how often to send, and how long a silent peer is tolerated. */
export interface HeartbeatTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/**
 * Keeps a connection's liveness: sends a `heartbeat` every `intervalMs` and calls `onLost` once when nothing at
 * all (any message counts) arrived for `timeoutMs`. A dead process closes its socket, which `close` reports; this
 * catches the peer that hangs or the network that drops packets silently. A peer may speak on more than one
 * connection (a worker's liveness connection beside its main one): `attach` adds one, and a message on any of
 * them is a sign of life.
 *
 * @example
 * const beat = new Heartbeat(connection, { intervalMs: 1000, timeoutMs: 5000 }, () => connection.close(1001, 'silent'));
 */
export class Heartbeat {
  private lastSeen = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private judging = false;
  private readonly attached = new Set<Connection>();
  private readonly seen = () => {
    this.lastSeen = Date.now();
  };

  constructor(
    private readonly connection: Connection,
    private readonly timing: HeartbeatTiming,
    private readonly onLost: (silentMs: number) => void,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.lastSeen = Date.now();
    this.connection.on('message', this.seen);
    this.timer = setInterval(() => this.tick(), this.timing.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.connection.off('message', this.seen);
    for (const other of this.attached) other.off('message', this.seen);
    this.attached.clear();
  }

  /**
   * Counts `other`'s messages as signs of life too, and sends heartbeats on it while it is attached (so the peer
   * can watch this side there). Returns the function that detaches it.
   *
   * @example
   * const detach = beat.attach(livenessConnection); livenessConnection.once('close', detach);
   */
  attach(other: Connection): () => void {
    this.attached.add(other);
    other.on('message', this.seen);
    this.seen();
    return () => {
      this.attached.delete(other);
      other.off('message', this.seen);
    };
  }

  private tick(): void {
    if (Date.now() - this.lastSeen > this.timing.timeoutMs) {
      // This side's own event loop may have been the busy one: a timer that fires late runs before the poll phase
      // that reads what arrived meanwhile, so the verdict waits for that phase (setImmediate runs right after it).
      if (!this.judging) {
        this.judging = true;
        setImmediate(() => this.judge());
      }
    }
    const beat = { type: 'heartbeat', sentAt: Date.now() } as const;
    this.connection.send(beat).catch(() => {});
    for (const other of this.attached) other.send(beat).catch(() => {});
  }

  private judge(): void {
    this.judging = false;
    if (this.timer === undefined) return;
    const silent = Date.now() - this.lastSeen;
    if (silent <= this.timing.timeoutMs) return;
    this.stop();
    this.onLost(silent);
  }
}

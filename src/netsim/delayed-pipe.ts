import type { Socket } from 'node:net';
import type { RelayClock } from './clock.js';
import type { ReleaseSchedule } from './release-schedule.js';

interface Held {
  readonly release: number;
  readonly chunk: Buffer;
}

/**
 * One direction of a relayed connection: every chunk read from `source` is written to `destination` unchanged and
 * in order, at the time its ReleaseSchedule gives. The chunks wait in a queue with one timer, set for the head.
 *
 * Backpressure: when the bytes held (queued plus unsent in `destination`) exceed `maxQueuedBytes`, reading from
 * `source` pauses until the held bytes drop to the limit again (after a release or a drain).
 *
 * Ends: `sourceEnded()` (the sender half-closed) releases what is queued, then ends `destination`;
 * `sourceClosed()` (the sender is gone) releases what is queued, then closes `destination` once it is written;
 * `destinationClosed()` drops what is queued (nothing can reach a closed socket) and discards what the sender
 * still sends. Bytes are counted once, when written to `destination`.
 */
export class DelayedPipe {
  readonly #queue: Held[] = [];
  #head = 0;
  #queuedBytes = 0;
  #cancelTimer: (() => void) | null = null;
  #ending: 'open' | 'end' | 'destroy' = 'open';
  #finished = false;
  #dropping = false;
  #paused = false;

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly schedule: ReleaseSchedule,
    private readonly clock: RelayClock,
    private readonly maxQueuedBytes: number,
    private readonly onForwarded: (bytes: number) => void,
  ) {
    source.on('data', (chunk: Buffer) => this.#receive(chunk));
    source.on('end', () => this.sourceEnded());
    destination.on('drain', () => this.#maybeResume());
  }

  /** The sender half-closed: release what is queued, then end the destination. */
  sourceEnded(): void {
    if (this.#ending === 'open') this.#ending = 'end';
    this.#finishIfDrained();
  }

  /** The sender is gone: release what is queued, then close the destination once it is written. */
  sourceClosed(): void {
    this.#ending = 'destroy';
    this.#finishIfDrained();
  }

  /** The destination is gone: drop the queue and discard what the sender still sends. */
  destinationClosed(): void {
    this.#dropping = true;
    this.#cancel();
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
    if (this.#paused) {
      this.#paused = false;
      this.source.resume();
    }
  }

  /** Cancels the pending timer (the relay is closing and destroys both sockets). */
  stop(): void {
    this.#dropping = true;
    this.#cancel();
  }

  #receive(chunk: Buffer): void {
    if (this.#dropping) return;
    this.#queue.push({ release: this.schedule.next(this.clock.now(), chunk.length), chunk });
    this.#queuedBytes += chunk.length;
    if (!this.#paused && this.#queuedBytes + this.destination.writableLength > this.maxQueuedBytes) {
      this.#paused = true;
      this.source.pause();
    }
    if (this.#cancelTimer === null) this.#release();
  }

  /** Writes every chunk whose release time has come, then sets the timer for the next one. */
  #release(): void {
    this.#cancelTimer = null;
    if (this.#dropping) return;
    const now = this.clock.now();
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.release <= now) {
      const { chunk } = this.#queue[this.#head]!;
      this.#head += 1;
      this.#queuedBytes -= chunk.length;
      this.destination.write(chunk);
      this.onForwarded(chunk.length);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#queue.length) {
      const delay = this.#queue[this.#head]!.release - this.clock.now();
      this.#cancelTimer = this.clock.setTimer(() => this.#release(), Math.max(0, delay));
    }
    this.#maybeResume();
    this.#finishIfDrained();
  }

  #maybeResume(): void {
    if (this.#paused && this.#queuedBytes + this.destination.writableLength <= this.maxQueuedBytes) {
      this.#paused = false;
      this.source.resume();
    }
  }

  #finishIfDrained(): void {
    if (this.#finished || this.#dropping || this.#ending === 'open' || this.#head < this.#queue.length)
      return;
    this.#finished = true;
    if (this.#ending === 'destroy') this.destination.destroySoon();
    else this.destination.end();
  }

  #cancel(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }
}

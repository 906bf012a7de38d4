import { ConfigError } from '../errors.js';
import type { MessageType } from '../protocol/index.js';

/** Which received messages reuse one array, and which sent message proves this side is done with it. */
export interface ReceivePoolSpec {
  /** the message type whose split tensor part is assembled into the pooled array */
  readonly type: MessageType;
  /** the floats of that tensor part (the model size); any other size gets a fresh array */
  readonly floats: number;
  /**
   * Sending a message of this type proves the last pooled message is no longer read (the coordinator sends an
   * `update` only after reducing every gradient of the round; a worker sends a `gradient` only after applying
   * the update before it).
   */
  readonly releasedBy: MessageType;
}

/**
 * One reused array for the tensor part of one message type, lent to one message at a time: it is lent again
 * only after this side sent a `releasedBy` message; until then every such message gets a fresh array. So a peer
 * that sends out of turn (a second gradient before the round is reduced) costs an allocation, never the data of
 * the message still being read. Fresh arrays of tens of MB cost a zero-fill and page faults on every message.
 *
 * @example
 * const pool = new ReceivePool({ type: 'gradient', floats: 1e7, releasedBy: 'update' }); pool.take(1e7, 'gradient');
 */
export class ReceivePool {
  readonly spec: ReceivePoolSpec;
  private array: Float32Array | undefined;
  private lent = false;

  constructor(spec: ReceivePoolSpec) {
    if (!Number.isSafeInteger(spec.floats) || spec.floats < 1) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'floats',
        `must be a positive integer number of floats (the model size), received ${String(spec.floats)}`,
      );
    }
    this.spec = Object.freeze({ ...spec });
  }

  /** The array for a `type` message's tensor part of `floats` floats: the pooled one if it is free, else fresh. */
  take(floats: number, type: MessageType): Float32Array {
    if (type !== this.spec.type || floats !== this.spec.floats || this.lent) return new Float32Array(floats);
    this.lent = true;
    this.array ??= new Float32Array(floats);
    return this.array;
  }

  /** This side is sending a `type` message: a `releasedBy` one frees the array for the next message. */
  sent(type: MessageType): void {
    if (type === this.spec.releasedBy) this.lent = false;
  }
}

import {
  type CodecOptions,
  checkFrameBytes,
  DEFAULT_MAX_FRAME_BYTES,
  type LaneSink,
  type Message,
  MessageEncoder,
} from '../protocol/index.js';
import type { EncodedMessage } from './connection.js';

/**
 * Encodes a message once for many connections (the coordinator's update to every worker): one validation, one
 * copy of the tensors into frames, and the same frame Buffers handed to every socket. `ws` writes unmasked
 * (server) frames without copying them, so the frames must stay unchanged until every socket has written them:
 * an encoder's buffers go back to the pool only when every send of its message has settled, and a broadcast
 * that starts before then encodes with another encoder (two in use at most in a sync run: one being written,
 * the next one).
 *
 * @example
 * const sends = new SharedEncoder({}).broadcast(update, (encoded) => connections.map((c) => c.sendEncoded(encoded)));
 */
export class SharedEncoder {
  readonly maxFrameBytes: number;
  private readonly options: CodecOptions;
  private readonly idle: MessageEncoder[] = [];

  constructor(options: CodecOptions = {}) {
    this.options = options;
    this.maxFrameBytes = checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  }

  /**
   * Encodes `message` and gives it to `send`, which starts one send per connection and returns their promises;
   * returns them. The frames are reused once all of them have settled. Throws ProtocolError, before any send,
   * for a message that is invalid or cannot fit. Given a `lane` (every receiver reads it), the tensors go there once.
   */
  broadcast(
    message: Message,
    send: (encoded: EncodedMessage) => Promise<void>[],
    lane?: LaneSink,
  ): Promise<void>[] {
    const encoder = this.idle.pop() ?? new MessageEncoder(this.options);
    let encoded: EncodedMessage;
    try {
      encoded = {
        type: message.type,
        frames: encoder.encode(message, lane),
        maxFrameBytes: this.maxFrameBytes,
      };
    } catch (error) {
      this.idle.push(encoder);
      throw error;
    }
    const sends = send(encoded);
    void Promise.allSettled(sends).then(() => this.idle.push(encoder));
    return sends;
  }
}

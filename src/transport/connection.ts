import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { CLOSE_CODES, DptrainError, ProtocolError, TransportError } from '../errors.js';
import {
  type LaneSink,
  type LaneSource,
  type Message,
  MessageDecoder,
  MessageEncoder,
  type MessageType,
} from '../protocol/index.js';
import { type ConnectionOptions, type ConnectionSettings, parseConnectionOptions } from './options.js';
import { ReceivePool, type ReceivePoolSpec } from './receive-pool.js';

/**
 * A message already encoded, for `Connection.sendEncoded`: its frames are only read, so the same frames may go to
 * several connections at once; whoever encoded them keeps them unchanged until every such send has settled.
 */
export interface EncodedMessage {
  readonly type: MessageType;
  readonly frames: readonly Buffer[];
  /** the `maxFrameBytes` they were cut to: a connection with a smaller bound refuses them */
  readonly maxFrameBytes: number;
}

/** How a connection ended. */
export interface ConnectionClose {
  /** the WebSocket close code (1006 when the socket dropped without a close frame) */
  readonly code: number;
  readonly reason: string;
  /** whether this side started the close (`close()`, a protocol error it found, or ws refusing a frame) */
  readonly local: boolean;
  /** what this side found wrong, if anything; a peer's refusal shows only as `code` and `reason` */
  readonly error: ProtocolError | TransportError | DptrainError | null;
}

export interface ConnectionEvents {
  /** a decoded, validated message */
  message: [message: Message];
  /** the connection is closed; emitted once */
  close: [close: ConnectionClose];
}

/** The longest close reason a WebSocket close frame can carry. */
const MAX_CLOSE_REASON_BYTES = 123;

const READY_STATES = ['connecting', 'open', 'closing', 'closed'] as const;

/**
 * A dptrain peer over a `ws` WebSocket, on either side. `send()` encodes a message into binary frames and
 * resolves once `ws` has written them all; sends are queued in call order, and a send waits while the socket
 * holds more than `highWaterMark` unsent bytes. Received frames are decoded and validated and emitted as
 * `message` events (attach listeners synchronously after construction), or read with `messages()`. A frame
 * that cannot be trusted closes the socket with the ProtocolError's close code; the error is logged and
 * reported in the `close` event.
 *
 * @example
 * const connection = new Connection(socket); connection.on('message', (m) => console.log(m.type));
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** the wrapped WebSocket (for its address, or `bufferedAmount`) */
  readonly socket: WebSocket;
  private readonly settings: ConnectionSettings;
  private readonly encoder: MessageEncoder;
  private readonly decoder: MessageDecoder;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private sent = 0;
  private received = 0;
  private failure: ProtocolError | TransportError | DptrainError | null = null;
  private pool: ReceivePool | null = null;
  /** the lane each message type this side sends through one is written to */
  private readonly sendLanes = new Map<MessageType, LaneSink>();
  private closeStarted = false;
  private ended: ConnectionClose | null = null;

  constructor(socket: WebSocket, options: ConnectionOptions = {}) {
    super();
    this.settings = parseConnectionOptions(options);
    this.encoder = new MessageEncoder(this.settings);
    this.decoder = new MessageDecoder(this.settings);
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('error', (error) => this.socketError(error));
    socket.on('close', (code, reason) => this.closed(code, reason.toString()));
  }

  /** dptrain frame bytes handed to `ws` (without WebSocket and TCP framing). */
  get bytesSent(): number {
    return this.sent;
  }

  /** dptrain frame bytes received (without WebSocket and TCP framing). */
  get bytesReceived(): number {
    return this.received;
  }

  /** Largest message accepted; lower it to `messageBytesBound(model size)` once the model is known. */
  get maxMessageBytes(): number {
    return this.decoder.maxMessageBytes;
  }

  set maxMessageBytes(bytes: number) {
    this.decoder.maxMessageBytes = bytes;
  }

  /** Largest frame sent or accepted, header included. */
  get maxFrameBytes(): number {
    return this.settings.maxFrameBytes;
  }

  /**
   * From the next message on, assembles the split tensor part of every `spec.type` message into one reused
   * array, lent again only once this side sends a `spec.releasedBy` message (see `ReceivePool`); other types
   * keep the allocator given at construction. Replaces an earlier pool. Returns the pool.
   *
   * @example
   * connection.poolReceived({ type: 'gradient', floats: params.length, releasedBy: 'update' });
   */
  poolReceived(spec: ReceivePoolSpec): ReceivePool {
    const pool = new ReceivePool(spec);
    const fallback = this.settings.allocateTensor ?? ((floats: number) => new Float32Array(floats));
    this.pool = pool;
    this.decoder.allocateTensor = (floats, type) =>
      type === spec.type ? pool.take(floats, type) : fallback(floats, type);
    return pool;
  }

  /**
   * Peers on one host: from the next message on, the tensors of every `send.types` message go through `send.lane`
   * (one small lane frame on the socket), and lane frames received are read from `receive`. Both sides must have
   * agreed on the lanes first (the rendezvous does): a lane frame to a peer without a lane closes its connection.
   *
   * @example
   * connection.useLanes({ send: { types: ['gradient'], lane: new LaneWriter(up) }, receive: new LaneReader(down) });
   */
  useLanes(lanes: {
    readonly send?: { readonly types: readonly MessageType[]; readonly lane: LaneSink };
    readonly receive?: LaneSource;
  }): void {
    for (const type of lanes.send?.types ?? []) this.sendLanes.set(type, lanes.send!.lane);
    if (lanes.receive !== undefined) this.decoder.lane = lanes.receive;
  }

  /** How the connection ended, or null while it is open. */
  get closeInfo(): ConnectionClose | null {
    return this.ended;
  }

  /**
   * Sends `message` after every earlier send. Resolves when `ws` has written its last frame; rejects with
   * ProtocolError for an invalid message and TransportError `ERR_TRANSPORT_CLOSED` when the connection is
   * not open or closes meanwhile.
   */
  send(message: Message): Promise<void> {
    // The encoder reuses its buffers: a send holds them until every frame's write callback has fired, so
    // encoding waits for its turn in the queue.
    return this.enqueue(message.type, () => {
      this.assertOpen(message.type);
      return this.encoder.encode(message, this.sendLanes.get(message.type));
    });
  }

  /**
   * As `send`, for frames encoded once for several connections (`SharedEncoder`): they are written as they are,
   * never copied or changed. Rejects with ProtocolError if they were cut for a larger `maxFrameBytes` than this
   * connection's.
   */
  sendEncoded(encoded: EncodedMessage): Promise<void> {
    if (encoded.maxFrameBytes > this.settings.maxFrameBytes) {
      return Promise.reject(
        new ProtocolError(
          'ERR_PROTOCOL_TOO_LARGE',
          CLOSE_CODES.messageTooBig,
          `a ${encoded.type} message was encoded for maxFrameBytes ${encoded.maxFrameBytes}, above this connection's ${this.settings.maxFrameBytes}: encode it with the connections' maxFrameBytes`,
        ),
      );
    }
    return this.enqueue(encoded.type, () => {
      this.assertOpen(encoded.type);
      return encoded.frames;
    });
  }

  private enqueue(type: MessageType, frames: () => readonly Buffer[]): Promise<void> {
    // Sending proves what this side has finished reading (ReceivePool), whenever the frames go out.
    this.pool?.sent(type);
    // When nothing is queued the frames go to ws at once, so a caller can start a broadcast and then do other
    // work before awaiting it (the coordinator applies its own update while the workers receive theirs).
    const sending =
      this.pending === 0 ? this.write(type, frames) : this.queue.then(() => this.write(type, frames));
    this.pending += 1;
    const done = sending.finally(() => {
      this.pending -= 1;
    });
    this.queue = done.catch(() => {});
    return done;
  }

  /** Starts the closing handshake; resolves once the connection is closed (rejects on a code ws refuses, e.g. 1006). */
  async close(code: number = CLOSE_CODES.normal, reason = ''): Promise<void> {
    if (this.ended !== null) return;
    const done = new Promise<void>((resolve) => this.once('close', () => resolve()));
    this.closeStarted = true;
    this.socket.close(code, shorten(reason));
    await done;
  }

  /**
   * The messages received from now on, in order, until the connection closes. The iteration ends when the
   * connection closes cleanly and throws the error this side found when it does not. Messages are queued
   * until read.
   */
  messages(): AsyncIterableIterator<Message> {
    const queued: Message[] = [];
    let wake: (() => void) | null = null;
    const onMessage = (message: Message) => {
      queued.push(message);
      wake?.();
    };
    const onClose = () => wake?.();
    const stop = () => {
      this.off('message', onMessage);
      this.off('close', onClose);
    };
    this.on('message', onMessage);
    this.on('close', onClose);
    const iterator: AsyncIterableIterator<Message> = {
      next: async () => {
        for (;;) {
          const message = queued.shift();
          if (message !== undefined) return { done: false, value: message };
          if (this.ended !== null) {
            stop();
            if (this.ended.error !== null) throw this.ended.error;
            return { done: true, value: undefined };
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
      },
      return: async () => {
        stop();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async write(type: MessageType, encode: () => readonly Buffer[]): Promise<void> {
    const frames = encode();
    const written: Promise<void>[] = [];
    try {
      let settled = 0;
      for (const frame of frames) {
        if (this.socket.bufferedAmount > this.settings.highWaterMark && settled < written.length) {
          this.settings.log({
            level: 'debug',
            msg: 'send waits for the peer to read',
            type,
            bufferedAmount: this.socket.bufferedAmount,
            highWaterMark: this.settings.highWaterMark,
          });
        }
        while (this.socket.bufferedAmount > this.settings.highWaterMark && settled < written.length) {
          await written[settled++];
        }
        this.assertOpen(type);
        written.push(this.writeFrame(frame));
        this.sent += frame.length;
      }
    } finally {
      await Promise.allSettled(written);
    }
    await Promise.all(written);
  }

  private writeFrame(frame: Buffer): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.socket.send(frame, { binary: true }, (error) => {
        if (error === undefined || error === null) {
          resolve();
        } else {
          reject(
            new TransportError('ERR_TRANSPORT_CLOSED', `a frame could not be written: ${error.message}`, {
              cause: error,
            }),
          );
        }
      });
    });
    // Frames after the one being awaited may fail first; their rejection is observed by write().
    written.catch(() => {});
    return written;
  }

  private assertOpen(type: MessageType): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      const state = READY_STATES[this.socket.readyState] ?? 'closed';
      throw new TransportError(
        'ERR_TRANSPORT_CLOSED',
        `cannot send a ${type} message: the connection is ${state}${this.failure === null ? '' : ` (${this.failure.code})`}`,
        { cause: this.failure ?? undefined },
      );
    }
  }

  private receive(frame: Buffer, isBinary: boolean): void {
    if (this.failure !== null) return;
    this.received += frame.length;
    if (!isBinary) {
      this.fail(
        new ProtocolError(
          'ERR_PROTOCOL_MALFORMED',
          CLOSE_CODES.protocolError,
          'a text frame arrived; dptrain sends binary frames only',
        ),
      );
      return;
    }
    let result: ReturnType<MessageDecoder['decode']>;
    try {
      result = this.decoder.decode(frame);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (result.kind === 'message') this.emit('message', result.message);
  }

  /** Closes the socket over an error this side found: the peer's fault (ProtocolError) or its own. */
  private fail(error: unknown): void {
    const failure =
      error instanceof DptrainError
        ? error
        : new TransportError('ERR_TRANSPORT_SOCKET', `decoding failed: ${String(error)}`, { cause: error });
    this.failure = failure;
    const closeCode = failure instanceof ProtocolError ? failure.closeCode : CLOSE_CODES.internalError;
    this.settings.log({
      level: 'error',
      msg: 'closing the connection',
      code: failure.code,
      closeCode,
      error: failure.message,
    });
    this.closeStarted = true;
    this.socket.close(closeCode, shorten(failure.code));
  }

  /** `ws` reports a refused frame (it then closes with the right code) or a failed socket. */
  private socketError(error: Error & { code?: string }): void {
    const code = error.code ?? '';
    let failure: ProtocolError | TransportError;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      failure = new ProtocolError('ERR_PROTOCOL_TOO_LARGE', CLOSE_CODES.messageTooBig, error.message, {
        cause: error,
      });
    } else if (code.startsWith('WS_ERR_')) {
      failure = new ProtocolError('ERR_PROTOCOL_MALFORMED', CLOSE_CODES.protocolError, error.message, {
        cause: error,
      });
    } else {
      failure = new TransportError('ERR_TRANSPORT_SOCKET', `the socket failed: ${error.message}`, {
        cause: error,
      });
    }
    if (failure instanceof ProtocolError) this.closeStarted = true;
    this.failure ??= failure;
    this.settings.log({ level: 'warn', msg: 'socket error', code: failure.code, error: error.message });
  }

  private closed(code: number, reason: string): void {
    this.ended = Object.freeze({ code, reason, local: this.closeStarted, error: this.failure });
    // A normal close is routine (debug); anything else is worth a warning.
    const level = code === 1000 || code === 1001 ? 'debug' : 'warn';
    this.settings.log({ level, msg: 'connection closed', code, reason, local: this.closeStarted });
    this.emit('close', this.ended);
  }
}

/** Cuts a close reason to the 123 UTF-8 bytes a close frame allows. */
function shorten(reason: string): string {
  let short = reason;
  while (Buffer.byteLength(short, 'utf8') > MAX_CLOSE_REASON_BYTES) short = short.slice(0, -1);
  return short;
}

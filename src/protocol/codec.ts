import { Packr } from 'msgpackr';
import { CLOSE_CODES, ConfigError, ProtocolError } from '../errors.js';
import { type Message, type MessageType, PROTOCOL_VERSION } from './messages.js';
import {
  fillTensors,
  separateTensors,
  TENSOR_DESCRIPTOR_KEY,
  type TensorLayout,
  takeTensors,
} from './tensor-descriptor.js';
import { type Issue, isMessageType, validateMessage } from './validate.js';
import { malformed, tooLarge } from './wire-errors.js';

// Frame layout (all little-endian), one binary WebSocket message per frame:
//   0  magic u16 = 0x5044 ('DP')    2  version u8    3  kind u8    4  messageId u32
//   8  controlBytes u32             12 tensorBytes u32
//   16 MessagePack control part, zero padding to a 4-byte boundary, then raw float32 tensor bytes.
// A message's tensors travel back to back as one tensor part, listed in the control part by the descriptor
// `$tensors: [[path, floats], …]` (see tensor-descriptor.ts); a tensor part larger than one frame continues in
// continuation frames that carry only tensor bytes. A message without tensors to send is one control frame.
// Tensors are copied as the host's bytes: dptrain assumes a little-endian host (every platform Node ships on).
// A lane frame (kind 3) is the header and the control part only: the tensor part (tensorBytes long) was written to
// a lane the two sides share on one host (see `TensorLane`), and the header's messageId is the lane's sequence
// number of that write, which the reader checks against the lane.

/** The first two bytes of every frame: 'DP' read as a little-endian u16. */
export const FRAME_MAGIC = 0x5044;
/** Bytes of the fixed frame header. */
export const FRAME_HEADER_BYTES = 16;
/**
 * Frame kinds: a message without tensors, the first frame of one with tensors, its continuations, and a message
 * whose tensor part went through a lane.
 */
export const FRAME_KIND = { control: 0, tensor: 1, continuation: 2, lane: 3 } as const;

/**
 * Default bound on one frame, header included: 4 MiB. `ws` receives every frame into a fresh Buffer; up to ~4 MiB
 * malloc serves it from memory it reuses (0.45 ms), a fresh 16 MiB one costs page faults (11 ms). A pooled round
 * trip of a gradient measured 21 ms at 4 MiB against 29 ms at 16 MiB for 1e6 floats, and 111 against 134 ms for
 * 1e7 (medians of 5 alternating runs, loopback, load 11–14).
 */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Default bound on one message until the model size is known: 64M floats. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** The smallest `maxFrameBytes` accepted: a header and a few floats. */
export const MIN_FRAME_BYTES = 64;
/** The largest `maxFrameBytes` accepted: frame lengths travel as u32, and ws buffers whole frames. */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;
/** Room `messageBytesBound` leaves for a message's control part. */
export const DEFAULT_CONTROL_ALLOWANCE = 64 * 1024;

/** Limits shared by the encoder and the decoder of one connection. */
export interface CodecOptions {
  /** Largest frame sent or accepted, header included (default `DEFAULT_MAX_FRAME_BYTES`, 4 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * Largest message accepted: header, control part and the whole tensor part, as if sent in one frame (default
   * `DEFAULT_MAX_MESSAGE_BYTES`, 256 MiB). Set it from the model size with `messageBytesBound`.
   */
  readonly maxMessageBytes?: number;
  /**
   * Gives the decoder the Float32Array a message's tensor part (all its tensors, back to back) is assembled
   * into when it cannot be a view of the received frame (split over frames, or unaligned), given the message's
   * `type`; the message's tensors are views of it. Default: a fresh array. The decoder never touches the array
   * after returning its message, so a pool may hand it out again once the caller is done with that message.
   */
  readonly allocateTensor?: TensorAllocator;
}

/**
 * Gives the array a `type` message's tensor part of `floats` floats is assembled into (see `CodecOptions`).
 *
 * @example
 * const fresh: TensorAllocator = (floats) => new Float32Array(floats);
 */
export type TensorAllocator = (floats: number, type: MessageType) => Float32Array;

const freshTensor: TensorAllocator = (floats) => new Float32Array(floats);

/**
 * Where a sender puts a message's tensor part instead of its frames: shared storage the receiver reads on the same
 * host (the transport's `TensorLane`). `write` stores the tensors back to back and returns the sequence number of
 * this write, which the lane frame carries.
 *
 * @example
 * const frames = encoder.encode(update, lane); // one small lane frame; the tensors are in the lane
 */
export interface LaneSink {
  write(tensors: readonly Float32Array[], bytes: number): number;
}

/**
 * Where a receiver reads the tensor part of a lane frame: `read` fills `into` with the `bytes` of write `sequence`,
 * and throws ProtocolError when the lane does not hold exactly that write (overwritten, torn, or never written).
 */
export interface LaneSource {
  read(sequence: number, bytes: number, into: Float32Array): void;
}

/** Result of feeding one frame to `MessageDecoder.decode`. */
export type DecodeResult =
  | { readonly kind: 'message'; readonly message: Message }
  | { readonly kind: 'partial' };

/**
 * The `maxMessageBytes` for messages of `floats` tensor floats in all (a gradient: the parameter count):
 * header, `controlAllowance` bytes of control part and the tensor part.
 *
 * @example
 * decoder.maxMessageBytes = messageBytesBound(235_146); // 1,006,136
 */
export function messageBytesBound(floats: number, controlAllowance = DEFAULT_CONTROL_ALLOWANCE): number {
  return FRAME_HEADER_BYTES + controlAllowance + floats * 4;
}

/**
 * Turns messages into binary frames. Frames are packed into buffers the encoder keeps and reuses (fresh
 * buffers of tens of MiB cost page faults on every message), so the returned buffers stay valid only until
 * the next `encode()` call: hand them to the socket and call `encode()` again only after every frame's write
 * callback has fired. `Connection` does exactly that. The pool grows to the largest message sent (a 40 MB
 * tensor keeps ten 4 MiB buffers).
 *
 * @example
 * const frames = new MessageEncoder().encode({ type: 'heartbeat', sentAt: Date.now() }); // [Buffer]
 */
export class MessageEncoder {
  readonly maxFrameBytes: number;
  private readonly packr = new Packr({ useRecords: false });
  private readonly buffers: Buffer[] = [];
  private nextId = 0;

  constructor(options: CodecOptions = {}) {
    this.maxFrameBytes = checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  }

  /**
   * Validates `message` and encodes it as one or more frames; throws ProtocolError if it is invalid or cannot fit.
   * Given a `lane`, a message with tensors has them written there and is one lane frame.
   */
  encode(message: Message, lane?: LaneSink): Buffer[] {
    const checked = validateMessage(message);
    if (!checked.ok) {
      throw malformed(`cannot encode this ${describeType(message)} message: ${formatIssues(checked.issues)}`);
    }
    const { control, tensors } = separateTensors(message);
    const packed = this.packr.pack(control);
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0;
    const controlEnd = FRAME_HEADER_BYTES + packed.length;
    const tensorStart = alignTo4(controlEnd);
    if (tensorStart > this.maxFrameBytes) {
      throw new ProtocolError(
        'ERR_PROTOCOL_TOO_LARGE',
        CLOSE_CODES.messageTooBig,
        `the control part of this ${message.type} message is ${packed.length} bytes; with the header it must fit one frame of maxFrameBytes ${this.maxFrameBytes}: shrink the message or raise maxFrameBytes`,
      );
    }
    if (tensors.length === 0) {
      const frame = this.frameBuffer(0, controlEnd);
      writeHeader(frame, FRAME_KIND.control, id, packed.length, 0);
      frame.set(packed, FRAME_HEADER_BYTES);
      return [frame];
    }
    if (lane !== undefined) {
      const bytes = tensors.reduce((sum, t) => sum + t.byteLength, 0);
      const sequence = lane.write(tensors, bytes);
      const frame = this.frameBuffer(0, controlEnd);
      writeHeader(frame, FRAME_KIND.lane, sequence, packed.length, bytes);
      frame.set(packed, FRAME_HEADER_BYTES);
      return [frame];
    }
    return this.encodeTensors(id, packed, tensors);
  }

  /** Frames for a message whose tensors, back to back, may continue over as many frames as they need. */
  private encodeTensors(id: number, packed: Uint8Array, tensors: readonly Float32Array[]): Buffer[] {
    const part = new TensorPartReader(tensors);
    const tensorStart = alignTo4(FRAME_HEADER_BYTES + packed.length);
    const firstBytes = Math.min(part.bytes, floorTo4(this.maxFrameBytes - tensorStart));
    const first = this.frameBuffer(0, tensorStart + firstBytes);
    writeHeader(first, FRAME_KIND.tensor, id, packed.length, firstBytes);
    first.set(packed, FRAME_HEADER_BYTES);
    first.fill(0, FRAME_HEADER_BYTES + packed.length, tensorStart);
    part.copyInto(first, tensorStart, firstBytes);
    const frames = [first];
    const chunk = floorTo4(this.maxFrameBytes - FRAME_HEADER_BYTES);
    for (let offset = firstBytes; offset < part.bytes; offset += chunk) {
      const bytes = Math.min(chunk, part.bytes - offset);
      const frame = this.frameBuffer(frames.length, FRAME_HEADER_BYTES + bytes);
      writeHeader(frame, FRAME_KIND.continuation, id, 0, bytes);
      part.copyInto(frame, FRAME_HEADER_BYTES, bytes);
      frames.push(frame);
    }
    return frames;
  }

  /** The pooled buffer for frame `index`, grown (doubling, up to maxFrameBytes) when `size` does not fit. */
  private frameBuffer(index: number, size: number): Buffer {
    let buffer = this.buffers[index];
    if (buffer === undefined || buffer.length < size) {
      const grown = Math.min(this.maxFrameBytes, Math.max(size, 2 * (buffer?.length ?? 0), 4096));
      buffer = Buffer.allocUnsafeSlow(grown);
      this.buffers[index] = buffer;
    }
    return buffer.subarray(0, size);
  }
}

/** Reads a message's tensors as one stream of bytes, in order, so frames can be cut anywhere in it. */
class TensorPartReader {
  readonly bytes: number;
  private readonly sources: readonly Uint8Array[];
  private index = 0;
  private offset = 0;

  constructor(tensors: readonly Float32Array[]) {
    this.sources = tensors.map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    this.bytes = this.sources.reduce((sum, source) => sum + source.length, 0);
  }

  /** Copies the next `bytes` bytes of the tensor part to `target` at `at`. */
  copyInto(target: Uint8Array, at: number, bytes: number): void {
    let written = 0;
    while (written < bytes) {
      const source = this.sources[this.index] as Uint8Array;
      const n = Math.min(bytes - written, source.length - this.offset);
      target.set(source.subarray(this.offset, this.offset + n), at + written);
      written += n;
      this.offset += n;
      if (this.offset === source.length) {
        this.index += 1;
        this.offset = 0;
      }
    }
  }
}

interface FrameHeader {
  readonly magic: number;
  readonly version: number;
  readonly kind: number;
  readonly messageId: number;
  readonly controlBytes: number;
  readonly tensorBytes: number;
}

interface PendingMessage {
  readonly id: number;
  readonly message: Message;
  /** the tensor part's bytes, filled frame by frame */
  readonly bytes: Uint8Array;
  filled: number;
}

/**
 * Turns received frames back into validated messages. Feed it every binary frame in arrival order; a message
 * whose tensors are split over frames yields `{ kind: 'partial' }` until its last frame. Every length, and the
 * `$tensors` descriptor, is checked against the frame's bytes, the message's row and the limits before any
 * tensor is viewed or allocated. A tensor part that arrives in one 4-byte-aligned frame is a zero-copy view of
 * that frame's buffer; otherwise it is copied into one array (see `CodecOptions.allocateTensor`); each tensor is
 * a `subarray` of it. Throws ProtocolError on anything it cannot trust and then forgets the message in
 * progress, so the next message decodes afresh.
 *
 * @example
 * const result = decoder.decode(frame); if (result.kind === 'message') handle(result.message);
 */
export class MessageDecoder {
  readonly maxFrameBytes: number;
  private maxMessage: number;
  private allocate: TensorAllocator;
  private readonly packr = new Packr({ useRecords: false });
  private pending: PendingMessage | null = null;
  /** where lane frames' tensor parts are read; null: a lane frame is refused */
  lane: LaneSource | null = null;

  constructor(options: CodecOptions = {}) {
    this.maxFrameBytes = checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.maxMessage = checkMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.allocate = options.allocateTensor ?? freshTensor;
  }

  /**
   * The allocator of split tensor parts; settable because an owner knows the model size (and so what to pool)
   * only once the run has started. It takes effect from the next message.
   */
  get allocateTensor(): TensorAllocator {
    return this.allocate;
  }

  set allocateTensor(allocate: TensorAllocator) {
    this.allocate = allocate;
  }

  /** Largest message accepted; the coordinator lowers it to `messageBytesBound(model size)` once it knows the model. */
  get maxMessageBytes(): number {
    return this.maxMessage;
  }

  set maxMessageBytes(bytes: number) {
    this.maxMessage = checkMessageBytes(bytes);
  }

  /** Whether a message split over frames is waiting for its continuations. */
  get inProgress(): boolean {
    return this.pending !== null;
  }

  /** Decodes one received frame. */
  decode(frame: Uint8Array): DecodeResult {
    try {
      return this.decodeFrame(frame);
    } catch (error) {
      this.pending = null;
      throw error;
    }
  }

  private decodeFrame(frame: Uint8Array): DecodeResult {
    if (frame.length > this.maxFrameBytes) {
      throw tooLarge(
        `a frame of ${frame.length} bytes exceeds maxFrameBytes ${this.maxFrameBytes}: the peer must split tensors into smaller frames, or both sides must raise maxFrameBytes`,
      );
    }
    if (frame.length < FRAME_HEADER_BYTES) {
      throw malformed(
        `a frame of ${frame.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`,
      );
    }
    const header = readHeader(frame);
    if (header.magic !== FRAME_MAGIC) {
      throw malformed(
        `a frame starts with 0x${hex(header.magic)}, not the dptrain magic 0x${hex(FRAME_MAGIC)}`,
      );
    }
    if (header.version !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        'ERR_PROTOCOL_VERSION',
        CLOSE_CODES.protocolError,
        `the peer speaks protocol version ${header.version}, this side speaks ${PROTOCOL_VERSION}: run the same dptrain version on both sides`,
      );
    }
    if (header.kind === FRAME_KIND.continuation) return this.decodeContinuation(frame, header);
    if (this.pending !== null) {
      const missing = this.pending.bytes.length - this.pending.filled;
      throw malformed(
        `message ${header.messageId} started before message ${this.pending.id} received its last ${missing} tensor bytes`,
      );
    }
    if (header.kind === FRAME_KIND.control) return this.decodeControlFrame(frame, header);
    if (header.kind === FRAME_KIND.tensor) return this.decodeTensorFrame(frame, header);
    if (header.kind === FRAME_KIND.lane) return this.decodeLaneFrame(frame, header);
    throw malformed(`frame kind ${header.kind} is not 0 (control), 1 (tensor), 2 (continuation) or 3 (lane)`);
  }

  private decodeControlFrame(frame: Uint8Array, header: FrameHeader): DecodeResult {
    if (header.tensorBytes !== 0 || frame.length !== FRAME_HEADER_BYTES + header.controlBytes) {
      throw lengthMismatch(frame, header, FRAME_HEADER_BYTES + header.controlBytes);
    }
    this.refuseOversized(frame.length);
    const control = this.unpackControl(frame, header);
    if (Object.hasOwn(control, TENSOR_DESCRIPTOR_KEY)) {
      throw malformed(`a control-only frame (kind 0) carries a ${TENSOR_DESCRIPTOR_KEY} descriptor`);
    }
    // No tensor listed: what is left is null tensors and empty maps, which takeTensors puts in place.
    takeTensors(control);
    return { kind: 'message', message: checked(control) };
  }

  private decodeTensorFrame(frame: Uint8Array, header: FrameHeader): DecodeResult {
    const tensorStart = alignTo4(FRAME_HEADER_BYTES + header.controlBytes);
    if (header.tensorBytes % 4 !== 0 || frame.length !== tensorStart + header.tensorBytes) {
      throw lengthMismatch(frame, header, tensorStart + header.tensorBytes);
    }
    for (let i = FRAME_HEADER_BYTES + header.controlBytes; i < tensorStart; i++) {
      if (frame[i] !== 0) throw malformed(`padding byte ${i} of a frame is ${frame[i]}, not 0`);
    }
    const control = this.unpackControl(frame, header);
    if (!Object.hasOwn(control, TENSOR_DESCRIPTOR_KEY)) {
      throw malformed(`a tensor frame (kind 1) lacks the ${TENSOR_DESCRIPTOR_KEY} descriptor`);
    }
    const layout = takeTensors(control);
    if (layout.slots.length === 0) {
      throw malformed(`a tensor frame (kind 1) lists no tensors: a message without any is one control frame`);
    }
    if (layout.floats * 4 < header.tensorBytes) {
      throw malformed(
        `a frame carries ${header.tensorBytes} tensor bytes but the message declares ${layout.floats} floats in all`,
      );
    }
    this.refuseOversized(tensorStart + layout.floats * 4);
    // The stand-in tensors takeTensors put in place let a refused message cost no allocation; validateMessage
    // returns the object itself, so the views fillTensors sets below end up in `message`.
    const message = checked(control);
    const complete = layout.floats * 4 === header.tensorBytes;
    if (complete && (frame.byteOffset + tensorStart) % 4 === 0) {
      fillTensors(layout, new Float32Array(frame.buffer, frame.byteOffset + tensorStart, layout.floats));
      return { kind: 'message', message };
    }
    return this.assemble(header.messageId, message, layout, frame.subarray(tensorStart), complete);
  }

  private decodeLaneFrame(frame: Uint8Array, header: FrameHeader): DecodeResult {
    const lane = this.lane;
    if (lane === null) {
      throw malformed(
        'a lane frame (kind 3) arrived but this connection reads no lane: only peers on one host that agreed on a lane directory send them',
      );
    }
    if (header.tensorBytes % 4 !== 0 || frame.length !== FRAME_HEADER_BYTES + header.controlBytes) {
      throw lengthMismatch(frame, header, FRAME_HEADER_BYTES + header.controlBytes);
    }
    const control = this.unpackControl(frame, header);
    if (!Object.hasOwn(control, TENSOR_DESCRIPTOR_KEY)) {
      throw malformed(`a lane frame (kind 3) lacks the ${TENSOR_DESCRIPTOR_KEY} descriptor`);
    }
    const layout = takeTensors(control);
    if (layout.slots.length === 0 || layout.floats * 4 !== header.tensorBytes) {
      throw malformed(
        `a lane frame declares ${header.tensorBytes} tensor bytes but its message lists ${layout.floats} floats in all`,
      );
    }
    this.refuseOversized(FRAME_HEADER_BYTES + header.controlBytes + header.tensorBytes);
    const message = checked(control);
    const part = this.tensorFor(layout.floats, message.type);
    lane.read(header.messageId, header.tensorBytes, part);
    fillTensors(layout, part);
    return { kind: 'message', message };
  }

  /** Copies the tensor part into one allocated array; waits for the continuations unless `complete`. */
  private assemble(
    id: number,
    message: Message,
    layout: TensorLayout,
    payload: Uint8Array,
    complete: boolean,
  ): DecodeResult {
    const part = this.tensorFor(layout.floats, message.type);
    const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    bytes.set(payload);
    fillTensors(layout, part);
    if (complete) return { kind: 'message', message };
    this.pending = { id, message, bytes, filled: payload.length };
    return { kind: 'partial' };
  }

  private decodeContinuation(frame: Uint8Array, header: FrameHeader): DecodeResult {
    const pending = this.pending;
    if (pending === null || pending.id !== header.messageId) {
      const state = pending === null ? 'no message is in progress' : `message ${pending.id} is in progress`;
      throw malformed(`a continuation frame for message ${header.messageId} arrived but ${state}`);
    }
    const expected = FRAME_HEADER_BYTES + header.tensorBytes;
    if (header.controlBytes !== 0 || header.tensorBytes % 4 !== 0 || frame.length !== expected) {
      throw lengthMismatch(frame, header, expected);
    }
    const missing = pending.bytes.length - pending.filled;
    if (header.tensorBytes === 0 || header.tensorBytes > missing) {
      throw malformed(
        `a continuation of message ${pending.id} carries ${header.tensorBytes} tensor bytes; 1 to ${missing} were expected`,
      );
    }
    pending.bytes.set(frame.subarray(FRAME_HEADER_BYTES), pending.filled);
    pending.filled += header.tensorBytes;
    if (pending.filled < pending.bytes.length) return { kind: 'partial' };
    this.pending = null;
    return { kind: 'message', message: pending.message };
  }

  private refuseOversized(bytes: number): void {
    if (bytes > this.maxMessage) {
      throw tooLarge(
        `a message of ${bytes} bytes exceeds maxMessageBytes ${this.maxMessage}: its tensors are larger than this run's model, or maxMessageBytes was set too low`,
      );
    }
  }

  private tensorFor(floats: number, type: MessageType): Float32Array {
    const tensor = this.allocate(floats, type);
    if (!(tensor instanceof Float32Array) || tensor.length !== floats) {
      throw new ConfigError(
        'ERR_CONFIG_BAD_VALUE',
        'allocateTensor',
        `must return a Float32Array of ${floats} floats, returned ${tensor instanceof Float32Array ? `${tensor.length} floats` : typeof tensor}`,
      );
    }
    return tensor;
  }

  /** The control part as a plain object with a known `type`. */
  private unpackControl(frame: Uint8Array, header: FrameHeader): Record<string, unknown> {
    let control: unknown;
    try {
      control = this.packr.unpack(
        frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + header.controlBytes),
      );
    } catch (error) {
      throw malformed(`the control part of message ${header.messageId} is not valid MessagePack`, error);
    }
    if (
      typeof control !== 'object' ||
      control === null ||
      Array.isArray(control) ||
      ArrayBuffer.isView(control)
    ) {
      throw malformed(`the control part of message ${header.messageId} is not a MessagePack map`);
    }
    const type = (control as Record<string, unknown>)['type'];
    if (!isMessageType(type)) {
      const result = validateMessage({ type });
      const reason = `message ${header.messageId}: ${result.ok ? 'unknown type' : formatIssues(result.issues)}`;
      if (typeof type !== 'string') throw malformed(reason);
      throw new ProtocolError('ERR_PROTOCOL_UNKNOWN_TYPE', CLOSE_CODES.protocolError, reason);
    }
    return control as Record<string, unknown>;
  }
}

function readHeader(frame: Uint8Array): FrameHeader {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  return {
    magic: view.getUint16(0, true),
    version: view.getUint8(2),
    kind: view.getUint8(3),
    messageId: view.getUint32(4, true),
    controlBytes: view.getUint32(8, true),
    tensorBytes: view.getUint32(12, true),
  };
}

function writeHeader(
  frame: Buffer,
  kind: number,
  messageId: number,
  controlBytes: number,
  tensorBytes: number,
): void {
  frame.writeUInt16LE(FRAME_MAGIC, 0);
  frame.writeUInt8(PROTOCOL_VERSION, 2);
  frame.writeUInt8(kind, 3);
  frame.writeUInt32LE(messageId, 4);
  frame.writeUInt32LE(controlBytes, 8);
  frame.writeUInt32LE(tensorBytes, 12);
}

function checked(value: Record<string, unknown>): Message {
  const result = validateMessage(value);
  if (!result.ok) {
    throw malformed(`an invalid ${describeType(value)} message: ${formatIssues(result.issues)}`);
  }
  return result.value;
}

function lengthMismatch(frame: Uint8Array, header: FrameHeader, expected: number): ProtocolError {
  return malformed(
    `a kind ${header.kind} frame declares controlBytes ${header.controlBytes} and tensorBytes ${header.tensorBytes} (${expected} bytes in all, tensor bytes a multiple of 4) but is ${frame.length} bytes long`,
  );
}

/** At most five issues, so a hostile message cannot make an unbounded error string. */
function formatIssues(issues: readonly Issue[]): string {
  const shown = issues.slice(0, 5).map((issue) => issue.message);
  return issues.length > 5 ? `${shown.join('; ')}; and ${issues.length - 5} more` : shown.join('; ');
}

function describeType(value: unknown): string {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : 'untyped';
}

/**
 * Returns `bytes` if it is a valid `maxFrameBytes` (an integer from MIN_FRAME_BYTES to MAX_FRAME_BYTES), else
 * throws ConfigError.
 *
 * @example
 * checkFrameBytes(4 << 20); // 4194304
 */
export function checkFrameBytes(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_FRAME_BYTES || bytes > MAX_FRAME_BYTES) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'maxFrameBytes',
      `must be an integer from ${MIN_FRAME_BYTES} to ${MAX_FRAME_BYTES}, received ${String(bytes)}`,
    );
  }
  return bytes;
}

/**
 * Returns `bytes` if it is a valid `maxMessageBytes` (an integer of at least MIN_FRAME_BYTES), else throws
 * ConfigError.
 *
 * @example
 * checkMessageBytes(messageBytesBound(235_146)); // 1006136
 */
export function checkMessageBytes(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_FRAME_BYTES) {
    throw new ConfigError(
      'ERR_CONFIG_BAD_VALUE',
      'maxMessageBytes',
      `must be an integer of at least ${MIN_FRAME_BYTES}, received ${String(bytes)}; messageBytesBound(floats) gives one for a model`,
    );
  }
  return bytes;
}

function alignTo4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

function floorTo4(bytes: number): number {
  return Math.floor(bytes / 4) * 4;
}

function hex(value: number): string {
  return value.toString(16).padStart(4, '0');
}

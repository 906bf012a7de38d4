import { Packr } from 'msgpackr';
import { CLOSE_CODES, ConfigError, ProtocolError } from '../errors.js';
import { MESSAGES, type Message, type MessageSpec, PROTOCOL_VERSION } from './messages.js';
import { type Issue, isMessageType, validateMessage } from './validate.js';

// Frame layout (all little-endian), one binary WebSocket message per frame:
//   0  magic u16 = 0x5044 ('DP')    2  version u8    3  kind u8    4  messageId u32
//   8  controlBytes u32             12 tensorBytes u32
//   16 MessagePack control part, zero padding to a 4-byte boundary, then raw float32 tensor bytes.
// Tensors are copied as the host's bytes: dptrain assumes a little-endian host (every platform Node ships on).

/** The first two bytes of every frame: 'DP' read as a little-endian u16. */
export const FRAME_MAGIC = 0x5044;
/** Bytes of the fixed frame header. */
export const FRAME_HEADER_BYTES = 16;
/** Frame kinds: a message without a tensor, the first frame of one with a tensor, and its continuations. */
export const FRAME_KIND = { control: 0, tensor: 1, continuation: 2 } as const;
/** The control-part key naming the tensor field and its total float count: `[field, floats]`. */
export const TENSOR_DESCRIPTOR_KEY = '$tensor';

/** Default bound on one frame, header included (frames above 31 MiB cost page faults on every fresh buffer). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
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
  /** Largest frame sent or accepted, header included (default `DEFAULT_MAX_FRAME_BYTES`, 16 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * Largest message accepted: header, control part and the whole tensor, as if sent in one frame (default
   * `DEFAULT_MAX_MESSAGE_BYTES`, 256 MiB). Set it from the model size with `messageBytesBound`.
   */
  readonly maxMessageBytes?: number;
  /**
   * Gives the decoder the Float32Array a tensor is assembled into when it cannot be a view of the received
   * frame (split over frames, or unaligned). Default: a fresh array. The decoder never touches the array
   * after returning its message, so a pool may hand it out again once the caller is done with that message.
   */
  readonly allocateTensor?: (floats: number) => Float32Array;
}

/** Result of feeding one frame to `MessageDecoder.decode`. */
export type DecodeResult =
  | { readonly kind: 'message'; readonly message: Message }
  | { readonly kind: 'partial' };

/**
 * The `maxMessageBytes` for a model of `floats` parameters: header, `controlAllowance` bytes of control part
 * and the tensor.
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
 * tensor keeps three 16 MiB buffers).
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

  /** Validates `message` and encodes it as one or more frames; throws ProtocolError if it is invalid or cannot fit. */
  encode(message: Message): Buffer[] {
    const checked = validateMessage(message);
    if (!checked.ok) {
      throw malformed(`cannot encode this ${describeType(message)} message: ${formatIssues(checked.issues)}`);
    }
    const field = tensorField(message.type);
    const fields = message as unknown as Readonly<Record<string, unknown>>;
    const tensor = field === null ? null : (fields[field] as Float32Array | null);
    const control: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (key !== field || tensor === null) control[key] = value;
    }
    if (field !== null && tensor !== null) control[TENSOR_DESCRIPTOR_KEY] = [field, tensor.length];
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
    if (tensor === null) {
      const frame = this.frameBuffer(0, controlEnd);
      writeHeader(frame, FRAME_KIND.control, id, packed.length, 0);
      frame.set(packed, FRAME_HEADER_BYTES);
      return [frame];
    }
    return this.encodeTensor(id, packed, tensor);
  }

  private encodeTensor(id: number, packed: Uint8Array, tensor: Float32Array): Buffer[] {
    const source = new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength);
    const tensorStart = alignTo4(FRAME_HEADER_BYTES + packed.length);
    const firstBytes = Math.min(source.length, floorTo4(this.maxFrameBytes - tensorStart));
    const first = this.frameBuffer(0, tensorStart + firstBytes);
    writeHeader(first, FRAME_KIND.tensor, id, packed.length, firstBytes);
    first.set(packed, FRAME_HEADER_BYTES);
    first.fill(0, FRAME_HEADER_BYTES + packed.length, tensorStart);
    first.set(source.subarray(0, firstBytes), tensorStart);
    const frames = [first];
    const chunk = floorTo4(this.maxFrameBytes - FRAME_HEADER_BYTES);
    for (let offset = firstBytes; offset < source.length; offset += chunk) {
      const bytes = Math.min(chunk, source.length - offset);
      const frame = this.frameBuffer(frames.length, FRAME_HEADER_BYTES + bytes);
      writeHeader(frame, FRAME_KIND.continuation, id, 0, bytes);
      frame.set(source.subarray(offset, offset + bytes), FRAME_HEADER_BYTES);
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

/** Stands in for a tensor while its message's other fields are validated. */
const EMPTY_TENSOR = new Float32Array(0);

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
  /** the tensor's bytes, filled frame by frame */
  readonly bytes: Uint8Array;
  filled: number;
}

/**
 * Turns received frames back into validated messages. Feed it every binary frame in arrival order; a message
 * with a tensor split over frames yields `{ kind: 'partial' }` until its last frame. Every length is checked
 * against the frame's bytes and the limits before any tensor is viewed or allocated. A tensor that arrives in
 * one 4-byte-aligned frame is a zero-copy view of that frame's buffer; otherwise it is copied into one array
 * (see `CodecOptions.allocateTensor`). Throws ProtocolError on anything it cannot trust and then forgets the
 * message in progress, so the next message decodes afresh.
 *
 * @example
 * const result = decoder.decode(frame); if (result.kind === 'message') handle(result.message);
 */
export class MessageDecoder {
  readonly maxFrameBytes: number;
  private maxMessage: number;
  private readonly allocate: (floats: number) => Float32Array;
  private readonly packr = new Packr({ useRecords: false });
  private pending: PendingMessage | null = null;

  constructor(options: CodecOptions = {}) {
    this.maxFrameBytes = checkFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.maxMessage = checkMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.allocate = options.allocateTensor ?? ((floats) => new Float32Array(floats));
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
    throw malformed(`frame kind ${header.kind} is not 0 (control), 1 (tensor) or 2 (continuation)`);
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
    const { field, floats } = descriptor(control);
    if (floats * 4 < header.tensorBytes) {
      throw malformed(
        `a frame carries ${header.tensorBytes} tensor bytes but the message declares ${floats} floats`,
      );
    }
    this.refuseOversized(tensorStart + floats * 4);
    // Validate with a stand-in tensor first, so a refused message costs no allocation; validateMessage returns
    // the object itself, so the real tensor set below replaces the stand-in in `message`.
    control[field] = EMPTY_TENSOR;
    const message = checked(control);
    const payload = frame.subarray(tensorStart);
    const complete = floats * 4 === header.tensorBytes;
    if (complete && (frame.byteOffset + tensorStart) % 4 === 0) {
      control[field] = new Float32Array(frame.buffer, frame.byteOffset + tensorStart, floats);
      return { kind: 'message', message };
    }
    const tensor = this.allocateTensor(floats);
    const bytes = new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength);
    bytes.set(payload);
    control[field] = tensor;
    if (complete) return { kind: 'message', message };
    this.pending = { id: header.messageId, message, bytes, filled: payload.length };
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
        `a message of ${bytes} bytes exceeds maxMessageBytes ${this.maxMessage}: the tensor is larger than this run's model, or maxMessageBytes was set too low`,
      );
    }
  }

  private allocateTensor(floats: number): Float32Array {
    const tensor = this.allocate(floats);
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

/** The tensor field the message type carries, or null. */
function tensorField(type: Message['type']): string | null {
  const spec: MessageSpec = MESSAGES[type];
  return spec.tensor?.field ?? null;
}

/** Reads and removes the `$tensor` descriptor of a first tensor frame; the field must be the type's tensor field. */
function descriptor(control: Record<string, unknown>): { field: string; floats: number } {
  const type = control['type'] as Message['type'];
  const expected = tensorField(type);
  const value = control[TENSOR_DESCRIPTOR_KEY];
  delete control[TENSOR_DESCRIPTOR_KEY];
  if (expected === null)
    throw malformed(`a ${type} message carries no tensor, but arrived in a tensor frame`);
  if (!Array.isArray(value) || value.length !== 2) {
    throw malformed(`a tensor frame's ${TENSOR_DESCRIPTOR_KEY} descriptor must be [field, floats]`);
  }
  const [field, floats] = value as unknown[];
  if (field !== expected) {
    throw malformed(
      `a ${type} message's tensor is ${expected}, but the descriptor names ${JSON.stringify(field)}`,
    );
  }
  if (typeof floats !== 'number' || !Number.isSafeInteger(floats) || floats < 0) {
    throw malformed(`a tensor's float count must be a non-negative integer, received ${String(floats)}`);
  }
  if (Object.hasOwn(control, field)) {
    throw malformed(`a ${type} message's ${field} arrived both as a tensor and inside the control part`);
  }
  return { field, floats };
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

function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_MALFORMED', CLOSE_CODES.protocolError, message, { cause });
}

function tooLarge(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_TOO_LARGE', CLOSE_CODES.messageTooBig, message);
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

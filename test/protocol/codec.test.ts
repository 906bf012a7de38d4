import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, ProtocolError } from '../../src/errors.js';
import {
  FRAME_HEADER_BYTES,
  FRAME_KIND,
  FRAME_MAGIC,
  type LaneSink,
  type LaneSource,
  MESSAGE_TYPES,
  type Message,
  MessageDecoder,
  MessageEncoder,
  messageBytesBound,
  PROTOCOL_VERSION,
  TENSOR_DESCRIPTOR_KEY,
  type WelcomeMessage,
} from '../../src/protocol/index.js';
import { bytesOf, controlOf, message, tensorIn, tensorOf, tensorsIn, welcomeMessage } from './arbitraries.js';
import { SAMPLES } from './samples.js';

const packr = new Packr({ useRecords: false });

/** The descriptor key as README documents it, written out rather than taken from the code under test. */
const DESCRIPTOR = '$tensors';

const { grad: _grad, ...gradientFields } = SAMPLES.gradient;
const { params: _params, optimizerState: _state, ...welcomeFields } = SAMPLES.welcome;

/** Little-endian float32 bytes of `values`, written one by one. */
function floatBytes(values: readonly number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => {
    bytes.writeFloatLE(value, 4 * i);
  });
  return bytes;
}

/** Feeds every frame to the decoder: all but the last must be partial, the last yields the message. */
function decodeFrames(decoder: MessageDecoder, frames: readonly Buffer[]): Message {
  let decoded: Message | null = null;
  frames.forEach((frame, index) => {
    const result = decoder.decode(frame);
    if (index < frames.length - 1) {
      expect(result.kind).toBe('partial');
    } else if (result.kind === 'message') {
      decoded = result.message;
    }
  });
  if (decoded === null) throw new Error('the last frame did not complete a message');
  return decoded;
}

function expectSameMessage(decoded: Message, original: Message): void {
  expect(controlOf(decoded)).toEqual(controlOf(original));
  const sent = tensorsIn(original);
  const received = tensorsIn(decoded);
  expect(received.map(([path]) => path)).toEqual(sent.map(([path]) => path));
  sent.forEach(([, tensor], i) => {
    const got = received[i]?.[1];
    if (tensor === null) {
      expect(got).toBeNull();
    } else {
      expect(got).toBeInstanceOf(Float32Array);
      expect(bytesOf(got as Float32Array).equals(bytesOf(tensor))).toBe(true);
    }
  });
}

interface Crafted {
  magic?: number;
  version?: number;
  kind: number;
  id?: number;
  control?: Uint8Array;
  tensor?: Uint8Array;
  controlBytes?: number;
  tensorBytes?: number;
  padding?: number;
}

/** A hand-made frame: header fields may lie about the lengths that follow. */
function craft(frame: Crafted): Buffer {
  const control = frame.control ?? new Uint8Array(0);
  const tensor = frame.tensor ?? new Uint8Array(0);
  const padded = Math.ceil((FRAME_HEADER_BYTES + control.length) / 4) * 4;
  const out = Buffer.alloc(
    (frame.kind === FRAME_KIND.control || frame.kind === FRAME_KIND.lane
      ? FRAME_HEADER_BYTES + control.length
      : padded) + tensor.length,
  );
  out.writeUInt16LE(frame.magic ?? FRAME_MAGIC, 0);
  out.writeUInt8(frame.version ?? PROTOCOL_VERSION, 2);
  out.writeUInt8(frame.kind, 3);
  out.writeUInt32LE(frame.id ?? 0, 4);
  out.writeUInt32LE(frame.controlBytes ?? control.length, 8);
  out.writeUInt32LE(frame.tensorBytes ?? tensor.length, 12);
  out.set(control, FRAME_HEADER_BYTES);
  if (frame.padding !== undefined) out[FRAME_HEADER_BYTES + control.length] = frame.padding;
  out.set(tensor, out.length - tensor.length);
  return out;
}

/** A hand-made gradient frame declaring `floats` floats of grad and carrying `sent`. */
function tensorFrame(floats: number, sent: number, extra: Record<string, unknown> = {}, id = 0): Buffer {
  return craft({
    kind: FRAME_KIND.tensor,
    id,
    control: packr.pack({ ...gradientFields, ...extra, [DESCRIPTOR]: [['grad', floats]] }),
    tensor: new Uint8Array(sent * 4),
  });
}

/** A hand-made welcome frame: its scalar fields, the descriptor `entries` and `tensor` (bytes, or a byte count). */
function welcomeFrame(
  entries: unknown,
  tensor: Uint8Array | number,
  extra: Record<string, unknown> = {},
): Buffer {
  return craft({
    kind: FRAME_KIND.tensor,
    control: packr.pack({ ...welcomeFields, ...extra, [DESCRIPTOR]: entries }),
    tensor: typeof tensor === 'number' ? new Uint8Array(tensor) : tensor,
  });
}

function expectRefusal(decode: () => unknown, code: string, closeCode: number): ProtocolError {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    expect((error as ProtocolError).closeCode).toBe(closeCode);
    return error as ProtocolError;
  }
  throw new Error(`expected ProtocolError ${code}`);
}

/** A decoder that has just refused a frame still decodes the next message. */
function expectStillUsable(decoder: MessageDecoder): void {
  const [frame] = new MessageEncoder().encode(SAMPLES.heartbeat);
  expect(decoder.decode(frame as Buffer)).toEqual({ kind: 'message', message: SAMPLES.heartbeat });
}

describe('MessageEncoder and MessageDecoder', () => {
  it('round-trip every message type with random fields and tensors split over many small frames', () => {
    fc.assert(
      fc.property(message(100_000), fc.integer({ min: 256, max: 70_000 }), (original, maxFrameBytes) => {
        const encoder = new MessageEncoder({ maxFrameBytes });
        const decoder = new MessageDecoder({ maxFrameBytes });
        const controlBytes = (new MessageEncoder().encode(original)[0] as Buffer).readUInt32LE(8);
        if (Math.ceil((FRAME_HEADER_BYTES + controlBytes) / 4) * 4 > maxFrameBytes) {
          expectRefusal(() => encoder.encode(original), 'ERR_PROTOCOL_TOO_LARGE', 1009);
          return;
        }
        const frames = encoder.encode(original);
        for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(maxFrameBytes);
        expectSameMessage(decodeFrames(decoder, frames), original);
        expect(decoder.inProgress).toBe(false);
      }),
      { numRuns: 120 },
    );
  });

  it('round-trip consecutive messages through one encoder and decoder pair', () => {
    fc.assert(
      fc.property(fc.array(message(3_000), { minLength: 1, maxLength: 8 }), (messages) => {
        const encoder = new MessageEncoder({ maxFrameBytes: 1024 });
        const decoder = new MessageDecoder({ maxFrameBytes: 1024 });
        for (const original of messages)
          expectSameMessage(decodeFrames(decoder, encoder.encode(original)), original);
      }),
      { numRuns: 60 },
    );
  });

  it.each(MESSAGE_TYPES)('round-trips the %s sample in one frame with default limits', (type) => {
    const frames = new MessageEncoder().encode(SAMPLES[type]);
    expect(frames).toHaveLength(1);
    expectSameMessage(decodeFrames(new MessageDecoder(), frames), SAMPLES[type]);
  });

  it('preserves NaN payloads, ±Infinity and −0 bit patterns', () => {
    const bits = Uint32Array.from([
      0x7fc00001, 0xffffffff, 0x7f800001, 0x7f800000, 0xff800000, 0x80000000, 1,
    ]);
    const grad = new Float32Array(bits.buffer);
    const decoded = decodeFrames(
      new MessageDecoder(),
      new MessageEncoder().encode({ ...SAMPLES.gradient, grad }),
    );
    const received = tensorIn(decoded) as Float32Array;
    expect([...new Uint32Array(received.buffer, received.byteOffset, received.length)]).toEqual([...bits]);
  });

  it('writes the documented header: magic DP, version, kind, message id and lengths, then aligned tensor bytes', () => {
    const encoder = new MessageEncoder();
    const control = Buffer.from(encoder.encode(SAMPLES.heartbeat)[0] as Buffer);
    const [first] = encoder.encode(SAMPLES.gradient);
    for (const frame of [control, first] as Buffer[]) {
      expect(frame.subarray(0, 2).toString('latin1')).toBe('DP');
      expect(frame.readUInt16LE(0)).toBe(FRAME_MAGIC);
      expect(frame[2]).toBe(PROTOCOL_VERSION);
    }
    const c = control as Buffer;
    const f = first as Buffer;
    expect([c[3], c.readUInt32LE(4), c.length, c.readUInt32LE(12)]).toEqual([
      FRAME_KIND.control,
      0,
      16 + c.readUInt32LE(8),
      0,
    ]);
    expect([f[3], f.readUInt32LE(4), f.readUInt32LE(12)]).toEqual([FRAME_KIND.tensor, 1, 8]);
    const tensorStart = f.length - 8;
    expect(tensorStart % 4).toBe(0);
    expect(f.subarray(16 + f.readUInt32LE(8), tensorStart).every((byte) => byte === 0)).toBe(true);
    expect(packr.unpack(f.subarray(16, 16 + f.readUInt32LE(8)))).toEqual({
      ...gradientFields,
      [DESCRIPTOR]: [['grad', 2]],
    });
    expect(new Float32Array(f.buffer.slice(f.byteOffset + tensorStart, f.byteOffset + f.length))).toEqual(
      SAMPLES.gradient.grad,
    );
  });

  it('sends a skipped update with a null gradient as one control frame', () => {
    const skipped: Message = { ...SAMPLES.update, skipped: true, grad: null };
    const frames = new MessageEncoder().encode(skipped);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.[3]).toBe(FRAME_KIND.control);
    expect(decodeFrames(new MessageDecoder(), frames)).toEqual(skipped);
  });

  it('splits a tensor into frames no larger than maxFrameBytes, continuations carrying only tensor bytes', () => {
    const grad = tensorOf(1000, 3);
    const frames = new MessageEncoder({ maxFrameBytes: 1000 }).encode({ ...SAMPLES.gradient, grad });
    expect(frames.length).toBeGreaterThan(4);
    for (const frame of frames.slice(1)) {
      expect([frame[3], frame.readUInt32LE(8), frame.readUInt32LE(4)]).toEqual([
        FRAME_KIND.continuation,
        0,
        0,
      ]);
      expect(frame.length).toBe(16 + frame.readUInt32LE(12));
    }
    expect(frames.reduce((sum, frame) => sum + frame.readUInt32LE(12), 0)).toBe(4000);
  });

  it('reuses its buffers: a frame is overwritten by the next encode()', () => {
    const encoder = new MessageEncoder();
    const [first] = encoder.encode({ ...SAMPLES.heartbeat, sentAt: 1 });
    const [second] = encoder.encode({ ...SAMPLES.heartbeat, sentAt: 2 });
    expect(second?.buffer).toBe(first?.buffer);
  });

  it('decodes a single aligned frame as a zero-copy view of the frame buffer', () => {
    const [frame] = new MessageEncoder().encode(SAMPLES.gradient);
    const backing = Buffer.alloc((frame as Buffer).length + 8);
    const aligned = backing.subarray(4, 4 + (frame as Buffer).length);
    (frame as Buffer).copy(aligned);
    const result = new MessageDecoder().decode(aligned);
    const grad = tensorIn((result as { message: Message }).message) as Float32Array;
    expect(grad.buffer).toBe(aligned.buffer);
    expect(grad).toEqual(SAMPLES.gradient.grad);
  });

  it('copies a tensor whose frame is not 4-byte aligned', () => {
    const [frame] = new MessageEncoder().encode(SAMPLES.gradient);
    const backing = Buffer.alloc((frame as Buffer).length + 8);
    const unaligned = backing.subarray(1, 1 + (frame as Buffer).length);
    (frame as Buffer).copy(unaligned);
    const result = new MessageDecoder().decode(unaligned);
    const grad = tensorIn((result as { message: Message }).message) as Float32Array;
    expect(grad.buffer).not.toBe(unaligned.buffer);
    expect(grad).toEqual(SAMPLES.gradient.grad);
  });

  it('assembles a split tensor into the array allocateTensor returns', () => {
    const target = new Float32Array(500);
    const allocateTensor = vi.fn(() => target);
    const grad = tensorOf(500, 9);
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({ ...SAMPLES.gradient, grad });
    const decoded = decodeFrames(new MessageDecoder({ maxFrameBytes: 256, allocateTensor }), frames);
    expect(tensorIn(decoded)).toBe(target);
    expect(allocateTensor).toHaveBeenCalledWith(500, 'gradient');
    expect(bytesOf(target).equals(bytesOf(grad))).toBe(true);
  });

  it('cuts frames at 4 MiB by default, so a 1.5M-float gradient travels as a full 4 MiB frame and a continuation', () => {
    const frames = new MessageEncoder().encode({ ...SAMPLES.gradient, grad: new Float32Array(1_500_000) });
    expect(frames).toHaveLength(2);
    expect(frames[0]!.length).toBe(4 * 1024 * 1024);
    const firstTensorBytes = frames[0]!.readUInt32LE(12);
    expect(frames[1]!.length).toBe(16 + 6_000_000 - firstTensorBytes);
  });

  it('uses an allocateTensor set after construction from the next message on', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 256 });
    const encoder = new MessageEncoder({ maxFrameBytes: 256 });
    const first = tensorOf(500, 3);
    const before = decodeFrames(decoder, encoder.encode({ ...SAMPLES.gradient, grad: first }));
    const target = new Float32Array(500);
    decoder.allocateTensor = (floats, type) =>
      type === 'gradient' && floats === 500 ? target : new Float32Array(floats);
    const second = tensorOf(500, 4);
    const after = decodeFrames(decoder, encoder.encode({ ...SAMPLES.gradient, grad: second }));
    expect(tensorIn(before)).not.toBe(target);
    expect(bytesOf(tensorIn(before)!).equals(bytesOf(first))).toBe(true);
    expect(tensorIn(after)).toBe(target);
    expect(bytesOf(target).equals(bytesOf(second))).toBe(true);
  });

  it('refuses an allocateTensor that returns the wrong length', () => {
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({
      ...SAMPLES.gradient,
      grad: tensorOf(500, 1),
    });
    const decoder = new MessageDecoder({ maxFrameBytes: 256, allocateTensor: () => new Float32Array(3) });
    expect(() => decoder.decode(frames[0] as Buffer)).toThrow(ConfigError);
  });

  it('gives each message a new id, wrapping after 2^32 − 1', () => {
    const encoder = new MessageEncoder();
    const ids = [0, 1, 2].map(() => (encoder.encode(SAMPLES.heartbeat)[0] as Buffer).readUInt32LE(4));
    expect(ids).toEqual([0, 1, 2]);
    (encoder as unknown as { nextId: number }).nextId = 0xffffffff;
    const wrapped = [0, 1].map(() => (encoder.encode(SAMPLES.heartbeat)[0] as Buffer).readUInt32LE(4));
    expect(wrapped).toEqual([0xffffffff, 0]);
  });

  it('messageBytesBound leaves room for the header and a control part', () => {
    const grad = tensorOf(10_000, 5);
    const decoder = new MessageDecoder({ maxFrameBytes: 4096, maxMessageBytes: messageBytesBound(10_000) });
    const frames = new MessageEncoder({ maxFrameBytes: 4096 }).encode({ ...SAMPLES.gradient, grad });
    expect(messageBytesBound(10_000)).toBe(16 + 65_536 + 40_000);
    expectSameMessage(decodeFrames(decoder, frames), { ...SAMPLES.gradient, grad });
  });
});

describe('messages with several tensors', () => {
  it('exports the documented descriptor key', () => {
    expect(TENSOR_DESCRIPTOR_KEY).toBe(DESCRIPTOR);
  });

  it('sends params then the optimizer state in the order given, back to back, listed by one descriptor', () => {
    const welcome: WelcomeMessage = {
      ...SAMPLES.welcome,
      params: Float32Array.from([1, 2, 3]),
      // not alphabetical: the map's own order is the order on the wire
      optimizerState: {
        moment2: Float32Array.from([-1]),
        moment1: Float32Array.from([0.5, 0.25]),
        beta1_pow_acc: new Float32Array(0),
      },
    };
    const frames = new MessageEncoder().encode(welcome);
    expect(frames).toHaveLength(1);
    const frame = frames[0] as Buffer;
    const controlBytes = frame.readUInt32LE(8);
    expect([frame[3], frame.readUInt32LE(12)]).toEqual([FRAME_KIND.tensor, 24]);
    expect(packr.unpack(frame.subarray(16, 16 + controlBytes))).toEqual({
      ...welcomeFields,
      [DESCRIPTOR]: [
        ['params', 3],
        ['optimizerState.moment2', 1],
        ['optimizerState.moment1', 2],
        ['optimizerState.beta1_pow_acc', 0],
      ],
    });
    expect(frame.subarray(frame.length - 24).equals(floatBytes([1, 2, 3, -1, 0.5, 0.25]))).toBe(true);
  });

  it('decodes a hand-built welcome into views of its one aligned frame, keeping the map order', () => {
    const entries = [
      ['params', 3],
      ['optimizerState.moment2', 1],
      ['optimizerState.beta1_pow_acc', 0],
      ['optimizerState.moment1', 2],
    ];
    const frame = welcomeFrame(entries, floatBytes([1, 2, 3, -1, 0.5, 0.25]));
    expect(frame.byteOffset % 4).toBe(0);
    const result = new MessageDecoder().decode(frame);
    const welcome = (result as { message: WelcomeMessage }).message;
    expect(controlOf(welcome)).toEqual(welcomeFields);
    expect(Object.keys(welcome.optimizerState)).toEqual(['moment2', 'beta1_pow_acc', 'moment1']);
    expect([...welcome.params]).toEqual([1, 2, 3]);
    expect([...(welcome.optimizerState['moment2'] as Float32Array)]).toEqual([-1]);
    expect(welcome.optimizerState['beta1_pow_acc']).toHaveLength(0);
    expect([...(welcome.optimizerState['moment1'] as Float32Array)]).toEqual([0.5, 0.25]);
    const tensorStart = frame.length - 24;
    const views = [welcome.params, ...Object.values(welcome.optimizerState)];
    for (const view of views) expect(view.buffer).toBe(frame.buffer);
    expect(views.map((view) => view.byteOffset - frame.byteOffset - tensorStart)).toEqual([0, 12, 16, 16]);
  });

  it('decodes a welcome with an empty map and 0-float params from a tensor frame of no tensor bytes', () => {
    const frame = welcomeFrame([['params', 0]], 0);
    expect(frame.readUInt32LE(12)).toBe(0);
    const result = new MessageDecoder().decode(frame);
    const welcome = (result as { message: WelcomeMessage }).message;
    expect(welcome.params).toHaveLength(0);
    expect(welcome.optimizerState).toEqual({});
    const encoded = new MessageEncoder().encode({
      ...SAMPLES.welcome,
      params: new Float32Array(0),
      optimizerState: {},
    });
    expect(encoded[0]?.equals(frame)).toBe(true);
  });

  it('splits several tensors over frames and assembles them into one allocateTensor array', () => {
    const allocateTensor = vi.fn((floats: number) => new Float32Array(floats));
    const params = tensorOf(100, 1);
    const moment1 = tensorOf(50, 2);
    const moment2 = tensorOf(47, 3);
    const welcome: WelcomeMessage = {
      ...SAMPLES.welcome,
      params,
      optimizerState: { moment1, beta1_pow_acc: new Float32Array(0), moment2 },
    };
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode(welcome);
    expect(frames.length).toBeGreaterThan(4);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(256);
    const first = frames[0] as Buffer;
    const wire = Buffer.concat([
      first.subarray(first.length - first.readUInt32LE(12)),
      ...frames.slice(1).map((frame) => frame.subarray(16)),
    ]);
    expect(wire.equals(Buffer.concat([bytesOf(params), bytesOf(moment1), bytesOf(moment2)]))).toBe(true);
    const decoder = new MessageDecoder({ maxFrameBytes: 256, allocateTensor });
    const decoded = decodeFrames(decoder, frames) as WelcomeMessage;
    expectSameMessage(decoded, welcome);
    expect(allocateTensor.mock.calls).toEqual([[197, 'welcome']]);
    const part = allocateTensor.mock.results[0]?.value as Float32Array;
    const views = [decoded.params, ...Object.values(decoded.optimizerState)];
    for (const view of views) expect(view.buffer).toBe(part.buffer);
    expect(views.map((view) => (view.byteOffset - part.byteOffset) / 4)).toEqual([0, 100, 150, 150]);
  });

  it('round-trips welcomes with random maps (empty ones too) split over frames as small as the control part allows', () => {
    fc.assert(
      fc.property(welcomeMessage(2_000), fc.integer({ min: 64, max: 4_000 }), (original, maxFrameBytes) => {
        const controlBytes = (new MessageEncoder().encode(original)[0] as Buffer).readUInt32LE(8);
        const tensorStart = Math.ceil((FRAME_HEADER_BYTES + controlBytes) / 4) * 4;
        const frameBytes = Math.max(maxFrameBytes, tensorStart);
        const frames = new MessageEncoder({ maxFrameBytes: frameBytes }).encode(original);
        for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(frameBytes);
        const decoder = new MessageDecoder({ maxFrameBytes: frameBytes });
        expectSameMessage(decodeFrames(decoder, frames), original);
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips an update with a null grad and a gradient of 0 floats', () => {
    const skipped: Message = { ...SAMPLES.update, skipped: true, grad: null };
    const empty: Message = { ...SAMPLES.gradient, grad: new Float32Array(0) };
    for (const original of [skipped, empty]) {
      expectSameMessage(decodeFrames(new MessageDecoder(), new MessageEncoder().encode(original)), original);
    }
  });
});

describe('MessageEncoder refusals', () => {
  it('refuses an invalid message with ERR_PROTOCOL_MALFORMED naming the field', () => {
    const bad = { ...SAMPLES.leave, rank: -1 } as Message;
    const error = expectRefusal(() => new MessageEncoder().encode(bad), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(error.message).toContain('rank must be an integer ≥ 0, received -1');
  });

  it('refuses a control part that cannot fit one frame with ERR_PROTOCOL_TOO_LARGE', () => {
    const big: Message = { ...SAMPLES.error, message: 'x'.repeat(4000) };
    expectRefusal(
      () => new MessageEncoder({ maxFrameBytes: 1024 }).encode(big),
      'ERR_PROTOCOL_TOO_LARGE',
      1009,
    );
  });

  it('refuses limits outside their range', () => {
    expect(() => new MessageEncoder({ maxFrameBytes: 63 })).toThrow(ConfigError);
    expect(() => new MessageDecoder({ maxFrameBytes: 2 ** 31 })).toThrow(ConfigError);
    expect(() => new MessageDecoder({ maxMessageBytes: 1.5 })).toThrow(ConfigError);
    const decoder = new MessageDecoder();
    expect(() => {
      decoder.maxMessageBytes = 0;
    }).toThrow(ConfigError);
  });
});

describe('MessageDecoder refusals', () => {
  const heartbeat = () => Buffer.from(new MessageEncoder().encode(SAMPLES.heartbeat)[0] as Buffer);

  it('refuses a frame without the DP magic', () => {
    const decoder = new MessageDecoder();
    const frame = heartbeat();
    frame.writeUInt16LE(0x4750, 0);
    expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a frame shorter than the header', () => {
    const decoder = new MessageDecoder();
    expectRefusal(() => decoder.decode(heartbeat().subarray(0, 10)), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses another protocol version with ERR_PROTOCOL_VERSION', () => {
    const decoder = new MessageDecoder();
    const frame = heartbeat();
    frame[2] = PROTOCOL_VERSION + 1;
    expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_VERSION', 1002);
    expectStillUsable(decoder);
  });

  it('refuses an unknown frame kind', () => {
    const frame = heartbeat();
    frame[3] = 3;
    expectRefusal(() => new MessageDecoder().decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
  });

  it('refuses controlBytes larger than the frame', () => {
    const decoder = new MessageDecoder();
    const control = packr.pack(SAMPLES.heartbeat);
    const frame = craft({ kind: FRAME_KIND.control, control, controlBytes: control.length + 100 });
    expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control, controlBytes: 2 ** 32 - 1 })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    expectStillUsable(decoder);
  });

  it('refuses tensorBytes larger than the frame', () => {
    const decoder = new MessageDecoder();
    const frame = tensorFrame(2, 2);
    frame.writeUInt32LE(12, 12);
    expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
    frame.writeUInt32LE(2 ** 32 - 4, 12);
    expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a tensor frame whose length disagrees with its tensorBytes, even when the descriptor agrees', () => {
    // The descriptor declares 2 floats and the frame carries 8 tensor bytes; the header says 4.
    const longer = tensorFrame(2, 2);
    longer.writeUInt32LE(4, 12);
    expectRefusal(() => new MessageDecoder().decode(longer), 'ERR_PROTOCOL_MALFORMED', 1002);
    // The descriptor declares 4 floats and the frame carries 4 tensor bytes; the header says 8.
    const shorter = tensorFrame(4, 1);
    shorter.writeUInt32LE(8, 12);
    const decoder = new MessageDecoder();
    expectRefusal(() => decoder.decode(shorter), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(decoder.inProgress).toBe(false);
    expectStillUsable(decoder);
  });

  it('refuses tensor bytes in a control-only frame and a tensor length that is not whole floats', () => {
    const control = packr.pack(SAMPLES.heartbeat);
    expectRefusal(
      () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.control, control, tensorBytes: 4 })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const frame = tensorFrame(2, 2);
    const odd = Buffer.concat([frame, Buffer.alloc(2)]);
    odd.writeUInt32LE(10, 12);
    expectRefusal(() => new MessageDecoder().decode(odd), 'ERR_PROTOCOL_MALFORMED', 1002);
  });

  it('refuses nonzero padding between the control part and the tensor', () => {
    const { params: _, ...paramsFields } = SAMPLES.params;
    const packed = packr.pack({ ...paramsFields, [DESCRIPTOR]: [['params', 0]] });
    expect((FRAME_HEADER_BYTES + packed.length) % 4).not.toBe(0);
    const frame = craft({ kind: FRAME_KIND.tensor, control: packed, padding: 7 });
    expectRefusal(() => new MessageDecoder().decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
  });

  it('refuses a declared tensor over maxMessageBytes before allocating it', () => {
    const allocateTensor = vi.fn((floats: number) => new Float32Array(floats));
    const decoder = new MessageDecoder({ maxMessageBytes: 1 << 20, allocateTensor });
    expectRefusal(() => decoder.decode(tensorFrame(2 ** 40, 2)), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    expectRefusal(() => decoder.decode(tensorFrame(300_000, 2)), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    expect(allocateTensor).not.toHaveBeenCalled();
    expectStillUsable(decoder);
  });

  it('holds a control-only frame to maxMessageBytes too, header included', () => {
    const [frame] = new MessageEncoder().encode(SAMPLES.assign);
    const length = (frame as Buffer).length;
    const decoder = new MessageDecoder({ maxMessageBytes: length - 1 });
    expectRefusal(() => decoder.decode(frame as Buffer), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    decoder.maxMessageBytes = length;
    expect(decoder.decode(frame as Buffer)).toEqual({ kind: 'message', message: SAMPLES.assign });
  });

  it('applies a lowered maxMessageBytes to the next message', () => {
    const decoder = new MessageDecoder();
    const [frame] = new MessageEncoder().encode({ ...SAMPLES.gradient, grad: tensorOf(1000, 2) });
    decoder.maxMessageBytes = messageBytesBound(999, 0);
    expectRefusal(() => decoder.decode(frame as Buffer), 'ERR_PROTOCOL_TOO_LARGE', 1009);
  });

  it('refuses a declared float count that is not a non-negative integer, or smaller than the frame carries', () => {
    for (const floats of [-1, 1.5, '3', null, 2 ** 53]) {
      const control = packr.pack({ type: 'params', rank: 0, [DESCRIPTOR]: [['params', floats]] });
      expectRefusal(
        () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.tensor, control })),
        'ERR_PROTOCOL_MALFORMED',
        1002,
      );
    }
    expectRefusal(() => new MessageDecoder().decode(tensorFrame(1, 2)), 'ERR_PROTOCOL_MALFORMED', 1002);
  });

  it('refuses a descriptor naming the wrong field, a tensor sent twice, and a tensor frame for a message without one', () => {
    const wrongField = packr.pack({ type: 'params', rank: 0, [DESCRIPTOR]: [['grad', 0]] });
    expectRefusal(
      () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.tensor, control: wrongField })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const twice = packr.pack({
      type: 'params',
      rank: 0,
      params: [1],
      [DESCRIPTOR]: [['params', 0]],
    });
    expectRefusal(
      () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.tensor, control: twice })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const none = packr.pack({ ...SAMPLES.heartbeat, [DESCRIPTOR]: [['grad', 0]] });
    expectRefusal(
      () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.tensor, control: none })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const { grad: _, ...updateFields } = SAMPLES.update;
    const descriptorInControlFrame = packr.pack({ ...updateFields, grad: null, [DESCRIPTOR]: [] });
    expectRefusal(
      () =>
        new MessageDecoder().decode(craft({ kind: FRAME_KIND.control, control: descriptorInControlFrame })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
  });

  it('refuses a continuation when no message is in progress, or for another message id', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 256 });
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({
      ...SAMPLES.gradient,
      grad: tensorOf(300, 4),
    });
    expectRefusal(() => decoder.decode(frames[1] as Buffer), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(decoder.decode(frames[0] as Buffer)).toEqual({ kind: 'partial' });
    const stranger = Buffer.from(frames[1] as Buffer);
    stranger.writeUInt32LE(99, 4);
    const error = expectRefusal(() => decoder.decode(stranger), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(error.message).toContain('99');
    expect(decoder.inProgress).toBe(false);
    expectStillUsable(decoder);
  });

  it('refuses a continuation carrying more bytes than the message still needs, or none', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 256 });
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({
      ...SAMPLES.gradient,
      grad: tensorOf(60, 4),
    });
    expect(frames).toHaveLength(2);
    decoder.decode(frames[0] as Buffer);
    const tooLong = Buffer.concat([frames[1] as Buffer, Buffer.alloc(8)]);
    tooLong.writeUInt32LE((frames[1] as Buffer).readUInt32LE(12) + 8, 12);
    expectRefusal(() => decoder.decode(tooLong), 'ERR_PROTOCOL_MALFORMED', 1002);
    decoder.decode(frames[0] as Buffer);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.continuation, id: 0 })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
  });

  it('refuses a continuation whose tensor bytes are not whole floats', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 256 });
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({
      ...SAMPLES.gradient,
      grad: tensorOf(60, 4),
    });
    expect(decoder.decode(frames[0] as Buffer)).toEqual({ kind: 'partial' });
    // 6 bytes, fewer than the message still needs, but a float and a half
    const ragged = craft({ kind: FRAME_KIND.continuation, id: 0, tensor: new Uint8Array(6) });
    expect(ragged.length).toBe(FRAME_HEADER_BYTES + 6);
    expectRefusal(() => decoder.decode(ragged), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(decoder.inProgress).toBe(false);
    expectStillUsable(decoder);
  });

  it('refuses a new message while a split message still misses frames', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 256 });
    const frames = new MessageEncoder({ maxFrameBytes: 256 }).encode({
      ...SAMPLES.gradient,
      grad: tensorOf(300, 4),
    });
    decoder.decode(frames[0] as Buffer);
    expectRefusal(() => decoder.decode(heartbeat()), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a frame over maxFrameBytes with ERR_PROTOCOL_TOO_LARGE', () => {
    const decoder = new MessageDecoder({ maxFrameBytes: 1024 });
    const [frame] = new MessageEncoder().encode({ ...SAMPLES.gradient, grad: tensorOf(1000, 1) });
    expectRefusal(() => decoder.decode(frame as Buffer), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    expectStillUsable(decoder);
  });

  it('refuses a control part that is not MessagePack, or not a map', () => {
    const decoder = new MessageDecoder();
    const garbage = Uint8Array.from([0xc1, 0x00, 0x01]);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control: garbage })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const trailing = Buffer.concat([packr.pack(SAMPLES.heartbeat), Buffer.from([0xc0])]);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control: trailing })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const array = packr.pack([1, 2]);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control: array })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.from([0xc0])]);
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control: deep })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    expectStillUsable(decoder);
  });

  it('refuses an unknown type with ERR_PROTOCOL_UNKNOWN_TYPE listing the allowed types', () => {
    const decoder = new MessageDecoder();
    const control = packr.pack({ type: 'gossip', rank: 0 });
    const error = expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control })),
      'ERR_PROTOCOL_UNKNOWN_TYPE',
      1002,
    );
    for (const type of MESSAGE_TYPES) expect(error.message).toContain(type);
    expectStillUsable(decoder);
  });

  it('refuses a control part without a string type as malformed', () => {
    const control = packr.pack({ rank: 0 });
    expectRefusal(
      () => new MessageDecoder().decode(craft({ kind: FRAME_KIND.control, control })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
  });

  it('refuses invalid fields with ERR_PROTOCOL_MALFORMED listing the issues', () => {
    const decoder = new MessageDecoder();
    const control = packr.pack({ ...SAMPLES.applied, rank: -3, lr: 'fast' });
    const error = expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    expect(error.message).toContain('rank must be an integer ≥ 0, received -3');
    expect(error.message).toContain('lr must be a finite number, received "fast"');
    const tensorFields = tensorFrame(2, 2, { step: -1 });
    expectRefusal(() => decoder.decode(tensorFields), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a descriptor that lists a map entry or a tensor twice', () => {
    const decoder = new MessageDecoder();
    const twiceInMap = [
      ['params', 1],
      ['optimizerState.velocity', 1],
      ['optimizerState.velocity', 1],
    ];
    expectRefusal(() => decoder.decode(welcomeFrame(twiceInMap, 12)), 'ERR_PROTOCOL_MALFORMED', 1002);
    const paramsTwice = [
      ['params', 1],
      ['params', 1],
    ];
    expectRefusal(() => decoder.decode(welcomeFrame(paramsTwice, 8)), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a descriptor path that is not a tensor of the message type', () => {
    const decoder = new MessageDecoder();
    for (const path of [
      'momentum',
      'grad',
      'params.x',
      'optimizerState',
      'constructor',
      'step',
      'type',
      '',
    ]) {
      const entries =
        path === 'params.x'
          ? [[path, 1]]
          : [
              ['params', 1],
              [path, 1],
            ];
      const error = expectRefusal(
        () => decoder.decode(welcomeFrame(entries, 4 * entries.length)),
        'ERR_PROTOCOL_MALFORMED',
        1002,
      );
      expect(error.message).toContain(JSON.stringify(path));
    }
    expectStillUsable(decoder);
  });

  it('refuses map keys that are not plain identifiers of at most 64 characters', () => {
    const decoder = new MessageDecoder();
    const keys = ['__proto__', 'a-b', '', '1x', 'a.b', 'é', 'k'.repeat(65)];
    for (const key of keys) {
      const entries = [
        ['params', 1],
        [`optimizerState.${key}`, 1],
      ];
      expectRefusal(() => decoder.decode(welcomeFrame(entries, 8)), 'ERR_PROTOCOL_MALFORMED', 1002);
    }
    const longest = [
      ['params', 1],
      [`optimizerState.${'k'.repeat(64)}`, 1],
    ];
    expect(decoder.decode(welcomeFrame(longest, 8)).kind).toBe('message');
  });

  it('refuses tensors listed out of table order', () => {
    const entries = [
      ['optimizerState.velocity', 1],
      ['params', 1],
    ];
    expectRefusal(
      () => new MessageDecoder().decode(welcomeFrame(entries, 8)),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
  });

  it('refuses float counts that add up to fewer bytes than the frame carries', () => {
    const entries = [
      ['params', 1],
      ['optimizerState.velocity', 1],
    ];
    expectRefusal(
      () => new MessageDecoder().decode(welcomeFrame(entries, 12)),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    // The same counts with the bytes they declare decode.
    expect(new MessageDecoder().decode(welcomeFrame(entries, 8)).kind).toBe('message');
  });

  it('refuses a map with more than 16 entries, and a descriptor longer than the message can hold', () => {
    const decoder = new MessageDecoder();
    const entries = (n: number) => Array.from({ length: n }, (_, i) => [`optimizerState.k${i}`, 0]);
    expect(decoder.decode(welcomeFrame([['params', 1], ...entries(16)], 4)).kind).toBe('message');
    expectRefusal(
      () => decoder.decode(welcomeFrame([['params', 1], ...entries(17)], 4)),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    // within the 17 entries a welcome may list in all, but over the map's own bound
    expectRefusal(() => decoder.decode(welcomeFrame(entries(17), 0)), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectRefusal(() => decoder.decode(welcomeFrame(entries(20_000), 0)), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses declared tensors that add up to more than maxMessageBytes before allocating anything', () => {
    const allocateTensor = vi.fn((floats: number) => new Float32Array(floats));
    const decoder = new MessageDecoder({ maxMessageBytes: 1 << 20, allocateTensor });
    // each under the 1 MiB bound (800,000 bytes), together over it
    const together = [
      ['params', 200_000],
      ['optimizerState.moment1', 200_000],
    ];
    expectRefusal(() => decoder.decode(welcomeFrame(together, 8)), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    const huge = [
      ['params', 2],
      ['optimizerState.moment1', 2 ** 50],
      ['optimizerState.moment2', 2 ** 50],
    ];
    expectRefusal(() => decoder.decode(welcomeFrame(huge, 8)), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    expect(allocateTensor).not.toHaveBeenCalled();
    expectStillUsable(decoder);
  });

  it('refuses a tensor field sent inside the control part instead of the tensor part', () => {
    const decoder = new MessageDecoder();
    const typed = new Packr({ useRecords: false, moreTypes: true });
    // MessagePack can carry a typed array: it must still not smuggle a tensor past the descriptor's checks
    const smuggled = typed.pack({ ...SAMPLES.params });
    expect(packr.unpack(smuggled)).toMatchObject({ params: expect.any(Float32Array) });
    expectRefusal(
      () => decoder.decode(craft({ kind: FRAME_KIND.control, control: smuggled })),
      'ERR_PROTOCOL_MALFORMED',
      1002,
    );
    const mapInControl = welcomeFrame([['params', 1]], 4, { optimizerState: {} });
    expectRefusal(() => decoder.decode(mapInControl), 'ERR_PROTOCOL_MALFORMED', 1002);
    const nullGrad = craft({
      kind: FRAME_KIND.control,
      control: packr.pack({ ...gradientFields, grad: null }),
    });
    expectRefusal(() => decoder.decode(nullGrad), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a tensor both listed by the descriptor and inside the control part', () => {
    const decoder = new MessageDecoder();
    const mapBoth = welcomeFrame(
      [
        ['params', 1],
        ['optimizerState.velocity', 1],
      ],
      8,
      { optimizerState: {} },
    );
    expectRefusal(() => decoder.decode(mapBoth), 'ERR_PROTOCOL_MALFORMED', 1002);
    const nullBoth = craft({
      kind: FRAME_KIND.tensor,
      control: packr.pack({ ...SAMPLES.update, grad: null, [DESCRIPTOR]: [['grad', 1]] }),
      tensor: new Uint8Array(4),
    });
    expectRefusal(() => decoder.decode(nullBoth), 'ERR_PROTOCOL_MALFORMED', 1002);
    expectStillUsable(decoder);
  });

  it('refuses a tensor frame without a descriptor, with an empty one, or with entries that are not [path, floats]', () => {
    const decoder = new MessageDecoder();
    const bare = craft({
      kind: FRAME_KIND.tensor,
      control: packr.pack(gradientFields),
      tensor: new Uint8Array(8),
    });
    expectRefusal(() => decoder.decode(bare), 'ERR_PROTOCOL_MALFORMED', 1002);
    const descriptors: unknown[] = [
      [],
      ['grad', 2],
      { grad: 2 },
      'grad',
      [['grad']],
      [['grad', 2, 0]],
      [[2, 'grad']],
      [null],
    ];
    for (const descriptor of descriptors) {
      const frame = craft({
        kind: FRAME_KIND.tensor,
        control: packr.pack({ ...gradientFields, [DESCRIPTOR]: descriptor }),
        tensor: new Uint8Array(8),
      });
      expectRefusal(() => decoder.decode(frame), 'ERR_PROTOCOL_MALFORMED', 1002);
    }
    expectStillUsable(decoder);
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withHeader) => {
        const frame = Buffer.from(bytes);
        if (withHeader && frame.length >= 4) {
          frame.writeUInt16LE(FRAME_MAGIC, 0);
          frame[2] = PROTOCOL_VERSION;
          frame[3] = (frame[3] ?? 0) % 3;
        }
        try {
          new MessageDecoder().decode(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** A lane in memory: the second implementation the codec's lane frames are checked against. */
class MemoryLane implements LaneSink, LaneSource {
  sequence = 0;
  held: { sequence: number; bytes: Uint8Array } | null = null;
  reads = 0;

  write(tensors: readonly Float32Array[], bytes: number): number {
    const copy = new Uint8Array(bytes);
    let at = 0;
    for (const t of tensors) {
      copy.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at);
      at += t.byteLength;
    }
    this.sequence += 1;
    this.held = { sequence: this.sequence, bytes: copy };
    return this.sequence;
  }

  read(sequence: number, bytes: number, into: Float32Array): void {
    this.reads += 1;
    if (this.held?.sequence !== sequence || this.held.bytes.length !== bytes) {
      throw new ProtocolError('ERR_PROTOCOL_MALFORMED', 1002, `no write ${sequence} of ${bytes} bytes`);
    }
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(this.held.bytes);
  }
}

describe('lane frames', () => {
  it('round-trip every message with tensors as one control-sized frame, the tensors through the lane', () => {
    fc.assert(
      fc.property(message(20_000), (original) => {
        const lane = new MemoryLane();
        const decoder = new MessageDecoder();
        decoder.lane = lane;
        const frames = new MessageEncoder().encode(original, lane);
        expect(frames).toHaveLength(1);
        const frame = frames[0]!;
        const kind = frame.readUInt8(3);
        if (lane.held === null) {
          // Nothing to put in the lane (null tensors, empty maps): a plain control frame.
          expect(kind).toBe(FRAME_KIND.control);
        } else {
          expect(kind).toBe(3);
          expect(frame.readUInt32LE(4)).toBe(lane.sequence);
          expect(frame.readUInt32LE(12)).toBe(lane.held.bytes.length);
          expect(frame.length).toBe(FRAME_HEADER_BYTES + frame.readUInt32LE(8));
        }
        expectSameMessage(decodeFrames(decoder, frames), original);
      }),
      { numRuns: 100 },
    );
  });

  it('are refused without a lane, with a length that disagrees with the descriptor, or beyond maxMessageBytes', () => {
    const lane = new MemoryLane();
    const [frame] = new MessageEncoder().encode(
      { ...SAMPLES.gradient, grad: Float32Array.of(1, 2, 3) },
      lane,
    );
    const plain = new MessageDecoder();
    const error = expectRefusal(() => plain.decode(frame!), 'ERR_PROTOCOL_MALFORMED', 1002);
    expect(error.message).toMatch(/reads no lane/);
    expectStillUsable(plain);
    const decoder = new MessageDecoder({ maxMessageBytes: 1024 });
    decoder.lane = lane;
    const control = packr.pack({ ...gradientFields, [DESCRIPTOR]: [['grad', 3]] });
    const lying = craft({ kind: 3, control, tensorBytes: 16, id: lane.sequence });
    expect(lying.length).toBe(FRAME_HEADER_BYTES + control.length);
    expectRefusal(() => decoder.decode(lying), 'ERR_PROTOCOL_MALFORMED', 1002);
    const huge = craft({
      kind: 3,
      control: packr.pack({ ...gradientFields, [DESCRIPTOR]: [['grad', 1_000]] }),
      tensorBytes: 4_000,
    });
    expectRefusal(() => decoder.decode(huge), 'ERR_PROTOCOL_TOO_LARGE', 1009);
    // Refused before the lane was read: a hostile frame costs no copy.
    expect(lane.reads).toBe(0);
    expect(decoder.decode(frame!)).toMatchObject({ kind: 'message' });
    expect(lane.reads).toBe(1);
  });
});

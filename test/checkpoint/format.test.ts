import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CheckpointContent, decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/index.js';
import { CheckpointError } from '../../src/errors.js';

/**
 * A checkpoint built byte by byte from the layout in the README, independently of src/checkpoint: the magic, the
 * version, the lengths, the header text written out by hand, the float32 values as their IEEE 754 bit patterns
 * (1 = 0x3f800000, -2.5 = 0xc0200000, 0.25 = 0x3e800000, 0), and node:crypto's SHA-256.
 */
const HEADER =
  '{"step":7,"config":{"task":"synthetic"},"metadata":{"why":"test"},"state":{"version":1,"step":7},' +
  '"tensors":[["params",2],["optimizer.velocity",2]]}';
const TENSOR_BYTES = [
  0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x00, 0x00,
];

const CONTENT: CheckpointContent = {
  config: { task: 'synthetic' },
  metadata: { why: 'test' },
  state: {
    json: { version: 1, step: 7 },
    tensors: { params: Float32Array.of(1, -2.5), optimizer: { velocity: Float32Array.of(0.25, 0) } },
  },
};

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function handMade(options: { version?: number; magic?: string } = {}): {
  bytes: Uint8Array;
  headerStart: number;
  tensorStart: number;
} {
  const header = [...HEADER].map((c) => c.charCodeAt(0));
  const tensorStart = Math.ceil((24 + header.length) / 8) * 8;
  const padding = new Array(tensorStart - 24 - header.length).fill(0);
  const length = tensorStart + TENSOR_BYTES.length + 32;
  const magic = [...(options.magic ?? 'DPTCKPT\0')].map((c) => c.charCodeAt(0));
  const body = Uint8Array.from([
    ...magic,
    ...u32(options.version ?? 1),
    ...u32(header.length),
    ...u32(length),
    ...u32(0),
    ...header,
    ...padding,
    ...TENSOR_BYTES,
  ]);
  const checksum = createHash('sha256').update(body).digest();
  return { bytes: Uint8Array.from([...body, ...checksum]), headerStart: 24, tensorStart };
}

function failure(bytes: Uint8Array): CheckpointError {
  try {
    decodeCheckpoint(bytes, 'runs/x/checkpoints/step-00000007.ckpt');
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('the checkpoint format', () => {
  it('encodes a checkpoint as exactly the bytes of the documented layout', () => {
    const { bytes } = handMade();
    expect(HEADER.length % 8).not.toBe(0); // the case has padding to check
    expect(Buffer.from(encodeCheckpoint(7, CONTENT)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('decodes hand-made bytes into the step, config, metadata, run state JSON and tensors', () => {
    const { step, content } = decodeCheckpoint(handMade().bytes, 'hand-made.ckpt');
    expect(step).toBe(7);
    expect(content.config).toEqual({ task: 'synthetic' });
    expect(content.metadata).toEqual({ why: 'test' });
    expect(content.state.json).toEqual({ version: 1, step: 7 });
    expect(content.state.tensors.params).toEqual(Float32Array.of(1, -2.5));
    expect(Object.keys(content.state.tensors.optimizer)).toEqual(['velocity']);
    expect(content.state.tensors.optimizer.velocity).toEqual(Float32Array.of(0.25, 0));
  });

  it('decodes from a view into a larger buffer at an odd offset', () => {
    const { bytes } = handMade();
    const larger = new Uint8Array(bytes.length + 3);
    larger.set(bytes, 3);
    const { content } = decodeCheckpoint(larger.subarray(3), 'offset.ckpt');
    expect(content.state.tensors.params).toEqual(Float32Array.of(1, -2.5));
  });

  it('decodes a Node Buffer cut from a shared pool (whose slice() is a view, not a copy)', () => {
    const pooled = Buffer.concat([Buffer.from('unrelated bytes first'), Buffer.from(handMade().bytes)]);
    const { content } = decodeCheckpoint(pooled.subarray(21), 'pooled.ckpt');
    expect(content.state.tensors.params).toEqual(Float32Array.of(1, -2.5));
    expect(content.state.tensors.optimizer.velocity).toEqual(Float32Array.of(0.25, 0));
  });

  it('keeps every float32 bit pattern: NaN payloads, -0, subnormals, infinities', () => {
    const words = Uint32Array.of(0x7fc00001, 0xffa00000, 0x80000000, 0x00000001, 0x7f800000, 0xff800000);
    const params = new Float32Array(words.buffer);
    const bytes = encodeCheckpoint(0, {
      ...CONTENT,
      state: { json: {}, tensors: { params, optimizer: {} } },
    });
    const decoded = decodeCheckpoint(bytes, 'bits.ckpt').content.state.tensors.params;
    expect(Array.from(new Uint32Array(decoded.buffer, decoded.byteOffset, decoded.length))).toEqual(
      Array.from(words),
    );
  });

  it('refuses a file that does not start with the magic as ERR_CHECKPOINT_FORMAT, naming the file', () => {
    for (const bytes of [handMade({ magic: 'DPTCKPU\0' }).bytes, new TextEncoder().encode('{"step": 40}')]) {
      const error = failure(bytes);
      expect(error.code).toBe('ERR_CHECKPOINT_FORMAT');
      expect(error.message).toContain('runs/x/checkpoints/step-00000007.ckpt');
      expect(error.path).toBe('runs/x/checkpoints/step-00000007.ckpt');
    }
  });

  it('refuses another format version as ERR_CHECKPOINT_VERSION, saying which version it reads', () => {
    const error = failure(handMade({ version: 2 }).bytes);
    expect(error.code).toBe('ERR_CHECKPOINT_VERSION');
    expect(error.message).toContain('version 2');
    expect(error.message).toContain('reads version 1');
  });

  it('reports a file cut short anywhere as torn (ERR_CHECKPOINT_TORN), with both lengths once the preamble is there', () => {
    const { bytes, tensorStart } = handMade();
    const cuts: [string, number][] = [
      ['empty', 0],
      ['mid-magic', 5],
      ['mid-preamble', 20],
      ['mid-header', 24 + 40],
      ['mid-tensor', tensorStart + 6],
      ['no checksum', bytes.length - 32],
      ['half the checksum', bytes.length - 16],
      ['one byte short', bytes.length - 1],
    ];
    for (const [what, length] of cuts) {
      const error = failure(bytes.subarray(0, length));
      expect(error.code, what).toBe('ERR_CHECKPOINT_TORN');
      expect(error.problem, what).toMatch(/^is torn/);
      if (length >= 24)
        expect(error.message, what).toContain(`expected ${bytes.length} bytes, found ${length}`);
    }
  });

  it('reports one flipped byte in the header, a tensor or the checksum as ERR_CHECKPOINT_CORRUPT', () => {
    const { bytes, headerStart, tensorStart } = handMade();
    const places: [string, number][] = [
      ['the header', headerStart + 10],
      ['the padding', tensorStart - 1],
      ['the first tensor', tensorStart + 3],
      ['the last tensor', tensorStart + 15],
      ['the checksum', bytes.length - 32],
      ['the last checksum byte', bytes.length - 1],
    ];
    for (const [what, at] of places) {
      const damaged = Uint8Array.from(bytes);
      damaged[at]! ^= 0x01;
      const error = failure(damaged);
      expect(error.code, what).toBe('ERR_CHECKPOINT_CORRUPT');
      expect(error.message, what).toContain('checksum');
    }
  });

  it('reports trailing bytes after the declared length as corrupt', () => {
    const { bytes } = handMade();
    expect(failure(Uint8Array.from([...bytes, 0])).code).toBe('ERR_CHECKPOINT_CORRUPT');
  });

  it('refuses, with a valid checksum, tensor lengths that do not add up to the file', () => {
    // The same file with the header claiming 3 params: re-checksummed, so only the lengths are wrong.
    const { bytes } = handMade();
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('["params",2]') + '["params",'.length;
    const body = Uint8Array.from(bytes.subarray(0, bytes.length - 32));
    body[at] = '3'.charCodeAt(0);
    const resealed = Uint8Array.from([...body, ...createHash('sha256').update(body).digest()]);
    const error = failure(resealed);
    expect(error.code).toBe('ERR_CHECKPOINT_CORRUPT');
    expect(error.message).toContain('tensors declare');
  });

  it('refuses to encode what JSON cannot hold, a bad step or a tensor that is not float32, naming it', () => {
    const refused = (step: number, content: CheckpointContent, needle: string) => {
      let thrown: unknown;
      try {
        encodeCheckpoint(step, content);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CheckpointError);
      expect((thrown as CheckpointError).code).toBe('ERR_CHECKPOINT_ARGUMENT');
      expect((thrown as CheckpointError).message).toContain(needle);
    };
    refused(-1, CONTENT, 'step must be an integer >= 0, received -1');
    refused(1.5, CONTENT, 'received 1.5');
    refused(1, { ...CONTENT, metadata: { loss: Number.NaN } }, 'metadata.loss is NaN');
    refused(1, { ...CONTENT, config: { a: [1, undefined] } }, 'config.a[1] is undefined');
    refused(1, { ...CONTENT, state: { ...CONTENT.state, json: { p: new Float32Array(1) } } }, 'state.json.p');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    refused(1, { ...CONTENT, metadata: cycle }, 'metadata.self refers back to itself');
    refused(
      1,
      { ...CONTENT, state: { json: {}, tensors: { params: [1] as unknown as Float32Array, optimizer: {} } } },
      'tensor params must be a Float32Array',
    );
  });
});

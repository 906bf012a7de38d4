import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { FRAME_HEADER_BYTES, FRAME_KIND, type MessageOf } from '../../src/protocol/index.js';
import { type Connection, LaneReader, LaneWriter } from '../../src/transport/index.js';
import { tensorOf } from '../protocol/arbitraries.js';
import { SAMPLES } from '../protocol/samples.js';
import { nextMessage, openPair, type Pair } from './pair.js';

/** The lane layout as the module's comment documents it, written out rather than taken from the code. */
const PAYLOAD_AT = 2048;
const MAGIC = Buffer.from('DPLN', 'latin1');

let dir = '';
let pair: Pair | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dptrain-lane-'));
});

afterEach(async () => {
  await pair?.close();
  pair = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('LaneWriter and LaneReader', () => {
  it('store the tensors back to back after the header, and read them back bit for bit', () => {
    const path = join(dir, 'up-0');
    const a = Float32Array.of(1.5, -0, Number.NaN, 3.4028234663852886e38);
    const b = Float32Array.of(2 ** -149, -7);
    const writer = new LaneWriter(path);
    const sequence = writer.write([a, b], 24);
    // The raw file, read independently: magic, sequence at both ends, the length, the floats at 2048.
    const raw = readFileSync(path);
    expect(raw.subarray(0, 4)).toEqual(MAGIC);
    expect(raw.readUInt32LE(4)).toBe(sequence);
    expect(raw.readUInt32LE(8)).toBe(24);
    expect([
      ...new Float32Array(raw.buffer.slice(raw.byteOffset + PAYLOAD_AT, raw.byteOffset + PAYLOAD_AT + 24)),
    ]).toEqual([...a, ...b]);
    expect(raw.readUInt32LE(PAYLOAD_AT + 24)).toBe(sequence);
    const into = new Float32Array(6);
    new LaneReader(path).read(sequence, 24, into);
    expect(Buffer.from(into.buffer)).toEqual(Buffer.concat([Buffer.from(a.buffer), Buffer.from(b.buffer)]));
    writer.close();
  });

  it('number each write anew, so a reader of an older write is refused as overwritten', () => {
    const path = join(dir, 'down');
    const writer = new LaneWriter(path);
    const first = writer.write([Float32Array.of(1, 2)], 8);
    const second = writer.write([Float32Array.of(3, 4)], 8);
    expect(second).not.toBe(first);
    const reader = new LaneReader(path);
    expect(() => reader.read(first, 8, new Float32Array(2))).toThrow(/overwritten before it was read/);
    const into = new Float32Array(2);
    reader.read(second, 8, into);
    expect([...into]).toEqual([3, 4]);
  });

  it('refuse a write torn by another: a new begin mark, or an end mark that is not the one asked for', () => {
    const path = join(dir, 'up-1');
    const sequence = new LaneWriter(path).write([Float32Array.of(1, 2, 3)], 12);
    const raw = readFileSync(path);
    // A second writer began (the begin mark moved on) while this read ran.
    const begun = Buffer.from(raw);
    begun.writeUInt32LE(sequence + 1, 4);
    writeFileSync(path, begun);
    expect(() => new LaneReader(path).read(sequence, 12, new Float32Array(3))).toThrow(ProtocolError);
    // Only the end mark differs: the payload may be half of another write.
    const ended = Buffer.from(raw);
    ended.writeUInt32LE(sequence + 1, PAYLOAD_AT + 12);
    writeFileSync(path, ended);
    expect(() => new LaneReader(path).read(sequence, 12, new Float32Array(3))).toThrow(/holds write/);
  });

  it('refuse a lane that is missing, short, of another length, or not a lane', () => {
    const path = join(dir, 'up-2');
    expect(() => new LaneReader(path).read(1, 8, new Float32Array(2))).toThrow(/cannot be opened/);
    const sequence = new LaneWriter(path).write([Float32Array.of(1, 2)], 8);
    expect(() => new LaneReader(path).read(sequence, 16, new Float32Array(4))).toThrow(
      /shorter than a write of 16/,
    );
    expect(() => new LaneReader(path).read(sequence, 4, new Float32Array(1))).toThrow(/holds write/);
    expect(() => new LaneReader(path).read(sequence, 8, new Float32Array(3))).toThrow(/array of 12/);
    const raw = readFileSync(path);
    raw.write('XXXX', 0, 'latin1');
    writeFileSync(path, raw);
    expect(() => new LaneReader(path).read(sequence, 8, new Float32Array(2))).toThrow(/magic/);
  });
});

describe('Connection.useLanes', () => {
  async function lanePair(): Promise<{ near: Connection; far: Connection }> {
    pair = await openPair();
    const up = join(dir, 'up-0');
    const down = join(dir, 'down');
    pair.far.useLanes({
      send: { types: ['gradient'], lane: new LaneWriter(up) },
      receive: new LaneReader(down),
    });
    pair.near.useLanes({
      send: { types: ['update'], lane: new LaneWriter(down) },
      receive: new LaneReader(up),
    });
    return pair;
  }

  it('carries a gradient through the lane in one small frame, and other types over the socket', async () => {
    const { near, far } = await lanePair();
    const grad = tensorOf(100_000, 3);
    const received = nextMessage(near);
    const before = far.bytesSent;
    await far.send({ ...SAMPLES.gradient, grad });
    const message = (await received) as MessageOf<'gradient'>;
    expect(Buffer.from(message.grad.buffer, message.grad.byteOffset, message.grad.byteLength)).toEqual(
      Buffer.from(grad.buffer),
    );
    // 400 kB of floats, yet the socket carried only a header and the control part.
    expect(far.bytesSent - before).toBeLessThan(1_000);
    // A params message is not a lane type: it goes whole over the socket.
    const params = nextMessage(near);
    const sent = far.bytesSent;
    await far.send({ ...SAMPLES.params, params: tensorOf(1_000, 4) });
    await params;
    expect(far.bytesSent - sent).toBeGreaterThan(4_000);
  });

  it('refuses a lane frame on a connection that reads no lane, and closes it', async () => {
    pair = await openPair();
    pair.far.useLanes({ send: { types: ['gradient'], lane: new LaneWriter(join(dir, 'up-0')) } });
    const closed = new Promise<unknown>((resolve) => pair!.near.once('close', resolve));
    await pair.far.send({ ...SAMPLES.gradient, grad: tensorOf(10, 1) }).catch(() => {});
    const close = (await closed) as { error: ProtocolError | null };
    expect(close.error?.code).toBe('ERR_PROTOCOL_MALFORMED');
    expect(close.error?.message).toMatch(/lane frame \(kind 3\).*reads no lane/);
  });

  it('writes a lane frame as the codec documents it: kind 3, the lane sequence as its id, the tensor bytes, no tensor part', async () => {
    const { near, far } = await lanePair();
    const frames: Buffer[] = [];
    near.socket.on('message', (data) => frames.push(data as Buffer));
    const received = nextMessage(near);
    await far.send({ ...SAMPLES.gradient, grad: tensorOf(64, 9) });
    await received;
    const frame = frames[0]!;
    expect(frame.readUInt8(3)).toBe(FRAME_KIND.lane);
    expect(frame.readUInt8(3)).toBe(3);
    expect(frame.readUInt32LE(12)).toBe(256);
    expect(frame.length).toBe(FRAME_HEADER_BYTES + frame.readUInt32LE(8));
    expect(frame.readUInt32LE(4)).toBe(readFileSync(join(dir, 'up-0')).readUInt32LE(4));
  });
});

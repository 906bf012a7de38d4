/**
 * One checkpoint file as bytes: what `RunState.serialize()` returns (its JSON and its float32 tensors), the run
 * config as written and the caller's metadata, behind a magic string and a format version, and followed by a
 * SHA-256 of everything before it, so that a torn or damaged file is told apart from a good one before any of it
 * is used.
 *
 * The API is built around the shape of `SerializedRunState` (`{ json, tensors: { params, optimizer } }`) rather
 * than a generic bag of tensors, so that a caller passes `state.serialize()` as it is and hands the decoded
 * `content.state` to `RunState.restore`. The shape is written out here structurally instead of imported, so that
 * this part needs no part above it (the coordinator may use it without a cycle); `RunState.restore` checks every
 * field of the JSON half itself.
 *
 * Layout (format version 1; every integer little-endian):
 *
 * | offset       | bytes   | field                                                                          |
 * |--------------|---------|--------------------------------------------------------------------------------|
 * | 0            | 8       | magic: ASCII `DPTCKPT` and a zero byte                                         |
 * | 8            | 4       | format version, uint32 (1)                                                     |
 * | 12           | 4       | header length H, uint32: bytes of UTF-8 JSON                                   |
 * | 16           | 8       | file length L, uint64: the whole file, checksum included                       |
 * | 24           | H       | header, UTF-8 JSON: `{ step, config, metadata, state, tensors }`               |
 * | 24 + H       | 0–7     | zero bytes, so that the tensors start at a multiple of 8                       |
 * | D            | 4 per value | tensors back to back in the order of `header.tensors`, raw float32        |
 * | L − 32       | 32      | SHA-256 of bytes [0, L − 32)                                                   |
 *
 * `header.tensors` lists `[name, length]` pairs: `params` first, then `optimizer.<accumulator>` for each of the
 * optimizer's accumulators in the order `stateDict()` gives them. `header.state` is the run state's JSON half.
 */
import { createHash } from 'node:crypto';
import { CheckpointError } from '../errors.js';

/** The eight bytes every checkpoint starts with: `DPTCKPT` and a zero byte. */
export const CHECKPOINT_MAGIC: Uint8Array = Uint8Array.of(0x44, 0x50, 0x54, 0x43, 0x4b, 0x50, 0x54, 0x00);
/** The format version this dptrain writes and reads; a file of another version is refused. */
export const CHECKPOINT_FORMAT_VERSION = 1;

const PREAMBLE_BYTES = 24;
const CHECKSUM_BYTES = 32;
const TENSOR_ALIGNMENT = 8;
const PARAMS = 'params';
const OPTIMIZER_PREFIX = 'optimizer.';

/** A run state as `RunState.serialize()` gives it: a JSON-safe object and the float32 tensors beside it. */
export interface CheckpointState {
  /** the JSON half (`RunStateJson`); only JSON-safe values */
  readonly json: object;
  readonly tensors: {
    readonly params: Float32Array;
    /** the optimizer's accumulators by name (`OptimizerState`) */
    readonly optimizer: Readonly<Record<string, Float32Array>>;
  };
}

/** What one checkpoint holds besides its step. */
export interface CheckpointContent {
  /** the run config as written (the checked RunConfig, JSON-safe) */
  readonly config: unknown;
  /** anything else the caller keeps with it (JSON-safe): the resolved numbers, the time, the reason it was saved */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly state: CheckpointState;
}

/** A decoded checkpoint: the global step it was saved at, and its content. */
export interface DecodedCheckpoint {
  readonly step: number;
  readonly content: CheckpointContent;
}

/**
 * The bytes of one checkpoint file at global step `step` (layout above). Throws CheckpointError
 * ERR_CHECKPOINT_ARGUMENT for a step that is not an integer >= 0, or a config, metadata or state JSON that JSON
 * cannot hold as it is (undefined, a non-finite number, a typed array, a cycle), naming the key path.
 *
 * @example
 * const bytes = encodeCheckpoint(40, { config, metadata: {}, state: runState.serialize() });
 */
export function encodeCheckpoint(step: number, content: CheckpointContent): Uint8Array {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw argument(`step must be an integer >= 0, received ${String(step)}`);
  }
  checkJson(content.config, 'config');
  checkJson(content.metadata, 'metadata');
  if (!isPlainObject(content.metadata)) throw argument('metadata must be a plain object');
  checkJson(content.state.json, 'state.json');
  const tensors: [string, Float32Array][] = [[PARAMS, content.state.tensors.params]];
  for (const [name, values] of Object.entries(content.state.tensors.optimizer)) {
    tensors.push([`${OPTIMIZER_PREFIX}${name}`, values]);
  }
  for (const [name, values] of tensors) {
    if (!(values instanceof Float32Array)) throw argument(`tensor ${name} must be a Float32Array`);
  }
  const header = new TextEncoder().encode(
    JSON.stringify({
      step,
      config: content.config,
      metadata: content.metadata,
      state: content.state.json,
      tensors: tensors.map(([name, values]) => [name, values.length]),
    }),
  );
  const dataStart = align(PREAMBLE_BYTES + header.length);
  const dataBytes = tensors.reduce((sum, [, values]) => sum + values.byteLength, 0);
  const length = dataStart + dataBytes + CHECKSUM_BYTES;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set(CHECKPOINT_MAGIC, 0);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, header.length, true);
  view.setBigUint64(16, BigInt(length), true);
  bytes.set(header, PREAMBLE_BYTES);
  let offset = dataStart;
  for (const [, values] of tensors) {
    writeFloats(bytes, offset, values);
    offset += values.byteLength;
  }
  bytes.set(sha256(bytes.subarray(0, length - CHECKSUM_BYTES)), length - CHECKSUM_BYTES);
  return bytes;
}

/**
 * Reads one checkpoint file's bytes; `path` is only for messages. Checks, in this order, before any tensor is
 * built: the magic (ERR_CHECKPOINT_FORMAT), the format version (ERR_CHECKPOINT_VERSION), that the file is as long as
 * its preamble declares (shorter: ERR_CHECKPOINT_TORN), the checksum, then that the header, the tensor lengths and the
 * padding fit together (ERR_CHECKPOINT_CORRUPT). Each message names the file, what is wrong and what to do.
 *
 * @example
 * const { step, content } = decodeCheckpoint(readFileSync(path), path);
 */
export function decodeCheckpoint(bytes: Uint8Array, path: string): DecodedCheckpoint {
  const earlier = 'use an earlier checkpoint';
  const fail = (code: CheckpointError['code'], problem: string, todo = earlier): never => {
    throw new CheckpointError(code, `${path} ${problem}; ${todo}`, { path, problem });
  };
  const magicSeen = bytes.subarray(0, CHECKPOINT_MAGIC.length);
  if (!magicSeen.every((byte, i) => byte === CHECKPOINT_MAGIC[i])) {
    fail(
      'ERR_CHECKPOINT_FORMAT',
      'is not a dptrain checkpoint (it does not start with DPTCKPT)',
      'pass a .ckpt file',
    );
  }
  if (bytes.length < PREAMBLE_BYTES) {
    fail(
      'ERR_CHECKPOINT_TORN',
      `is torn (found ${bytes.length} bytes, fewer than the ${PREAMBLE_BYTES}-byte preamble)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    fail(
      'ERR_CHECKPOINT_VERSION',
      `is format version ${version}, this dptrain reads version ${CHECKPOINT_FORMAT_VERSION}`,
      'open it with the dptrain that wrote it, or use a checkpoint of this version',
    );
  }
  const headerLength = view.getUint32(12, true);
  const declared = view.getBigUint64(16, true);
  if (declared > BigInt(bytes.length)) {
    fail('ERR_CHECKPOINT_TORN', `is torn (expected ${declared} bytes, found ${bytes.length})`);
  }
  const length = Number(declared);
  if (length < bytes.length) {
    fail('ERR_CHECKPOINT_CORRUPT', `is corrupt (expected ${length} bytes, found ${bytes.length})`);
  }
  const dataStart = align(PREAMBLE_BYTES + headerLength);
  if (dataStart + CHECKSUM_BYTES > length) {
    fail(
      'ERR_CHECKPOINT_CORRUPT',
      `is corrupt (a ${headerLength}-byte header does not fit in ${length} bytes)`,
    );
  }
  const expected = sha256(bytes.subarray(0, length - CHECKSUM_BYTES));
  const found = bytes.subarray(length - CHECKSUM_BYTES, length);
  if (!expected.every((byte, i) => byte === found[i])) {
    fail('ERR_CHECKPOINT_CORRUPT', 'is corrupt (its SHA-256 checksum does not match its contents)');
  }
  // The checksum holds: what follows only fails for a file that a faulty writer produced.
  const corrupt = (what: string): never => fail('ERR_CHECKPOINT_CORRUPT', `is corrupt (${what})`);
  if (!bytes.subarray(PREAMBLE_BYTES + headerLength, dataStart).every((byte) => byte === 0)) {
    corrupt('the padding after the header is not zero');
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength),
      ),
    );
  } catch {
    corrupt('its header is not UTF-8 JSON');
  }
  if (!isPlainObject(header)) return corrupt('its header is not a JSON object');
  const { step, config, metadata, state, tensors } = header as Record<string, unknown>;
  if (!Number.isSafeInteger(step) || (step as number) < 0)
    corrupt(`its step ${JSON.stringify(step)} is not a count`);
  if (config === undefined) corrupt('its header has no config');
  if (!isPlainObject(metadata)) corrupt('its metadata is not a JSON object');
  if (!isPlainObject(state)) corrupt('its run state is not a JSON object');
  const directory =
    tensorDirectory(tensors) ?? corrupt('its tensor list is not [name, length] pairs, params first');
  const dataBytes = directory.reduce((sum, [, count]) => sum + 4 * count, 0);
  if (dataStart + dataBytes + CHECKSUM_BYTES !== length) {
    corrupt(`its tensors declare ${dataBytes} bytes, the file holds ${length - CHECKSUM_BYTES - dataStart}`);
  }
  let offset = dataStart;
  const read = (count: number): Float32Array => {
    const values = readFloats(bytes, offset, count);
    offset += 4 * count;
    return values;
  };
  const params = read(directory[0]![1]);
  const optimizer: Record<string, Float32Array> = {};
  for (const [name, count] of directory.slice(1))
    optimizer[name.slice(OPTIMIZER_PREFIX.length)] = read(count);
  return {
    step: step as number,
    content: {
      config,
      metadata: metadata as Record<string, unknown>,
      state: { json: state as object, tensors: { params, optimizer } },
    },
  };
}

/** `[[name, length], …]` with `params` first and unique `optimizer.<name>` after it; undefined otherwise. */
function tensorDirectory(value: unknown): [string, number][] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const seen = new Set<string>();
  for (const [index, entry] of value.entries()) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const [name, count] = entry as unknown[];
    if (typeof name !== 'string' || !Number.isSafeInteger(count) || (count as number) < 0) return undefined;
    const fits = index === 0 ? name === PARAMS : name.startsWith(OPTIMIZER_PREFIX) && !seen.has(name);
    if (!fits) return undefined;
    seen.add(name);
  }
  return value as [string, number][];
}

function align(offset: number): number {
  return Math.ceil(offset / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Copies the raw bytes (NaN payloads too: no float conversion), swapped to little-endian on a big-endian host. */
function writeFloats(bytes: Uint8Array, offset: number, values: Float32Array): void {
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
  if (!LITTLE_ENDIAN_HOST) swapWords(bytes.subarray(offset, offset + values.byteLength));
}

function readFloats(bytes: Uint8Array, offset: number, count: number): Float32Array {
  // A copy into a buffer of its own: `bytes` may be a Node Buffer, whose slice() is a view into a shared pool.
  const copy = new Uint8Array(4 * count);
  copy.set(bytes.subarray(offset, offset + 4 * count));
  if (!LITTLE_ENDIAN_HOST) swapWords(copy);
  return new Float32Array(copy.buffer, 0, count);
}

function swapWords(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) {
    [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]] = [
      bytes[i + 3]!,
      bytes[i + 2]!,
      bytes[i + 1]!,
      bytes[i]!,
    ];
  }
}

function argument(message: string): CheckpointError {
  return new CheckpointError('ERR_CHECKPOINT_ARGUMENT', `cannot write the checkpoint: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Refuses what JSON.stringify would drop or change silently, naming the key path. */
function checkJson(value: unknown, at: string, seen: Set<object> = new Set()): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw argument(`${at} is ${value}, which JSON cannot hold (encode it as text)`);
    return;
  }
  if (typeof value !== 'object') throw argument(`${at} is ${typeof value}, which JSON cannot hold`);
  if (seen.has(value)) throw argument(`${at} refers back to itself`);
  if (!Array.isArray(value) && !isPlainObject(value)) {
    throw argument(
      `${at} is a ${value.constructor?.name ?? 'non-plain object'}, not a plain object or array`,
    );
  }
  seen.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${at}[${i}]`, seen);
  } else {
    for (const [key, item] of Object.entries(value)) checkJson(item, `${at}.${key}`, seen);
  }
  seen.delete(value);
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ArrivalEntry,
  ArrivalLogWriter,
  readArrivalLog,
  readArrivalPrefix,
} from '../../src/arrivals/index.js';
import { ReplayError } from '../../src/errors.js';
import { HEADER, sampleEntries } from './samples.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-arrivals-'));
  path = join(dir, 'arrivals.jsonl');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(entries: readonly ArrivalEntry[]): Promise<void> {
  const log = await ArrivalLogWriter.create(path, HEADER);
  for (const entry of entries) log.append(entry);
  await log.close();
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('ArrivalLogWriter and readArrivalLog', () => {
  it('give back the header and every entry, floats bit for bit', async () => {
    const entries = sampleEntries();
    await write(entries);
    const log = await readArrivalLog(path, entries.length);
    expect(log.header).toEqual(HEADER);
    expect(log.entries).toEqual(entries);
    expect(Object.is(log.entries[0]!.lr, 0.1 / 3)).toBe(true);
    expect(Object.is(log.entries[0]!.scale, 1 / 7)).toBe(true);
    log.entries.forEach((e, k) => {
      expect(Object.is(e.lr, entries[k]!.lr)).toBe(true);
      expect(Object.is(e.scale, entries[k]!.scale)).toBe(true);
    });
  });

  it('reads back a log with a header and no entries', async () => {
    await write([]);
    expect(await readArrivalLog(path, 0)).toEqual({ header: HEADER, entries: [] });
  });

  it('chains the first entry to the header line by the documented rule', async () => {
    const [first] = sampleEntries();
    await write([first!]);
    const [headerLine, entryLine] = (await readFile(path, 'utf8')).split('\n');
    // The rule, computed here rather than by the writer: SHA-256 hex of the previous hash, '\n', the entry's JSON.
    const headerLineByHand =
      '{"format":"dptrain-arrivals","version":1,"backend":"wasm","build":{"simd":true,"threads":null},' +
      `"threadCount":null,"workers":2,"task":"synthetic","seed":7,"paramsDigest0":"${HEADER.paramsDigest0}"}`;
    expect(headerLine).toBe(headerLineByHand);
    const entryJsonByHand =
      `{"i":0,"step":0,"rank":0,"read":0,"epoch":0,"position":0,"tau":0,"scale":${1 / 7},` +
      `"lr":${0.1 / 3},"applied":true,"code":null,"grad":"${first!.grad}"}`;
    const hash = sha256(`${sha256(headerLineByHand)}\n${entryJsonByHand}`);
    expect(JSON.parse(entryLine!).hash).toBe(hash);
    expect(entryLine).toBe(`${entryJsonByHand.slice(0, -1)},"hash":"${hash}"}`);
  });

  it("writes keys in the fixed order whatever the caller's object order", async () => {
    const [first] = sampleEntries();
    const shuffled = Object.fromEntries(Object.entries(first!).reverse()) as unknown as ArrivalEntry;
    await write([shuffled]);
    const line = (await readFile(path, 'utf8')).split('\n')[1]!;
    expect(Object.keys(JSON.parse(line))).toEqual([
      'i',
      'step',
      'rank',
      'read',
      'epoch',
      'position',
      'tau',
      'scale',
      'lr',
      'applied',
      'code',
      'grad',
      'hash',
    ]);
  });

  it.each([
    ['lr', Number.NaN],
    ['lr', Number.POSITIVE_INFINITY],
    ['scale', Number.NEGATIVE_INFINITY],
    ['lr', -0],
  ])('refuses an entry whose %s is %s', async (key, value) => {
    const log = await ArrivalLogWriter.create(path, HEADER);
    const entry = { ...sampleEntries()[0]!, [key]: value };
    expect(() => log.append(entry)).toThrow(
      expect.objectContaining({ code: 'ERR_REPLAY_ARGUMENT', entry: 0 }),
    );
    expect(log.entries).toBe(0);
    await log.close();
  });

  it('refuses an entry out of order', async () => {
    const log = await ArrivalLogWriter.create(path, HEADER);
    const [first, second] = sampleEntries();
    log.append(first!);
    expect(() => log.append({ ...second!, i: 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_REPLAY_ARGUMENT', entry: 1 }),
    );
    await log.close();
  });

  it('refuses an append after close', async () => {
    const log = await ArrivalLogWriter.create(path, HEADER);
    await log.close();
    expect(() => log.append(sampleEntries()[0]!)).toThrow(
      expect.objectContaining({ code: 'ERR_REPLAY_WRITE' }),
    );
  });

  it('refuses a header the reader would refuse', async () => {
    await expect(ArrivalLogWriter.create(path, { ...HEADER, workers: 0 })).rejects.toMatchObject({
      code: 'ERR_REPLAY_ARGUMENT',
    });
    await expect(ArrivalLogWriter.create(path, { ...HEADER, paramsDigest0: 'abc' })).rejects.toBeInstanceOf(
      ReplayError,
    );
  });

  it('refuses a path in a directory that does not exist', async () => {
    await expect(
      ArrivalLogWriter.create(join(dir, 'missing', 'arrivals.jsonl'), HEADER),
    ).rejects.toMatchObject({
      code: 'ERR_REPLAY_WRITE',
    });
  });

  it('accepts any entry fields the caller adds but writes only the documented ones', async () => {
    const entry = { ...sampleEntries()[0]!, extra: 1 } as ArrivalEntry;
    await write([entry]);
    const { entries } = await readArrivalLog(path);
    expect(entries[0]).toEqual(sampleEntries()[0]);
  });
});

describe('ArrivalLogWriter continuing a log (a resumed run)', () => {
  it("starts as the first run's file line for line and chains the next entries on, readable as one log", async () => {
    const entries = sampleEntries();
    await write(entries);
    const whole = await readFile(path, 'utf8');
    const resumedPath = join(dir, 'resumed.jsonl');
    const log = await ArrivalLogWriter.create(resumedPath, HEADER, await readArrivalPrefix(path, 3));
    expect(log.entries).toBe(3);
    for (const entry of entries.slice(3)) log.append(entry);
    await log.close();
    // Written without a break, the same entries make the same bytes: the join is invisible.
    expect(await readFile(resumedPath, 'utf8')).toBe(whole);
    expect((await readArrivalLog(resumedPath, 5)).entries).toEqual(entries);
  });

  it('refuses a header that differs from the continued log, naming the field', async () => {
    await write(sampleEntries());
    const prefix = await readArrivalPrefix(path, 2);
    const other = { ...HEADER, backend: 'cpu' };
    const error = await ArrivalLogWriter.create(join(dir, 'r.jsonl'), other, prefix).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_REPLAY_RUN' });
    expect((error as Error).message).toMatch(/backend is "cpu", but the log it continues has "wasm"/);
  });

  it('has every line appended so far in the file once flushed() resolves, before close', async () => {
    const log = await ArrivalLogWriter.create(path, HEADER);
    // Megabytes of lines: far more than one write takes, so only a real flush has them all in the file.
    const [first] = sampleEntries();
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ ...first!, i, step: i }));
    for (const entry of entries) log.append(entry);
    await log.flushed();
    // Read at once, synchronously: nothing the writer still had in its buffer could reach the file meanwhile.
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toHaveLength(entries.length + 2);
    await log.close();
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});

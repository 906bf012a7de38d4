import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArrivalLogWriter,
  MAX_ARRIVAL_LINE_CHARS,
  readArrivalLog,
  readArrivalPrefix,
} from '../../src/arrivals/index.js';
import { ReplayError } from '../../src/errors.js';
import { HEADER, sampleEntries } from './samples.js';

let dir: string;
let path: string;

/** The lines of a good five-entry log (header first), as the writer wrote them. */
let lines: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dptrain-arrivals-'));
  path = join(dir, 'arrivals.jsonl');
  const log = await ArrivalLogWriter.create(path, HEADER);
  for (const entry of sampleEntries()) log.append(entry);
  await log.close();
  lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  expect(lines).toHaveLength(6);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const save = (text: string) => writeFile(path, text);
const saveLines = (ls: readonly string[]) => save(ls.map((l) => `${l}\n`).join(''));

/** Rewrites line `n` (1-based) through `change`, keeping its stored hash. */
function edited(n: number, change: (fields: Record<string, unknown>) => void): string[] {
  const copy = [...lines];
  const fields = JSON.parse(copy[n - 1]!);
  change(fields);
  copy[n - 1] = JSON.stringify(fields);
  return copy;
}

async function refusal(expectedEntries?: number): Promise<ReplayError> {
  const error = await readArrivalLog(path, expectedEntries).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReplayError);
  expect((error as ReplayError).code).toBe('ERR_REPLAY_LOG');
  return error as ReplayError;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('readArrivalLog refuses a log changed after the run', () => {
  it('reads the untouched log', async () => {
    expect((await readArrivalLog(path, 5)).entries).toHaveLength(5);
  });

  it('refuses an entry whose applied was flipped, naming its line', async () => {
    await saveLines(edited(4, (f) => (f['applied'] = !f['applied'])));
    const error = await refusal(5);
    expect(error).toMatchObject({ line: 4, entry: 2 });
    expect(error.message).toContain('line 4 (entry 2)');
    expect(error.message).toContain('changed after the run');
  });

  it('refuses an LR with one digit changed', async () => {
    const copy = [...lines];
    const lr = String(0.1 / 5);
    const digit = lr.at(-1) === '1' ? '2' : '1';
    expect(copy[3]).toContain(`"lr":${lr},`);
    copy[3] = copy[3]!.replace(`"lr":${lr},`, `"lr":${lr.slice(0, -1)}${digit},`);
    await saveLines(copy);
    expect(await refusal(5)).toMatchObject({ line: 4, entry: 2 });
  });

  it('refuses an edited header at the first entry', async () => {
    await saveLines(edited(1, (f) => (f['seed'] = 8)));
    expect(await refusal(5)).toMatchObject({ line: 2, entry: 0 });
  });

  it('refuses a log with a middle line deleted, at the line that took its place', async () => {
    await saveLines(lines.filter((_, k) => k !== 3));
    expect(await refusal()).toMatchObject({ line: 4, entry: 2 });
  });

  it('refuses a line deleted and the chain rebuilt after it, by the indices alone', async () => {
    // A forger who recomputes every later hash passes the chain; i counting from 0 still shows the gap.
    const kept = lines.filter((_, k) => k !== 3);
    let previous = sha256(kept[0]!);
    const rechained = kept.map((line, k) => {
      if (k === 0) return line;
      const { hash: _, ...entry } = JSON.parse(line);
      previous = sha256(`${previous}\n${JSON.stringify(entry)}`);
      return JSON.stringify({ ...entry, hash: previous });
    });
    await saveLines(rechained);
    const error = await refusal();
    expect(error).toMatchObject({ line: 4, entry: 2 });
    expect(error.message).toContain('i = 3');
  });

  it('refuses a log truncated mid-line', async () => {
    const text = lines.map((l) => `${l}\n`).join('');
    await save(text.slice(0, text.length - 40));
    expect(await refusal()).toMatchObject({ line: 6, entry: 4 });
  });

  it('refuses a last line that lost only its line end', async () => {
    await save(lines.join('\n'));
    expect(await refusal()).toMatchObject({ line: 6, entry: 4 });
  });

  it('refuses a log truncated at a line end when told how many entries the run decided', async () => {
    await saveLines(lines.slice(0, 4));
    // The chain alone cannot see it.
    expect((await readArrivalLog(path)).entries).toHaveLength(3);
    const error = await refusal(5);
    expect(error.message).toContain('holds 3 entries');
    expect(error.message).toContain('recorded 5 decisions');
  });

  it('refuses more entries than the run decided', async () => {
    expect(await refusal(4)).toMatchObject({ line: null });
  });

  it('refuses a header of another version, naming it', async () => {
    await saveLines(edited(1, (f) => (f['version'] = 2)));
    const error = await refusal();
    expect(error).toMatchObject({ line: 1, entry: null });
    expect(error.message).toContain('version 2');
  });

  it('refuses a file that is not an arrival log', async () => {
    await saveLines(edited(1, (f) => (f['format'] = 'dptrain-metrics')));
    expect((await refusal()).message).toContain('"dptrain-metrics"');
  });

  it.each([
    ['an unknown key', (f: Record<string, unknown>) => (f['extra'] = 1)],
    ['a missing key', (f: Record<string, unknown>) => delete f['tau']],
    ['a string where a number belongs', (f: Record<string, unknown>) => (f['rank'] = '1')],
    ['a malformed hash', (f: Record<string, unknown>) => (f['hash'] = 'abc')],
  ])('refuses an entry with %s, naming its line', async (_, change) => {
    await saveLines(edited(3, change));
    expect(await refusal()).toMatchObject({ line: 3, entry: 1 });
  });

  it('refuses a line that is not JSON', async () => {
    const copy = [...lines];
    copy[2] = copy[2]!.slice(1);
    await saveLines(copy);
    expect(await refusal()).toMatchObject({ line: 3, entry: 1 });
  });

  it('refuses an empty file and a missing one', async () => {
    await save('');
    expect(await refusal()).toMatchObject({ line: 1 });
    await rm(path);
    expect((await refusal()).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a line longer than the bound before reading it whole', async () => {
    await save(`${lines[0]}\n${'x'.repeat(MAX_ARRIVAL_LINE_CHARS + 1)}`);
    expect(await refusal()).toMatchObject({ line: 2, entry: 0 });
  });

  it('refuses an expectedEntries that is not a count', async () => {
    await expect(readArrivalLog(path, -1)).rejects.toMatchObject({ code: 'ERR_REPLAY_ARGUMENT' });
  });
});

describe('readArrivalPrefix: the entries up to a checkpoint, and nothing after them', () => {
  it('gives back the header and the first n entries, for every n up to the whole log', async () => {
    for (let n = 0; n <= 5; n++) {
      const prefix = await readArrivalPrefix(path, n);
      expect(prefix.header).toEqual(HEADER);
      expect(prefix.entries).toEqual(sampleEntries().slice(0, n));
    }
  });

  it('ignores what follows the prefix: a line cut short by a crash, or damage', async () => {
    const text = lines.map((l) => `${l}\n`).join('');
    await save(text.slice(0, text.length - 40));
    expect((await readArrivalPrefix(path, 4)).entries).toHaveLength(4);
    await saveLines([...lines.slice(0, 4), 'not json', lines[5]!]);
    expect((await readArrivalPrefix(path, 3)).entries).toHaveLength(3);
  });

  it('refuses a log shorter than the prefix, or damaged within it, naming the line', async () => {
    await saveLines(lines.slice(0, 4));
    const short = await readArrivalPrefix(path, 4).catch((e: unknown) => e);
    expect(short).toMatchObject({ code: 'ERR_REPLAY_LOG', entry: 3 });
    expect((short as Error).message).toContain('holds 3 complete entries');
    await saveLines(edited(3, (f) => (f['applied'] = !f['applied'])));
    expect(await readArrivalPrefix(path, 4).catch((e: unknown) => e)).toMatchObject({
      code: 'ERR_REPLAY_LOG',
      line: 3,
    });
  });

  it('refuses a prefix length that is not a count', async () => {
    for (const n of [-1, 1.5, Number.NaN]) {
      expect(await readArrivalPrefix(path, n).catch((e: unknown) => e)).toMatchObject({
        code: 'ERR_REPLAY_ARGUMENT',
      });
    }
  });
});

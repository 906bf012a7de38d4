import { createReadStream } from 'node:fs';
import { ReplayError } from '../errors.js';
import type { ArrivalEntry, ArrivalHeader } from './arrival-log.js';
import { chainHash, ENTRY_KEYS, entryJson, HEADER_KEYS, headerHash } from './chain.js';
import { entryProblem, headerProblem, isHash, keysProblem, versionProblem } from './check.js';

/** An arrival log as read back and verified. */
export interface ArrivalLog {
  readonly header: ArrivalHeader;
  readonly entries: ArrivalEntry[];
}

/** An unfinished line longer than this is refused before it is held whole: the writer's lines are a few hundred characters, so it is damage, not data. */
export const MAX_ARRIVAL_LINE_CHARS = 64 * 1024;

const LINE_KEYS: readonly string[] = [...ENTRY_KEYS, 'hash'];
/** present only on a batch a survivor took over from a lost rank */
const OPTIONAL_KEYS: readonly string[] = ['shard'];
const BUILD_KEYS: readonly string[] = ['simd', 'threads'];

const CHANGED =
  'the log was changed after the run (tampered with or truncated); replay needs the file the run wrote';

/**
 * Reads arrivals.jsonl and verifies it: the header's format and version, each line's JSON and fields, `i`
 * counting from 0 and the hash chain. A chain cannot see a log cut at a line end, so pass the number of
 * decisions the run's summary records as `expectedEntries` to refuse a shorter log. Throws ReplayError
 * `ERR_REPLAY_LOG` naming the line.
 *
 * @example
 * const { header, entries } = await readArrivalLog(join(dir, 'arrivals.jsonl'), decisions);
 */
export async function readArrivalLog(path: string, expectedEntries?: number): Promise<ArrivalLog> {
  if (expectedEntries !== undefined)
    checkCount('expectedEntries', expectedEntries, 'the decisions the run recorded');
  const reader = new Verifier(path);
  const pending = await readLines(reader, Number.POSITIVE_INFINITY);
  // Every line the writer writes ends with '\n': text after the last one is a line cut short.
  if (pending !== '') throw reader.fault(`has no line end: ${CHANGED}`, 1);
  return reader.result(expectedEntries);
}

/**
 * Reads the header and the first `entries` entries of arrivals.jsonl, verified as `readArrivalLog` does, and
 * nothing after them: what a resumed async run continues from (the entries decided up to its checkpoint; later
 * lines, even one cut short by a crash, are the part the resume cuts off). Throws ReplayError `ERR_REPLAY_LOG`
 * when the log is damaged within that prefix or holds fewer entries.
 *
 * @example
 * const prefix = await readArrivalPrefix(join(dir, 'arrivals.jsonl'), 120); prefix.entries.length; // 120
 */
export async function readArrivalPrefix(path: string, entries: number): Promise<ArrivalLog> {
  checkCount('entries', entries, 'the decisions up to the checkpoint');
  const reader = new Verifier(path);
  await readLines(reader, entries + 1);
  const found = reader.entries;
  if (reader.lines < entries + 1) {
    const cut = found === 0 ? 'its header' : `entry ${found - 1}`;
    throw new ReplayError(
      'ERR_REPLAY_LOG',
      `arrival log ${path} holds ${found} complete entries, but the checkpoint follows ${entries} decisions: ` +
        `the log ends after ${cut}, so it is not the log this checkpoint was written beside`,
      { line: null, entry: found },
    );
  }
  return reader.result(undefined);
}

function checkCount(name: string, value: number, what: string): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new ReplayError(
      'ERR_REPLAY_ARGUMENT',
      `${name} must be an integer ≥ 0 (${what}), received ${value}`,
    );
  }
}

/** Feeds `reader` the file's lines until `limit` lines were read or the file ends; returns the unfinished rest. */
async function readLines(reader: Verifier, limit: number): Promise<string> {
  let pending = '';
  try {
    for await (const chunk of createReadStream(reader.path, { encoding: 'utf8' })) {
      pending += chunk as string;
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        reader.line(pending.slice(start, end));
        start = end + 1;
        // Leaving the loop closes the stream: what follows the prefix is never read.
        if (reader.lines >= limit) return '';
      }
      pending = pending.slice(start);
      if (pending.length > MAX_ARRIVAL_LINE_CHARS) {
        throw reader.fault(`is longer than ${MAX_ARRIVAL_LINE_CHARS} characters with no line end`, 1);
      }
    }
  } catch (cause) {
    if (cause instanceof ReplayError) throw cause;
    throw new ReplayError(
      'ERR_REPLAY_LOG',
      `cannot read the arrival log ${reader.path}: ${(cause as Error).message}; pass the arrivals.jsonl of an async run's directory`,
      { cause },
    );
  }
  return pending;
}

/** Checks lines one by one as they arrive, carrying the chain. */
class Verifier {
  #lines = 0;
  #header: ArrivalHeader | null = null;
  #previous = '';
  readonly #entries: ArrivalEntry[] = [];

  constructor(readonly path: string) {}

  /** Lines read so far, the header's included. */
  get lines(): number {
    return this.#lines;
  }

  /** Entries read and verified so far. */
  get entries(): number {
    return this.#entries.length;
  }

  line(text: string): void {
    this.#lines += 1;
    if (this.#header === null) this.#readHeader(text);
    else this.#readEntry(text);
  }

  /** An error for the line `ahead` of the last one read (1: the line being read now, when it did not end). */
  fault(problem: string, ahead = 0): ReplayError {
    const line = this.#lines + ahead;
    const entry = line >= 2 ? line - 2 : null;
    const where = entry === null ? `line ${line} (the header)` : `line ${line} (entry ${entry})`;
    return new ReplayError('ERR_REPLAY_LOG', `arrival log ${this.path} ${where} ${problem}`, { line, entry });
  }

  result(expectedEntries: number | undefined): ArrivalLog {
    if (this.#header === null) throw this.fault('is missing: the file is empty, not an arrival log', 1);
    const found = this.#entries.length;
    if (expectedEntries !== undefined && found !== expectedEntries) {
      const cut = found === 0 ? 'its header' : `entry ${found - 1}`;
      const what =
        found < expectedEntries
          ? `the log was truncated after ${cut}; replay needs the file the run wrote`
          : 'the log belongs to another run, or the summary was changed';
      throw new ReplayError(
        'ERR_REPLAY_LOG',
        `arrival log ${this.path} holds ${found} entries but the run recorded ${expectedEntries} decisions: ${what}`,
        { line: null, entry: found < expectedEntries ? found : expectedEntries },
      );
    }
    return { header: this.#header, entries: this.#entries };
  }

  #parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw this.fault(`is not valid JSON: ${CHANGED}`);
    }
  }

  #readHeader(text: string): void {
    const value = this.#parse(text);
    // The version first: the other fields mean nothing in a log of another layout.
    const problem =
      versionProblem(value) ??
      keysProblem(value as Record<string, unknown>, HEADER_KEYS) ??
      headerProblem(value) ??
      keysProblem((value as { build: Record<string, unknown> }).build, BUILD_KEYS, ' in build');
    if (problem !== null) throw this.fault(`is refused: ${problem}`);
    this.#header = value as ArrivalHeader;
    this.#previous = headerHash(text);
  }

  #readEntry(text: string): void {
    const value = this.#parse(text);
    const fields = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
    const problem =
      (fields === null ? 'not a JSON object' : null) ??
      keysProblem(fields as Record<string, unknown>, LINE_KEYS, '', OPTIONAL_KEYS) ??
      entryProblem(value) ??
      (isHash((fields as { hash?: unknown }).hash) ? null : 'hash must be 64 lowercase hex digits');
    if (problem !== null) throw this.fault(`is damaged (${problem}): ${CHANGED}`);
    const { hash, ...entry } = value as ArrivalEntry & { hash: string };
    const expected = this.#entries.length;
    if (entry.i !== expected) {
      throw this.fault(
        `has i = ${entry.i} where ${expected} comes next: an entry was removed, repeated or moved; ${CHANGED}`,
      );
    }
    const json = entryJson(entry);
    const computed = chainHash(this.#previous, json);
    if (computed !== hash) {
      throw this.fault(
        `does not chain to the line before it (an entry edited or removed, or the header edited): ${CHANGED}`,
      );
    }
    this.#entries.push(entry);
    this.#previous = hash;
  }
}
